package appapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// fixture is a demo account with one connection and its live token.
type fixture struct {
	env   *platform.Env
	store *dynamo.Store
	door  *appapi.Door
	conn  switchboard.Connection
	token string
}

func mustFixture(t testing.TB, locationID, scope string) fixture {
	t.Helper()
	env := testenv.MustEnv(t)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.DefaultPassword); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewToken()
	conn := switchboard.Connection{ID: "con_test", AccountID: demo.Account.ID, LocationID: locationID, AppID: "orderline-pos",
		AppName: "OrderLine POS", Level: switchboard.LevelLocation, Scope: scope, Status: switchboard.ConnectionActive,
		ConnectedBy: "usr-owner", ConnectedAt: time.Now(), TokenHash: hash}
	if err := store.CreateConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveToken(ctx, switchboard.AccessToken{Hash: hash, ConnectionID: conn.ID, AccountID: conn.AccountID, LocationID: locationID, AppID: conn.AppID, Scope: scope}); err != nil {
		t.Fatal(err)
	}
	conn.Version = 1
	door := &appapi.Door{Tokens: store, Connections: store, Limiter: store, Calls: store,
		Bodies: store, Limits: appapi.DefaultLimits, Now: time.Now,
		After: afterResponse}
	return fixture{env: env, store: store, door: door, conn: conn, token: token}
}

// afterResponse runs every fixture door's logging after its answers; the
// helpers that make calls wait for it (waitLogged) before tests read the
// log, as the Lambda extension waits before the environment is frozen.
var afterResponse = platform.NewAfterResponse(platform.NewLogger(io.Discard, 0))

// waitLogged waits until the calls made so far are logged.
func waitLogged() { afterResponse.Wait() }

var requestSeq int
var seqMu sync.Mutex

func call(t *testing.T, h apigw.HandlerFunc, headers map[string]string) apigw.Response {
	t.Helper()
	seqMu.Lock()
	requestSeq++
	id := fmt.Sprintf("req-%d-%d", time.Now().UnixNano(), requestSeq)
	seqMu.Unlock()
	req := apigw.Request{RawPath: "/v1/location", RawQueryString: "x=1", Headers: headers}
	req.RequestContext.RequestID = id
	req.RequestContext.HTTP.Method = http.MethodGet
	// Through apigw.Handle, as in Lambda: errors become JSON responses.
	resp, err := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), h)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	waitLogged()
	resp.Headers["X-Test-Request-Id"] = id
	return resp
}

func code(t *testing.T, resp apigw.Response) string {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal([]byte(resp.Body), &body)
	return body.Error.Code
}

