package local

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/s3store"
)

// sampleSeed is the sample app to register: where it is served, the key
// its signing secret is sealed with, and, once seeded, its credentials.
type sampleSeed struct {
	origin     string
	signingKey string // base64, as CALLBACK_SIGNING_KEY
	creds      demo.SampleAppCredentials
}

// seedDemo loads the demo data into table; see package demo. With sample,
// it registers the sample app too and fills in its credentials.
func seedDemo(ctx context.Context, awsEnv map[string]string, table, bucket, password string, sample *sampleSeed, log io.Writer) error {
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
	if sample != nil {
		if sample.creds, err = seedSampleApp(ctx, store, sample); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "seeded demo data: %d new records (activity in %s)\n", created, time.Since(start).Round(time.Millisecond))
	return nil
}

func seedSampleApp(ctx context.Context, store *dynamo.Store, sample *sampleSeed) (demo.SampleAppCredentials, error) {
	key, err := base64.StdEncoding.DecodeString(sample.signingKey)
	if err != nil {
		return demo.SampleAppCredentials{}, fmt.Errorf("CALLBACK_SIGNING_KEY is not base64: %w", err)
	}
	sealer, err := auth.NewSealer(key)
	if err != nil {
		return demo.SampleAppCredentials{}, fmt.Errorf("CALLBACK_SIGNING_KEY: %w", err)
	}
	return demo.SeedSampleApp(ctx, store, sample.origin, sealer)
}
