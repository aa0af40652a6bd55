package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/switchboard-hq/switchboard/functions"
	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/provision"
	"github.com/switchboard-hq/switchboard/infra/sampleapp"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// Options configures the local stack. Zero ports pick free ones (tests);
// `make run` asks for SAM's defaults, 3000 and 3001.
type Options struct {
	Root       string // repository root
	Host       string // loopback address; default 127.0.0.1
	APIPort    int
	InvokePort int
	// SamplePort serves the demo's sample app (infra/sampleapp) when Seed
	// is set; 0 picks a free port.
	SamplePort int
	DataDir    string // "" keeps emulator data in memory
	BinDir     string // where function binaries are built; default Root/.local/bin
	Seed       bool   // load the demo catalog (local and LocalStack modes only)
	Getenv     func(string) string
	Log        io.Writer
}

// Backend says which AWS the functions reach.
type Backend string

// The backends, chosen from the environment by ChooseBackend.
const (
	BackendEmulators  Backend = "emulators"  // DynamoDB Local, aws-ses-v2-local, gofakes3 started here
	BackendLocalStack Backend = "localstack" // AWS_ENDPOINT_URL is set
	BackendAWS        Backend = "aws"        // credentials plus TABLE_NAME and ARCHIVE_BUCKET of a deployed stack
)

// ChooseBackend picks where the functions' AWS calls go. Real AWS needs the
// deployed stack's resource names too, so that credentials lying around in a
// shell never send a local run to a production account by accident.
func ChooseBackend(getenv func(string) string) Backend {
	switch {
	case getenv("AWS_ENDPOINT_URL") != "":
		return BackendLocalStack
	case (getenv("AWS_ACCESS_KEY_ID") != "" || getenv("AWS_PROFILE") != "") &&
		getenv("TABLE_NAME") != "" && getenv("ARCHIVE_BUCKET") != "":
		return BackendAWS
	}
	return BackendEmulators
}

// Stack is the running local system.
type Stack struct {
	Backend   Backend
	APIURL    string
	InvokeURL string
	// SampleAppURL is where the demo's sample app is served ("" without
	// Seed): the catalog's "Switchboard Sample App" connects through it.
	SampleAppURL string
	Emulators    *emulators.Emulators // nil unless Backend is emulators
	Functions    []samtemplate.Function
	Timers       []Timer
	Resources    map[string]string // logical ID → local physical name

	runtime *Runtime
	servers []*http.Server
	cancel  context.CancelFunc
}

// Region and account are what local ARNs and events carry.
const (
	localRegion  = "us-east-1"
	localAccount = "000000000000"
	stackName    = "switchboard-local"
)

