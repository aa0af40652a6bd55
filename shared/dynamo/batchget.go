package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// batchGet reads up to 100 items by key in one BatchGetItem, calling each
// for every item found (in no particular order). DynamoDB may leave keys
// unprocessed under load: they are asked again, with a short growing
// pause, a bounded number of times. what names the read in errors.
func (s *Store) batchGet(ctx context.Context, what string, keys []map[string]types.AttributeValue, each func(map[string]types.AttributeValue) error) error {
	for attempt := 0; len(keys) > 0; attempt++ {
		if attempt == 5 {
			return fmt.Errorf("read %s: %d keys left unprocessed", what, len(keys))
		}
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		res, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{s.table: {Keys: keys}}})
		if err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		for _, it := range res.Responses[s.table] {
			if err := each(it); err != nil {
				return err
			}
		}
		keys = res.UnprocessedKeys[s.table].Keys
	}
	return nil
}