func TestTokenAuthentication(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	h := f.door.Handle("location", appapi.GetLocation(f.store))
	tests := []struct {
		name       string
		headers    map[string]string
		wantStatus int
		wantCode   string
	}{
		{"bearer", map[string]string{"authorization": "Bearer " + f.token}, 200, ""},
		{"X-Access-Token", map[string]string{"x-access-token": f.token}, 200, ""},
		{"no token", map[string]string{}, 401, "unauthorized"},
		{"basic scheme", map[string]string{"authorization": "Basic " + f.token}, 401, "unauthorized"},
		{"unknown token", map[string]string{"authorization": "Bearer sbt_unknown"}, 401, "invalid_token"},
		// The scheme is case-insensitive (RFC 9110 §11.1).
		{"lower-case scheme", map[string]string{"authorization": "bearer " + f.token}, 200, ""},
		{"upper-case scheme", map[string]string{"authorization": "BEARER " + f.token}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, h, tt.headers)
			if resp.StatusCode != tt.wantStatus || (tt.wantCode != "" && code(t, resp) != tt.wantCode) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Body, tt.wantStatus, tt.wantCode)
			}
		})
	}
	ok := call(t, h, map[string]string{"authorization": "Bearer " + f.token})
	if !strings.Contains(ok.Body, `"id":"loc-bastille"`) || !strings.Contains(ok.Body, `"account_id":"acc-demo-pizzeria"`) {
		t.Errorf("location body %s", ok.Body)
	}
	if ok.Headers["X-RateLimit-Limit"] != "500" || ok.Headers["X-RateLimit-Remaining"] == "" || ok.Headers["X-RateLimit-Reset"] == "" {
		t.Errorf("rate-limit headers %v", ok.Headers)
	}
	// Only calls naming a token of an existing connection are logged: the four 200s above and this one.
	page, err := f.store.ListCalls(context.Background(), f.conn.AccountID, f.conn.ID, switchboard.CallFilter{})
	if err != nil || len(page.Calls) != 5 {
		t.Errorf("calls logged: %d (%v), want 5", len(page.Calls), err)
	}

	t.Run("revoked and superseded tokens", func(t *testing.T) {
		ctx := context.Background()
		if err := f.store.RevokeToken(ctx, auth.HashToken(f.token)); err != nil {
			t.Fatal(err)
		}
		if r := call(t, h, map[string]string{"authorization": "Bearer " + f.token}); r.StatusCode != 401 || !strings.Contains(r.Body, "revoked") {
			t.Errorf("revoked: %d %s", r.StatusCode, r.Body)
		}
		// The token once belonged to a connection that still exists: the
		// refused call is logged against it, with its code, so that the
		// overview can tell an app stuck on its old token.
		page, err := f.store.ListCalls(ctx, f.conn.AccountID, f.conn.ID, switchboard.CallFilter{})
		if err != nil || len(page.Calls) != 6 {
			t.Fatalf("calls logged after the revoked call: %d (%v), want 6", len(page.Calls), err)
		}
		if c := page.Calls[0]; c.Status != 401 || c.Error != switchboard.EInvalidToken {
			t.Errorf("revoked call logged as %d %q, want 401 invalid_token", c.Status, c.Error)
		}
		if c := page.Calls[1]; c.Status != 200 || c.Error != "" {
			t.Errorf("a good call logged as %d %q", c.Status, c.Error)
		}
	})
}

