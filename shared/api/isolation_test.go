package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// The isolation matrix calls every route of template.yaml as every kind of
// caller, each time on resources of a freshly made account A, and compares
// the status with the route's access table (the *_access_test.go file beside
// the route's handler). A route without a table fails; so does any answer
// that carries account A's canary text to a caller who is not account A.

// identity is one kind of caller.
type identity string

const (
	anonymous          identity = "anonymous"
	superAdminA        identity = "super_admin of A"
	adminA             identity = "admin of A"
	memberA            identity = "member of A"
	adminB             identity = "admin of B"
	tokenA             identity = "token of A's connection"
	tokenOtherAccount  identity = "token of B's connection"
	tokenOtherLocation identity = "token of A's other location"
	blockedToken       identity = "blocked token of A"
	revokedToken       identity = "revoked token of A"
	// adminNoCSRF is A's admin session without the X-CSRF-Token header, as
	// a forged cross-site form would send it. Its expected statuses are
	// derived from the table (see wantWithoutCSRF), not written in it.
	adminNoCSRF identity = "admin of A without CSRF token"
)

var identities = []identity{anonymous, superAdminA, adminA, memberA, adminB, tokenA, tokenOtherAccount, tokenOtherLocation, blockedToken, revokedToken, adminNoCSRF}

// wantWithoutCSRF derives what A's admin gets without the CSRF token: reads
// answer as with it; a write that needs a session (the table refuses
// anonymous callers with 401 and lets the admin further) is refused with
// 403 before anything else; a write that needs no session (sign-in, token
// exchange, platform calls) answers as it does for an anonymous caller.
func wantWithoutCSRF(method string, want map[identity]int) int {
	switch {
	case method == http.MethodGet || method == http.MethodHead:
		return want[adminA]
	case want[anonymous] == http.StatusUnauthorized && want[adminA] != http.StatusUnauthorized:
		return http.StatusForbidden
	default:
		return want[anonymous]
	}
}

// ofAccountA says which identities may legitimately see account A's data.
func (id identity) ofAccountA() bool {
	switch id {
	case superAdminA, adminA, memberA, tokenA, tokenOtherLocation, adminNoCSRF:
		// Another location's token is A's too: it reaches the account's
		// catalogs and customer lists by design; its refusal on the first
		// location's orders is checked by status.
		return true
	}
	return false
}

// access is one route's table: the status each identity must get, plus
// what a well-formed request carries. Values in braces ({connectionId}…)
// are replaced by the world's.
type access struct {
	want  map[identity]int
	body  string            // JSON, for writes
	form  bool              // body is application/x-www-form-urlencoded
	query map[string]string // query string parameters
	// public routes answer everyone with account A's data by design (none
	// today): leaving it false makes canary text a leak.
	public bool
}

// accessTables holds every route's table, keyed by "METHOD /path"; the
// *_access_test.go files fill it.
var accessTables = map[string]access{}

// routeAccess registers a table; registering one route twice is a bug.
func routeAccess(route string, a access) bool {
	if _, dup := accessTables[route]; dup {
		panic("two access tables for " + route)
	}
	accessTables[route] = a
	return true
}

// every gives all identities status, then the exceptions.
func every(status int, except map[identity]int) map[identity]int {
	out := map[identity]int{}
	for _, id := range identities {
		out[id] = status
	}
	for id, s := range except {
		out[id] = s
	}
	return out
}

// session gives the session identities of A their statuses, B's admin 404
// (another tenant's ids do not exist for it) and every token 401.
func session(superAdmin, admin, member int) map[identity]int {
	return every(http.StatusUnauthorized, map[identity]int{superAdminA: superAdmin, adminA: admin, memberA: member, adminB: http.StatusNotFound})
}

// platformRoute gives A's valid token its status; every other token and
// every session is refused; B's token finds nothing.
func platformRoute(ok, otherLocation int) map[identity]int {
	return every(http.StatusUnauthorized, map[identity]int{tokenA: ok, tokenOtherAccount: http.StatusNotFound, tokenOtherLocation: otherLocation})
}

// world is one account A, with everything a route may name, and one
// account B with an admin and a connection of its own.
type world struct {
	values      map[string]string // path and body placeholders
	canary      string            // text only account A's data contains
	cookies     map[identity]string
	csrf        map[identity]string
	bearer      map[identity]string
	accountA    string
	connectionA string
}

