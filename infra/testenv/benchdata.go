package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/emulators"
)

// MustBenchData returns a DynamoDB client over a private copy of a
// benchmark's data set: a table shaped like template.yaml's, filled by load
// (which writes into the stopped emulators' data folder it is given, with
// emulators.LoadItems) once, and kept under .local/bench/<name> for later
// runs. Name it after what load writes (a hash of the item format), so a
// change of format loads anew. The copy (emulators.CopyData) lets the
// benchmark write without changing the cached set; its emulators stop when
// tb ends.
func MustBenchData(tb testing.TB, name, table string, load func(ctx context.Context, infraDir, dataDir string) error) *dynamodb.Client {
	tb.Helper()
	ctx := context.Background()
	infra := filepath.Join(MustRoot(tb), "infra")
	dir := filepath.Join(MustRoot(tb), ".local", "bench", name)
	loaded := filepath.Join(dir, "loaded")
	if _, err := os.Stat(loaded); err != nil {
		if err := os.RemoveAll(dir); err != nil { // a load cut short
			tb.Fatal(err)
		}
		start := time.Now()
		e, client := mustDataEmulators(tb, infra, dir)
		in, err := MustTemplate(tb).CreateTableInput("Table", table)
		if err == nil {
			_, err = client.CreateTable(ctx, in)
		}
		if err == nil {
			waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
				o.MinDelay, o.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
			})
			err = waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 10*time.Second)
		}
		e.Close()
		if err == nil {
			err = load(ctx, infra, dir)
		}
		if err == nil {
			err = os.WriteFile(loaded, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
		}
		if err != nil {
			tb.Fatalf("load bench data %s: %v", name, err)
		}
		tb.Logf("bench data %s loaded in %s", name, time.Since(start).Round(time.Second))
	}
	copied := filepath.Join(tb.TempDir(), "data")
	if err := emulators.CopyData(dir, copied); err != nil {
		tb.Fatal(err)
	}
	e, client := mustDataEmulators(tb, infra, copied)
	tb.Cleanup(e.Close)
	return client
}

func mustDataEmulators(tb testing.TB, infra, dir string) (*emulators.Emulators, *dynamodb.Client) {
	tb.Helper()
	e, err := emulators.Start(context.Background(), emulators.Options{InfraDir: infra, DataDir: dir})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
	})}
	return e, dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(e.DynamoDB) })
}
