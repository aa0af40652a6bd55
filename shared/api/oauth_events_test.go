package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/oauth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// mustToken exchanges a code and decodes the token answer.
func mustToken(t *testing.T, env *platform.Env, app registered, code string) oauth.TokenResponse {
	t.Helper()
	resp := exchange(t, env, app, code, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("exchange: %d %s", resp.StatusCode, resp.Body)
	}
	return mustDecode[oauth.TokenResponse](t, resp)
}

// appLog reads GET /admin/v1/app-log with query as the signed-in user.
func appLog(t *testing.T, env *platform.Env, s signedIn, query url.Values) []api.AppLogEntry {
	t.Helper()
	req := s.get("/admin/v1/app-log?" + query.Encode())
	req.QueryStringParameters = map[string]string{}
	for k := range query {
		req.QueryStringParameters[k] = query.Get(k)
	}
	resp := send(t, api.ListAppLogFunction(env), req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("app log: %d %s", resp.StatusCode, resp.Body)
	}
	return mustDecode[api.AppLogPage](t, resp).Events
}

func entryTypes(entries []api.AppLogEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, string(e.Type))
	}
	return out
}

// TestReauthorisationInTheAppLog connects an app through the real flow,
// re-authorises it with one more scope, and reads the app log: installed,
// reinstalled and scopes_updated, with the user as actor and the scopes
// before and after; the old token is refused, the new one works.
func TestReauthorisationInTheAppLog(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"name": "Reauth POS"}))
	first := mustToken(t, env, app, consent(t, env, owner, authorizeQuery(app.ClientID, map[string]string{"scope": "location[orders.read]"}), "loc-bastille", ""))
	if r := platformGet(t, env, first.AccessToken); r.StatusCode != http.StatusOK {
		t.Fatalf("first token: %d %s", r.StatusCode, r.Body)
	}
	// The overview asks for exactly the missing scope: re-authorising with
	// the app's full request adds orders.write and nothing else.
	second := mustToken(t, env, app, consent(t, env, owner, authorizeQuery(app.ClientID, nil), "loc-bastille", ""))
	if second.ConnectionID != first.ConnectionID || second.Scope != "location[orders.read,orders.write]" {
		t.Fatalf("re-authorisation gave %+v", second)
	}
	if r := platformGet(t, env, first.AccessToken); r.StatusCode != http.StatusUnauthorized || errorCodeOf(r) != switchboard.EInvalidToken {
		t.Errorf("old token after re-authorisation: %d %s", r.StatusCode, r.Body)
	}
	if r := platformGet(t, env, second.AccessToken); r.StatusCode != http.StatusOK {
		t.Errorf("new token: %d %s", r.StatusCode, r.Body)
	}

	events := appLog(t, env, owner, url.Values{"app": {app.ClientID}})
	if got := entryTypes(events); !slices.Equal(got, []string{"scopes_updated", "reinstalled", "installed"}) {
		t.Fatalf("app log %v, want scopes_updated, reinstalled, installed (newest first)", got)
	}
	for _, e := range events {
		if e.Actor.Type != switchboard.ActorUser || e.Actor.UserID != "usr-owner" || e.ConnectionID != first.ConnectionID || e.LocationID != "loc-bastille" {
			t.Errorf("%s: actor %+v connection %s location %s", e.Type, e.Actor, e.ConnectionID, e.LocationID)
		}
	}
	if e := events[2]; e.ScopeBefore != "" || e.ScopeAfter != "location[orders.read]" {
		t.Errorf("installed: before %q after %q", e.ScopeBefore, e.ScopeAfter)
	}
	for _, e := range events[:2] {
		if e.ScopeBefore != "location[orders.read]" || e.ScopeAfter != "location[orders.read,orders.write]" {
			t.Errorf("%s: before %q after %q", e.Type, e.ScopeBefore, e.ScopeAfter)
		}
	}
	missing := switchboard.MissingScopes(events[0].ScopeAfter, &switchboard.Scope{Permissions: []string{"orders.read", "orders.write"}})
	if len(missing) != 0 {
		t.Errorf("after re-authorisation still missing %v", missing)
	}

	// The same scope again: reinstalled, but no scopes_updated.
	mustToken(t, env, app, consent(t, env, owner, authorizeQuery(app.ClientID, nil), "loc-bastille", ""))
	if got := entryTypes(appLog(t, env, owner, url.Values{"app": {app.ClientID}})); !slices.Equal(got, []string{"reinstalled", "scopes_updated", "reinstalled", "installed"}) {
		t.Errorf("app log after an unchanged re-authorisation: %v", got)
	}
}