var worldSeq atomic.Int64

func mustWorld(tb testing.TB, env *platform.Env) *world {
	tb.Helper()
	ctx := context.Background()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	archive := s3store.New(env.S3(), env.Config.ArchiveBucket)
	n := worldSeq.Add(1)
	p := fmt.Sprintf("w%d", n)
	canary := fmt.Sprintf("canary%dzz", n)
	now := time.Now().UTC().Truncate(time.Millisecond)
	w := &world{canary: canary, cookies: map[identity]string{}, csrf: map[identity]string{}, bearer: map[identity]string{},
		accountA: "acc-" + p + "-a", connectionA: "con_" + p + "_a"}
	accB := "acc-" + p + "-b"
	loc1, loc2, locB := "loc-"+p+"-1", "loc-"+p+"-2", "loc-"+p+"-b"
	must := func(what string, err error) {
		if err != nil {
			tb.Fatalf("world %s: %s: %v", p, what, err)
		}
	}
	must("account A", store.CreateAccount(ctx, switchboard.Account{ID: w.accountA, Name: "Account " + canary, CreatedAt: now},
		[]switchboard.Location{{ID: loc1, Name: "Bastille " + canary}, {ID: loc2, Name: "Canal " + canary}}))
	must("account B", store.CreateAccount(ctx, switchboard.Account{ID: accB, Name: "Account B", CreatedAt: now}, []switchboard.Location{{ID: locB, Name: "B"}}))
	users := map[identity]switchboard.User{
		superAdminA: {ID: "usr-" + p + "-owner", AccountID: w.accountA, Email: p + "-owner@a.test", Name: "Owner " + canary, Role: switchboard.RoleSuperAdmin, Active: true},
		adminA:      {ID: "usr-" + p + "-admin", AccountID: w.accountA, Email: p + "-admin@a.test", Name: "Admin " + canary, Role: switchboard.RoleAdmin, Active: true},
		memberA:     {ID: "usr-" + p + "-member", AccountID: w.accountA, Email: p + "-member@a.test", Name: "Member " + canary, Role: switchboard.RoleMember, Active: true},
		adminB:      {ID: "usr-" + p + "-b", AccountID: accB, Email: p + "-admin@b.test", Name: "Admin B", Role: switchboard.RoleAdmin, Active: true},
	}
	for id, u := range users {
		u.CreatedAt = now
		must("user "+u.ID, store.CreateUser(ctx, u, matrixPasswordHash()))
		token, hash := auth.NewToken()
		must("session", store.CreateSession(ctx, switchboard.Session{TokenHash: hash, AccountID: u.AccountID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
		w.cookies[id] = api.SessionCookie + "=" + token
		w.csrf[id] = auth.CSRFToken(token)
	}
	team := switchboard.Team{ID: "team-" + p, AccountID: w.accountA, Name: "Team " + canary, MemberIDs: []string{users[memberA].ID}, CreatedAt: now}
	must("team", store.CreateTeam(ctx, team))

	appID := "app-" + p
	_, secretHash := auth.NewToken()
	must("app", store.RegisterApp(ctx, switchboard.DeveloperApp{
		App: switchboard.App{ID: appID, Name: "Matrix POS " + p, Description: "An app of the isolation matrix.", Category: "pos",
			Level: switchboard.LevelLocation, Scopes: []string{"orders.read", "orders.write", "customers.read", "customers.write", "catalog.read", "catalog.write"},
			Developer: "Matrix", Website: "https://matrix.example", OpenURL: "https://matrix.example/open", CreatedAt: now},
		OwnerAccountID: w.accountA, Published: true, RedirectURIs: []string{"https://matrix.example/cb"}, CallbackURL: "https://matrix.example/events",
	}, secretHash, ""))
	must("listing", store.ReviewListing(ctx, appID, switchboard.ListingReview{Approve: true}))

	const allLocation = "location[catalog.read,catalog.write,customers.read,customers.write,orders.read,orders.write]"
	const allAccount = "account[catalog.read,catalog.write,customers.read,customers.write,orders.read,orders.write]"
	connect := func(who identity, id, account, location, label, scope string, status switchboard.ConnectionStatus, revoked bool) {
		token, hash := auth.NewToken()
		level := switchboard.LevelLocation
		if location == "" {
			level = switchboard.LevelAccount
		}
		must("connection "+id, store.CreateConnection(ctx, switchboard.Connection{ID: id, AccountID: account, LocationID: location, AppID: appID,
			AppName: "Matrix POS " + p, Level: level, InstanceLabel: label, Scope: scope, Status: status, ConnectedBy: users[superAdminA].ID,
			ConnectedAt: now, UpdatedAt: now, TokenHash: hash}))
		must("token "+id, store.SaveToken(ctx, switchboard.AccessToken{Hash: hash, ConnectionID: id, AccountID: account, LocationID: location,
			AppID: appID, Scope: scope, IssuedAt: now}))
		if revoked {
			must("revoke "+id, store.RevokeToken(ctx, hash))
		}
		w.bearer[who] = token
	}
	connect(tokenA, w.connectionA, w.accountA, loc1, canary, allLocation, switchboard.ConnectionActive, false)
	connect(tokenOtherLocation, "con_"+p+"_a2", w.accountA, loc2, "", allLocation, switchboard.ConnectionActive, false)
	connect(blockedToken, "con_"+p+"_blocked", w.accountA, loc1, "blocked", allLocation, switchboard.ConnectionBlocked, false)
	connect(revokedToken, "con_"+p+"_revoked", w.accountA, loc1, "revoked", allLocation, switchboard.ConnectionActive, true)
	connect(tokenOtherAccount, "con_"+p+"_b", accB, "", "", allAccount, switchboard.ConnectionActive, false)

	rule, err := store.CreateRule(ctx, switchboard.NotificationRule{ID: "rule_" + p, AccountID: w.accountA, Name: "Rule " + canary,
		Type: switchboard.RuleInstall, Frequency: switchboard.Daily, AllApps: true,
		Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}, CreatedBy: users[adminA].ID, CreatedAt: now, UpdatedAt: now})
	must("notification rule", err)
	must("app-log event", store.RecordEvent(ctx, switchboard.AppEvent{ID: "evt_" + p, AccountID: w.accountA, Type: switchboard.EventBlocked,
		ConnectionID: w.connectionA, AppID: appID, LocationID: loc1, ActorType: switchboard.ActorUser, ActorUserID: users[adminA].ID,
		Reason: "Unpaid " + canary, At: now.Add(-2 * time.Minute)}))
	call := switchboard.Call{RequestID: "req_" + p, AccountID: w.accountA, ConnectionID: w.connectionA, AppID: appID, LocationID: loc1, At: now.Add(-time.Minute),
		Resource: "orders", Method: http.MethodPost, Path: "/v1/locations/" + loc1 + "/orders?note=" + canary, Status: http.StatusCreated,
		LatencyMs: 12, RequestBytes: 40, ResponseBytes: 40, BodiesArchived: true, LoggedAt: now.Add(-time.Minute)}
	must("bodies", store.KeepBodies(ctx, call, switchboard.CallBodies{
		Request:  switchboard.ArchivedBody{Method: call.Method, Path: call.Path, Body: `{"note":"` + canary + `"}`},
		Response: switchboard.ArchivedBody{Status: call.Status, Body: `{"id":"` + canary + `"}`}}))
	must("call", store.RecordCall(ctx, call))
	_, err = store.WithBodyBatches(archive).ArchiveBodies(ctx, call.LoggedAt)
	must("archived bodies", err)

	order := switchboard.Order{ID: "ord_" + p, AccountID: w.accountA, LocationID: loc1, Status: switchboard.OrderStatus("new"), ServiceType: "delivery",
		CustomerNotes: "Ring twice " + canary, Items: []switchboard.OrderItem{{ProductName: "Margherita", Quantity: 1, Price: "9.50 EUR"}}, CreatedAt: now, UpdatedAt: now}
	order.Total = "9.50 EUR"
	must("order", store.CreateOrder(ctx, order))
	list := switchboard.CustomerList{ID: "cl-" + p, AccountID: w.accountA, Name: "Customers " + canary, CreatedAt: now}
	must("customer list", store.CreateCustomerList(ctx, list))
	must("customer", store.CreateCustomer(ctx, switchboard.Customer{ID: "cus_" + p, AccountID: w.accountA, CustomerListID: list.ID, FirstName: "Ada " + canary, CreatedAt: now}))
	catalog := switchboard.Catalog{ID: "cat-" + p, AccountID: w.accountA, Name: "Menu " + canary, CreatedAt: now}
	must("catalog", store.CreateCatalog(ctx, catalog))
	must("product", store.CreateProduct(ctx, switchboard.Product{ID: "prd_" + p, AccountID: w.accountA, CatalogID: catalog.ID, Name: "Pizza " + canary, Price: "9.50 EUR", CreatedAt: now}))

	resetToken, resetHash := auth.NewToken()
	must("password reset", store.CreatePasswordReset(ctx, switchboard.PasswordReset{TokenHash: resetHash, AccountID: w.accountA,
		UserID: users[memberA].ID, Email: users[memberA].Email, CreatedAt: now, ExpiresAt: now.Add(switchboard.PasswordResetLifetime)}))
	signupToken, signupHash := auth.NewToken()
	must("sign-up", store.CreateSignup(ctx, switchboard.Signup{TokenHash: signupHash, Email: p + "-signup@new.test", Name: "New Owner",
		AccountName: "New Shop " + p, TimeZone: "Europe/Paris", LocationName: "First", PasswordHash: "not-a-password-hash",
		CreatedAt: now, ExpiresAt: now.Add(switchboard.SignupLifetime)}))

	w.values = map[string]string{
		"signupToken": signupToken, "resetToken": resetToken,
		"accountId": w.accountA, "locationId": loc1, "otherLocationId": loc2, "connectionId": w.connectionA, "requestId": call.RequestID,
		"teamId": team.ID, "userId": users[memberA].ID, "adminId": users[adminA].ID, "appId": appID,
		"orderId": order.ID, "listId": list.ID, "customerId": "cus_" + p, "catalogId": catalog.ID, "canary": canary, "world": p, "ruleId": rule.ID,
		"exportFrom": now.Add(-24 * time.Hour).Format(time.RFC3339),
	}
	return w
}

// matrixPassword is every matrix user's password; its one argon2id hash is
// made once, since every call of the matrix makes a world.
const matrixPassword = "matrix-password-1"

var matrixPasswordHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(matrixPassword)
	if err != nil {
		panic(err)
	}
	return h
})

