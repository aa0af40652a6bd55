// Package platform builds what every function needs once per cold start:
// configuration from the environment, one aws.Config and one logger. Nothing
// here runs per invocation.
package platform

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Config is the functions' environment, set in template.yaml's Globals. The
// AWS endpoints are not here: the SDK reads AWS_ENDPOINT_URL[_SERVICE] itself,
// which is how the same binary reaches emulators, LocalStack or AWS.
type Config struct {
	Stage         string     // deployment stage, e.g. "prod" or "local"
	TableName     string     // the single DynamoDB table
	ArchiveBucket string     // S3 bucket for request and response bodies
	SenderAddress string     // SES "From" address for digests
	LogLevel      slog.Level // minimum level written
	S3PathStyle   bool       // path-style S3 addressing, for emulators and LocalStack
	// LogRetentionDays is how long call-log entries live before TTL
	// deletes them; bodies follow the bucket's lifecycle.
	LogRetentionDays int
	// SiteOrigin is the admin site's origin (ADMIN_SITE_ORIGIN), for links
	// in emails: the digest functions and the routes that send email set it.
	// Links are never built from a request's Origin or Host.
	SiteOrigin string
	// OAuthIssuer is the OAuth server's issuer identifier (OAUTH_ISSUER, RFC
	// 9207): the https origin that serves /oauth2/*. The functions that
	// answer authorisation requests cannot be given CloudFront's domain by
	// the template (the distribution depends on the API, which depends on
	// them), so it is a stack parameter set once the domain is known.
	OAuthIssuer string
	// SigningKey (CALLBACK_SIGNING_KEY, 32 bytes in base64) seals the apps'
	// callback signing secrets in the table. Only the functions that sign
	// callbacks or make signing secrets receive it (template.yaml).
	SigningKey []byte
	// LoopbackCallbacks (SWITCHBOARD_LOOPBACK_CALLBACKS=1) lets callbacks go
	// to http://localhost and loopback addresses, for the local stack and
	// the tests, whose receivers run on this machine. template.yaml never
	// sets it (a test checks), so no deployed stage can, whatever its name.
	LoopbackCallbacks bool
	// CallbackDisableAfterDays (CALLBACK_DISABLE_AFTER_DAYS, default 5) is
	// how many days every delivery to an app's callback endpoint may fail
	// before the endpoint is disabled.
	CallbackDisableAfterDays int
}

// LoopbackCallbacksVar is the variable behind Config.LoopbackCallbacks.
const LoopbackCallbacksVar = "SWITCHBOARD_LOOPBACK_CALLBACKS"

// ConfigFromEnv reads Config through getenv (os.Getenv in production, a map in
// tests) and reports every missing or malformed variable at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Stage:         getenv("STAGE"),
		TableName:     getenv("TABLE_NAME"),
		ArchiveBucket: getenv("ARCHIVE_BUCKET"),
		SenderAddress: getenv("SENDER_ADDRESS"),
		SiteOrigin:    strings.TrimRight(getenv("ADMIN_SITE_ORIGIN"), "/"),
		OAuthIssuer:   strings.TrimRight(getenv("OAUTH_ISSUER"), "/"),
	}
	var problems []string
	for name, v := range map[string]string{"STAGE": c.Stage, "TABLE_NAME": c.TableName, "ARCHIVE_BUCKET": c.ArchiveBucket} {
		if v == "" {
			problems = append(problems, name+" is not set")
		}
	}
	if raw := getenv("LOG_LEVEL"); raw != "" {
		if err := c.LogLevel.UnmarshalText([]byte(raw)); err != nil {
			problems = append(problems, fmt.Sprintf("LOG_LEVEL %q is not debug, info, warn or error", raw))
		}
	}
	if raw := getenv("S3_PATH_STYLE"); raw != "" {
		v, err := strconv.ParseBool(raw)
		if err != nil {
			problems = append(problems, fmt.Sprintf("S3_PATH_STYLE %q is not a boolean", raw))
		}
		c.S3PathStyle = v
	}
	if raw := getenv("CALLBACK_SIGNING_KEY"); raw != "" {
		key, err := base64.StdEncoding.DecodeString(raw)
		if err != nil || len(key) != 32 {
			problems = append(problems, "CALLBACK_SIGNING_KEY is not 32 bytes in base64")
		}
		c.SigningKey = key
	}
	c.LoopbackCallbacks = getenv(LoopbackCallbacksVar) == "1"
	c.LogRetentionDays = 90
	if raw := getenv("LOG_RETENTION_DAYS"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			problems = append(problems, fmt.Sprintf("LOG_RETENTION_DAYS %q is not a positive number of days", raw))
		}
		c.LogRetentionDays = n
	}
	c.CallbackDisableAfterDays = 5
	if raw := getenv("CALLBACK_DISABLE_AFTER_DAYS"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 90 {
			problems = append(problems, fmt.Sprintf("CALLBACK_DISABLE_AFTER_DAYS %q is not a number of days from 1 to 90", raw))
		}
		c.CallbackDisableAfterDays = n
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// Env is everything a function's constructor may draw on.
type Env struct {
	Config Config
	AWS    aws.Config
	Logger *slog.Logger
}

// Load reads the configuration and the AWS SDK configuration once.
func Load(ctx context.Context) (*Env, error) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &Env{Config: cfg, AWS: awsCfg, Logger: NewLogger(os.Stdout, cfg.LogLevel)}, nil
}

// AWSAttempts is how many times the SDK tries one AWS request. Five, not
// the SDK's three: a call that has done half its writes is better finished
// a second later than answered 503, and the fault-injection tests show
// three leave about one call in fifty unfinished at a 14% fault rate.
const AWSAttempts = 5

// LoadAWSConfig is the SDK configuration every function and test uses:
// credentials, region and endpoints from the environment, AWSAttempts tries.
func LoadAWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryMaxAttempts(AWSAttempts))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// MustLoad is Load for main functions: a function that cannot read its
// configuration cannot serve, and exiting makes Lambda report an init error.
func MustLoad(ctx context.Context) *Env {
	env, err := Load(ctx)
	if err != nil {
		NewLogger(os.Stderr, slog.LevelInfo).Error("cold start failed", "error", err)
		os.Exit(1)
	}
	return env
}

// DynamoDB returns a DynamoDB client built from the shared configuration.
func (e *Env) DynamoDB() *dynamodb.Client { return dynamodb.NewFromConfig(e.AWS) }

// S3 returns an S3 client; emulators and LocalStack need path-style addressing
// because bucket subdomains of 127.0.0.1 do not resolve.
func (e *Env) S3() *s3.Client {
	return s3.NewFromConfig(e.AWS, func(o *s3.Options) { o.UsePathStyle = e.Config.S3PathStyle })
}

// NewLogger writes JSON lines, the format Lambda's JSON log setting and
// CloudWatch Logs Insights both parse.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