// Start brings up the whole stack. On error nothing is left running.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.BinDir == "" {
		o.BinDir = filepath.Join(o.Root, ".local", "bin")
	}
	tpl, err := samtemplate.Load(filepath.Join(o.Root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	fns, err := tpl.Functions()
	if err != nil {
		return nil, err
	}
	timers, err := Timers(fns, localRegion, localAccount)
	if err != nil {
		return nil, err
	}
	// Claim the fixed ports before anything slow happens, so a taken port is
	// the first and only line of output.
	apiLn, err := listen(o.Host, o.APIPort)
	if err != nil {
		return nil, fmt.Errorf("API: %w", err)
	}
	invokeLn, err := listen(o.Host, o.InvokePort)
	if err != nil {
		_ = apiLn.Close() // never served
		return nil, fmt.Errorf("invoke API: %w", err)
	}
	var sampleLn net.Listener
	if o.Seed && ChooseBackend(o.Getenv) != BackendAWS {
		if sampleLn, err = listen(o.Host, o.SamplePort); err != nil {
			_ = apiLn.Close() // never served
			_ = invokeLn.Close()
			return nil, fmt.Errorf("sample app: %w", err)
		}
	}

	runCtx, cancel := context.WithCancel(context.Background())
	s := &Stack{Backend: ChooseBackend(o.Getenv), Functions: fns, Timers: timers, cancel: cancel}
	defer func() {
		if err != nil {
			_ = apiLn.Close() // never served
			_ = invokeLn.Close()
			if sampleLn != nil {
				_ = sampleLn.Close()
			}
			s.Close()
		}
	}()

	if err := checkRegistry(fns); err != nil {
		return nil, err
	}
	// The build links while the emulators boot: each mostly waits on a
	// different thing (the linker on the CPU, the emulators on node or
	// java starting up), and together they are most of a first run.
	progress(o.Log, "building functions/bootstrap, the one binary every function runs…")
	built := make(chan error, 1)
	buildStart := time.Now()
	var buildTook time.Duration
	buildCtx, cancelBuild := context.WithCancel(ctx)
	go func() {
		err := buildBootstrap(buildCtx, o.Root, o.BinDir)
		buildTook = time.Since(buildStart) // read after the send below
		built <- err
	}()
	waitBuilt := func() error {
		if built == nil {
			return nil
		}
		err := <-built
		built = nil
		if err == nil {
			progress(o.Log, "functions/bootstrap built in %s", buildTook.Round(100*time.Millisecond))
		}
		return err
	}
	// An early return must not leave the build writing into BinDir.
	defer func() {
		cancelBuild()
		_ = waitBuilt() // its error, if any, is not why Start failed
	}()

	awsEnv := map[string]string{}
	switch s.Backend {
	case BackendEmulators:
		progress(o.Log, "starting the emulators (DynamoDB, S3, SES)…")
		start := time.Now()
		if s.Emulators, err = emulators.Start(ctx, emulators.Options{
			InfraDir: filepath.Join(o.Root, "infra"), DataDir: o.DataDir, Host: o.Host, Log: o.Log,
		}); err != nil {
			return nil, err
		}
		progress(o.Log, "emulators up in %s", since(start))
		awsEnv = s.Emulators.Env()
	case BackendLocalStack:
		awsEnv = map[string]string{"AWS_ENDPOINT_URL": o.Getenv("AWS_ENDPOINT_URL"), "S3_PATH_STYLE": "true"}
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} {
			awsEnv[k] = valueOr(o.Getenv(k), map[string]string{"AWS_REGION": localRegion}[k], "test")
		}
	case BackendAWS:
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "HOME"} {
			if v := o.Getenv(k); v != "" {
				awsEnv[k] = v
			}
		}
	}

	resolver, resources := localResolver(tpl, s.Backend, o.Getenv)
	s.Resources = resources
	if s.Backend != BackendAWS {
		progress(o.Log, "creating the table and buckets of template.yaml…")
		if err := createResources(ctx, tpl, resources, awsEnv, parityFor(s.Backend, resolver)); err != nil {
			return nil, err
		}
	}

	s.runtime, err = NewRuntime(o.Host, o.Log)
	if err != nil {
		return nil, err
	}
	// The local gateway is the stack's CloudFront: links in emails lead to
	// it, and it serves /oauth2/*, so it is the OAuth issuer too.
	siteOrigin := fmt.Sprintf("http://localhost:%d", apiLn.Addr().(*net.TCPAddr).Port)
	for _, fn := range fns {
		env, err := functionEnv(fn, resolver, awsEnv, map[string]string{"ADMIN_SITE_ORIGIN": siteOrigin, "OAUTH_ISSUER": siteOrigin})
		if err != nil {
			return nil, fmt.Errorf("%s environment: %w", fn.LogicalID, err)
		}
		// Apps run on this machine reach their callbacks on loopback: an
		// allowance only the local stack gives (template.yaml cannot).
		env = append(env, platform.LoopbackCallbacksVar+"=1")
		s.runtime.Register(FunctionSpec{
			Name:    fn.LogicalID,
			Binary:  filepath.Join(o.BinDir, "bootstrap"),
			Env:     env,
			Timeout: time.Duration(max(fn.TimeoutSec, 3)) * time.Second,
			ARN:     fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", localRegion, localAccount, fn.LogicalID),
		})
	}

	var sample *sampleSeed
	if sampleLn != nil {
		// The sample app's host is localhost while the site is served on
		// 127.0.0.1: browsers keep cookies per host, not per port, so the
		// app never receives the merchant's Switchboard session cookie.
		sample = &sampleSeed{origin: fmt.Sprintf("http://localhost:%d", sampleLn.Addr().(*net.TCPAddr).Port),
			signingKey: resolver.Refs["CallbackSigningKey"]}
	}
	if o.Seed && s.Backend != BackendAWS {
		progress(o.Log, "seeding demo data…")
		if err := seedDemo(ctx, awsEnv, resources["Table"], resources["ArchiveBucket"], DemoPassword(o.Getenv), sample, o.Log); err != nil {
			return nil, err
		}
	}
	if err := waitBuilt(); err != nil {
		return nil, err
	}

	gw, err := NewGateway(fns, s.runtime, filepath.Join(o.Root, "site"), o.Log)
	if err != nil {
		return nil, err
	}
	s.APIURL = "http://" + apiLn.Addr().String()
	s.InvokeURL = "http://" + invokeLn.Addr().String()
	s.serve(apiLn, gw)
	s.serve(invokeLn, NewInvokeAPI(runCtx, s.runtime, o.Log))
	if sample != nil {
		// The app reaches Switchboard as any app would: over HTTP, at the
		// address the merchant's browser uses too.
		s.SampleAppURL = sample.origin
		s.serve(sampleLn, sampleapp.New(sampleapp.Config{
			Origin: sample.origin, Switchboard: s.APIURL, Issuer: siteOrigin, Scope: demo.SampleAppScope(),
			ClientID: sample.creds.ClientID, ClientSecret: sample.creds.ClientSecret, SigningSecret: sample.creds.SigningSecret,
		}))
	}
	RunScheduler(runCtx, timers, s.runtime, localRegion, localAccount, o.Log)
	return s, nil
}

