package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/lifecycle"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// received is one callback as the test receiver saw it.
type received struct {
	header http.Header
	body   []byte
	id     string
	typ    string
	status int
}

// receiver is an app's callback endpoint on loopback. fail says how many
// posts of a type to answer 500 before answering 200.
type receiver struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	got  []received
	fail map[string]int
}

func newReceiver(t *testing.T, fail map[string]int) *receiver {
	r := &receiver{t: t, fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ev struct{ ID, Type string }
		_ = json.Unmarshal(body, &ev)
		r.mu.Lock()
		defer r.mu.Unlock()
		status := http.StatusOK
		if r.fail[ev.Type] > 0 {
			r.fail[ev.Type]--
			status = http.StatusInternalServerError
		}
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, id: ev.ID, typ: ev.Type, status: status})
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ok":` + map[bool]string{true: "true", false: "false"}[status == 200] + `}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) of(typ string) []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []received
	for _, g := range r.got {
		if g.typ == typ {
			out = append(out, g)
		}
	}
	return out
}

// connected is an app connected to the demo account through the real flow.
type connected struct {
	app          registered
	token        string
	connectionID string
}

func mustConnect(t *testing.T, env *platform.Env, owner signedIn, callbackURL string) connected {
	t.Helper()
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"callbackUrl": callbackURL}))
	code := consent(t, env, owner, authorizeQuery(app.ClientID, nil), "loc-bastille", "")
	resp := exchange(t, env, app, code, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("exchange: %d %s", resp.StatusCode, resp.Body)
	}
	var out struct {
		AccessToken  string `json:"access_token"`
		ConnectionID string `json:"connection_id"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &out)
	return connected{app: app, token: out.AccessToken, connectionID: out.ConnectionID}
}

var platformRequests int

// platformGet calls GET /v1/location with the token.
func platformGet(t *testing.T, env *platform.Env, token string) apigw.Response {
	t.Helper()
	platformRequests++
	req := get("/v1/location")
	req.Headers = map[string]string{"authorization": "Bearer " + token}
	req.RequestContext.RequestID = "req-lifecycle-" + strings.Repeat("x", platformRequests%7) + time.Now().Format("150405.000000000")
	return public(t, api.GetLocationFunction(env), "", req)
}

func errorCodeOf(resp apigw.Response) string {
	var body struct{ Error struct{ Code string } }
	_ = json.Unmarshal([]byte(resp.Body), &body)
	return body.Error.Code
}

func connPath(id string, rest ...string) string {
	return "/admin/v1/connections/" + strings.Join(append([]string{id}, rest...), "/")
}

func mustStatus(t *testing.T, what string, resp apigw.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, resp.StatusCode, want, resp.Body)
	}
}

func appEvents(t *testing.T, env *platform.Env, connectionID string, typ switchboard.AppEventType) []switchboard.AppEvent {
	t.Helper()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	page, err := store.ListEvents(context.Background(), demo.Account.ID, switchboard.AppEventFilter{ConnectionID: connectionID, Types: []switchboard.AppEventType{typ}}, switchboard.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

func TestBlockThenUnblock(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	mustStatus(t, "call before the block", platformGet(t, env, c.token), http.StatusOK)

	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	resp := owner.call(t, api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"),
		map[string]string{"connectionId": c.connectionID}, map[string]any{"reason": "Sends duplicate orders", "until": until})
	mustStatus(t, "block", resp, http.StatusOK)
	blocked := mustDecode[switchboard.Connection](t, resp)
	if blocked.Status != switchboard.ConnectionBlocked || blocked.BlockedReason != "Sends duplicate orders" || blocked.BlockedBy != "usr-owner" || blocked.BlockedUntil == nil || !blocked.BlockedUntil.Equal(until) {
		t.Errorf("blocked connection %+v", blocked)
	}

	// The very next call is refused, and still logged.
	resp = platformGet(t, env, c.token)
	if resp.StatusCode != http.StatusUnauthorized || errorCodeOf(resp) != "connection_blocked" || !strings.Contains(resp.Body, "The connection has been blocked") {
		t.Fatalf("call after the block: %d %s", resp.StatusCode, resp.Body)
	}
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	calls, err := store.ListCalls(context.Background(), demo.Account.ID, c.connectionID, switchboard.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls.Calls) != 2 || calls.Calls[0].Status != http.StatusUnauthorized || calls.Calls[1].Status != http.StatusOK {
		t.Errorf("call log %+v, want the blocked 401 newest, then the 200", calls.Calls)
	}
	mustStatus(t, "block twice", owner.call(t, api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusConflict)

	mustStatus(t, "unblock", owner.call(t, api.UnblockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "unblock"),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusOK)
	mustStatus(t, "call after the unblock", platformGet(t, env, c.token), http.StatusOK)

	for _, typ := range []switchboard.AppEventType{switchboard.EventBlocked, switchboard.EventUnblocked} {
		evs := appEvents(t, env, c.connectionID, typ)
		if len(evs) != 1 || evs[0].ActorType != switchboard.ActorUser || evs[0].ActorUserID != "usr-owner" {
			t.Errorf("%s events %+v", typ, evs)
		}
	}
	if evs := appEvents(t, env, c.connectionID, switchboard.EventBlocked); len(evs) == 1 && evs[0].Reason != "Sends duplicate orders" {
		t.Errorf("blocked event reason %q", evs[0].Reason)
	}
	// Both changes were told to the app at once, signed, with the app-log
	// event's id.
	for _, typ := range []switchboard.AppEventType{switchboard.EventBlocked, switchboard.EventUnblocked} {
		got := rcv.of(switchboard.CallbackType(typ))
		if len(got) != 1 {
			t.Fatalf("%s callbacks: %d", typ, len(got))
		}
		if err := webhook.Verify(c.app.SigningSecret, got[0].header, got[0].body, time.Now()); err != nil {
			t.Errorf("%s signature: %v", typ, err)
		}
		if evs := appEvents(t, env, c.connectionID, typ); len(evs) != 1 || got[0].id != evs[0].ID || got[0].header.Get(webhook.HeaderEventID) != evs[0].ID {
			t.Errorf("%s callback id %s, header %s, want the app-log event's", typ, got[0].id, got[0].header.Get(webhook.HeaderEventID))
		}
	}
}

func TestTimedBlockEndsOnSchedule(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	c := mustConnect(t, env, owner, "")
	start := time.Now().UTC()
	mustStatus(t, "block", owner.call(t, api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"),
		map[string]string{"connectionId": c.connectionID}, map[string]any{"until": start.Add(time.Hour)}), http.StatusOK)

	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	run := func(at time.Time) int {
		svc := api.LifecycleOn(env, store)
		svc.Now = func() time.Time { return at }
		res, err := api.UnblockExpired(svc, slog.New(slog.DiscardHandler))(context.Background(), events.CloudWatchEvent{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Done
	}
	if n := run(start.Add(59 * time.Minute)); n != 0 {
		t.Fatalf("a minute early: %d unblocked", n)
	}
	if resp := platformGet(t, env, c.token); errorCodeOf(resp) != "connection_blocked" {
		t.Fatalf("still blocked: %d %s", resp.StatusCode, resp.Body)
	}
	if n := run(start.Add(61 * time.Minute)); n != 1 {
		t.Fatalf("after until: %d unblocked, want 1", n)
	}
	mustStatus(t, "call after the timed block", platformGet(t, env, c.token), http.StatusOK)
	evs := appEvents(t, env, c.connectionID, switchboard.EventUnblocked)
	if len(evs) != 1 || evs[0].ActorType != switchboard.ActorSystem || evs[0].ActorUserID != "" {
		t.Errorf("unblocked events %+v, want one by the system", evs)
	}
	if n := run(start.Add(2 * time.Hour)); n != 0 {
		t.Errorf("second run: %d unblocked; the index entry should be gone", n)
	}
}

func TestDisconnect(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	admin := mustSignIn(t, env, "admin@demo.test")
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	mustStatus(t, "call", platformGet(t, env, c.token), http.StatusOK)

	mustStatus(t, "disconnect", admin.call(t, api.DisconnectConnectionFunction(env), http.MethodDelete, connPath(c.connectionID),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusNoContent)

	resp := platformGet(t, env, c.token)
	if resp.StatusCode != http.StatusUnauthorized || errorCodeOf(resp) != "invalid_token" {
		t.Errorf("token after disconnect: %d %s", resp.StatusCode, resp.Body)
	}
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	if tok, err := store.GetToken(context.Background(), auth.HashToken(c.token)); err != nil || !tok.Revoked {
		t.Errorf("token %+v %v, want revoked", tok, err)
	}
	mustStatus(t, "get after disconnect", owner.call(t, api.GetConnectionFunction(env), http.MethodGet, connPath(c.connectionID),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusNotFound)
	list := mustDecode[struct{ Connections []switchboard.Connection }](t, owner.call(t, api.ListConnectionsFunction(env), http.MethodGet, "/admin/v1/connections", nil, nil))
	for _, l := range list.Connections {
		if l.ID == c.connectionID {
			t.Errorf("disconnected connection still listed")
		}
	}
	// The call log stays until it expires.
	if calls, err := store.ListCalls(context.Background(), demo.Account.ID, c.connectionID, switchboard.CallFilter{}); err != nil || len(calls.Calls) != 1 {
		t.Errorf("call log after disconnect: %+v %v", calls, err)
	}
	evs := appEvents(t, env, c.connectionID, switchboard.EventUninstalled)
	if len(evs) != 1 || evs[0].ActorType != switchboard.ActorUser || evs[0].ActorUserID != "usr-admin" || evs[0].After != nil {
		t.Fatalf("uninstalled events %+v", evs)
	}
	got := rcv.of("connection.uninstalled")
	if len(got) != 1 {
		t.Fatalf("uninstalled callbacks: %d", len(got))
	}
	if err := webhook.Verify(c.app.SigningSecret, got[0].header, got[0].body, time.Now()); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	var body map[string]any
	_ = json.Unmarshal(got[0].body, &body)
	if body["id"] != evs[0].ID || body["connection_id"] != c.connectionID || body["account_id"] != demo.Account.ID ||
		body["location_id"] != "loc-bastille" || body["app_id"] != c.app.ClientID || body["created_at"] == nil {
		t.Errorf("callback body %s", got[0].body)
	}
	// The app can be connected again, as a new connection.
	again := mustConnect2(t, env, owner, c.app)
	if again == c.connectionID || again == "" {
		t.Errorf("reconnect gave %q", again)
	}
}

// mustConnect2 connects an already registered app again.
func mustConnect2(t *testing.T, env *platform.Env, owner signedIn, app registered) string {
	t.Helper()
	resp := exchange(t, env, app, consent(t, env, owner, authorizeQuery(app.ClientID, nil), "loc-bastille", ""), nil)
	var out struct {
		ConnectionID string `json:"connection_id"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &out)
	return out.ConnectionID
}

