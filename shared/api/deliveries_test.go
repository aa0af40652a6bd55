package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/lifecycle"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// runRetrier runs the retry function once at the given time, as the
// schedule does, over a client without faults.
func runRetrier(t *testing.T, env *platform.Env, at time.Time) {
	t.Helper()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	cb := &lifecycle.Callbacks{Apps: store, Deliveries: store,
		Sealer: api.SealerOf(env), Loopback: true, Client: lifecycle.NewHTTPClient(true), Now: func() time.Time { return at }}
	if _, err := api.RetryDeliveries(cb, nil, slog.New(slog.DiscardHandler))(context.Background(), events.CloudWatchEvent{}); err != nil {
		t.Fatal(err)
	}
}

// A second consent to the same app and location reinstalls the connection;
// the app is told with a signed connection.reinstalled callback carrying
// the app-log event's id.
func TestReinstalledCallbackReachesTheApp(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	if again := mustConnect2(t, env, owner, c.app); again != c.connectionID {
		t.Fatalf("reconsent gave connection %q, want the same %q", again, c.connectionID)
	}
	runRetrier(t, env, time.Now())

	evs := appEvents(t, env, c.connectionID, switchboard.EventReinstalled)
	if len(evs) != 1 {
		t.Fatalf("reinstalled events %+v", evs)
	}
	got := rcv.of("connection.reinstalled")
	if len(got) != 1 {
		t.Fatalf("reinstalled callbacks: %d", len(got))
	}
	if err := webhook.Verify(c.app.SigningSecret, got[0].header, got[0].body, time.Now()); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	if err := webhook.Verify(webhook.NewSecret(), got[0].header, got[0].body, time.Now()); err == nil {
		t.Errorf("a wrong secret verifies")
	}
	var body map[string]any
	_ = json.Unmarshal(got[0].body, &body)
	if body["id"] != evs[0].ID || got[0].header.Get(webhook.HeaderEventID) != evs[0].ID || body["type"] != "connection.reinstalled" ||
		body["connection_id"] != c.connectionID || body["account_id"] != demo.Account.ID || body["app_id"] != c.app.ClientID {
		t.Errorf("callback body %s, want the reinstalled event %s", got[0].body, evs[0].ID)
	}
	// Both callbacks are in the app's delivery log, delivered.
	page := mustDecode[switchboard.DeliveryPage](t, owner.call(t, api.ListConnectedAppDeliveriesFunction(env), http.MethodGet,
		"/admin/v1/apps/"+c.app.ClientID+"/deliveries", map[string]string{"appId": c.app.ClientID}, nil))
	if len(page.Deliveries) != 2 || page.Deliveries[0].Type != "connection.reinstalled" || page.Deliveries[0].State != switchboard.DeliverySucceeded {
		t.Errorf("delivery log %+v", page.Deliveries)
	}
}