// DemoPassword is the demo users' password: DEMO_PASSWORD or the default.
func DemoPassword(getenv func(string) string) string {
	return valueOr(getenv("DEMO_PASSWORD"), demo.DefaultPassword)
}

func (s *Stack) serve(ln net.Listener, h http.Handler) {
	srv := newServer(h)
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }() // ErrServerClosed on Close
}

// newServer serves h with a bound on the request line and headers, so that
// an oversized request is answered 431 at once instead of being read in.
func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: maxHeaderBytes}
}

// Invoke runs a function directly, as the Invoke API does.
func (s *Stack) Invoke(ctx context.Context, name string, payload []byte) (Result, error) {
	return s.runtime.Invoke(ctx, name, payload)
}

// Recycle makes the next invocation of name start a new process.
func (s *Stack) Recycle(name string) { s.runtime.Recycle(name) }

// WaitIdle waits until function name has finished every invocation, its
// after-response work included (Runtime.WaitIdle).
func (s *Stack) WaitIdle(ctx context.Context, name string) error {
	return s.runtime.WaitIdle(ctx, name)
}

// Close stops servers, function processes and emulators.
func (s *Stack) Close() {
	s.cancel()
	for _, srv := range s.servers {
		_ = srv.Close() // shutting down
	}
	if s.runtime != nil {
		s.runtime.Close()
	}
	if s.Emulators != nil {
		s.Emulators.Close()
	}
}

func listen(host string, port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("port %d on %s is taken (set another with API_PORT / INVOKE_PORT)", port, host)
	}
	return ln, nil
}

// buildBootstrap compiles functions/bootstrap for this machine: the same
// main SAM builds for arm64, serving every function. One link instead of
// one per function is what makes a first run fast; go build skips even
// that one while the binary is up to date.
func buildBootstrap(ctx context.Context, root, binDir string) error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return fmt.Errorf("bin folder: %w", err)
	}
	args := []string{"go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", filepath.Join(binDir, "bootstrap"), "./functions/bootstrap"}
	// The emulators start meanwhile and must answer within their deadline;
	// the build has none, so it yields the CPU to them on a busy machine.
	if nice, err := exec.LookPath("nice"); err == nil {
		args = append([]string{nice, "-n", "10"}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build functions/bootstrap: %v\n%s", err, out)
	}
	return nil
}