func TestCallbackRetriedUntilSuccessThenRedelivered(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, map[string]int{"connection.blocked": 3})
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	mustStatus(t, "block", owner.call(t, api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusOK)
	if got := rcv.of("connection.blocked"); len(got) != 1 || got[0].status != 500 {
		t.Fatalf("first attempt: %+v", got)
	}

	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	clock := time.Now()
	retrier := func() {
		cb := &lifecycle.Callbacks{Apps: store, Deliveries: store,
			Sealer: api.SealerOf(env), Loopback: true, Client: lifecycle.NewHTTPClient(true), Now: func() time.Time { return clock }}
		if _, err := api.RetryDeliveries(cb, nil, slog.New(slog.DiscardHandler))(context.Background(), events.CloudWatchEvent{}); err != nil {
			t.Fatal(err)
		}
	}
	// Runs a minute apart never resend before the backoff has passed.
	clock = clock.Add(30 * time.Second)
	retrier()
	if got := rcv.of("connection.blocked"); len(got) != 1 {
		t.Fatalf("retried before the first delay: %d posts", len(got))
	}
	for range 8 {
		clock = clock.Add(9 * time.Hour) // past any delay
		retrier()
	}
	got := rcv.of("connection.blocked")
	if len(got) != 4 {
		t.Fatalf("posts %d, want 4 (500, 500, 500, 200)", len(got))
	}
	ok := 0
	for _, g := range got {
		if g.id != got[0].id || string(g.body) != string(got[0].body) {
			t.Errorf("a retry changed the event: %s vs %s", g.body, got[0].body)
		}
		if g.status == 200 {
			ok++
		}
	}
	if ok != 1 || got[3].status != 200 {
		t.Errorf("successful deliveries %d, want exactly 1, the last", ok)
	}
	// The install was announced too, by the retrier's first run.
	if inst := rcv.of("connection.installed"); len(inst) != 1 {
		t.Errorf("installed callbacks %d, want 1", len(inst))
	}

	resp := owner.call(t, api.ListConnectionDeliveriesFunction(env), http.MethodGet, connPath(c.connectionID, "deliveries"),
		map[string]string{"connectionId": c.connectionID}, nil)
	mustStatus(t, "delivery log", resp, http.StatusOK)
	page := mustDecode[switchboard.DeliveryPage](t, resp)
	if len(page.Deliveries) != 2 || page.Deliveries[0].Type != "connection.blocked" || page.Deliveries[1].Type != "connection.installed" {
		t.Fatalf("delivery log %+v, want blocked then installed", page.Deliveries)
	}
	d := page.Deliveries[0]
	if d.EventID != got[0].id || d.State != switchboard.DeliverySucceeded || d.AttemptCount != 4 || len(d.Attempts) != 4 || d.NextAttemptAt != nil {
		t.Fatalf("delivery %+v", d)
	}
	// The developer sees the same log, with each attempt's error and answer;
	// the merchant's shows statuses only.
	appLog := mustDecode[switchboard.DeliveryPage](t, owner.call(t, api.ListAppDeliveriesFunction(env), http.MethodGet,
		"/admin/v1/developer/apps/"+c.app.ClientID+"/deliveries", map[string]string{"appId": c.app.ClientID}, nil))
	if len(appLog.Deliveries) != 2 || appLog.Deliveries[0].EventID != d.EventID || len(appLog.Deliveries[0].Attempts) != 4 {
		t.Fatalf("app delivery log %+v", appLog.Deliveries)
	}
	for i, wantStatus := range []int{500, 500, 500, 200} {
		a, dev := d.Attempts[i], appLog.Deliveries[0].Attempts[i]
		if a.Status != wantStatus || a.At.IsZero() || a.LatencyMs < 0 || a.Error != "" || a.Response != "" {
			t.Errorf("merchant's attempt %d: %+v", i, a)
		}
		if dev.Status != wantStatus || (wantStatus == 500) != (dev.Error != "") || dev.Response == "" {
			t.Errorf("developer's attempt %d: %+v", i, dev)
		}
	}
	if d.Attempts[0].Trigger != "first" || d.Attempts[1].Trigger != "retry" {
		t.Errorf("triggers %s, %s", d.Attempts[0].Trigger, d.Attempts[1].Trigger)
	}

	// Redeliver sends the same event id again, from both sides.
	resp = owner.call(t, api.RedeliverConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "deliveries", "redeliver"),
		map[string]string{"connectionId": c.connectionID}, map[string]string{"eventId": d.EventID})
	mustStatus(t, "redeliver", resp, http.StatusOK)
	resp = owner.call(t, api.RedeliverAppFunction(env), http.MethodPost, "/admin/v1/developer/apps/"+c.app.ClientID+"/deliveries/redeliver",
		map[string]string{"appId": c.app.ClientID}, map[string]string{"eventId": d.EventID})
	mustStatus(t, "developer redeliver", resp, http.StatusOK)
	got = rcv.of("connection.blocked")
	if len(got) != 6 || got[4].id != d.EventID || got[5].id != d.EventID || got[5].header.Get(webhook.HeaderEventID) != d.EventID {
		t.Fatalf("after redeliveries: %d posts", len(got))
	}
	if err := webhook.Verify(c.app.SigningSecret, got[5].header, got[5].body, time.Now()); err != nil {
		t.Errorf("redelivery signature: %v", err)
	}
	after := mustDecode[struct{ Delivery switchboard.Delivery }](t, resp).Delivery
	if after.AttemptCount != 6 || after.Attempts[5].Trigger != "redeliver" || after.State != switchboard.DeliverySucceeded {
		t.Errorf("after redelivery %+v", after)
	}
}

