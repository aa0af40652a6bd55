package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// CallWrites exposes the puts RecordCall makes, so the logs benchmark can
// load a million calls in large batches in the very format RecordCall uses.
func (s *Store) CallWrites(_ context.Context, c switchboard.Call) ([]types.WriteRequest, error) {
	return s.callWrites(c)
}

// WithReadBudget returns a copy of s whose filtered pages read at most n
// items, so a test can run out of budget without recording thousands of
// calls.
func (s *Store) WithReadBudget(n int) *Store {
	c := *s
	c.readBudget = n
	return &c
}
