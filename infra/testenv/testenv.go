// Package testenv gives tests a real backend with a fresh table and bucket
// per test, made from the definitions in template.yaml: by default the
// built-in emulators, started once per test binary on free ports; with
// SWITCHBOARD_TEST_ENDPOINT, an existing one (LocalStack, moto, AWS).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/provision"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

var (
	mu       sync.Mutex
	backend  *Backend
	startErr error // a failed start is reported to every later test at once
)

// Main runs a package's tests and stops the emulators afterwards. Call it
// from TestMain: os.Exit(testenv.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if backend != nil && backend.Emulators != nil {
		backend.Emulators.Close()
	}
	stopMoto()
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

// MustEmulators returns the built-in emulators, started on first use. It
// fails tb when SWITCHBOARD_TEST_ENDPOINT points the tests elsewhere: use
// MustBackend and MustSentMail, which work on every backend.
func MustEmulators(tb testing.TB) *emulators.Emulators {
	tb.Helper()
	b := MustBackend(tb)
	if b.Emulators == nil {
		tb.Fatalf("this test needs the built-in emulators, not the %s backend", b.Kind)
	}
	return b.Emulators
}

// MustEnv returns a function environment, as platform.Load builds it in
// Lambda, whose table and archive bucket are fresh and private to tb.
func MustEnv(tb testing.TB) *platform.Env {
	tb.Helper()
	b := MustBackend(tb)
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
	// The tests' receivers listen on loopback (the allowance no deployed
	// stage has), and their signing key is fresh for each environment.
	env.Config = platform.Config{Stage: "test", SenderAddress: b.Sender, S3PathStyle: b.Kind != BackendAWS,
		LoopbackCallbacks: true, SigningKey: make([]byte, 32)}
	_, _ = rand.Read(env.Config.SigningKey) // crypto/rand never fails on supported platforms
	env.Config.TableName = MustTable(tb, env.DynamoDB())
	env.Config.ArchiveBucket = MustBucket(tb, env.S3())
	return env
}

// MustTable creates a table shaped like template.yaml's Table and deletes it
// when tb ends. Off the built-in emulators it also gets the template's TTL
// and point-in-time recovery, as CloudFormation would set them.
func MustTable(tb testing.TB, client *dynamodb.Client) string {
	tb.Helper()
	b := MustBackend(tb)
	name := b.prefix + uniqueName(tb, 200-len(b.prefix))
	tpl := MustTemplate(tb)
	in, err := tpl.CreateTableInput("Table", name)
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
	if b.Emulators == nil {
		if err := provision.TableSettings(ctx, client, tpl, "Table", name); err != nil {
			tb.Fatal(err)
		}
	}
	return name
}

// MustBucket creates an empty bucket for tb, shaped like template.yaml's
// ArchiveBucket off the built-in emulators (lifecycle, public-access block).
// On AWS it is emptied and deleted when tb ends; emulators keep it until
// they stop (moto's /moto-api/data.json, its only view of sent mail, fails
// once a bucket that held objects is deleted).
func MustBucket(tb testing.TB, client *s3.Client) string {
	tb.Helper()
	b := MustBackend(tb)
	name := strings.ToLower(b.prefix + uniqueName(tb, 63-len(b.prefix)))
	ctx := context.Background()
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region := client.Options().Region; region != "us-east-1" && region != "" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := client.CreateBucket(ctx, in); err != nil {
		tb.Fatalf("create bucket %s: %v", name, err)
	}
	if b.Emulators != nil {
		return name
	}
	if b.Kind == BackendAWS {
		tb.Cleanup(func() { deleteBucket(client, name) })
	}
	tpl := MustTemplate(tb)
	if err := provision.BucketSettings(ctx, client, tpl, tpl.Defaults(), "ArchiveBucket", name); err != nil {
		tb.Fatal(err)
	}
	return name
}

// deleteBucket empties and deletes a test's bucket; what fails is left for
// the account's owner to sweep (the names start with the test prefix).
func deleteBucket(client *s3.Client, name string) {
	ctx := context.Background()
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			break
		}
		for _, o := range page.Contents {
			_, _ = client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key})
		}
	}
	_, _ = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
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