func TestFailedCallbacksGiveUpAndRedeliverRange(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, map[string]int{"connection.blocked": 10})
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	start := time.Now().UTC()
	mustStatus(t, "block", owner.call(t, api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusOK)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	clock := time.Now()
	cb := &lifecycle.Callbacks{Apps: store, Deliveries: store,
		Sealer: api.SealerOf(env), Loopback: true, Client: lifecycle.NewHTTPClient(true), Now: func() time.Time { return clock }}
	var times []time.Time
	for range 130 {
		clock = clock.Add(15 * time.Minute)
		before := len(rcv.of("connection.blocked"))
		if _, err := cb.RetryDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(rcv.of("connection.blocked")) > before {
			times = append(times, clock)
		}
	}
	if n := len(rcv.of("connection.blocked")); n != 10 {
		t.Fatalf("attempts %d, want 10 (1 + 9 retries)", n)
	}
	if span := times[len(times)-1].Sub(start); span < 20*time.Hour || span > 30*time.Hour {
		t.Errorf("retries spanned %s, want about a day", span)
	}
	page, err := store.ListDeliveries(context.Background(), demo.Account.ID, switchboard.DeliveryFilter{ConnectionID: c.connectionID, State: switchboard.DeliveryFailed}, switchboard.PageRequest{})
	if err != nil || len(page.Deliveries) != 1 || page.Deliveries[0].AttemptCount != 10 || page.Deliveries[0].NextAttemptAt != nil {
		t.Fatalf("failed deliveries %+v %v", page.Deliveries, err)
	}
	// Redeliver every failed event of the range: queued, then sent by the
	// retrier, which now gets a 200.
	resp := owner.call(t, api.RedeliverConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "deliveries", "redeliver"),
		map[string]string{"connectionId": c.connectionID}, map[string]string{"from": start.Add(-time.Minute).Format(time.RFC3339), "to": start.Add(time.Hour).Format(time.RFC3339)})
	mustStatus(t, "redeliver range", resp, http.StatusOK)
	if q := mustDecode[struct{ Queued int }](t, resp).Queued; q != 1 {
		t.Fatalf("queued %d, want 1", q)
	}
	if _, err := cb.RetryDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rcv.of("connection.blocked")
	if len(got) != 11 || got[10].status != 200 || got[10].id != got[0].id {
		t.Errorf("after the range redelivery: %d posts", len(got))
	}
}

