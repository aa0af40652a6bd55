// Package testenv gives tests the real emulators: started once per test
// binary on free ports, with a fresh table and bucket per test, made from the
// definitions in template.yaml.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

var (
	mu      sync.Mutex
	running *emulators.Emulators
)

// Main runs a package's tests and stops the emulators afterwards. Call it
// from TestMain: os.Exit(testenv.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if running != nil {
		running.Close()
	}
	return code
}

// MustRoot returns the repository root.
func MustRoot(tb testing.TB) string {
	tb.Helper()
	root, err := samtemplate.FindRoot(".")
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// MustTemplate parses the repository's template.yaml.
func MustTemplate(tb testing.TB) *samtemplate.Template {
	tb.Helper()
	tpl, err := samtemplate.Load(filepath.Join(MustRoot(tb), "template.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	return tpl
}

// MustEmulators starts the emulators on first use and points this process's
// AWS SDK at them through the same AWS_ENDPOINT_URL_* variables that functions
// read in every environment.
func MustEmulators(tb testing.TB) *emulators.Emulators {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if running != nil {
		return running
	}
	e, err := emulators.Start(context.Background(), emulators.Options{InfraDir: filepath.Join(MustRoot(tb), "infra")})
	if err != nil {
		tb.Fatalf("start emulators: %v", err)
	}
	for k, v := range e.Env() {
		if err := os.Setenv(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	running = e
	return e
}

// MustEnv returns a function environment, as platform.Load builds it in
// Lambda, whose table and archive bucket are fresh and private to tb.
func MustEnv(tb testing.TB) *platform.Env {
	tb.Helper()
	MustEmulators(tb)
	ctx := context.Background()
	awsCfg, err := platform.LoadAWSConfig(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var logs io.Writer = testWriter{tb}
	if _, fuzzing := tb.(*testing.F); fuzzing {
		logs = io.Discard // a fuzz target may not call f.Log
	}
	env := &platform.Env{AWS: awsCfg, Logger: platform.NewLogger(logs, 0)}
	env.Config = platform.Config{Stage: "test", SenderAddress: "notifications@switchboard.test", S3PathStyle: true}
	env.Config.TableName = MustTable(tb, env.DynamoDB())
	env.Config.ArchiveBucket = MustBucket(tb, env.S3())
	return env
}

// MustTable creates a table shaped like template.yaml's Table and deletes it
// when tb ends.
func MustTable(tb testing.TB, client *dynamodb.Client) string {
	tb.Helper()
	name := uniqueName(tb, 200)
	in, err := MustTemplate(tb).CreateTableInput("Table", name)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, in); err != nil {
		tb.Fatalf("create table %s: %v", name, err)
	}
	// DynamoDB Local makes a table ACTIVE within CreateTable; AWS takes a few
	// seconds, and a shared backend may too.
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		tb.Fatalf("table %s never became active: %v", name, err)
	}
	tb.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// MustBucket creates an empty bucket for tb.
func MustBucket(tb testing.TB, client *s3.Client) string {
	tb.Helper()
	name := strings.ToLower(uniqueName(tb, 63))
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

func uniqueName(tb testing.TB, max int) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	suffix := "-" + hex.EncodeToString(b[:])
	base := strings.Trim(unsafeChars.ReplaceAllString(tb.Name(), "-"), "-")
	if len(base) > max-len(suffix)-2 {
		base = base[:max-len(suffix)-2]
	}
	return "t-" + strings.ToLower(base) + suffix
}

// testWriter sends handler logs to the test's log, shown only on failure or -v.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
