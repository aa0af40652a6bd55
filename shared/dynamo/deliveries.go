package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.DeliveryStore = (*Store)(nil)

// deliveryRetention is how long delivery records stay: past the last
// retry (about a day), long enough to look into a failure and redeliver.
const deliveryRetention = 30 * 24 * time.Hour

// deliveryItem is a delivery in its account's partition, listed by app in
// GSI2 and, while pending, by due time in GSI1 (sparse).
type deliveryItem struct {
	PK, SK, Type string
	GSI1PK       string `dynamodbav:",omitempty"`
	GSI1SK       string `dynamodbav:",omitempty"`
	GSI2PK       string
	GSI2SK       string
	ExpiresAt    int64 // TTL attribute
	// EventType keeps the delivery's own type: the embedded Delivery.Type
	// would otherwise be shadowed by the item's kind, Type.
	EventType string
	switchboard.Delivery
}

func (it deliveryItem) delivery() switchboard.Delivery {
	d := it.Delivery
	d.Type = it.EventType
	return d
}

func newDeliveryItem(d switchboard.Delivery) deliveryItem {
	it := deliveryItem{PK: accountPK(d.AccountID), SK: deliverySK(d.EventID), Type: "delivery",
		GSI2PK: appDeliveriesPK(d.AppID), GSI2SK: d.EventID,
		ExpiresAt: d.CreatedAt.Add(deliveryRetention).Unix(), EventType: d.Type, Delivery: d}
	if d.State == switchboard.DeliveryPending && d.NextAttemptAt != nil {
		it.GSI1PK, it.GSI1SK = deliveriesDuePK, deliveriesDueSK(*d.NextAttemptAt, d.AccountID, d.EventID)
	}
	return it
}

// CreateDelivery writes a new delivery; its key is the event id, so a
// retried write conflicts instead of duplicating.
func (s *Store) CreateDelivery(ctx context.Context, d switchboard.Delivery) error {
	d.Version = 1
	return s.putNew(ctx, newDeliveryItem(d), "delivery "+d.EventID)
}

// GetDelivery reads a delivery inside its account; an expired one is gone.
func (s *Store) GetDelivery(ctx context.Context, accountID, eventID string) (switchboard.Delivery, error) {
	var it deliveryItem
	found, err := s.get(ctx, accountPK(accountID), deliverySK(eventID), &it)
	if err != nil {
		return switchboard.Delivery{}, err
	}
	if !found || it.ExpiresAt <= s.now().Unix() {
		return switchboard.Delivery{}, switchboard.Errorf(switchboard.ENotFound, "delivery not found")
	}
	return it.delivery(), nil
}

// SaveDelivery replaces the delivery if its version is unchanged: this is
// the lease of the retrier, so two runs never send the same attempt.
func (s *Store) SaveDelivery(ctx context.Context, d switchboard.Delivery) (switchboard.Delivery, error) {
	current := d.Version
	d.Version++
	if err := s.putVersioned(ctx, newDeliveryItem(d), current, "delivery "+d.EventID); err != nil {
		return switchboard.Delivery{}, err
	}
	return d, nil
}

// DeleteDelivery removes a delivery.
func (s *Store) DeleteDelivery(ctx context.Context, accountID, eventID string) error {
	return s.delete(ctx, accountPK(accountID), deliverySK(eventID))
}

// ListDueDeliveries reads the due part of GSI1's sparse partition, earliest
// first.
func (s *Store) ListDueDeliveries(ctx context.Context, now time.Time, limit int) ([]switchboard.Delivery, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(indexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(deliveriesDuePK), ":now": str(deliveriesDueSK(now, "~", "")),
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("query due deliveries: %w", err)
	}
	var items []deliveryItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, fmt.Errorf("unmarshal due deliveries: %w", err)
	}
	ds := make([]switchboard.Delivery, 0, len(items))
	for _, it := range items {
		ds = append(ds, it.delivery())
	}
	return ds, nil
}

// deliveryFilter builds the filter expression of f's non-time fields.
func deliveryFilter(f switchboard.DeliveryFilter, values map[string]types.AttributeValue) *string {
	var conds []string
	if f.ConnectionID != "" {
		conds = append(conds, "ConnectionID = :conn")
		values[":conn"] = str(f.ConnectionID)
	}
	if f.AppID != "" {
		conds = append(conds, "AppID = :app")
		values[":app"] = str(f.AppID)
	}
	if f.State != "" {
		conds = append(conds, "#state = :state")
		values[":state"] = str(string(f.State))
	}
	// TTL deletes expired items days late: filter them out on read.
	conds = append(conds, "ExpiresAt > :nowttl")
	return aws.String(strings.Join(conds, " AND "))
}

// ListDeliveries reads an account's delivery log backwards; the time range
// is a key range, the rest filters the page read.
func (s *Store) ListDeliveries(ctx context.Context, accountID string, f switchboard.DeliveryFilter, p switchboard.PageRequest) (switchboard.DeliveryPage, error) {
	pk := accountPK(accountID)
	lo, hi := switchboard.EventIDRange(f.From, f.To)
	return s.listDeliveries(ctx, f, p, "PK", "SK", pk, deliverySK(lo), deliverySK(hi), "", []string{"PK", "SK"},
		func(c map[string]string) bool { return c["PK"] == pk && strings.HasPrefix(c["SK"], deliverySKPrefix) })
}

// ListAppDeliveries reads an app's delivery log, across accounts, from GSI2.
func (s *Store) ListAppDeliveries(ctx context.Context, appID string, f switchboard.DeliveryFilter, p switchboard.PageRequest) (switchboard.DeliveryPage, error) {
	pk := appDeliveriesPK(appID)
	lo, hi := switchboard.EventIDRange(f.From, f.To)
	return s.listDeliveries(ctx, f, p, "GSI2PK", "GSI2SK", pk, lo, hi, indexGSI2, []string{"PK", "SK", "GSI2PK", "GSI2SK"},
		func(c map[string]string) bool { return c["GSI2PK"] == pk })
}

func (s *Store) listDeliveries(ctx context.Context, f switchboard.DeliveryFilter, p switchboard.PageRequest, pkAttr, skAttr, pk, lo, hi, index string, attrs []string, valid func(map[string]string) bool) (switchboard.DeliveryPage, error) {
	if err := f.Validate(); err != nil {
		return switchboard.DeliveryPage{}, err
	}
	values := map[string]types.AttributeValue{":pk": str(pk), ":lo": str(lo), ":hi": str(hi), ":nowttl": num(s.now().Unix())}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table),
		// hi is a bare time prefix no event id equals, so BETWEEN
		// leaves out the events at To.
		KeyConditionExpression:    aws.String(pkAttr + " = :pk AND " + skAttr + " BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: values,
		FilterExpression:          deliveryFilter(f, values),
		ScanIndexForward:          aws.Bool(false),
	}
	if f.State != "" {
		in.ExpressionAttributeNames = map[string]string{"#state": "State"}
	}
	if index != "" {
		in.IndexName = aws.String(index)
	}
	items, next, err := queryPage[deliveryItem](ctx, s, in, p, attrs, valid, "deliveries")
	if err != nil {
		return switchboard.DeliveryPage{}, err
	}
	page := switchboard.DeliveryPage{Deliveries: make([]switchboard.Delivery, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Deliveries = append(page.Deliveries, it.delivery())
	}
	return page, nil
}
