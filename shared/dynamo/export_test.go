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
