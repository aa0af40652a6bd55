// Package dynamo keeps Switchboard's entities in one DynamoDB table. It turns
// SDK errors into domain errors at its boundary, so callers switch on codes,
// not on AWS exception types.
package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Store is the DynamoDB implementation of the domain's store interfaces.
type Store struct {
	client        *dynamodb.Client
	table         string
	now           func() time.Time
	callRetention time.Duration           // 0: 90 days
	readBudget    int                     // items a filtered page may read; 0: pageReadBudget
	batches       switchboard.BodyBatches // where the roll-up archives kept bodies; nil: nowhere yet
}

var (
	_ switchboard.AppCatalog        = (*Store)(nil)
	_ switchboard.DeveloperAppStore = (*Store)(nil)
)

// New returns a Store on table. The clock is injectable for tests of
// time-dependent rules.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table, now: time.Now}
}

// WithClock returns a copy of s that reads time from now.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Probe reports whether the table exists and accepts requests.
func (s *Store) Probe(ctx context.Context) error {
	out, err := s.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	if err != nil {
		return fmt.Errorf("describe table %s: %w", s.table, err)
	}
	if out.Table.TableStatus != types.TableStatusActive && out.Table.TableStatus != types.TableStatusUpdating {
		return fmt.Errorf("table %s is %s", s.table, out.Table.TableStatus)
	}
	return nil
}

// isConditionFailed reports whether err is a failed ConditionExpression, the
// signal for "already exists" or "changed meanwhile".
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// encodeCursor makes LastEvaluatedKey opaque to clients. It holds only key
// attributes, which are strings in this table.
func encodeCursor(key map[string]types.AttributeValue) (string, error) {
	if len(key) == 0 {
		return "", nil
	}
	plain := make(map[string]string, len(key))
	for k, v := range key {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("cursor key %s is %T, want a string", k, v)
		}
		plain[k] = s.Value
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeCursor reverses encodeCursor and checks the key has exactly the
// attributes of the index it will restart, so a forged cursor is rejected as
// invalid input instead of reaching DynamoDB as a ValidationException.
func decodeCursor(cursor string, attrs ...string) (map[string]types.AttributeValue, map[string]string, error) {
	invalid := switchboard.Errorf(switchboard.EInvalid, "cursor is not valid for this listing")
	if len(cursor) > 2048 {
		return nil, nil, invalid
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, nil, invalid
	}
	var plain map[string]string
	if err := json.Unmarshal(b, &plain); err != nil || len(plain) != len(attrs) {
		return nil, nil, invalid
	}
	key := make(map[string]types.AttributeValue, len(attrs))
	for _, a := range attrs {
		v, ok := plain[a]
		if !ok || v == "" {
			return nil, nil, invalid
		}
		key[a] = &types.AttributeValueMemberS{Value: v}
	}
	return key, plain, nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": str(pk), "SK": str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num[N int | int64](n N) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

func boolean(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }

// queryAll runs in to its last page and unmarshals every item as T; what
// names the items in errors.
func queryAll[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, what string) ([]T, error) {
	var out []T
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", what, err)
		}
		var items []T
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("unmarshal %s: %w", what, err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// prefixQuery selects the items of partition pk whose sort key starts with
// prefix: an account's connections, teams or users.
func (s *Store) prefixQuery(pk, prefix string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":sk": str(prefix)},
	}
}
