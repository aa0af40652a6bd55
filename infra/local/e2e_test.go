package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/local"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// mustStack starts the whole local stack as `make run` does, on free ports
// with in-memory emulators, and stops it when tb ends.
func mustStack(tb testing.TB) (*local.Stack, string) {
	tb.Helper()
	return mustStackLogging(tb, io.Discard)
}

// lockedLog collects a stack's log, written by many goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func mustStackLogging(tb testing.TB, log io.Writer) (*local.Stack, string) {
	tb.Helper()
	root, err := samtemplate.FindRoot(".")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := local.Start(context.Background(), local.Options{
		Root: root, BinDir: tb.TempDir(), Seed: true, Log: log,
		Getenv: func(string) string { return "" }, // emulators, whatever this shell holds
	})
	if err != nil {
		tb.Fatalf("start local stack: %v", err)
	}
	tb.Cleanup(s.Close)
	return s, root
}

func getJSON(t *testing.T, client *http.Client, url string, wantStatus int, into any) http.Header {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body %s", url, resp.StatusCode, wantStatus, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v: %s", url, err, body)
	}
	return resp.Header
}

// TestEndToEnd drives the running system from outside, over HTTP only:
// requests become API Gateway events, reach the unchanged function binaries
// through the local Runtime API, and those reach the emulators through the
// AWS SDK. The browser test then checks the admin site shows the seed.
func TestEndToEnd(t *testing.T) {
	log := &lockedLog{}
	stack, root := mustStackLogging(t, log)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar}

	t.Run("health", func(t *testing.T) {
		var report struct {
			Status string
			Checks map[string]struct{ Status string }
		}
		h := getJSON(t, http.DefaultClient, stack.APIURL+"/health", http.StatusOK, &report)
		if report.Status != "ok" || report.Checks["table"].Status != "ok" || report.Checks["archiveBucket"].Status != "ok" {
			t.Errorf("report %+v", report)
		}
		if h.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id header")
		}
	})

	t.Run("security headers", func(t *testing.T) {
		resp, err := http.Get(stack.APIURL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for k, v := range apigw.SiteSecurityHeaders {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("site %s = %q, want %q", k, got, v)
			}
		}
		h := getJSON(t, http.DefaultClient, stack.APIURL+"/admin/v1/me", http.StatusUnauthorized, &struct{}{})
		for k, v := range apigw.APISecurityHeaders {
			if got := h.Get(k); got != v {
				t.Errorf("API %s = %q, want %q", k, got, v)
			}
		}
	})

	t.Run("sign in", func(t *testing.T) {
		var unauthorized struct{ Error struct{ Code string } }
		getJSON(t, browser, stack.APIURL+"/admin/v1/me", http.StatusUnauthorized, &unauthorized)
		body := `{"email":"owner@demo.test","password":"` + demo.DefaultPassword + `"}`
		resp, err := browser.Post(stack.APIURL+"/admin/v1/session", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || !strings.Contains(resp.Header.Get("Set-Cookie"), "HttpOnly") {
			t.Fatalf("sign in: %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
		var me struct{ User struct{ Email string } }
		getJSON(t, browser, stack.APIURL+"/admin/v1/me", http.StatusOK, &me)
		if me.User.Email != "owner@demo.test" {
			t.Errorf("me: %+v", me)
		}
	})

	t.Run("catalog", func(t *testing.T) {
		var page switchboard.AppPage
		getJSON(t, browser, stack.APIURL+"/admin/v1/apps", http.StatusOK, &page)
		got := map[string]bool{}
		for _, a := range page.Apps {
			got[a.ID] = true
		}
		for _, a := range demo.Apps {
			if !got[a.ID] {
				t.Errorf("seeded app %s missing from the catalog", a.ID)
			}
		}
		var bad struct{ Error struct{ Code string } }
		getJSON(t, browser, stack.APIURL+"/admin/v1/apps?limit=nope", http.StatusBadRequest, &bad)
		if bad.Error.Code != switchboard.EInvalid {
			t.Errorf("error code %q, want invalid", bad.Error.Code)
		}
	})

	t.Run("connect flow and a platform call", func(t *testing.T) {
		csrf := signedInCSRF(t, browser, stack.APIURL)
		post := func(path string, body any, into any) int {
			t.Helper()
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest(http.MethodPost, stack.APIURL+path, strings.NewReader(string(b)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", csrf)
			resp, err := browser.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if into != nil {
				_ = json.NewDecoder(resp.Body).Decode(into)
			}
			return resp.StatusCode
		}
		const redirect = "http://127.0.0.1:9/callback"
		var app struct{ ClientID, ClientSecret string }
		if code := post("/admin/v1/developer/apps", map[string]any{"name": "E2E POS", "category": "pos", "level": "location",
			"scopes": []string{"orders.read"}, "developer": "E2E", "redirectUris": []string{redirect}}, &app); code != 201 {
			t.Fatalf("register: %d", code)
		}
		var decision struct{ RedirectTo string }
		if code := post("/oauth2/v1/authorize", map[string]any{"client_id": app.ClientID, "redirect_uri": redirect, "response_type": "code",
			"scope": "location[orders.read]", "state": "e2e", "location_id": "loc-canal", "approve": true}, &decision); code != 200 {
			t.Fatalf("consent: %d", code)
		}
		u, _ := url.Parse(decision.RedirectTo)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "redirect_uri": {redirect},
			"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}
		resp, err := http.PostForm(stack.APIURL+"/oauth2/v1/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken  string `json:"access_token"`
			ConnectionID string `json:"connection_id"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != 200 || tok.AccessToken == "" {
			t.Fatalf("token: %d", resp.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodGet, stack.APIURL+"/v1/location", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		call, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(call.Body)
		call.Body.Close()
		if call.StatusCode != 200 || !strings.Contains(string(body), "loc-canal") || call.Header.Get("X-Request-Id") == "" || call.Header.Get("X-RateLimit-Limit") != "500" {
			t.Errorf("GET /v1/location: %d %s %v", call.StatusCode, body, call.Header)
		}
		// The call is logged after its answer, by the process the
		// runtime holds until its extension is done; once that function
		// is idle, the entry and both bodies are there.
		if err := stack.WaitIdle(t.Context(), "GetLocationFunction"); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`GetLocationFunction-\d+: extension switchboard-after-response registered`).MatchString(log.String()) {
			t.Errorf("GetLocationFunction registered no after-response extension; stack log:\n%s", log)
		}
		var entry struct{ BodiesAvailable bool }
		getJSON(t, browser, stack.APIURL+"/admin/v1/connections/"+tok.ConnectionID+"/logs/"+call.Header.Get("X-Request-Id"), http.StatusOK, &entry)
		if !entry.BodiesAvailable {
			t.Errorf("the call's log entry says its bodies are unavailable")
		}
		var conns struct {
			Connections []struct{ ID, LocationID string }
		}
		getJSON(t, browser, stack.APIURL+"/admin/v1/connections?locationId=loc-canal", http.StatusOK, &conns)
		found := false
		for _, c := range conns.Connections {
			found = found || c.ID == tok.ConnectionID
		}
		if !found {
			t.Errorf("connection %s not listed: %+v", tok.ConnectionID, conns)
		}
	})

	t.Run("sample app: connect from the catalog, API calls in the logs", func(t *testing.T) {
		testSampleApp(t, stack, browser, signedInCSRF(t, browser, stack.APIURL))
	})

	t.Run("unknown API route", func(t *testing.T) {
		var body struct{ Message string }
		getJSON(t, http.DefaultClient, stack.APIURL+"/admin/v1/nothing-here", http.StatusNotFound, &body)
		if body.Message != "Not Found" {
			t.Errorf("message %q", body.Message)
		}
	})

	t.Run("invoke API", func(t *testing.T) {
		fixture, err := os.ReadFile(filepath.Join(root, "events", "health.json"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(stack.InvokeURL+"/2015-03-31/functions/HealthFunction/invocations", "application/json", strings.NewReader(string(fixture)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ StatusCode int }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || out.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" {
			t.Errorf("invoke: HTTP %d, function status %d, error %q", resp.StatusCode, out.StatusCode, resp.Header.Get("X-Amz-Function-Error"))
		}
	})

	t.Run("admin site in Chromium", func(t *testing.T) {
		names := make([]string, 0, len(demo.Apps))
		for _, a := range demo.Apps {
			names = append(names, a.Name)
		}
		exportEnv := mustSeedExportLog(t, stack) // the export test's 10,000 calls
		cmd := exec.Command("node", "--test", "site/test/")
		cmd.Dir = root
		cmd.Env = append(append(os.Environ(), exportEnv...), "SWITCHBOARD_URL="+stack.APIURL+"/", "SWITCHBOARD_EXPECT_APPS="+strings.Join(names, ","),
			"SWITCHBOARD_EMAIL=member@demo.test", "SWITCHBOARD_PASSWORD="+demo.DefaultPassword,
			"SWITCHBOARD_SES_URL="+stack.Emulators.SES) // sign-up reads its verification mail back
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("browser test failed: %v\n%s", err, out)
		}
		t.Logf("%s", out)
	})
}

// TestStartFailsFastOnTakenPort: a taken port is reported in one line before
// anything slow starts, instead of a hang or a half-started stack.
func TestStartFailsFastOnTakenPort(t *testing.T) {
	root, err := samtemplate.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	_, err = local.Start(context.Background(), local.Options{Root: root, APIPort: port, BinDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d", port)) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v, want one line naming port %d", err, port)
	}
}

func TestChooseBackend(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want local.Backend
	}{
		{map[string]string{}, local.BackendEmulators},
		{map[string]string{"AWS_ENDPOINT_URL": "http://localhost:4566"}, local.BackendLocalStack},
		{map[string]string{"AWS_PROFILE": "dev"}, local.BackendEmulators},
		{map[string]string{"AWS_PROFILE": "dev", "TABLE_NAME": "t", "ARCHIVE_BUCKET": "b"}, local.BackendAWS},
		{map[string]string{"AWS_ACCESS_KEY_ID": "AKIA…", "TABLE_NAME": "t"}, local.BackendEmulators},
	}
	for _, tt := range tests {
		if got := local.ChooseBackend(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.env, got, tt.want)
		}
	}
}

// signedInCSRF reads the CSRF token of the browser's session.
func signedInCSRF(t *testing.T, browser *http.Client, base string) string {
	t.Helper()
	var me struct{ CSRFToken string }
	getJSON(t, browser, base+"/admin/v1/me", http.StatusOK, &me)
	return me.CSRFToken
}
