package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// errRefused is a transaction cancelled because the conditions of the
// items at Failed (indexes into the items written) did not hold.
type errRefused struct{ Failed []int }

func (e *errRefused) Error() string { return fmt.Sprintf("conditions of items %v failed", e.Failed) }

// refused reports whether err is a transaction whose condition on item i
// failed.
func refused(err error, i int) bool {
	var r *errRefused
	if !errors.As(err, &r) {
		return false
	}
	for _, f := range r.Failed {
		if f == i {
			return true
		}
	}
	return false
}

// cancelled reports whether a transaction of transact was cancelled: refused
// by a condition, lost a race, or called off for another reason.
func cancelled(err error) bool {
	var r *errRefused
	var c *types.TransactionCanceledException
	return errors.As(err, &r) || errors.As(err, &c) || switchboard.ErrorCode(err) == switchboard.EConflict
}

// transact writes items all or nothing, for a rule that spans items. token
// (at most 36 characters; "" lets the SDK make one per call) is the
// request's ClientRequestToken: when an answer is lost and the SDK sends the
// request again, DynamoDB recognises it and answers success without
// applying it twice, where a plain retry would trip over its own first
// write. A transaction refused by its conditions returns *errRefused; one
// that lost a race with another transaction returns EConflict.
func (s *Store) transact(ctx context.Context, token, what string, items []types.TransactWriteItem) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	_, err := s.client.TransactWriteItems(ctx, in)
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		r := &errRefused{}
		for i, reason := range cancelled.CancellationReasons {
			switch aws.ToString(reason.Code) {
			case "ConditionalCheckFailed":
				r.Failed = append(r.Failed, i)
			case "TransactionConflict":
				return switchboard.Errorf(switchboard.EConflict, "%s raced another change; try again", what)
			}
		}
		if len(r.Failed) > 0 {
			return r
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

// txPut is a Put of item under cond (values for its placeholders).
func (s *Store) txPut(item any, cond string, values map[string]types.AttributeValue) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("marshal %T: %w", item, err)
	}
	p := &types.Put{TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String(cond)}
	if len(values) > 0 {
		p.ExpressionAttributeValues = values
	}
	return types.TransactWriteItem{Put: p}, nil
}

// txPutNew is a Put of an item whose key must be free.
func (s *Store) txPutNew(item any) (types.TransactWriteItem, error) {
	return s.txPut(item, "attribute_not_exists(PK)", nil)
}

// txDelete is a Delete of the item at pk, sk under cond.
func (s *Store) txDelete(pk, sk, cond string, values map[string]types.AttributeValue) types.TransactWriteItem {
	d := &types.Delete{TableName: aws.String(s.table), Key: key(pk, sk)}
	if cond != "" {
		d.ConditionExpression, d.ExpressionAttributeValues = aws.String(cond), values
	}
	return types.TransactWriteItem{Delete: d}
}