// After a disconnect the connection's row is gone, but the app's delivery
// log in the account still holds its callbacks, and an admin can redeliver
// them; another account reads an empty log and redelivers nothing.
func TestConnectedAppDeliveriesOutliveTheConnection(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	member := mustSignIn(t, env, "member@demo.test")
	other := mustOtherAccountAdmin(t, env)
	rcv := newReceiver(t, map[string]int{"connection.uninstalled": 1})
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	params := map[string]string{"connectionId": c.connectionID}
	mustStatus(t, "block", owner.call(t, api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"), params, nil), http.StatusOK)
	mustStatus(t, "disconnect", owner.call(t, api.DisconnectConnectionFunction(env), http.MethodDelete, connPath(c.connectionID), params, nil), http.StatusNoContent)
	second := mustConnect2(t, env, owner, c.app) // a new connection of the same app
	runRetrier(t, env, time.Now())

	appPath := "/admin/v1/apps/" + c.app.ClientID + "/deliveries"
	appParams := map[string]string{"appId": c.app.ClientID}
	list := func(who signedIn, query map[string]string) switchboard.DeliveryPage {
		t.Helper()
		req := who.get(appPath)
		req.PathParameters, req.QueryStringParameters = appParams, query
		resp := send(t, api.ListConnectedAppDeliveriesFunction(env), req)
		mustStatus(t, "list", resp, http.StatusOK)
		return mustDecode[switchboard.DeliveryPage](t, resp)
	}
	all := list(member, nil)
	var types []string
	for _, d := range all.Deliveries {
		types = append(types, d.Type)
		if d.AppID != c.app.ClientID || d.AccountID != demo.Account.ID {
			t.Errorf("foreign delivery %+v", d)
		}
	}
	want := []string{"connection.installed", "connection.uninstalled", "connection.blocked", "connection.installed"}
	if len(types) != len(want) {
		t.Fatalf("app delivery log %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("app delivery log %v, want %v", types, want)
		}
	}
	if all.Deliveries[0].ConnectionID != second || all.Deliveries[1].ConnectionID != c.connectionID {
		t.Errorf("connections %s, %s", all.Deliveries[0].ConnectionID, all.Deliveries[1].ConnectionID)
	}
	// Filtered to the removed connection, and paged by the cursor (a page
	// may hold fewer than its limit: the filter applies to what it read).
	var removed []string
	cursor, pages := "", 0
	for {
		q := map[string]string{"connectionId": c.connectionID, "limit": "2"}
		if cursor != "" {
			q["cursor"] = cursor
		}
		page := list(member, q)
		pages++
		for _, d := range page.Deliveries {
			removed = append(removed, d.Type)
			if d.ConnectionID != c.connectionID {
				t.Errorf("filtered page holds %+v", d)
			}
		}
		if cursor = page.NextCursor; cursor == "" || pages > 10 {
			break
		}
	}
	if len(removed) != 3 || removed[0] != "connection.uninstalled" || removed[2] != "connection.installed" || pages < 2 {
		t.Fatalf("removed connection's log %v over %d pages", removed, pages)
	}
	if got := list(other, nil); len(got.Deliveries) != 0 {
		t.Errorf("another account reads %d deliveries", len(got.Deliveries))
	}

	// The uninstall failed once (the retrier's next attempt is due later):
	// an admin redelivers it from the app's log.
	uninstalled := all.Deliveries[1]
	redeliver := api.RedeliverConnectedAppFunction(env)
	mustStatus(t, "member redelivers", member.call(t, redeliver, http.MethodPost, appPath+"/redeliver", appParams, map[string]string{"eventId": uninstalled.EventID}), http.StatusForbidden)
	mustStatus(t, "other account redelivers", other.call(t, redeliver, http.MethodPost, appPath+"/redeliver", appParams, map[string]string{"eventId": uninstalled.EventID}), http.StatusNotFound)
	mustStatus(t, "another app's path", owner.call(t, redeliver, http.MethodPost, "/admin/v1/apps/app-other/deliveries/redeliver", map[string]string{"appId": "app-other"},
		map[string]string{"eventId": uninstalled.EventID}), http.StatusNotFound)
	resp := owner.call(t, redeliver, http.MethodPost, appPath+"/redeliver", appParams, map[string]string{"eventId": uninstalled.EventID})
	mustStatus(t, "redeliver", resp, http.StatusOK)
	after := mustDecode[struct{ Delivery switchboard.Delivery }](t, resp).Delivery
	if after.State != switchboard.DeliverySucceeded || after.Attempts[len(after.Attempts)-1].Trigger != "redeliver" {
		t.Errorf("after redelivery %+v", after)
	}
	got := rcv.of("connection.uninstalled")
	if len(got) != 2 || got[1].status != http.StatusOK || got[1].id != uninstalled.EventID {
		t.Fatalf("uninstalled posts %+v", got)
	}
	if err := webhook.Verify(c.app.SigningSecret, got[1].header, got[1].body, time.Now()); err != nil {
		t.Errorf("redelivery signature: %v", err)
	}
	// A range with nothing failed queues nothing.
	resp = owner.call(t, redeliver, http.MethodPost, appPath+"/redeliver", appParams,
		map[string]string{"from": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "to": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	mustStatus(t, "redeliver range", resp, http.StatusOK)
	if q := mustDecode[struct{ Queued int }](t, resp).Queued; q != 0 {
		t.Errorf("queued %d", q)
	}
}

// TestLifecycleCallbacksUnderInjectedFaults blocks, unblocks and at last
// disconnects a connection through a DynamoDB client that fails,
// throttles, drops and loses the answers of a share of its requests. The
// merchant's calls may fail; whatever happened must reach the app. The
// changes that happened are read from the connection after each call (its
// version moves by one per change) and matched with the app log, which the
// change's transaction writes. Then the faults stop and the retrier runs on
// a test clock until nothing is due: every change that took effect was
// delivered at least once with a signature that verifies, and nothing was
// delivered, or recorded, for a change that did not happen.
func TestLifecycleCallbacksUnderInjectedFaults(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	clean := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()

	tr := faults.New(5, map[faults.Service]faults.Rates{
		faults.DynamoDB: {faults.ServerError: .15, faults.Throttle: .15, faults.Drop: .1, faults.LoseResponse: .12, faults.Delay: .03},
	})
	tr.Delay = 10 * time.Millisecond
	faulty := *env
	faulty.AWS = faults.Apply(env.AWS, tr)
	svc := api.LifecycleOn(&faulty, dynamo.New(faulty.DynamoDB(), faulty.Config.TableName))
	p := switchboard.Principal{AccountID: demo.Account.ID, UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}

	// transitions lists the changes seen on the connection, in order: one
	// per version step (a change applied twice would skip a version).
	var transitions []string
	lastVersion := 0
	observe := func() (switchboard.Connection, bool) {
		t.Helper()
		conn, err := clean.GetConnection(ctx, demo.Account.ID, c.connectionID)
		if switchboard.ErrorCode(err) == switchboard.ENotFound {
			return conn, false
		}
		if err != nil {
			t.Fatal(err)
		}
		if lastVersion != 0 && conn.Version != lastVersion {
			if conn.Version != lastVersion+1 {
				t.Errorf("version went from %d to %d in one call", lastVersion, conn.Version)
			}
			typ := "connection.unblocked"
			if conn.Status == switchboard.ConnectionBlocked {
				typ = "connection.blocked"
			}
			transitions = append(transitions, typ)
		}
		lastVersion = conn.Version
		return conn, true
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var failedCalls, okCalls int
	for range 40 {
		conn, _ := observe()
		var err error
		if conn.Status == switchboard.ConnectionBlocked {
			_, err = svc.Unblock(ctx, p, c.connectionID)
		} else {
			in := switchboard.BlockInput{Reason: "fault test"}
			if rng.IntN(2) == 0 {
				until := time.Now().Add(time.Hour)
				in.Until = &until
			}
			_, err = svc.Block(ctx, p, c.connectionID, in)
		}
		if err != nil {
			failedCalls++
		} else {
			okCalls++
		}
		observe()
	}
	// Disconnect, as a merchant would: again until the row is gone.
	gone := false
	for range 20 {
		err := svc.Disconnect(ctx, p, c.connectionID)
		if err != nil {
			failedCalls++
		} else {
			okCalls++
		}
		if _, ok := observe(); !ok {
			gone = true
			break
		}
	}
	if !gone {
		t.Fatal("20 disconnects and the connection is still there")
	}
	transitions = append(transitions, "connection.uninstalled")
	injected, total := tr.Injected()
	t.Logf("%d calls succeeded, %d failed; faults %v over %v requests", okCalls, failedCalls, injected, total)
	if failedCalls == 0 || injected[faults.DynamoDB][faults.LoseResponse] == 0 {
		t.Errorf("the faults did not bite: %d failed calls, %v", failedCalls, injected)
	}

	// The app log holds exactly the changes seen, in order: happened maps
	// their event ids to their callback types.
	all, err := clean.ListEvents(ctx, demo.Account.ID, switchboard.AppEventFilter{ConnectionID: c.connectionID}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	happened := map[string]string{}
	var logged []string
	for _, e := range slices.Backward(all.Events) { // oldest first
		switch e.Type {
		case switchboard.EventBlocked, switchboard.EventUnblocked, switchboard.EventUninstalled:
			happened[e.ID] = switchboard.CallbackType(e.Type)
			logged = append(logged, switchboard.CallbackType(e.Type))
		}
	}
	if !slices.Equal(logged, transitions) {
		t.Errorf("app log %v, want the changes seen %v", logged, transitions)
	}

	// Faults off: the retrier runs every few minutes until nothing is due.
	clock := time.Now()
	for run := 0; ; run++ {
		if run == 30 {
			t.Fatal("deliveries still pending after 30 retrier runs")
		}
		clock = clock.Add(3 * time.Minute) // past any lease
		runRetrier(t, env, clock)
		pending, err := clean.ListDeliveries(ctx, demo.Account.ID, switchboard.DeliveryFilter{State: switchboard.DeliveryPending}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending.Deliveries) == 0 {
			break
		}
	}

	ds, err := clean.ListDeliveries(ctx, demo.Account.ID, switchboard.DeliveryFilter{ConnectionID: c.connectionID}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}

	// Every change that happened reached the app, signed; nothing else did.
	verified := map[string]int{}
	for _, g := range rcv.got {
		if g.typ == "connection.installed" {
			continue
		}
		if _, ok := happened[g.id]; !ok {
			t.Errorf("callback %s %s for a change that did not happen", g.typ, g.id)
			continue
		}
		if happened[g.id] != g.typ {
			t.Errorf("callback %s has type %s, want %s", g.id, g.typ, happened[g.id])
		}
		if err := webhook.Verify(c.app.SigningSecret, g.header, g.body, time.Now()); err != nil {
			t.Errorf("callback %s: %v", g.id, err)
			continue
		}
		verified[g.id]++
	}
	for id, typ := range happened {
		if verified[id] == 0 {
			t.Errorf("%s %s happened and was never delivered", typ, id)
		}
	}
	// The delivery log agrees: the changes that happened are delivered, and
	// no other has a delivery.
	for _, d := range ds.Deliveries {
		if d.Type == "connection.installed" {
			continue
		}
		_, ok := happened[d.EventID]
		switch {
		case ok && d.State != switchboard.DeliverySucceeded:
			t.Errorf("delivery of %s %s is %s", d.Type, d.EventID, d.State)
		case !ok:
			t.Errorf("delivery %s %s of a change that did not happen", d.Type, d.EventID)
		}
	}
	t.Logf("%d changes happened, %d callbacks received, %d deliveries recorded", len(happened), len(rcv.got), len(ds.Deliveries))
}