var placeholder = regexp.MustCompile(`\{([A-Za-z]+)\+?\}`)

// fill replaces {name} with the world's value; an unknown name fails, so a
// new route's parameters must be added to the world.
func (w *world) fill(tb testing.TB, s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, ok := w.values[name]
		if !ok {
			tb.Fatalf("the isolation world has no value for {%s}; add one to mustWorld", name)
		}
		return v
	})
}

// request builds route's request as who.
func (w *world) request(tb testing.TB, route samtemplateRoute, who identity, a access) apigw.Request {
	path := w.fill(tb, route.Path)
	req := apigw.Request{RouteKey: route.Method + " " + route.Path, RawPath: path,
		Headers: map[string]string{"host": "localhost:3000", "origin": "http://localhost:3000"}, PathParameters: map[string]string{}}
	req.RequestContext.HTTP.Method = route.Method
	req.RequestContext.HTTP.Path = path
	req.RequestContext.HTTP.SourceIP = "127.0.0.1"
	req.RequestContext.RequestID = "matrix-" + strings.ReplaceAll(string(who), " ", "-")
	for _, m := range placeholder.FindAllStringSubmatch(route.Path, -1) {
		req.PathParameters[m[1]] = w.fill(tb, m[0])
	}
	if len(a.query) > 0 {
		req.QueryStringParameters = map[string]string{}
		var parts []string
		for k, v := range a.query {
			req.QueryStringParameters[k] = w.fill(tb, v)
			parts = append(parts, k+"="+req.QueryStringParameters[k])
		}
		sort.Strings(parts)
		req.RawQueryString = strings.Join(parts, "&")
	}
	if a.body != "" {
		req.Body = w.fill(tb, a.body)
		req.Headers["content-type"] = "application/json"
		if a.form {
			req.Headers["content-type"] = "application/x-www-form-urlencoded"
		}
	}
	if who == adminNoCSRF {
		req.Cookies = []string{w.cookies[adminA]}
	}
	if c, ok := w.cookies[who]; ok {
		req.Cookies = []string{c}
		if route.Method != http.MethodGet {
			req.Headers["x-csrf-token"] = w.csrf[who]
		}
	}
	if t, ok := w.bearer[who]; ok {
		req.Headers["authorization"] = "Bearer " + t
	}
	return req
}