// checkRegistry fails before anything starts when a function of the
// template has no constructor, or its Handler is not its logical ID.
func checkRegistry(fns []samtemplate.Function) error {
	var problems []string
	for _, fn := range fns {
		if fn.Handler != fn.LogicalID {
			problems = append(problems, fmt.Sprintf("%s has Handler %q; set it to %s", fn.LogicalID, fn.Handler, fn.LogicalID))
		} else if _, ok := functions.Lookup(fn.Handler); !ok {
			problems = append(problems, fmt.Sprintf("%s is not in functions/registry.go", fn.LogicalID))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("template.yaml and the function registry disagree: %s", strings.Join(problems, "; "))
	}
	return nil
}

// progress is one line of what a start is doing, so that a first run that
// takes a while says why as it goes.
func progress(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "· "+format+"\n", args...)
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

// localSigningKey seals the local stack's callback signing secrets when
// CALLBACK_SIGNING_KEY is not set. It is public: never use it in AWS (the
// template's parameter has no default, so a deploy must choose a key).
const localSigningKey = "bG9jYWwtb25seS1zaWduaW5nLWtleS0zMi1ieXRlcyE="

// localResolver gives each resource a local name and ARN, so that !Ref and
// !GetAtt in the template resolve as CloudFormation would resolve them.
func localResolver(tpl *samtemplate.Template, backend Backend, getenv func(string) string) (samtemplate.Resolver, map[string]string) {
	r := samtemplate.Resolver{
		Refs: map[string]string{
			"AWS::Region": localRegion, "AWS::AccountId": localAccount, "AWS::StackName": stackName,
			"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
		},
		Attrs: map[string]string{},
	}
	for name, p := range tpl.Parameters {
		if p.Default != nil {
			r.Refs[name] = fmt.Sprint(p.Default)
		}
	}
	r.Refs["Stage"] = "local"
	// The sealing key of callback signing secrets: CALLBACK_SIGNING_KEY if
	// set, else a fixed key that only ever seals local test data.
	r.Refs["CallbackSigningKey"] = valueOr(getenv("CALLBACK_SIGNING_KEY"), localSigningKey)
	resources := map[string]string{}
	for id, res := range tpl.Resources {
		name := stackName + "-" + samtemplate.FolderName(id)
		switch res.Type {
		case "AWS::DynamoDB::Table":
			if backend == BackendAWS && id == "Table" {
				name = getenv("TABLE_NAME")
			}
			r.Attrs[id+".Arn"] = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", localRegion, localAccount, name)
		case "AWS::S3::Bucket":
			if backend == BackendAWS && id == "ArchiveBucket" {
				name = getenv("ARCHIVE_BUCKET")
			}
			r.Attrs[id+".Arn"] = "arn:aws:s3:::" + name
		default:
			continue
		}
		resources[id] = name
		r.Refs[id] = name
	}
	r.Attrs["Distribution.DomainName"] = "localhost" // functionEnv gives the local site's origin instead
	return r, resources
}

// functionEnv is the complete environment of a function process: the
// template's variables resolved, the AWS endpoints, and what Lambda sets.
func functionEnv(fn samtemplate.Function, r samtemplate.Resolver, awsEnv, local map[string]string) ([]string, error) {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"TZ=UTC",
		"AWS_LAMBDA_FUNCTION_NAME=" + fn.LogicalID,
		"_HANDLER=" + fn.Handler, // what Lambda sets from Handler; bootstrap picks its constructor by it
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_LOG_FORMAT=JSON",
	}
	for k, v := range awsEnv {
		env = append(env, k+"="+v)
	}
	for k, v := range fn.Environment {
		s, err := r.Resolve(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if l, ok := local[k]; ok {
			s = l // the template's value, resolved, names a resource that only exists in AWS
		}
		env = append(env, k+"="+s)
	}
	slices.Sort(env)
	return env, nil
}

// awsConfig builds an SDK configuration from env alone (the functions' view),
// for the stack's own set-up calls.
func awsConfig(ctx context.Context, env map[string]string) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(valueOr(env["AWS_REGION"], localRegion))}
	if env["AWS_ACCESS_KEY_ID"] != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: env["AWS_ACCESS_KEY_ID"], SecretAccessKey: env["AWS_SECRET_ACCESS_KEY"]}, nil
		})))
	}
	return awsconfig.LoadDefaultConfig(ctx, opts...)
}

// dynamoClient and s3Client point each client at its own endpoint from
// env, as the SDK does from AWS_ENDPOINT_URL_* in the functions.
func dynamoClient(cfg aws.Config, env map[string]string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if u := valueOr(env["AWS_ENDPOINT_URL_DYNAMODB"], env["AWS_ENDPOINT_URL"]); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
	})
}

func s3Client(cfg aws.Config, env map[string]string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if u := valueOr(env["AWS_ENDPOINT_URL_S3"], env["AWS_ENDPOINT_URL"]); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
		o.UsePathStyle = true
	})
}

