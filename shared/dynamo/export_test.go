package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// CallWrites exposes the puts RecordCall makes, so the logs benchmark can
// load a million calls in large batches in the very format RecordCall uses.
func (s *Store) CallWrites(_ context.Context, c switchboard.Call) ([]types.WriteRequest, error) {
	if c.LoggedAt.IsZero() {
		c.LoggedAt = s.now()
	}
	return s.callWrites(c)
}

// FeedWrite exposes the roll-up feed item RecordCall adds for a call logged
// at now, so the roll-up benchmark can load a rolled-up history of a
// million calls in the very format the roll-up reads.
func FeedWrite(c switchboard.Call, now time.Time) types.WriteRequest {
	if c.LoggedAt.IsZero() {
		c.LoggedAt = now
	}
	return feedWrite(c, nil)
}

// Roll-up feed constants, for the benchmark's watermark and batch numbers,
// and the filtered page's read budget, for the logs benchmark's pages.
const (
	PageReadBudget = pageReadBudget
	FeedShards     = feedShards
	RollUpStatePK  = rollUpStatePK
	RollUpStateSK  = rollUpStateSK
)

// WithReadBudget returns a copy of s whose filtered pages read at most n
// items, so a test can run out of budget without recording thousands of
// calls.
func (s *Store) WithReadBudget(n int) *Store {
	c := *s
	c.readBudget = n
	return &c
}

// LegacyCallByIDKey is the key a call's request-id item had before it was
// readable by app (legacyCallByIDPK), so a test can file an entry there as
// older releases did.
func LegacyCallByIDKey(accountID, requestID string) (pk, sk string) {
	return legacyCallByIDPK(accountID, requestID), callByIDSK
}
