package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// appItem is an app as stored: the domain fields plus its keys.
type appItem struct {
	PK     string
	SK     string
	GSI1PK string
	GSI1SK string
	Type   string
	switchboard.App
}

// CreateApp stores app unless an app with its ID exists.
func (s *Store) CreateApp(ctx context.Context, app switchboard.App) error {
	if err := app.Validate(); err != nil {
		return err
	}
	if app.CreatedAt.IsZero() {
		app.CreatedAt = s.now().UTC()
	}
	item, err := attributevalue.MarshalMap(appItem{
		PK: appPK(app.ID), SK: appSK,
		GSI1PK: catalogPK, GSI1SK: catalogSK(app.Category, app.Name, app.ID),
		Type: "app", App: app,
	})
	if err != nil {
		return fmt.Errorf("marshal app %s: %w", app.ID, err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.EConflict, "an app with id %q already exists", app.ID)
	}
	if err != nil {
		return fmt.Errorf("put app %s: %w", app.ID, err)
	}
	return nil
}

// ListApps queries GSI1's catalog partition, narrowed to a category by a
// key prefix.
func (s *Store) ListApps(ctx context.Context, f switchboard.AppFilter) (switchboard.AppPage, error) {
	if err := f.Validate(); err != nil {
		return switchboard.AppPage{}, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = switchboard.DefaultPageSize
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: catalogPK}},
		Limit:                     aws.Int32(int32(limit)),
	}
	if f.Category != "" {
		in.KeyConditionExpression = aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :prefix)")
		in.ExpressionAttributeValues[":prefix"] = &types.AttributeValueMemberS{Value: catalogSKPrefix(f.Category)}
	}
	if f.Cursor != "" {
		key, plain, err := decodeCursor(f.Cursor, "PK", "SK", "GSI1PK", "GSI1SK")
		if err != nil {
			return switchboard.AppPage{}, err
		}
		inCategory := f.Category == "" || strings.HasPrefix(plain["GSI1SK"], catalogSKPrefix(f.Category))
		if plain["GSI1PK"] != catalogPK || !inCategory {
			return switchboard.AppPage{}, switchboard.Errorf(switchboard.EInvalid, "cursor is not valid for this listing")
		}
		in.ExclusiveStartKey = key
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return switchboard.AppPage{}, fmt.Errorf("query catalog: %w", err)
	}
	var items []appItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return switchboard.AppPage{}, fmt.Errorf("unmarshal catalog: %w", err)
	}
	page := switchboard.AppPage{Apps: make([]switchboard.App, 0, len(items))}
	for _, it := range items {
		page.Apps = append(page.Apps, it.App)
	}
	if page.NextCursor, err = encodeCursor(out.LastEvaluatedKey); err != nil {
		return switchboard.AppPage{}, err
	}
	return page, nil
}