type samtemplateRoute struct{ Method, Path string }

// TestIsolationMatrix is issue 8's matrix; its figure is logged at the end.
func TestIsolationMatrix(t *testing.T) {
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = "http://localhost:3000" // as the local stack sets it: invitations are emailed
	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var tried, leaks atomic.Int64
	var use awsUse
	for _, fn := range fns {
		for _, r := range fn.Routes {
			route := samtemplateRoute{Method: r.Method, Path: r.Path}
			key := r.Method + " " + r.Path
			seen[key] = true
			t.Run(key, func(t *testing.T) {
				a, ok := accessTables[key]
				if !ok {
					t.Fatalf("%s has no access table: add one to the *_access_test.go file beside its handler", key)
				}
				construct, ok := constructors[fn.LogicalID]
				if !ok {
					t.Fatalf("%s is not in functions/registry.go", fn.LogicalID)
				}
				handler, ok := construct(use.envFor(env, fn.LogicalID)).(apigw.LambdaHandler)
				if !ok {
					t.Fatalf("%s is not an HTTP handler", fn.LogicalID)
				}
				for _, who := range identities {
					want, ok := a.want[who]
					if who == adminNoCSRF {
						want, ok = wantWithoutCSRF(r.Method, a.want), true
					}
					if !ok {
						t.Errorf("the table of %s says nothing about %s", key, who)
						continue
					}
					w := mustWorld(t, env)
					in := w.request(t, route, who, a)
					resp, err := handler(context.Background(), in)
					tried.Add(1)
					if err != nil {
						t.Errorf("%s: handler error %v", who, err)
						continue
					}
					if err := openapicheck.Check(route.Method, in.RawPath, in.RawQueryString, resp.StatusCode, resp.Headers, resp.Body); err != nil {
						t.Errorf("%s as %s: answered %d, which site/openapi.json does not document: %v", key, who, resp.StatusCode, err)
					}
					leaked := false
					if !who.ofAccountA() && !a.public && strings.Contains(strings.ToLower(resp.Body+fmt.Sprint(resp.Headers)), w.canary) {
						leaked = true
						t.Errorf("LEAK: %s got account A's data from %s: %s", who, key, resp.Body)
					}
					if !who.ofAccountA() && resp.StatusCode < 300 && want >= 300 {
						leaked = true
					}
					if leaked {
						leaks.Add(1)
					}
					if resp.StatusCode != want || resp.StatusCode >= 500 {
						t.Errorf("%s as %s: status %d, want %d; body %s", key, who, resp.StatusCode, want, resp.Body)
					}
				}
			})
		}
	}
	for key := range accessTables {
		if !seen[key] {
			t.Errorf("access table for %s, which template.yaml does not route", key)
		}
	}
	t.Logf("isolation matrix: %d routes × %d identities = %d calls, %d leaks", len(seen), len(identities), tried.Load(), leaks.Load())
	missing, unused := use.problems(fns)
	for _, m := range missing {
		t.Errorf("template.yaml does not grant what the code calls: %s", m)
	}
	for _, u := range unused {
		if _, ok := grantedForUnreachedPaths[u]; !ok {
			t.Errorf("template.yaml grants what the code never used here: %s (remove it, or name the path that needs it in grantedForUnreachedPaths)", u)
		}
	}
	if leaks.Load() != 0 {
		t.Errorf("%d leaks", leaks.Load())
	}
}

// withStatus returns m with who's status set to status.
func withStatus(m map[identity]int, who identity, status int) map[identity]int {
	m[who] = status
	return m
}

// ownAccount is session's variant for routes that name no resource of A:
// B's admin is served its own account's data (checked for A's canary).
func ownAccount(superAdmin, admin, member int) map[identity]int {
	m := session(superAdmin, admin, member)
	m[adminB] = superAdmin
	return m
}
