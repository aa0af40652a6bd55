package local

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
)

// seedDemo loads the demo data into table; see package demo.
func seedDemo(ctx context.Context, awsEnv map[string]string, table, password string, log io.Writer) error {
	cfg, err := awsConfig(ctx, awsEnv)
	if err != nil {
		return err
	}
	store := dynamo.New(dynamoClient(cfg, awsEnv), table)
	created, err := demo.Seed(ctx, store, password)
	if err != nil {
		return err
	}
	conns, err := demo.SeedActivity(ctx, store, time.Now())
	if err != nil {
		return err
	}
	created += conns
	fmt.Fprintf(log, "seeded demo data: %d new records\n", created)
	return nil
}
