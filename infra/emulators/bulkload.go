package emulators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

// LoadItems writes the items put gives into the table of the emulators'
// DataDir, for benchmarks that need millions of items. It starts DynamoDB
// Local on the folder (which must not be in use), writes BatchWriteItem
// requests of 25 items from several goroutines at once, and stops it. The
// table must exist. Through the API, DynamoDB Local validates every item and
// maintains the secondary indexes, as DynamoDB would.
func LoadItems(ctx context.Context, infraDir, dataDir, table string, items func(put func(map[string]types.AttributeValue) error) error) error {
	e, err := Start(ctx, Options{InfraDir: infraDir, DataDir: dataDir, Log: io.Discard})
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer e.Close()
	client := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
	})}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(e.DynamoDB) })

	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []types.WriteRequest, 64)
	// More writers than cores: each waits on the emulator's answer.
	for range 2 * runtime.NumCPU() {
		g.Go(func() error {
			for batch := range batches {
				if err := writeBatch(gctx, client, table, batch); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(batches)
		batch := make([]types.WriteRequest, 0, 25)
		err := items(func(item map[string]types.AttributeValue) error {
			batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
			if len(batch) < 25 {
				return nil
			}
			select {
			case batches <- batch:
			case <-gctx.Done():
				return gctx.Err()
			}
			batch = make([]types.WriteRequest, 0, 25)
			return nil
		})
		if err == nil && len(batch) > 0 {
			select {
			case batches <- batch:
			case <-gctx.Done():
				err = gctx.Err()
			}
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return fmt.Errorf("bulk load into %s: %w", table, err)
	}
	return nil
}

// writeBatch writes one batch, resending what comes back unprocessed.
func writeBatch(ctx context.Context, client *dynamodb.Client, table string, batch []types.WriteRequest) error {
	for attempt := 0; len(batch) > 0; attempt++ {
		if attempt == 10 {
			return errors.New("items stayed unprocessed after 10 attempts")
		}
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
		}
		out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
		if err != nil {
			return err
		}
		batch = out.UnprocessedItems[table]
	}
	return nil
}