// TestCallbackSurvivesCrash plays the crash windows of a change. Before its
// transaction nothing is written, so nothing can be announced. After it, the
// change, its app-log event and its delivery are all there: the function
// dies before the first attempt, and the retrier sends the event once the
// in-line attempt's lease ends, exactly once. A transaction refused by its
// version condition leaves no event and no delivery behind.
func TestCallbackSurvivesCrash(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	clock := time.Now()
	cb := &lifecycle.Callbacks{Apps: store, Deliveries: store,
		Sealer: api.SealerOf(env), Loopback: true, Client: lifecycle.NewHTTPClient(true), Now: func() time.Time { return clock }}
	conn, err := store.GetConnection(ctx, demo.Account.ID, c.connectionID)
	if err != nil {
		t.Fatal(err)
	}
	event := func(typ switchboard.AppEventType, after *switchboard.Connection) (switchboard.AppEvent, *switchboard.Delivery) {
		e := switchboard.AppEvent{ID: switchboard.NewEventID(clock), AccountID: conn.AccountID, Type: typ, ConnectionID: conn.ID,
			AppID: conn.AppID, LocationID: conn.LocationID, ActorType: switchboard.ActorUser, ActorUserID: "usr-owner", At: clock.UTC(),
			Before: &conn, After: after}
		d, err := cb.NewDelivery(ctx, e, after)
		if err != nil || d == nil {
			t.Fatal(d, err)
		}
		return e, d
	}
	// A stale change (the version moved on) is refused whole.
	stale := conn
	stale.Version--
	blockedStale := stale
	blockedStale.Status = switchboard.ConnectionBlocked
	refusedEvent, refusedDelivery := event(switchboard.EventBlocked, &blockedStale)
	err = store.ChangeConnection(ctx, switchboard.ConnectionChange{Before: stale, After: &blockedStale, Event: refusedEvent, Delivery: refusedDelivery})
	if switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Fatalf("stale change: %v, want a conflict", err)
	}
	// The function dies after the block's transaction, before its attempt.
	blocked := conn
	blocked.Status = switchboard.ConnectionBlocked
	e, d := event(switchboard.EventBlocked, &blocked)
	if err := store.ChangeConnection(ctx, switchboard.ConnectionChange{Before: conn, After: &blocked, Event: e, Delivery: d}); err != nil {
		t.Fatal(err)
	}
	// Within the lease nothing is sent; after it, the block is, once.
	clock = clock.Add(time.Minute)
	if _, err := cb.RetryDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rcv.of("connection.blocked")) != 0 {
		t.Fatal("sent during the lease")
	}
	for range 3 {
		clock = clock.Add(3 * time.Minute)
		if _, err := cb.RetryDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := rcv.of("connection.blocked"); len(got) != 1 || got[0].id != d.EventID {
		t.Fatalf("the block that happened was not announced once: %+v", got)
	}
	if _, err := store.GetDelivery(ctx, demo.Account.ID, refusedEvent.ID); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("the refused change left a delivery: %v", err)
	}
	events, err := store.ListEvents(ctx, demo.Account.ID, switchboard.AppEventFilter{ConnectionID: conn.ID}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range events.Events {
		if got.ID == refusedEvent.ID {
			t.Errorf("the refused change left an app-log event")
		}
	}
}