// parity is what createResources sets on a backend that behaves like AWS
// (LocalStack): the template's table and bucket settings, resolved with
// resolver, and sender as a verified SES identity.
type parity struct {
	resolver samtemplate.Resolver
	sender   string
}

// parityFor says what createResources sets on backend. On LocalStack the
// resources get what CloudFormation would give them in AWS; the built-in
// emulators implement none of it (no TTL, lifecycle or public-access block)
// and take mail from any sender.
func parityFor(backend Backend, r samtemplate.Resolver) *parity {
	if backend != BackendLocalStack {
		return nil
	}
	return &parity{resolver: r, sender: r.Refs["SenderAddress"]}
}

// createResources makes the template's tables and buckets if missing; a
// second `make run` finds them with yesterday's data. With p, it also
// sets TTL, point-in-time recovery, lifecycle rules and public-access
// blocks as the template says, and makes the sender identity.
func createResources(ctx context.Context, tpl *samtemplate.Template, names map[string]string, env map[string]string, p *parity) error {
	cfg, err := awsConfig(ctx, env)
	if err != nil {
		return err
	}
	db := dynamoClient(cfg, env)
	for _, id := range tpl.LogicalIDs("AWS::DynamoDB::Table") {
		in, err := tpl.CreateTableInput(id, names[id])
		if err != nil {
			return err
		}
		_, err = db.CreateTable(ctx, in)
		var inUse *dbtypes.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("create table %s: %w", names[id], err)
		}
		if err := waitActive(ctx, db, names[id]); err != nil {
			return err
		}
		if inUse != nil {
			if err := addMissingIndexes(ctx, db, in); err != nil {
				return err
			}
		}
		if p != nil {
			if err := provision.TableSettings(ctx, db, tpl, id, names[id]); err != nil {
				return err
			}
		}
	}
	s3c := s3Client(cfg, env)
	for _, id := range tpl.LogicalIDs("AWS::S3::Bucket") {
		_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(names[id])})
		var owned *s3types.BucketAlreadyOwnedByYou
		var exists *s3types.BucketAlreadyExists
		if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
			return fmt.Errorf("create bucket %s: %w", names[id], err)
		}
		if p != nil {
			if err := provision.BucketSettings(ctx, s3c, tpl, p.resolver, id, names[id]); err != nil {
				return err
			}
		}
	}
	if p != nil && p.sender != "" {
		ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
			if u := valueOr(env["AWS_ENDPOINT_URL_SESV2"], env["AWS_ENDPOINT_URL"]); u != "" {
				o.BaseEndpoint = aws.String(u)
			}
		})
		// The functions send as SenderAddress: on LocalStack that address
		// must be an identity, or every email is refused.
		if err := provision.SenderIdentity(ctx, ses, p.sender); err != nil {
			return err
		}
	}
	return nil
}

func waitActive(ctx context.Context, db *dynamodb.Client, table string) error {
	waiter := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 500*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		return fmt.Errorf("table %s never became active: %w", table, err)
	}
	return nil
}

// addMissingIndexes brings a table kept from an earlier run up to the
// template: a GSI added since is created, as a CloudFormation update would.
// DynamoDB creates one index per UpdateTable call.
func addMissingIndexes(ctx context.Context, db *dynamodb.Client, want *dynamodb.CreateTableInput) error {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: want.TableName})
	if err != nil {
		return fmt.Errorf("describe table %s: %w", *want.TableName, err)
	}
	have := map[string]bool{}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		have[aws.ToString(g.IndexName)] = true
	}
	for _, g := range want.GlobalSecondaryIndexes {
		if have[aws.ToString(g.IndexName)] {
			continue
		}
		create := &dbtypes.CreateGlobalSecondaryIndexAction{IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection}
		update := &dynamodb.UpdateTableInput{
			TableName:                   want.TableName,
			AttributeDefinitions:        want.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []dbtypes.GlobalSecondaryIndexUpdate{{Create: create}},
		}
		if _, err := db.UpdateTable(ctx, update); err != nil {
			return fmt.Errorf("add index %s to %s: %w", aws.ToString(g.IndexName), *want.TableName, err)
		}
		if err := waitActive(ctx, db, *want.TableName); err != nil {
			return err
		}
	}
	return nil
}

func valueOr(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
