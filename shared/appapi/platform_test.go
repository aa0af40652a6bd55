package appapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// rival is a second tenant: every id of it must be not_found to demo tokens.
var rival = switchboard.Account{ID: "acc-rival", Name: "Rival Grill", TimeZone: "Europe/Paris"}

const rivalLocation = "loc-rival"

// world is the demo data, a rival account, and a door on one table.
type world struct {
	store *dynamo.Store
	door  *appapi.Door
	idem  appapi.Idempotency
}

func mustWorld(tb testing.TB) *world {
	tb.Helper()
	env := testenv.MustEnv(tb)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, store, demo.DefaultPassword); err != nil {
		tb.Fatal(err)
	}
	if err := store.CreateAccount(ctx, rival, []switchboard.Location{{ID: rivalLocation, Name: "Rival Grill Centre"}}); err != nil {
		tb.Fatal(err)
	}
	door := &appapi.Door{Tokens: store, Connections: store, Limiter: store, Calls: store,
		Bodies: store, Limits: appapi.DefaultLimits, Now: time.Now,
		After: afterResponse}
	return &world{store: store, door: door, idem: appapi.Idempotency{Store: store, Now: time.Now}}
}

// app is one connection of an app and its live token.
type app struct {
	w     *world
	conn  switchboard.Connection
	token string
}

var connSeq int

// mustApp connects an app to accountID (at locationID, or the whole
// account when empty) with scope, e.g. "orders.read,orders.write".
func (w *world) mustApp(tb testing.TB, accountID, locationID, permissions string) app {
	tb.Helper()
	seqMu.Lock()
	connSeq++
	id := fmt.Sprintf("con_%d", connSeq)
	seqMu.Unlock()
	level := switchboard.LevelLocation
	if locationID == "" {
		level = switchboard.LevelAccount
	}
	scope := string(level) + "[" + permissions + "]"
	token, hash := auth.NewToken()
	conn := switchboard.Connection{ID: id, AccountID: accountID, LocationID: locationID, AppID: "orderline-pos",
		AppName: "OrderLine POS", Level: level, InstanceLabel: id, Scope: scope, Status: switchboard.ConnectionActive,
		ConnectedBy: "usr-owner", ConnectedAt: time.Now(), TokenHash: hash}
	ctx := context.Background()
	if err := w.store.CreateConnection(ctx, conn); err != nil {
		tb.Fatal(err)
	}
	if err := w.store.SaveToken(ctx, switchboard.AccessToken{Hash: hash, ConnectionID: id, AccountID: accountID, LocationID: locationID, AppID: conn.AppID, Scope: scope}); err != nil {
		tb.Fatal(err)
	}
	return app{w: w, conn: conn, token: token}
}

// reply is a response with its decoded JSON.
type reply struct {
	apigw.Response
	JSON map[string]any
}

func (r reply) code() string {
	e, _ := r.JSON["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r reply) message() string {
	e, _ := r.JSON["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func (r reply) str(k string) string { s, _ := r.JSON[k].(string); return s }

// req describes one platform call.
type req struct {
	method, path string
	params       map[string]string
	query        string
	body         string
	headers      map[string]string
}

// call calls h as the app, through apigw.Handle as in Lambda, and returns
// the answer and the request id it was given; unlike send it checks
// nothing, so clients may use it from their own goroutines.
func (a app) call(h apigw.HandlerFunc, r req) (apigw.Response, string, error) {
	seqMu.Lock()
	requestSeq++
	id := fmt.Sprintf("req-%d-%d", time.Now().UnixNano(), requestSeq)
	seqMu.Unlock()
	in := apigw.Request{RawPath: r.path, RawQueryString: r.query, PathParameters: r.params, Body: r.body,
		Headers: map[string]string{"authorization": "Bearer " + a.token}}
	if r.body != "" {
		in.Headers["content-type"] = "application/json"
	}
	for k, v := range r.headers {
		in.Headers[k] = v
	}
	if q, err := url.ParseQuery(r.query); err == nil && len(q) > 0 {
		in.QueryStringParameters = map[string]string{}
		for k, v := range q {
			in.QueryStringParameters[k] = v[0]
		}
	}
	in.RequestContext.RequestID = id
	in.RequestContext.HTTP.Method = r.method
	resp, err := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), h)(context.Background(), in)
	waitLogged()
	return resp, id, err
}

// send calls h as the app, through apigw.Handle as in Lambda, and checks
// that the call was logged with the status sent.
func (a app) send(tb testing.TB, h apigw.HandlerFunc, r req) reply {
	tb.Helper()
	resp, id, err := a.call(h, r)
	if err != nil {
		tb.Fatal(err)
	}
	out := reply{Response: resp}
	// Every answer a route test receives is what the served document says.
	openapicheck.Response(tb, r.method, r.path, r.query, resp.StatusCode, resp.Headers, resp.Body)
	if resp.StatusCode >= 500 {
		tb.Errorf("%s %s: %d %s", r.method, r.path, resp.StatusCode, resp.Body)
	}
	if err := json.Unmarshal([]byte(resp.Body), &out.JSON); err != nil {
		tb.Errorf("%s %s: body is not a JSON object: %s", r.method, r.path, resp.Body)
	}
	if resp.StatusCode != 401 {
		logged, err := a.w.store.GetCall(context.Background(), a.conn.AccountID, a.conn.ID, id)
		if err != nil || logged.Status != resp.StatusCode || logged.Method != r.method || logged.Path != r.path {
			tb.Errorf("%s %s: logged as %+v, %v", r.method, r.path, logged, err)
		}
	}
	return out
}

// wantError checks status, code and a part of the message.
// wantReplay checks that again is first's stored answer, replayed for the
// same Idempotency-Key: same status and body, marked as a replay.
func wantReplay(t *testing.T, first, again reply, status int) {
	t.Helper()
	if first.StatusCode != status || again.StatusCode != status || again.Body != first.Body || again.Headers[appapi.ReplayedHeader] != "true" {
		t.Fatalf("replay: %d %s then %d %s %v", first.StatusCode, first.Body, again.StatusCode, again.Body, again.Headers)
	}
}

func wantError(t *testing.T, r reply, status int, code, msg string) {
	t.Helper()
	if r.StatusCode != status || r.code() != code || (msg != "" && !strings.Contains(strings.ToLower(r.message()), strings.ToLower(msg))) {
		t.Errorf("got %d %s, want %d %s with %q", r.StatusCode, r.Body, status, code, msg)
	}
}

func timeMinutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// wantPageRefusals checks that a listing refuses bad limits and cursors
// (400 invalid), and a cursor issued to another tenant's listing: list
// calls the listing as an app on the list of that id.
func wantPageRefusals(t *testing.T, list func(a app, id, query string) reply, own, rival app, ownID, rivalID string) {
	t.Helper()
	for _, q := range []string{"limit=0", "limit=101", "cursor=bad", "cursor=%7B%7D"} {
		wantError(t, list(own, ownID, q), 400, "invalid", "")
	}
	rivalCursor, _ := list(rival, rivalID, "limit=1").JSON["next_cursor"].(string)
	if rivalCursor == "" {
		t.Fatal("the rival's listing gave no cursor")
	}
	wantError(t, list(own, ownID, "cursor="+url.QueryEscape(rivalCursor)), 400, "invalid", "cursor")
}
