package testenv

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/provision"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// EndpointVar is the variable that points the tests at an existing backend
// instead of the built-in emulators: an endpoint URL (LocalStack, moto's
// moto_server, anything speaking the AWS protocols), or "aws" for the
// account of the default credentials chain, where each test makes its own
// throwaway table and bucket named with the prefix "switchboard-test-".
const EndpointVar = "SWITCHBOARD_TEST_ENDPOINT"

// SenderVar names the sender address the tests mail from on AWS, which must
// be an identity verified in that account; emulated backends get
// notifications@switchboard.test, made an identity by the harness.
const SenderVar = "SWITCHBOARD_TEST_SENDER"

// The kinds of backend.
const (
	BackendEmulators  = "emulators"  // DynamoDB Local, gofakes3 and aws-ses-v2-local started here
	BackendMoto       = "moto"       // moto_server at SWITCHBOARD_TEST_ENDPOINT
	BackendLocalStack = "localstack" // LocalStack at SWITCHBOARD_TEST_ENDPOINT
	BackendEndpoint   = "endpoint"   // another emulator at SWITCHBOARD_TEST_ENDPOINT
	BackendAWS        = "aws"        // an AWS account
)

// Backend is where this test binary's AWS calls go.
type Backend struct {
	Kind      string
	Endpoint  string               // "" on AWS
	Emulators *emulators.Emulators // the built-in emulators; nil on other backends
	Sender    string               // the address test mail is sent from
	Mailbox   Mailbox              // nil when sent mail cannot be read
	NoMailbox string               // why Mailbox is nil

	prefix string // of table and bucket names
}

// MustBackend returns the test backend, chosen once per test binary from
// SWITCHBOARD_TEST_ENDPOINT, and points this process's AWS SDK at it through
// the same AWS_ENDPOINT_URL_* variables that functions read everywhere.
func MustBackend(tb testing.TB) *Backend {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if backend != nil {
		return backend
	}
	if startErr != nil {
		tb.Fatalf("test backend (failed earlier in this run): %v", startErr)
	}
	b, err := startBackend(context.Background(), os.Getenv(EndpointVar), MustRoot(tb))
	if err != nil {
		startErr = err // every later test fails at once rather than waiting again
		tb.Fatalf("test backend: %v", err)
	}
	backend = b
	return b
}

func startBackend(ctx context.Context, endpoint, root string) (*Backend, error) {
	const sender = "notifications@switchboard.test"
	switch endpoint = strings.TrimSpace(endpoint); endpoint {
	case "":
		e, err := emulators.Start(ctx, emulators.Options{InfraDir: filepath.Join(root, "infra")})
		if err != nil {
			return nil, fmt.Errorf("start emulators: %w", err)
		}
		if err := setenv(e.Env()); err != nil {
			e.Close()
			return nil, err
		}
		return &Backend{Kind: BackendEmulators, Endpoint: e.SES, Emulators: e, Sender: sender, Mailbox: sesV2Local{e.SES}}, nil
	case BackendAWS:
		// The default credentials chain and region, untouched: whatever
		// this shell's AWS CLI would use.
		b := &Backend{Kind: BackendAWS, Sender: os.Getenv(SenderVar), prefix: "switchboard-test-",
			NoMailbox: "SES keeps no copy of the mail it sends"}
		if b.Sender == "" {
			return nil, fmt.Errorf("%s=aws needs %s, an address of an SES identity verified in the account", EndpointVar, SenderVar)
		}
		return b, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s=%q: want an http(s) URL or \"aws\"", EndpointVar, endpoint)
	}
	endpoint = strings.TrimRight(endpoint, "/")
	env := map[string]string{
		"AWS_ENDPOINT_URL":          endpoint,
		"AWS_ENDPOINT_URL_DYNAMODB": endpoint,
		"AWS_ENDPOINT_URL_S3":       endpoint,
		"AWS_ENDPOINT_URL_SESV2":    endpoint,
		"AWS_EC2_METADATA_DISABLED": "true",
		"S3_PATH_STYLE":             "true",
	}
	// Emulators take any credentials, but the SDK wants some.
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"} {
		if os.Getenv(k) == "" {
			env[k] = v
		}
	}
	if err := setenv(env); err != nil {
		return nil, err
	}
	b := &Backend{Endpoint: endpoint, Sender: sender}
	switch {
	case answers(ctx, endpoint+"/_localstack/health"):
		b.Kind, b.Mailbox = BackendLocalStack, localStackMailbox{endpoint}
	case answers(ctx, endpoint+"/moto-api/config"): // cheap, unlike data.json
		b.Kind, b.Mailbox = BackendMoto, motoMailbox{endpoint}
	default:
		b.Kind, b.NoMailbox = BackendEndpoint, "neither LocalStack's /_aws/ses nor moto's /moto-api answers at "+endpoint
	}
	// Emulators that check the sender refuse mail from an unverified one,
	// as SES does; CloudFormation does not make identities, so the harness
	// does, as the local stack does in LocalStack mode.
	cfg, err := platform.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	if err := provision.SenderIdentity(ctx, sesv2.NewFromConfig(cfg), sender); err != nil {
		return nil, err
	}
	return b, nil
}

func setenv(env map[string]string) error {
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// answers says whether GET url succeeds: how an endpoint shows which
// emulator it is.
func answers(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()           // only the status matters
	return resp.StatusCode/100 == 2 // moto's config answers 201
}