func TestLifecycleRoles(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	member := mustSignIn(t, env, "member@demo.test")
	other := mustOtherAccountAdmin(t, env)
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	params := map[string]string{"connectionId": c.connectionID}
	routes := []struct {
		name   string
		h      apigw.LambdaHandler
		method string
		path   string
		body   any
	}{
		{"block", api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"), nil},
		{"unblock", api.UnblockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "unblock"), nil},
		{"disconnect", api.DisconnectConnectionFunction(env), http.MethodDelete, connPath(c.connectionID), nil},
		{"redeliver", api.RedeliverConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "deliveries", "redeliver"), map[string]string{"eventId": switchboard.NewEventID(time.Now())}},
	}
	for _, r := range routes {
		mustStatus(t, "member "+r.name, member.call(t, r.h, r.method, r.path, params, r.body), http.StatusForbidden)
		want := http.StatusNotFound
		mustStatus(t, "other account's admin "+r.name, other.call(t, r.h, r.method, r.path, params, r.body), want)
	}
	// The developer's side: another account's admin cannot see or
	// redeliver the app's log.
	appParams := map[string]string{"appId": c.app.ClientID}
	mustStatus(t, "other lists the app's deliveries", other.call(t, api.ListAppDeliveriesFunction(env), http.MethodGet, "/admin/v1/developer/apps/"+c.app.ClientID+"/deliveries", appParams, nil), http.StatusNotFound)
	mustStatus(t, "member redelivers the app's", member.call(t, api.RedeliverAppFunction(env), http.MethodPost, "/admin/v1/developer/apps/"+c.app.ClientID+"/deliveries/redeliver", appParams,
		map[string]string{"from": "2026-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"}), http.StatusForbidden)
	// Nothing changed.
	mustStatus(t, "call", platformGet(t, env, c.token), http.StatusOK)
	if n := len(rcv.got); n != 0 {
		t.Errorf("%d callbacks sent by refused actions", n)
	}
}

