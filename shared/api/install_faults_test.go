package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// announced reads, from a clean client, what an app must have been told of
// the connection's installs: its installed (or instance_added) and
// reinstalled events, and its deliveries by event id.
func announced(t *testing.T, store *dynamo.Store, connectionID string) (installs, reinstalls []switchboard.AppEvent, deliveries map[string]int) {
	t.Helper()
	ctx := context.Background()
	events, err := store.ListEvents(ctx, demo.Account.ID, switchboard.AppEventFilter{ConnectionID: connectionID}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Events {
		switch e.Type {
		case switchboard.EventInstalled, switchboard.EventInstanceAdded:
			installs = append(installs, e)
		case switchboard.EventReinstalled:
			reinstalls = append(reinstalls, e)
		}
	}
	ds, err := store.ListDeliveries(ctx, demo.Account.ID, switchboard.DeliveryFilter{ConnectionID: connectionID}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	deliveries = map[string]int{}
	for _, d := range ds.Deliveries {
		deliveries[d.EventID]++
	}
	return installs, reinstalls, deliveries
}

// TestInstallCallbacksUnderInjectedFaults installs two instances of an app
// and re-authorises them again and again, with a scope that changes, through
// a DynamoDB client whose transactions and single writes fail, throttle,
// drop and lose their answers. Exchanges may fail; whatever connection
// exists must have its installed event, one reinstalled event per version
// step after its creation, and exactly one delivery of each, and no other;
// every exchange answered with a token names a connection that exists; a
// refused exchange (a replayed code) adds none. Then the faults stop and the
// retrier sends each event once.
func TestInstallCallbacksUnderInjectedFaults(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, nil)
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"callbackUrl": rcv.srv.URL + "/hooks"}))
	clean := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()

	tr := faults.New(11, map[faults.Service]faults.Rates{
		faults.DynamoDB: {faults.ServerError: .15, faults.Throttle: .1, faults.Drop: .1, faults.LoseResponse: .2, faults.Delay: .03},
	})
	tr.Delay = 10 * time.Millisecond
	// The writes of an exchange: its transaction, and the single writes
	// that once followed it (the app-log event, the delivery, the token).
	tr.Match = func(r *http.Request, _ []byte) bool {
		target := r.Header.Get("X-Amz-Target")
		return strings.HasSuffix(target, ".TransactWriteItems") || strings.HasSuffix(target, ".PutItem")
	}
	faulty := *env
	faulty.AWS = faults.Apply(env.AWS, tr)

	scopes := []string{"location[orders.read,orders.write]", "location[orders.read]"}
	labels := []string{"", "till-2"}
	answered := map[string]bool{} // connection ids given with a token
	var usedCode string
	var okCalls, failedCalls int
	for i := range 40 {
		code := consent(t, env, owner, authorizeQuery(app.ClientID, map[string]string{"scope": scopes[i/2%2]}), "loc-bastille", labels[i%2])
		resp := exchange(t, &faulty, app, code, nil)
		if resp.StatusCode != http.StatusOK {
			failedCalls++
			continue
		}
		okCalls++
		var out struct {
			ConnectionID string `json:"connection_id"`
		}
		_ = json.Unmarshal([]byte(resp.Body), &out)
		answered[out.ConnectionID] = true
		usedCode = code
	}
	injected, total := tr.Injected()
	t.Logf("%d exchanges succeeded, %d failed; faults %v over %v requests", okCalls, failedCalls, injected, total)
	if failedCalls == 0 || okCalls == 0 || injected[faults.DynamoDB][faults.LoseResponse] == 0 {
		t.Fatalf("the faults did not bite, or nothing got through: %d ok, %d failed, %v", okCalls, failedCalls, injected)
	}

	conns, err := clean.ListConnections(ctx, demo.Account.ID, switchboard.ConnectionFilter{AppID: app.ClientID})
	if err != nil {
		t.Fatal(err)
	}
	for id := range answered {
		if _, err := clean.GetConnection(ctx, demo.Account.ID, id); err != nil {
			t.Errorf("a token was answered for connection %s: %v", id, err)
		}
	}
	want := map[string]bool{} // event ids to be delivered
	check := func(c switchboard.Connection) (events, deliveries int) {
		t.Helper()
		installs, reinstalls, ds := announced(t, clean, c.ID)
		if len(installs) != 1 {
			t.Errorf("connection %s (%q) has %d install events, want 1", c.ID, c.InstanceLabel, len(installs))
		}
		if len(reinstalls) != c.Version-1 {
			t.Errorf("connection %s is at version %d with %d reinstalled events, want %d", c.ID, c.Version, len(reinstalls), c.Version-1)
		}
		for _, e := range append(installs, reinstalls...) {
			if ds[e.ID] != 1 {
				t.Errorf("event %s (%s) has %d deliveries, want 1", e.ID, e.Type, ds[e.ID])
			}
			want[e.ID] = true
		}
		n := 0
		for _, k := range ds {
			n += k
		}
		if n != len(installs)+len(reinstalls) {
			t.Errorf("connection %s has %d deliveries for %d events", c.ID, n, len(installs)+len(reinstalls))
		}
		return len(installs) + len(reinstalls), n
	}
	before := map[string][2]int{}
	for _, c := range conns {
		e, d := check(c)
		before[c.ID] = [2]int{e, d}
	}

	// A refused exchange, a replayed code, writes no install anywhere.
	if resp := exchange(t, env, app, usedCode, nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replay: %d %s", resp.StatusCode, resp.Body)
	}
	for _, c := range conns {
		installs, reinstalls, ds := announced(t, clean, c.ID)
		n := 0
		for _, k := range ds {
			n += k
		}
		if got := [2]int{len(installs) + len(reinstalls), n}; got != before[c.ID] {
			t.Errorf("the refused exchange changed connection %s's events and deliveries from %v to %v", c.ID, before[c.ID], got)
		}
	}

	// Faults off: the retrier sends every announcement, once.
	clock := time.Now()
	for run := 0; ; run++ {
		if run == 10 {
			t.Fatal("deliveries still pending after 10 retrier runs")
		}
		runRetrier(t, env, clock)
		pending, err := clean.ListDeliveries(ctx, demo.Account.ID, switchboard.DeliveryFilter{State: switchboard.DeliveryPending}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending.Deliveries) == 0 {
			break
		}
		clock = clock.Add(3 * time.Minute) // past any lease
	}
	got := map[string]int{}
	for _, typ := range []string{"connection.installed", "connection.reinstalled"} {
		for _, g := range rcv.of(typ) {
			got[g.id]++
		}
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("event %s reached the app %d times, want 1", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("the app was told of %d events, %d happened", len(got), len(want))
	}
}

