package local_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/local"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// testSampleApp plays a merchant's browser through the sample app the
// stack serves: the catalog's website link starts the flow at the app, the
// app sends the browser to the consent step with state and PKCE S256, the
// merchant approves, the app exchanges the code and calls the API, and the
// calls it shows are in the connection's logs. browser is signed in.
func testSampleApp(t *testing.T, stack *local.Stack, browser *http.Client, csrf string) {
	if stack.SampleAppURL == "" {
		t.Fatal("the stack serves no sample app")
	}
	var catalog switchboard.AppPage
	getJSON(t, browser, stack.APIURL+"/admin/v1/apps?limit=100", http.StatusOK, &catalog)
	var website string
	for _, a := range catalog.Apps {
		if a.ID == demo.SampleApp.ID {
			website = a.Website
		}
	}
	if website != stack.SampleAppURL+"/connect" {
		t.Fatalf("the catalog's sample app starts at %q, want %q", website, stack.SampleAppURL+"/connect")
	}
	noFollow := &http.Client{Jar: browser.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string, wantStatus int) (*http.Response, string) {
		t.Helper()
		resp, err := noFollow.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Fatalf("GET %s: %d, want %d: %s", u, resp.StatusCode, wantStatus, b)
		}
		return resp, string(b)
	}

	// The app starts the flow as RFC 9700 asks: state and PKCE S256.
	resp, _ := get(website, http.StatusFound)
	authorize, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := authorize.Query()
	if authorize.Path != "/oauth2/v1/authorize" || q.Get("client_id") != demo.SampleApp.ID || q.Get("code_challenge_method") != "S256" ||
		len(q.Get("code_challenge")) != 43 || len(q.Get("state")) < 32 || q.Get("redirect_uri") != stack.SampleAppURL+"/callback" {
		t.Fatalf("authorisation request %s", authorize)
	}

	// The merchant approves on the consent page (its POST, as the site sends it).
	body, _ := json.Marshal(map[string]any{"client_id": q.Get("client_id"), "redirect_uri": q.Get("redirect_uri"), "response_type": "code",
		"scope": q.Get("scope"), "state": q.Get("state"), "code_challenge": q.Get("code_challenge"),
		"code_challenge_method": "S256", "location_id": "loc-bastille", "approve": true})
	req, _ := http.NewRequest(http.MethodPost, stack.APIURL+"/oauth2/v1/authorize", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	consent, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var decision struct{ RedirectTo string }
	_ = json.NewDecoder(consent.Body).Decode(&decision)
	consent.Body.Close()
	if consent.StatusCode != http.StatusOK || !strings.HasPrefix(decision.RedirectTo, stack.SampleAppURL+"/callback?") {
		t.Fatalf("consent: %d %q", consent.StatusCode, decision.RedirectTo)
	}

	// A code delivered to another browser (no state cookie) is refused
	// before any exchange; the flow stays usable for its own browser.
	other := &http.Client{CheckRedirect: noFollow.CheckRedirect}
	if r, err := other.Get(decision.RedirectTo); err != nil || r.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback in another browser: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	resp, _ = get(decision.RedirectTo, http.StatusSeeOther)
	connPage := stack.SampleAppURL + resp.Header.Get("Location")
	_, page := get(connPage, http.StatusOK)
	if !strings.Contains(page, "Demo Pizzeria Bastille") {
		t.Errorf("the sample app's page does not show the location:\n%s", page)
	}
	calls := regexp.MustCompile(`<td><code>([^<]+)</code></td><td class="ok" data-testid="call-status">200</td><td><code data-testid="request-id">([^<]+)</code>`).FindAllStringSubmatch(page, -1)
	if len(calls) != 2 {
		t.Fatalf("want 2 answered calls on the page, got %d:\n%s", len(calls), page)
	}
	connectionID := regexp.MustCompile(`data-connection-id="([^"]+)"`).FindStringSubmatch(page)[1]

	// The calls are in the connection's logs, as the merchant sees them.
	for _, fn := range []string{"GetLocationFunction", "ListOrdersFunction"} {
		if err := stack.WaitIdle(t.Context(), fn); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range calls {
		var entry struct{ Path string }
		getJSON(t, browser, stack.APIURL+"/admin/v1/connections/"+connectionID+"/logs/"+c[2], http.StatusOK, &entry)
	}

	// The connection's lifecycle callback reaches the app with a valid
	// signature (sent by the retrier the minute schedule runs; run here
	// rather than waited for); a forged one is refused.
	tick := `{"version":"0","id":"sample","detail-type":"Scheduled Event","source":"aws.events","account":"000000000000","time":"` +
		time.Now().UTC().Format(time.RFC3339) + `","region":"us-east-1","resources":[],"detail":{}}`
	if res, err := stack.Invoke(t.Context(), "RetryDeliveriesFunction", []byte(tick)); err != nil {
		t.Fatalf("retry deliveries: %v %+v", err, res)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, home := get(stack.SampleAppURL+"/", http.StatusOK)
		if strings.Contains(home, `<td><code>`+connectionID+`</code></td>`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no verified callback for %s on the sample app's page:\n%s", connectionID, home)
		}
		time.Sleep(200 * time.Millisecond)
	}
	forged, _ := http.NewRequest(http.MethodPost, stack.SampleAppURL+"/events", strings.NewReader(`{"type":"connection.deleted"}`))
	forged.Header.Set("webhook-id", "evt_forged")
	forged.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	forged.Header.Set("webhook-signature", "v1,AAAA")
	if r, err := http.DefaultClient.Do(forged); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged callback: %v %v", r, err)
	} else {
		r.Body.Close()
	}
}
