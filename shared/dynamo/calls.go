package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.CallLog = (*Store)(nil)

type callItem struct {
	PK, SK, Type string
	StatusClass  string
	ExpiresAt    int64 // TTL attribute
	switchboard.Call
}

// WithCallRetention returns a copy of s whose call-log entries live d
// (LOG_RETENTION_DAYS), then expire by TTL.
func (s *Store) WithCallRetention(d time.Duration) *Store {
	c := *s
	c.callRetention = d
	return &c
}

// RecordCall writes the call twice in one BatchWriteItem round trip: under
// its time, for listing, and under its request id, for reading one entry.
// Both writes are idempotent puts of the same content.
func (s *Store) RecordCall(ctx context.Context, c switchboard.Call) error {
	retention := s.callRetention
	if retention == 0 {
		retention = 90 * 24 * time.Hour
	}
	base := callItem{PK: callPK(c.AccountID, c.ConnectionID), Type: "call", StatusClass: c.StatusClass(),
		ExpiresAt: c.At.Add(retention).Unix(), Call: c}
	var writes []types.WriteRequest
	for _, sk := range []string{callSK(c.At, c.RequestID), callByIDSK(c.RequestID)} {
		it := base
		it.SK = sk
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			return fmt.Errorf("marshal call %s: %w", c.RequestID, err)
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
	}
	writes = append(writes, feedWrite(c, s.now())) // the roll-ups' feed, see rollups.go
	req := map[string][]types.WriteRequest{s.table: writes}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt == 5 {
			return fmt.Errorf("record call %s: DynamoDB kept items unprocessed", c.RequestID)
		}
		out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		if err != nil {
			return fmt.Errorf("record call %s: %w", c.RequestID, err)
		}
		req = out.UnprocessedItems
		if len(req) > 0 {
			time.Sleep(time.Duration(10<<attempt) * time.Millisecond) // back off as DynamoDB asks
		}
	}
	return nil
}

// GetCall reads one call through its request-id item; expired entries are
// gone even before TTL deletes them.
func (s *Store) GetCall(ctx context.Context, accountID, connectionID, requestID string) (switchboard.Call, error) {
	var it callItem
	found, err := s.get(ctx, callPK(accountID, connectionID), callByIDSK(requestID), &it)
	if err != nil {
		return switchboard.Call{}, err
	}
	if !found || it.ExpiresAt <= s.now().Unix() {
		return switchboard.Call{}, switchboard.Errorf(switchboard.ENotFound, "call not found")
	}
	return it.Call, nil
}

// ListCalls reads the log backwards. The time range is a key condition;
// resource, method and status are filters on the page read.
func (s *Store) ListCalls(ctx context.Context, accountID, connectionID string, f switchboard.CallFilter) (switchboard.CallPage, error) {
	if err := f.Validate(); err != nil {
		return switchboard.CallPage{}, err
	}
	lo, hi := callSKPrefix, callSKPrefix+"~"
	if !f.From.IsZero() {
		lo = callSK(f.From, "")
	}
	if !f.To.IsZero() {
		lo2 := callSK(f.To, "")
		hi = lo2[:len(lo2)-1] // just before the first entry at To
	}
	values := map[string]types.AttributeValue{":pk": str(callPK(accountID, connectionID)), ":lo": str(lo), ":hi": str(hi), ":now": num(s.now().Unix())}
	conds := []string{"ExpiresAt > :now"}
	names := map[string]string{}
	if f.Resource != "" {
		conds = append(conds, "#r = :r")
		names["#r"], values[":r"] = "Resource", str(f.Resource)
	}
	if f.Method != "" {
		conds = append(conds, "#m = :m")
		names["#m"], values[":m"] = "Method", str(f.Method)
	}
	if f.Status != "" {
		if n, err := strconv.Atoi(f.Status); err == nil {
			conds = append(conds, "#s = :s")
			names["#s"], values[":s"] = "Status", num(n)
		} else {
			conds = append(conds, "StatusClass = :sc")
			values[":sc"] = str(f.Status)
		}
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		FilterExpression:          aws.String(strings.Join(conds, " AND ")),
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	pk := callPK(accountID, connectionID)
	items, next, err := queryPage[callItem](ctx, s, in, switchboard.PageRequest{Limit: f.Limit, Cursor: f.Cursor},
		[]string{"PK", "SK"}, func(c map[string]string) bool { return c["PK"] == pk && strings.HasPrefix(c["SK"], callSKPrefix) }, "calls")
	if err != nil {
		return switchboard.CallPage{}, err
	}
	page := switchboard.CallPage{Calls: make([]switchboard.Call, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Calls = append(page.Calls, it.Call)
	}
	return page, nil
}