// TestOAuthExchangeIAM drives the consent, the code exchange and the
// revocation through every path that writes (an install, another instance,
// a reinstall with a new scope, a replayed code, a live token revoked),
// which the isolation matrix never reaches, and checks DecideFunction's,
// TokenFunction's and RevokeFunction's grants against the calls made:
// nothing missing, nothing more.
func TestOAuthExchangeIAM(t *testing.T) {
	env := testenv.MustEnv(t)
	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, nil)
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"callbackUrl": rcv.srv.URL + "/hooks"}))
	var use awsUse
	decide, token := use.envFor(env, "DecideFunction"), use.envFor(env, "TokenFunction")
	run := func(q url.Values, label string, want int) string {
		t.Helper()
		code := consent(t, decide, owner, q, "loc-bastille", label)
		if resp := exchange(t, token, app, code, nil); resp.StatusCode != want {
			t.Fatalf("exchange: %d %s", resp.StatusCode, resp.Body)
		}
		return code
	}
	run(authorizeQuery(app.ClientID, nil), "", http.StatusOK)                                                         // installed
	run(authorizeQuery(app.ClientID, nil), "till-2", http.StatusOK)                                                   // instance added
	code := run(authorizeQuery(app.ClientID, map[string]string{"scope": "location[orders.read]"}), "", http.StatusOK) // reinstalled, scope changed
	if resp := exchange(t, token, app, code, nil); resp.StatusCode != http.StatusBadRequest {                         // replayed: its token revoked
		t.Fatalf("replay: %d %s", resp.StatusCode, resp.Body)
	}
	if n := len(appEvents(t, env, "", switchboard.EventAccessRevoked)); n != 1 {
		t.Fatalf("%d access_revoked events: the replay did not take the revoking path", n)
	}
	// The app revokes its live token (the other instance's).
	resp := exchange(t, token, app, consent(t, decide, owner, authorizeQuery(app.ClientID, nil), "loc-bastille", "till-2"), nil)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &out)
	if r := form(t, api.RevokeFunction(use.envFor(env, "RevokeFunction")), "/oauth2/v1/revoke", url.Values{"token": {out.AccessToken}}, app.ClientID, app.ClientSecret); r.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}
	if n := len(appEvents(t, env, "", switchboard.EventAccessRevoked)); n != 2 {
		t.Fatalf("%d access_revoked events: the revocation did not take the revoking path", n)
	}
	var oauthFns []samtemplate.Function
	for _, fn := range fns {
		if fn.LogicalID == "DecideFunction" || fn.LogicalID == "TokenFunction" || fn.LogicalID == "RevokeFunction" {
			oauthFns = append(oauthFns, fn)
		}
	}
	missing, unused := use.problems(oauthFns)
	for _, m := range missing {
		t.Errorf("template.yaml does not grant what the code calls: %s", m)
	}
	for _, u := range unused {
		t.Errorf("template.yaml grants what the code never used: %s", u)
	}
}
