package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func mustCreateApps(tb testing.TB, env *platform.Env, apps ...switchboard.App) {
	tb.Helper()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	for _, a := range apps {
		dev := switchboard.DeveloperApp{App: a, OwnerAccountID: "acc-dev", RedirectURIs: []string{"https://dev.example/callback"}, Published: true}
		if err := store.RegisterApp(context.Background(), dev, "secret-hash", ""); err != nil {
			tb.Fatal(err)
		}
		if err := store.ReviewListing(context.Background(), a.ID, switchboard.ListingReview{Approve: true}); err != nil {
			tb.Fatal(err)
		}
	}
}

func app(id, category string) switchboard.App {
	return switchboard.App{ID: id, Name: strings.ToUpper(id), Category: category, Level: switchboard.LevelAccount,
		Scopes: []string{"customers.read"}, Developer: "Dev"}
}

// get builds a GET event as API Gateway does: the raw query as sent, and
// the parameters that parse (fuzzers send queries that do not).
func get(path string) apigw.Request {
	rawPath, rawQuery, _ := strings.Cut(path, "?")
	req := apigw.Request{RawPath: rawPath, RawQueryString: rawQuery, QueryStringParameters: map[string]string{}}
	q, _ := url.ParseQuery(rawQuery)
	for k, v := range q {
		req.QueryStringParameters[k] = strings.Join(v, ",")
	}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.RequestID = "test-request"
	return req
}

func TestListAppsRoute(t *testing.T) {
	env := testenv.MustEnv(t)
	// The demo catalog has no app in "other".
	mustCreateApps(t, env, app("other-one", "other"), app("bi-one", "bi"), app("other-two", "other"))
	session := mustSignIn(t, env, "member@demo.test")
	h := api.ListAppsFunction(env)
	if resp := public(t, h, "", get("/admin/v1/apps")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a session: status %d, want 401", resp.StatusCode)
	}
	tests := []struct {
		path       string
		wantStatus int
		wantIDs    []string
		wantCode   string
	}{
		{"/admin/v1/apps?category=other", 200, []string{"other-one", "other-two"}, ""},
		{"/admin/v1/apps?category=bi", 200, []string{"bi-one", "insight-bi"}, ""},
		{"/admin/v1/apps?limit=1", 200, []string{"bi-one"}, ""},
		{"/admin/v1/apps?limit=0", 400, nil, "invalid"},
		{"/admin/v1/apps?limit=101", 400, nil, "invalid"},
		{"/admin/v1/apps?limit=ten", 400, nil, "invalid"},
		{"/admin/v1/apps?category=casino", 400, nil, "invalid"},
		{"/admin/v1/apps?cursor=garbage", 400, nil, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := send(t, h, session.get(tt.path))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if tt.wantCode != "" {
				var body struct{ Error struct{ Code string } }
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error.Code != tt.wantCode {
					t.Errorf("body %s, want error code %q", resp.Body, tt.wantCode)
				}
				return
			}
			var page switchboard.AppPage
			if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, a := range page.Apps {
				ids = append(ids, a.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Errorf("apps %v, want %v", ids, tt.wantIDs)
			}
			if resp.Headers["Content-Type"] != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", resp.Headers["Content-Type"])
			}
		})
	}
}

func TestHealthRoute(t *testing.T) {
	env := testenv.MustEnv(t)
	resp := public(t, api.HealthFunction(env), "", get("/health"))
	var report api.HealthReport
	if err := json.Unmarshal([]byte(resp.Body), &report); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || report.Status != "ok" || report.Checks["table"].Status != "ok" || report.Checks["archiveBucket"].Status != "ok" {
		t.Errorf("healthy stack: %d %s", resp.StatusCode, resp.Body)
	}

	broken := *env
	broken.Config.ArchiveBucket = "no-such-bucket"
	resp = public(t, api.HealthFunction(&broken), "", get("/health"))
	if err := json.Unmarshal([]byte(resp.Body), &report); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || report.Status != "degraded" || report.Checks["archiveBucket"].Status != "unreachable" || report.Checks["table"].Status != "ok" {
		t.Errorf("missing bucket: %d %s", resp.StatusCode, resp.Body)
	}
	if strings.Contains(resp.Body, "no-such-bucket") {
		t.Errorf("/health leaks the failure cause: %s", resp.Body)
	}
}

// FuzzListApps feeds arbitrary query strings to the catalog route: whatever
// comes in, the answer is a 200 or a JSON 400, never a 5xx or a panic.
func FuzzListApps(f *testing.F) {
	for _, q := range []string{"", "category=pos", "limit=5", "limit=-1", "limit=1&cursor=eyJQSyI6IngifQ", "cursor=%00", "category=pos&category=bi", "limit=999999999999999999999"} {
		f.Add(q)
	}
	env := testenv.MustEnv(f)
	mustCreateApps(f, env, app("pos-one", "pos"), app("bi-one", "bi"))
	session := mustSignIn(f, env, "member@demo.test")
	h := api.ListAppsFunction(env)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		resp := fuzzSend(t, h, "/admin/v1/apps", session.get("/admin/v1/apps?"+rawQuery))
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Fatalf("query %q: status %d body %s", rawQuery, resp.StatusCode, resp.Body)
		}
		if !json.Valid([]byte(resp.Body)) {
			t.Fatalf("query %q: body is not JSON: %q", rawQuery, resp.Body)
		}
	})
}

// seeded remembers the tables that already hold the demo data.
var seeded = map[string]bool{}

// signedIn is a demo user's live session.
type signedIn struct {
	cookie, csrf string
}

// mustSignIn seeds the demo data and signs email in through the real route.
func mustSignIn(tb testing.TB, env *platform.Env, email string) signedIn {
	tb.Helper()
	mustSeedDemo(tb, env)
	req := apigw.Request{Body: `{"email":"` + email + `","password":"` + demo.DefaultPassword + `"}`,
		Headers: map[string]string{"content-type": "application/json", "host": "localhost:3000"}}
	req.RequestContext.HTTP.Method = http.MethodPost
	req.RequestContext.HTTP.SourceIP = "127.0.0.1"
	resp := public(tb, api.CreateSessionFunction(env), "/admin/v1/session", req)
	if resp.StatusCode != http.StatusCreated || len(resp.Cookies) != 1 {
		tb.Fatalf("sign in %s: %d %s", email, resp.StatusCode, resp.Body)
	}
	var me api.Me
	if err := json.Unmarshal([]byte(resp.Body), &me); err != nil {
		tb.Fatal(err)
	}
	cookie, _, _ := strings.Cut(resp.Cookies[0], ";")
	return signedIn{cookie: cookie, csrf: me.CSRFToken}
}

func (s signedIn) get(path string) apigw.Request {
	req := get(path)
	req.Cookies = []string{s.cookie}
	return req
}

func mustSeedDemo(tb testing.TB, env *platform.Env) {
	tb.Helper()
	if seeded[env.Config.TableName] {
		return
	}
	seeded[env.Config.TableName] = true
	if _, err := demo.Seed(context.Background(), dynamo.New(env.DynamoDB(), env.Config.TableName), demo.DefaultPassword); err != nil {
		tb.Fatal(err)
	}
}
