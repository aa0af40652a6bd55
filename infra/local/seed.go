package local

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/s3store"
)

// seedDemo loads the demo data into table; see package demo.
func seedDemo(ctx context.Context, awsEnv map[string]string, table, bucket, password string, log io.Writer) error {
	cfg, err := awsConfig(ctx, awsEnv)
	if err != nil {
		return err
	}
	// With the archive bucket, as the door and the roll-up have it: the
	// demo's calls are logged and rolled up through their code.
	store := dynamo.New(dynamoClient(cfg, awsEnv), table).WithBodyBatches(s3store.New(s3Client(cfg, awsEnv), bucket))
	created, err := demo.Seed(ctx, store, password)
	if err != nil {
		return err
	}
	start := time.Now()
	conns, err := demo.SeedActivity(ctx, store, start)
	if err != nil {
		return err
	}
	created += conns
	fmt.Fprintf(log, "seeded demo data: %d new records (activity in %s)\n", created, time.Since(start).Round(time.Millisecond))
	return nil
}
