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

var _ switchboard.IdempotencyStore = (*Store)(nil)

type idempotencyItem struct {
	PK, SK, Type string
	RequestHash  string
	ClaimedAt    int64 // epoch milliseconds
	ExpiresAt    int64 // TTL attribute, epoch seconds
	Done         bool
	Status       int
	Body         string
}

func (it idempotencyItem) request(r switchboard.IdempotentRequest) switchboard.IdempotentRequest {
	r.RequestHash, r.Done, r.Status, r.Body = it.RequestHash, it.Done, it.Status, it.Body
	r.ClaimedAt, r.ExpiresAt = time.UnixMilli(it.ClaimedAt), time.Unix(it.ExpiresAt, 0)
	return r
}

// ClaimIdempotencyKey puts the claim only if the key is free: never used,
// expired but not yet swept by TTL, or claimed by a request that died
// before finishing.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, r switchboard.IdempotentRequest, stale time.Duration) (switchboard.IdempotentRequest, bool, error) {
	pk := idempotencyPK(r.AccountID, r.ConnectionID, r.KeyHash)
	av, err := attributevalue.MarshalMap(idempotencyItem{PK: pk, SK: idempotencySK, Type: "idempotency",
		RequestHash: r.RequestHash, ClaimedAt: r.ClaimedAt.UnixMilli(), ExpiresAt: r.ExpiresAt.Unix()})
	if err != nil {
		return switchboard.IdempotentRequest{}, false, fmt.Errorf("marshal idempotency claim: %w", err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK) OR ExpiresAt <= :now OR (Done = :false AND ClaimedAt < :stale)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(r.ClaimedAt.Unix()), ":false": boolean(false), ":stale": num(r.ClaimedAt.Add(-stale).UnixMilli()),
		},
	})
	if err == nil {
		return r, true, nil
	}
	if !isConditionFailed(err) {
		return switchboard.IdempotentRequest{}, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	var it idempotencyItem
	found, err := s.getConsistent(ctx, pk, idempotencySK, &it)
	if err != nil {
		return switchboard.IdempotentRequest{}, false, err
	}
	if !found { // released between the two calls: the caller may retry
		return switchboard.IdempotentRequest{}, false, switchboard.Errorf(switchboard.EConflict, "A request with this Idempotency-Key is being processed; retry shortly.")
	}
	return it.request(r), false, nil
}

// CompleteIdempotencyKey stores the response under the caller's own claim.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, r switchboard.IdempotentRequest) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(idempotencyPK(r.AccountID, r.ConnectionID, r.KeyHash), idempotencySK),
		UpdateExpression:         aws.String("SET Done = :true, #s = :status, Body = :body"),
		ConditionExpression:      aws.String("RequestHash = :hash AND ClaimedAt = :claimed"),
		ExpressionAttributeNames: map[string]string{"#s": "Status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true": boolean(true), ":status": num(r.Status), ":body": str(r.Body),
			":hash": str(r.RequestHash), ":claimed": num(r.ClaimedAt.UnixMilli()),
		},
	})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.EConflict, "the Idempotency-Key claim was taken over")
	}
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey deletes the caller's own unfinished claim.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, r switchboard.IdempotentRequest) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(s.table),
		Key:                 key(idempotencyPK(r.AccountID, r.ConnectionID, r.KeyHash), idempotencySK),
		ConditionExpression: aws.String("ClaimedAt = :claimed AND Done = :false"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":claimed": num(r.ClaimedAt.UnixMilli()), ":false": boolean(false),
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
