package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.EndpointStore = (*Store)(nil)

// endpointItem is an app's callback endpoint health, listed in GSI1's
// notices partition (sparse) while an email is owed.
type endpointItem struct {
	PK, SK, Type string
	GSI1PK       string `dynamodbav:",omitempty"`
	GSI1SK       string `dynamodbav:",omitempty"`
	switchboard.CallbackEndpoint
}

func newEndpointItem(e switchboard.CallbackEndpoint) endpointItem {
	it := endpointItem{PK: appPK(e.AppID), SK: endpointSK, Type: "callbackEndpoint", CallbackEndpoint: e}
	if e.Notice != "" && e.NoticeDue != nil {
		it.GSI1PK, it.GSI1SK = endpointNoticesPK, endpointNoticesSK(*e.NoticeDue, e.AppID)
	}
	return it
}

func (it endpointItem) endpoint() switchboard.CallbackEndpoint {
	e := it.CallbackEndpoint
	if e.State == "" {
		e.State = switchboard.EndpointActive
	}
	return e
}

// GetCallbackEndpoint reads the endpoint consistently: its version guards
// the read-modify-write of every outcome.
func (s *Store) GetCallbackEndpoint(ctx context.Context, appID string) (switchboard.CallbackEndpoint, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(appPK(appID), endpointSK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return switchboard.CallbackEndpoint{}, fmt.Errorf("get callback endpoint of %s: %w", appID, err)
	}
	if out.Item == nil {
		return switchboard.NewCallbackEndpoint(appID), nil
	}
	var it endpointItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return switchboard.CallbackEndpoint{}, fmt.Errorf("unmarshal callback endpoint of %s: %w", appID, err)
	}
	return it.endpoint(), nil
}

// SaveCallbackEndpoint writes e under its version: a first write claims
// the key, later ones need the version read.
func (s *Store) SaveCallbackEndpoint(ctx context.Context, e switchboard.CallbackEndpoint) (switchboard.CallbackEndpoint, error) {
	current := e.Version
	e.Version++
	what := "callback endpoint of " + e.AppID
	av, err := attributevalue.MarshalMap(newEndpointItem(e))
	if err != nil {
		return switchboard.CallbackEndpoint{}, fmt.Errorf("marshal %s: %w", what, err)
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}
	if current == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		in.ConditionExpression = aws.String("Version = :v")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(current)}
	}
	_, err = s.client.PutItem(ctx, in)
	if isConditionFailed(err) {
		return switchboard.CallbackEndpoint{}, switchboard.Errorf(switchboard.EConflict, "%s was changed meanwhile", what)
	}
	if err != nil {
		return switchboard.CallbackEndpoint{}, fmt.Errorf("put %s: %w", what, err)
	}
	return e, nil
}

// ListEndpointNotices reads the due part of GSI1's notices partition,
// earliest first.
func (s *Store) ListEndpointNotices(ctx context.Context, now time.Time, limit int) ([]switchboard.CallbackEndpoint, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk AND GSI1SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(endpointNoticesPK), ":now": str(endpointNoticesSK(now, "~"))},
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("query endpoint notices: %w", err)
	}
	var items []endpointItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, fmt.Errorf("unmarshal endpoint notices: %w", err)
	}
	es := make([]switchboard.CallbackEndpoint, 0, len(items))
	for _, it := range items {
		es = append(es, it.endpoint())
	}
	return es, nil
}