// TestInstanceAddedAndRevocationInTheAppLog: a second instance of an app at
// the same location is instance_added (the first was installed); an app
// revoking its own token, and a replayed code, each record access_revoked,
// which the disconnect notification rule follows.
func TestInstanceAddedAndRevocationInTheAppLog(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"name": "Multi POS"}))
	q := authorizeQuery(app.ClientID, nil)
	till1 := mustToken(t, env, app, consent(t, env, owner, q, "loc-bastille", "Till 1"))
	till2 := mustToken(t, env, app, consent(t, env, owner, q, "loc-bastille", "Till 2"))
	canalCode := consent(t, env, owner, q, "loc-canal", "")
	canal := mustToken(t, env, app, canalCode)
	events := appLog(t, env, owner, url.Values{"app": {app.ClientID}})
	byConn := map[string]string{}
	for _, e := range events {
		byConn[e.ConnectionID] += string(e.Type) + " "
	}
	want := map[string]string{till1.ConnectionID: "installed ", till2.ConnectionID: "instance_added ", canal.ConnectionID: "installed "}
	for id, w := range want {
		if byConn[id] != w {
			t.Errorf("events of %s: %q, want %q (all: %v)", id, byConn[id], w, entryTypes(events))
		}
	}

	// The app revokes Till 1's token (RFC 7009).
	if r := form(t, api.RevokeFunction(env), "/oauth2/v1/revoke", url.Values{"token": {till1.AccessToken}}, app.ClientID, app.ClientSecret); r.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}
	// Revoking it again, or a token of no connection, records nothing more.
	form(t, api.RevokeFunction(env), "/oauth2/v1/revoke", url.Values{"token": {till1.AccessToken}}, app.ClientID, app.ClientSecret)
	revoked := appLog(t, env, owner, url.Values{"type": {"access_revoked"}})
	if len(revoked) != 1 {
		t.Fatalf("access_revoked events %+v, want one", revoked)
	}
	if e := revoked[0]; e.ConnectionID != till1.ConnectionID || e.Actor.Type != switchboard.ActorApp || e.Reason == "" || e.LocationID != "loc-bastille" {
		t.Errorf("revocation event %+v", e)
	}
	if r := platformGet(t, env, till1.AccessToken); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", r.StatusCode)
	}

	// Replaying Canal's code revokes the token it issued: Switchboard did it.
	if r := exchange(t, env, app, canalCode, nil); oauthErrorOf(t, r) != "invalid_grant" {
		t.Fatalf("replay: %s", r.Body)
	}
	revoked = appLog(t, env, owner, url.Values{"type": {"access_revoked"}})
	if len(revoked) != 2 || revoked[0].ConnectionID != canal.ConnectionID || revoked[0].Actor.Type != switchboard.ActorSystem || !strings.Contains(revoked[0].Reason, "used twice") {
		t.Errorf("replay revocation events %+v", revoked)
	}

	// The disconnect rule ("blocked, or lost access") follows revocations;
	// the install rule follows added instances.
	if !slices.Contains(switchboard.RuleDisconnect.EventTypes(), switchboard.EventAccessRevoked) ||
		!slices.Contains(switchboard.RuleInstall.EventTypes(), switchboard.EventInstanceAdded) {
		t.Errorf("rule types: disconnect %v install %v", switchboard.RuleDisconnect.EventTypes(), switchboard.RuleInstall.EventTypes())
	}
	// Till 2 still works: only Till 1's and Canal's tokens were revoked.
	if r := platformGet(t, env, till2.AccessToken); r.StatusCode != http.StatusOK {
		t.Errorf("Till 2: %d %s", r.StatusCode, r.Body)
	}
}