// TestBearerChallenge: every 401 and 403 of the platform API tells the app
// how to authenticate and what went wrong, in WWW-Authenticate (RFC 6750
// §3): no error code when no token was sent (§3.1 says the server should not
// give one then), invalid_token for a bad, revoked or blocked token,
// insufficient_scope for a token without the right.
func TestBearerChallenge(t *testing.T) {
	f := mustFixture(t, "", "account[orders.read]")
	location := f.door.Handle("location", appapi.GetLocation(f.store))
	for _, tt := range []struct {
		name    string
		headers map[string]string
		status  int
		want    string
	}{
		{"no token", map[string]string{}, 401, `Bearer realm="switchboard"`},
		{"other scheme", map[string]string{"authorization": "Basic eDp5"}, 401, `Bearer realm="switchboard"`},
		{"unknown token", map[string]string{"authorization": "Bearer sbt_unknown"}, 401, `Bearer realm="switchboard", error="invalid_token"`},
		{"insufficient scope", map[string]string{"authorization": "Bearer " + f.token}, 403, `Bearer realm="switchboard", error="insufficient_scope"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, location, tt.headers)
			if resp.StatusCode != tt.status || resp.Headers["WWW-Authenticate"] != tt.want {
				t.Errorf("got %d WWW-Authenticate %q, want %d %q", resp.StatusCode, resp.Headers["WWW-Authenticate"], tt.status, tt.want)
			}
		})
	}
	ctx := context.Background()
	conn, err := f.store.GetConnection(ctx, f.conn.AccountID, f.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	conn.Status = switchboard.ConnectionBlocked
	if err := f.store.ReplaceGrant(ctx, conn); err != nil {
		t.Fatal(err)
	}
	account := f.door.Handle("account", appapi.GetAccount(f.store))
	resp := call(t, account, map[string]string{"authorization": "Bearer " + f.token})
	if resp.StatusCode != 401 || resp.Headers["WWW-Authenticate"] != `Bearer realm="switchboard", error="invalid_token"` {
		t.Errorf("blocked connection: %d WWW-Authenticate %q", resp.StatusCode, resp.Headers["WWW-Authenticate"])
	}
	if err := f.store.RevokeToken(ctx, auth.HashToken(f.token)); err != nil {
		t.Fatal(err)
	}
	resp = call(t, account, map[string]string{"authorization": "Bearer " + f.token})
	if resp.StatusCode != 401 || resp.Headers["WWW-Authenticate"] != `Bearer realm="switchboard", error="invalid_token"` {
		t.Errorf("revoked token: %d WWW-Authenticate %q", resp.StatusCode, resp.Headers["WWW-Authenticate"])
	}
}

func TestScopeAndTarget(t *testing.T) {
	f := mustFixture(t, "", "account[orders.read]")
	resp := call(t, f.door.Handle("location", appapi.GetLocation(f.store)), map[string]string{"authorization": "Bearer " + f.token})
	if resp.StatusCode != 403 || code(t, resp) != "insufficient_scope" {
		t.Errorf("account-level token on /v1/location: %d %s", resp.StatusCode, resp.Body)
	}
	acc := call(t, f.door.Handle("account", appapi.GetAccount(f.store)), map[string]string{"authorization": "Bearer " + f.token})
	if acc.StatusCode != 200 || !strings.Contains(acc.Body, "loc-canal") {
		t.Errorf("account-level token on /v1/account: %d %s", acc.StatusCode, acc.Body)
	}
	caller := appapi.Caller{Scope: switchboard.Scope{Level: switchboard.LevelAccount, Permissions: []string{"orders.read"}}}
	if caller.Require("orders.read") != nil || switchboard.ErrorCode(caller.Require("orders.write")) != switchboard.EInsufficientScope {
		t.Error("Require does not follow the scope")
	}
}

func TestBlockedConnectionIsRefusedAndLogged(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	blocked := f.conn
	blocked.Status = switchboard.ConnectionBlocked
	if err := f.store.ReplaceGrant(context.Background(), blocked); err != nil {
		t.Fatal(err)
	}
	resp := call(t, f.door.Handle("location", appapi.GetLocation(f.store)), map[string]string{"authorization": "Bearer " + f.token})
	if resp.StatusCode != 401 || code(t, resp) != "connection_blocked" || !strings.Contains(resp.Body, "The connection has been blocked") {
		t.Errorf("blocked: %d %s", resp.StatusCode, resp.Body)
	}
	got, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, resp.Headers["X-Test-Request-Id"])
	if err != nil || got.Status != 401 {
		t.Errorf("blocked call logged as %+v, %v", got, err)
	}
}

func TestRateLimit(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	f.door.Limits = []appapi.RateLimit{{Window: time.Minute, Max: 2}, {Window: time.Hour, Max: 100}}
	h := f.door.Handle("location", appapi.GetLocation(f.store))
	auth := map[string]string{"authorization": "Bearer " + f.token}
	var last apigw.Response
	for range 3 {
		last = call(t, h, auth)
	}
	if last.StatusCode != 429 || code(t, last) != "rate_limited" || last.Headers["Retry-After"] == "" || last.Headers["X-RateLimit-Remaining"] != "0" || last.Headers["X-RateLimit-Limit"] != "2" {
		t.Errorf("third call in a minute: %d %v %s", last.StatusCode, last.Headers, last.Body)
	}
	if _, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, last.Headers["X-Test-Request-Id"]); err != nil {
		t.Errorf("a 429 must be logged: %v", err)
	}
}

func TestCallsAreLoggedWithRedactedBodies(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	resp := call(t, f.door.Handle("location", appapi.GetLocation(f.store)), map[string]string{"authorization": "Bearer " + f.token, "cookie": "a=b", "user-agent": "pos/1.0"})
	ctx := context.Background()
	got, err := f.store.GetCall(ctx, f.conn.AccountID, f.conn.ID, resp.Headers["X-Test-Request-Id"])
	if err != nil {
		t.Fatal(err)
	}
	if got.Resource != "location" || got.Method != "GET" || got.Path != "/v1/location" || got.Query != "x=1" || got.Status != 200 ||
		!got.BodiesArchived || got.ResponseBytes != len(resp.Body) {
		t.Errorf("logged call %+v", got)
	}
	bodies := f.store
	req, err := bodies.GetBody(ctx, got, switchboard.RequestBody)
	if err != nil {
		t.Fatal(err)
	}
	if req.Headers["authorization"] != "[redacted]" || req.Headers["cookie"] != "[redacted]" || req.Headers["user-agent"] != "pos/1.0" || req.Path != "/v1/location?x=1" {
		t.Errorf("archived request %+v", req)
	}
	answer, err := bodies.GetBody(ctx, got, switchboard.ResponseBody)
	if err != nil || answer.Body != resp.Body || answer.Status != 200 {
		t.Errorf("archived response %+v %v, want the body sent", answer, err)
	}
	conn, _ := f.store.GetConnection(ctx, f.conn.AccountID, f.conn.ID)
	if conn.LastUsedAt == nil {
		t.Error("last-used time not set")
	}
}

func TestArchiveOutageKeepsCallsWorkingAndLogged(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	// A real client on a closed port: the outage is the network's, not a
	// fake's. Bodies are kept in DynamoDB (the roll-up feed) at call time.
	down := *f.env
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1")
	f.door.Bodies = dynamo.New(downDynamoDB(t, &down), f.env.Config.TableName)
	resp := call(t, f.door.Handle("location", appapi.GetLocation(f.store)), map[string]string{"authorization": "Bearer " + f.token})
	if resp.StatusCode != 200 {
		t.Fatalf("the call must succeed while the bodies' store is down: %d %s", resp.StatusCode, resp.Body)
	}
	got, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, resp.Headers["X-Test-Request-Id"])
	if err != nil || got.BodiesArchived {
		t.Errorf("logged %+v, %v; want an entry that says the bodies are unavailable", got, err)
	}
}

// TestConcurrentCallsAreAllLogged runs 50 clients of one connection for a
// bounded time over every /v1 route, reads and writes mixed. No call may
// get a 5xx, and the log must hold exactly the calls made: each request id
// once, none missing, none extra.
func TestConcurrentCallsAreAllLogged(t *testing.T) {
	w := mustWorld(t)
	routes := w.platformRoutes(t)
	a := w.mustApp(t, demo.Account.ID, "loc-bastille", allPermissions)
	w.door.Limits = []appapi.RateLimit{{Window: time.Minute, Max: 1 << 30}}
	const clients, runFor = 50, 3 * time.Second
	var (
		mu       sync.Mutex
		made     = map[string]int{} // request id → status
		statuses = map[int]int{}
		problems []string
	)
	deadline := time.Now().Add(runFor)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			// Each client makes at least one call, starting at its own
			// route, so every route is called however busy the machine.
			for i := 0; i == 0 || time.Now().Before(deadline); i++ {
				rt := routes[(c+i)%len(routes)]
				resp, id, err := a.call(rt.h, rt.r)
				mu.Lock()
				made[id] = resp.StatusCode
				statuses[resp.StatusCode]++
				if err != nil || resp.StatusCode >= 500 || resp.StatusCode == 0 {
					problems = append(problems, fmt.Sprintf("%s %s: %d %v %s", rt.r.method, rt.r.path, resp.StatusCode, err, resp.Body))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, p := range problems {
		t.Error(p)
	}
	writes := 0
	for code, n := range statuses {
		if code < 300 {
			writes += n
		}
	}
	t.Logf("%d calls in %v by %d clients; statuses %v", len(made), runFor, clients, statuses)
	if len(made) < clients || writes == 0 {
		t.Fatalf("%d calls, %d successful: too few to prove anything", len(made), writes)
	}
	if statuses[http.StatusCreated] == 0 {
		t.Errorf("statuses %v: the mix made no successful POST", statuses)
	}
	logged := map[string]int{}
	filter := switchboard.CallFilter{Limit: 100}
	for {
		page, err := w.store.ListCalls(context.Background(), a.conn.AccountID, a.conn.ID, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Calls {
			if _, dup := logged[c.RequestID]; dup {
				t.Errorf("%s logged twice", c.RequestID)
			}
			logged[c.RequestID] = c.Status
		}
		if page.NextCursor == "" {
			break
		}
		filter.Cursor = page.NextCursor
	}
	if len(logged) != len(made) {
		t.Errorf("%d log entries for %d calls", len(logged), len(made))
	}
	for id, status := range made {
		if got, ok := logged[id]; !ok || got != status {
			t.Errorf("%s answered %d, logged %d (%v)", id, status, got, ok)
		}
	}
}

// downDynamoDB builds a DynamoDB client from the environment as functions
// do, after the caller pointed AWS_ENDPOINT_URL_DYNAMODB at a closed port.
func downDynamoDB(t *testing.T, env *platform.Env) *dynamodb.Client {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env.AWS = cfg
	return env.DynamoDB()
}

// TestDeadTokenCallsAreLimitedAndLightlyLogged: calls with a revoked or
// superseded token are rate-limited per connection (as Stripe limits
// failed authentication): past DeadTokenLimit in a window they get 429
// and only the first refused one is logged, so they cannot flood the log,
// the roll-ups or the digests; and only DeadTokenBodies of them an hour
// keep their bodies, the rest are logged without.
func TestDeadTokenCallsAreLimitedAndLightlyLogged(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	ctx := context.Background()
	h := f.door.Handle("location", appapi.GetLocation(f.store))
	if err := f.store.RevokeToken(ctx, auth.HashToken(f.token)); err != nil {
		t.Fatal(err)
	}
	for time.Now().Second() > 45 {
		time.Sleep(time.Second) // keep the calls inside one minute's window
	}
	limit, bodies := appapi.DeadTokenLimit.Max, appapi.DeadTokenBodies.Max
	statuses := map[int]int{}
	for i := range limit + 10 {
		r := call(t, h, map[string]string{"authorization": "Bearer " + f.token})
		statuses[r.StatusCode]++
		if i >= limit && (r.StatusCode != http.StatusTooManyRequests || code(t, r) != switchboard.ERateLimited || r.Headers["Retry-After"] == "") {
			t.Errorf("call %d past the limit: %d %s %v", i+1, r.StatusCode, r.Body, r.Headers)
		}
	}
	if statuses[http.StatusUnauthorized] != limit || statuses[http.StatusTooManyRequests] != 10 {
		t.Errorf("statuses %v, want %d × 401 then 10 × 429", statuses, limit)
	}
	page, err := f.store.ListCalls(ctx, f.conn.AccountID, f.conn.ID, switchboard.CallFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	withBodies := 0
	for _, c := range page.Calls {
		if c.BodiesArchived {
			withBodies++
		}
	}
	if len(page.Calls) != limit+1 || withBodies != bodies {
		t.Errorf("logged %d calls, %d with bodies; want %d, %d", len(page.Calls), withBodies, limit+1, bodies)
	}
	kept := 0
	for _, c := range page.Calls {
		if _, err := f.store.GetBody(ctx, c, switchboard.RequestBody); err == nil {
			kept++
		}
	}
	if kept != bodies {
		t.Errorf("%d calls with bodies kept, want %d", kept, bodies)
	}
}
