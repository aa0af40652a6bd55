package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.Throttle = (*Store)(nil)

// ThrottleMemory is how long a throttle key is remembered after its last
// attempt; the item's TTL follows it.
const ThrottleMemory = 24 * time.Hour

type throttleItem struct {
	Attempts    int
	NotBefore   int64 // Unix milliseconds: no attempt is admitted earlier
	LastAttempt int64 // Unix milliseconds
}

// Admit reads the key, then writes the next count and wait only if the count
// is still the one read: of two racing attempts the second re-reads and is
// counted after the first, so parallel guesses cannot share one slot.
func (s *Store) Admit(ctx context.Context, name string, now time.Time, delay func(int) time.Duration) (time.Duration, error) {
	for range 5 {
		var it throttleItem
		found, err := s.getConsistent(ctx, throttlePK(name), throttleSK, &it)
		if err != nil {
			return 0, err
		}
		seen := it.Attempts
		if found && now.Sub(time.UnixMilli(it.LastAttempt)) > ThrottleMemory {
			it = throttleItem{} // forgotten: TTL deletion lags
		}
		if notBefore := time.UnixMilli(it.NotBefore); found && now.Before(notBefore) {
			return notBefore.Sub(now), nil
		}
		n := it.Attempts + 1
		cond := "attribute_not_exists(PK)"
		vals := map[string]types.AttributeValue{
			":n": num(n), ":nb": num(now.Add(delay(n)).UnixMilli()), ":now": num(now.UnixMilli()),
			":exp": num(now.Add(ThrottleMemory).Unix()), ":type": str("throttle"),
		}
		if found {
			cond, vals[":seen"] = "Attempts = :seen", num(seen)
		}
		_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key(throttlePK(name), throttleSK),
			UpdateExpression:         aws.String("SET Attempts = :n, NotBefore = :nb, LastAttempt = :now, ExpiresAt = :exp, #t = :type"),
			ConditionExpression:      aws.String(cond),
			ExpressionAttributeNames: map[string]string{"#t": "Type"}, ExpressionAttributeValues: vals,
		})
		if isConditionFailed(err) {
			continue // another attempt was counted meanwhile: count this one after it
		}
		if err != nil {
			return 0, fmt.Errorf("admit %s: %w", name, err)
		}
		return 0, nil
	}
	// Five lost races in a row: the key is under a flood; the caller waits.
	return time.Second, nil
}

// Forgive subtracts one attempt, never below zero.
func (s *Store) Forgive(ctx context.Context, name string) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(throttlePK(name), throttleSK),
		UpdateExpression:          aws.String("ADD Attempts :minus"),
		ConditionExpression:       aws.String("Attempts > :zero"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":minus": num(-1), ":zero": num(0)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("forgive %s: %w", name, err)
	}
	return nil
}

// Reset deletes the key's item.
func (s *Store) Reset(ctx context.Context, name string) error {
	return s.delete(ctx, throttlePK(name), throttleSK)
}