// TestAuthFailuresAfterTokenChangeInOverview: an app keeps calling with the
// token a re-authorisation replaced; those calls are logged against the
// connection and, rolled up, put it under "erroring" with the auth_failures
// reason. A blocked then unblocked connection whose blocked calls were 401s
// is not listed.
func TestAuthFailuresAfterTokenChangeInOverview(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"name": "Stale POS"}))
	q := authorizeQuery(app.ClientID, nil)
	stale := mustToken(t, env, app, consent(t, env, owner, q, "loc-bastille", "stale"))
	mustToken(t, env, app, consent(t, env, owner, q, "loc-bastille", "stale")) // re-authorised: stale's token is superseded
	blocked := mustToken(t, env, app, consent(t, env, owner, q, "loc-canal", "blocked"))

	block := owner.call(t, api.BlockConnectionFunction(env), "POST", connPath(blocked.ConnectionID, "block"),
		map[string]string{"connectionId": blocked.ConnectionID}, map[string]any{"reason": "test"})
	mustStatus(t, "block", block, http.StatusOK)
	for range switchboard.AuthBurstMin + 1 {
		if r := platformGet(t, env, stale.AccessToken); r.StatusCode != http.StatusUnauthorized || errorCodeOf(r) != switchboard.EInvalidToken {
			t.Fatalf("superseded token: %d %s", r.StatusCode, r.Body)
		}
		if r := platformGet(t, env, blocked.AccessToken); r.StatusCode != http.StatusUnauthorized || errorCodeOf(r) != switchboard.EConnectionBlocked {
			t.Fatalf("blocked connection: %d %s", r.StatusCode, r.Body)
		}
	}
	unblock := owner.call(t, api.UnblockConnectionFunction(env), "POST", connPath(blocked.ConnectionID, "unblock"),
		map[string]string{"connectionId": blocked.ConnectionID}, nil)
	mustStatus(t, "unblock", unblock, http.StatusOK)

	// The superseded token's calls are in the connection's log.
	logs := owner.call(t, api.ListConnectionLogsFunction(env), "GET", connPath(stale.ConnectionID, "logs"), map[string]string{"connectionId": stale.ConnectionID}, nil)
	if page := mustDecode[api.LogPage](t, logs); len(page.Calls) != switchboard.AuthBurstMin+1 {
		t.Fatalf("logs of the re-authorised connection: %s", logs.Body)
	}

	mustRollUp(t, env, time.Now().Add(3*time.Minute))
	resp := owner.call(t, api.GetOverviewFunction(env), "GET", "/admin/v1/overview", nil, nil)
	mustStatus(t, "overview", resp, http.StatusOK)
	o := mustDecode[switchboard.Overview](t, resp)
	var erroring []string
	for _, c := range o.Erroring.Connections {
		erroring = append(erroring, c.ID)
	}
	if !slices.Equal(erroring, []string{stale.ConnectionID}) {
		t.Errorf("erroring %v, want only %s (the blocked-then-unblocked %s is not)", erroring, stale.ConnectionID, blocked.ConnectionID)
	}
	var found bool
	for _, a := range o.NeedsAttention {
		if a.ConnectionID == blocked.ConnectionID {
			t.Errorf("the unblocked connection needs attention: %+v", a)
		}
		if a.ConnectionID == stale.ConnectionID && a.Reason == switchboard.ReasonAuthFailures {
			found = true
			if !strings.Contains(a.Message, "6 calls refused") || a.ActionCode != "contact_app" {
				t.Errorf("auth failures attention %+v", a)
			}
		}
	}
	if !found {
		t.Errorf("no auth_failures attention for %s: %+v", stale.ConnectionID, o.NeedsAttention)
	}
	// The activity chart tells the blocked 401s from the token refusals.
	act := owner.call(t, api.GetConnectionActivityFunction(env), "GET", connPath(blocked.ConnectionID, "activity"), map[string]string{"connectionId": blocked.ConnectionID}, nil)
	if a := mustDecode[switchboard.Activity](t, act); a.Totals.S401 != switchboard.AuthBurstMin+1 || a.Totals.AuthFailures != 0 {
		t.Errorf("blocked connection's totals %+v", a.Totals)
	}
}

