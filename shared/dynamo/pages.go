package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// gsi1Page reads one page of the GSI1 partition pk. The cursor must come
// from the same partition: a cursor of another listing, or another
// tenant's, is refused rather than used as a starting point.
func gsi1Page[T any](ctx context.Context, s *Store, pk string, newestFirst bool, p switchboard.PageRequest, what string) ([]T, string, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(!newestFirst),
	}
	return queryPage[T](ctx, s, in, p, []string{"PK", "SK", "GSI1PK", "GSI1SK"}, func(c map[string]string) bool { return c["GSI1PK"] == pk }, what)
}

// queryPage runs one page of in, resuming after the cursor when valid
// accepts it.
func queryPage[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, p switchboard.PageRequest, attrs []string, valid func(map[string]string) bool, what string) ([]T, string, error) {
	if err := p.Validate(); err != nil {
		return nil, "", err
	}
	limit := p.Limit
	if limit == 0 {
		limit = switchboard.DefaultPageSize
	}
	in.Limit = aws.Int32(int32(limit))
	if p.Cursor != "" {
		start, plain, err := decodeCursor(p.Cursor, attrs...)
		if err != nil {
			return nil, "", err
		}
		if !valid(plain) {
			return nil, "", switchboard.Errorf(switchboard.EInvalid, "cursor is not valid for this listing")
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("query %s: %w", what, err)
	}
	items := []T{}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, "", fmt.Errorf("unmarshal %s: %w", what, err)
	}
	next, err := encodeCursor(out.LastEvaluatedKey)
	if err != nil {
		return nil, "", err
	}
	// A full page may be the last one; DynamoDB then returns a key that
	// leads to an empty page. Peeking would cost a read per page: an empty
	// last page is cheaper and clients handle it.
	return items, next, nil
}