// FuzzLifecycleRoutes sends arbitrary bodies and ids to the routes that
// change connections and redeliver: the answer is JSON with a 2xx or 4xx.
func FuzzLifecycleRoutes(f *testing.F) {
	for _, s := range []struct{ id, body string }{
		{"con_x", `{"reason":"spam"}`}, {"con_x", `{"until":"2020-01-01T00:00:00Z"}`}, {"con_x", `{"until":"not a time"}`},
		{"", ``}, {"con_x", `{"reason":"` + strings.Repeat("é", 600) + `"}`}, {"con_x", `{"eventId":"evt_0000000000000001aa"}`},
		{"con_x", `{"from":"2026-01-01T00:00:00Z","to":"2025-01-01T00:00:00Z"}`}, {"%00", `[]`}, {"con_x", `{"eventId":"evt_ffffffffffffffff"}`},
	} {
		f.Add(s.id, s.body)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	handlers := []struct {
		method, route string
		h             apigw.LambdaHandler
	}{
		{http.MethodPost, "/admin/v1/connections/{connectionId}/block", api.BlockConnectionFunction(env)},
		{http.MethodPost, "/admin/v1/connections/{connectionId}/unblock", api.UnblockConnectionFunction(env)},
		{http.MethodPost, "/admin/v1/connections/{connectionId}/deliveries/redeliver", api.RedeliverConnectionFunction(env)},
		{http.MethodPost, "/admin/v1/developer/apps/{appId}/deliveries/redeliver", api.RedeliverAppFunction(env)},
		{http.MethodGet, "/admin/v1/connections/{connectionId}/deliveries", api.ListConnectionDeliveriesFunction(env)},
		{http.MethodDelete, "/admin/v1/connections/{connectionId}", api.DisconnectConnectionFunction(env)},
		{http.MethodGet, "/admin/v1/apps/{appId}/deliveries", api.ListConnectedAppDeliveriesFunction(env)},
		{http.MethodPost, "/admin/v1/apps/{appId}/deliveries/redeliver", api.RedeliverConnectedAppFunction(env)},
	}
	f.Fuzz(func(t *testing.T, id, body string) {
		for _, r := range handlers {
			req := owner.get("/admin/v1/connections/" + id + "/x?limit=" + id)
			req.RequestContext.HTTP.Method = r.method
			req.PathParameters = map[string]string{"connectionId": id, "appId": id}
			req.Headers = map[string]string{"x-csrf-token": owner.csrf, "content-type": "application/json"}
			req.Body = body
			fuzzSend(t, r.h, r.route, req)
		}
	})
}