// listConnections reads GET /admin/v1/connections with query.
func listConnections(t *testing.T, env *platform.Env, s signedIn, query map[string]string) (int, []switchboard.Connection) {
	t.Helper()
	req := s.get("/admin/v1/connections")
	req.QueryStringParameters = query
	resp := send(t, api.ListConnectionsFunction(env), req)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, mustDecode[struct{ Connections []switchboard.Connection }](t, resp).Connections
}

// TestConnectionFiltersAndLevels: the connections list filters by app,
// status and location, combined; an account-level app cannot be connected
// to one location, neither through the consent nor through its scope.
func TestConnectionFiltersAndLevels(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	pos := mustRegisterListedApp(t, env, owner, posApp(map[string]any{"name": "Filter POS"}))
	bi := mustRegisterListedApp(t, env, owner, posApp(map[string]any{"name": "Filter BI", "level": "account", "scopes": []string{"orders.read"}, "multipleInstances": false}))
	bastille := mustToken(t, env, pos, consent(t, env, owner, authorizeQuery(pos.ClientID, nil), "loc-bastille", ""))
	canal := mustToken(t, env, pos, consent(t, env, owner, authorizeQuery(pos.ClientID, nil), "loc-canal", ""))
	account := mustToken(t, env, bi, consent(t, env, owner, authorizeQuery(bi.ClientID, map[string]string{"scope": "account[orders.read]"}), "", ""))
	if account.LocationID != "" || account.Scope != "account[orders.read]" {
		t.Fatalf("account-level token %+v", account)
	}
	mustStatus(t, "block", owner.call(t, api.BlockConnectionFunction(env), "POST", connPath(canal.ConnectionID, "block"),
		map[string]string{"connectionId": canal.ConnectionID}, map[string]any{}), http.StatusOK)

	ids := func(conns []switchboard.Connection) []string {
		var out []string
		for _, c := range conns {
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(v ...string) []string { slices.Sort(v); return v }
	for _, tt := range []struct {
		query map[string]string
		want  []string
	}{
		{map[string]string{"appId": pos.ClientID}, sorted(bastille.ConnectionID, canal.ConnectionID)},
		{map[string]string{"appId": pos.ClientID, "status": "blocked"}, []string{canal.ConnectionID}},
		{map[string]string{"appId": pos.ClientID, "status": "active"}, []string{bastille.ConnectionID}},
		{map[string]string{"appId": pos.ClientID, "locationId": "loc-bastille"}, []string{bastille.ConnectionID}},
		{map[string]string{"appId": pos.ClientID, "locationId": "loc-canal", "status": "active"}, nil},
		{map[string]string{"appId": bi.ClientID, "status": "active"}, []string{account.ConnectionID}},
		{map[string]string{"appId": "app-nobody"}, nil},
	} {
		status, conns := listConnections(t, env, owner, tt.query)
		if got := ids(conns); status != http.StatusOK || !slices.Equal(got, tt.want) {
			t.Errorf("%v: %d %v, want %v", tt.query, status, got, tt.want)
		}
	}
	if status, _ := listConnections(t, env, owner, map[string]string{"status": "deleted"}); status != http.StatusBadRequest {
		t.Errorf("unknown status: %d, want 400", status)
	}

	// The account-level app refuses a location on the consent…
	body := map[string]any{"client_id": bi.ClientID, "redirect_uri": redirectURI, "scope": "account[orders.read]", "state": "s", "approve": true, "location_id": "loc-bastille"}
	if r := owner.call(t, api.DecideFunction(env), "POST", "/oauth2/v1/authorize", nil, body); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "whole account") {
		t.Errorf("account-level app at a location: %d %s", r.StatusCode, r.Body)
	}
	// …and a location scope on the authorisation request.
	q := authorizeQuery(bi.ClientID, map[string]string{"scope": "location[orders.read]"})
	r := public(t, api.AuthorizeFunction(env), "", get("/oauth2/v1/authorize?"+q.Encode()))
	if loc := r.Headers["Location"]; !strings.HasPrefix(loc, redirectURI) || !strings.Contains(loc, "error=invalid_scope") {
		t.Errorf("location scope for an account-level app: %q", loc)
	}
	if _, conns := listConnections(t, env, owner, map[string]string{"appId": bi.ClientID}); len(conns) != 1 {
		t.Errorf("the refusals connected something: %v", ids(conns))
	}
}

// TestRevokedConnectionNeedsReauthorisation: a connection whose token the
// app revoked is "revoked" in the API (item, listing and its filter) and
// listed under "Need re-authorisation" in the overview; a blocked one stays
// blocked and becomes revoked when unblocked; re-authorising makes it active.
func TestRevokedConnectionNeedsReauthorisation(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"name": "Revoking POS"}))
	q := authorizeQuery(app.ClientID, nil)
	till := mustToken(t, env, app, consent(t, env, owner, q, "loc-bastille", "Till"))
	canal := mustToken(t, env, app, consent(t, env, owner, q, "loc-canal", ""))
	status := func(id string) switchboard.ConnectionStatus {
		t.Helper()
		r := owner.call(t, api.GetConnectionFunction(env), "GET", connPath(id), map[string]string{"connectionId": id}, nil)
		mustStatus(t, "get connection", r, http.StatusOK)
		return mustDecode[switchboard.Connection](t, r).Status
	}
	reauth := func() []string {
		t.Helper()
		r := owner.call(t, api.GetOverviewFunction(env), "GET", "/admin/v1/overview", nil, nil)
		mustStatus(t, "overview", r, http.StatusOK)
		var ids []string
		for _, c := range mustDecode[switchboard.Overview](t, r).NeedsReauth.Connections {
			ids = append(ids, c.ID)
		}
		return ids
	}

	if r := form(t, api.RevokeFunction(env), "/oauth2/v1/revoke", url.Values{"token": {till.AccessToken}}, app.ClientID, app.ClientSecret); r.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}
	if got := status(till.ConnectionID); got != switchboard.ConnectionRevoked {
		t.Errorf("revoked connection's status %q, want revoked", got)
	}
	if got := status(canal.ConnectionID); got != switchboard.ConnectionActive {
		t.Errorf("the other connection's status %q", got)
	}
	list := owner.call(t, api.ListConnectionsFunction(env), "GET", "/admin/v1/connections?status=revoked", nil, nil)
	mustStatus(t, "list revoked", list, http.StatusOK)
	var page struct{ Connections []switchboard.Connection }
	if err := json.Unmarshal([]byte(list.Body), &page); err != nil || len(page.Connections) != 1 || page.Connections[0].ID != till.ConnectionID {
		t.Errorf("status=revoked lists %s (%v)", list.Body, err)
	}
	if got := reauth(); !slices.Equal(got, []string{till.ConnectionID}) {
		t.Errorf("need re-authorisation %v, want the revoked connection", got)
	}

	// Blocked, then revoked: blocked while the block lasts, revoked after.
	mustStatus(t, "block", owner.call(t, api.BlockConnectionFunction(env), "POST", connPath(canal.ConnectionID, "block"),
		map[string]string{"connectionId": canal.ConnectionID}, map[string]any{"reason": "test"}), http.StatusOK)
	if r := form(t, api.RevokeFunction(env), "/oauth2/v1/revoke", url.Values{"token": {canal.AccessToken}}, app.ClientID, app.ClientSecret); r.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}
	if got := status(canal.ConnectionID); got != switchboard.ConnectionBlocked {
		t.Errorf("blocked then revoked: %q, want blocked", got)
	}
	mustStatus(t, "unblock", owner.call(t, api.UnblockConnectionFunction(env), "POST", connPath(canal.ConnectionID, "unblock"),
		map[string]string{"connectionId": canal.ConnectionID}, nil), http.StatusOK)
	if got := status(canal.ConnectionID); got != switchboard.ConnectionRevoked {
		t.Errorf("unblocked after its token was revoked: %q, want revoked", got)
	}

	// Re-authorising gives the app its access back.
	again := mustToken(t, env, app, consent(t, env, owner, q, "loc-bastille", "Till"))
	if again.ConnectionID != till.ConnectionID {
		t.Fatalf("re-authorisation made connection %s, want %s", again.ConnectionID, till.ConnectionID)
	}
	if got := status(till.ConnectionID); got != switchboard.ConnectionActive {
		t.Errorf("re-authorised: %q, want active", got)
	}
	if got := reauth(); !slices.Equal(got, []string{canal.ConnectionID}) {
		t.Errorf("need re-authorisation %v, want only the still-revoked one", got)
	}
}
