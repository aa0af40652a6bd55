package dynamo

import (
	"context"
	"time"
)

// SecurityExpiry reads the TTL of the security log entry id written at at.
func (s *Store) SecurityExpiry(ctx context.Context, accountID string, at time.Time, id string) (time.Time, bool, error) {
	var it securityItem
	found, err := s.get(ctx, securityLogPK(accountID), securitySK(at, id), &it)
	return time.Unix(it.ExpiresAt, 0), found, err
}
