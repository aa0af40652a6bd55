// Package load drives a running Switchboard over HTTP the way its users do:
// many app connections calling the platform API, merchants reading logs, and
// merchants blocking and unblocking apps. A coordinator prepares the
// connections, worker processes share them out and call for a bounded time,
// and the coordinator checks afterwards that the call log holds exactly one
// entry per call made and that nothing answered 5xx.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Connection is one app instance the load calls through.
type Connection struct {
	ID         string `json:"id"`
	Token      string `json:"token"`
	LocationID string `json:"locationId"`
}

// Plan is what a worker process receives on its standard input.
type Plan struct {
	BaseURL     string        `json:"baseUrl"`
	Duration    time.Duration `json:"duration"`
	Concurrency int           `json:"concurrency"` // goroutines in this worker
	Connections []Connection  `json:"connections"`
	// SessionCookie and CSRF let the worker read logs and block as the
	// demo owner.
	SessionCookie string `json:"sessionCookie"`
	CSRF          string `json:"csrf"`
	// Blockable is the connection this worker blocks and unblocks; its
	// platform calls count like the others (a blocked call is logged too).
	Blockable string `json:"blockable,omitempty"`
	Seed      uint64 `json:"seed"`
}

// Result is what a worker prints on its standard output.
type Result struct {
	Calls       map[string]int `json:"calls"` // platform calls per connection id
	ByKind      map[string]int `json:"byKind"`
	Statuses    map[int]int    `json:"statuses"`
	LatencyMs   []float64      `json:"latencyMs"` // platform calls only
	Errors      []string       `json:"errors"`    // transport errors and 5xx, at most 20
	ServerError int            `json:"serverErrors"`
	Transport   int            `json:"transportErrors"`
	Blocks      int            `json:"blocks"`
}

// Merge adds r's counts to m.
func (m *Result) Merge(r Result) {
	if m.Calls == nil {
		m.Calls, m.ByKind, m.Statuses = map[string]int{}, map[string]int{}, map[int]int{}
	}
	for k, v := range r.Calls {
		m.Calls[k] += v
	}
	for k, v := range r.ByKind {
		m.ByKind[k] += v
	}
	for k, v := range r.Statuses {
		m.Statuses[k] += v
	}
	m.LatencyMs = append(m.LatencyMs, r.LatencyMs...)
	for _, e := range r.Errors {
		if len(m.Errors) < 20 {
			m.Errors = append(m.Errors, e)
		}
	}
	m.ServerError += r.ServerError
	m.Transport += r.Transport
	m.Blocks += r.Blocks
}

// Percentile returns the p-th percentile (0..100) of sorted values by the
// nearest-rank method; 0 for none.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// RunWorker calls for plan.Duration with plan.Concurrency goroutines. No
// call is started after the deadline and none is cut short by it, so every
// call counted here was answered, and every call answered is counted.
func RunWorker(ctx context.Context, plan Plan) Result {
	deadline := time.Now().Add(plan.Duration)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: plan.Concurrency * 2}}
	results := make(chan Result, plan.Concurrency)
	for g := range plan.Concurrency {
		go func() {
			w := worker{plan: plan, client: client, rng: rand.New(rand.NewPCG(plan.Seed, uint64(g))),
				res: Result{Calls: map[string]int{}, ByKind: map[string]int{}, Statuses: map[int]int{}}}
			if g == 0 && plan.Blockable != "" {
				w.blocker(ctx)
			} else {
				w.run(ctx)
			}

			results <- w.res
		}()
	}
	var total Result
	for range plan.Concurrency {
		total.Merge(<-results)
	}
	return total
}

type worker struct {
	plan   Plan
	client *http.Client
	rng    *rand.Rand
	res    Result
}

// run mixes platform calls (most of the load) with log reads.
func (w *worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		c := w.plan.Connections[w.rng.IntN(len(w.plan.Connections))]
		switch n := w.rng.IntN(100); {
		case n < 45:
			w.platform(c, "list orders", http.MethodGet, "/v1/locations/"+c.LocationID+"/orders?limit=20", "")
		case n < 75:
			w.platform(c, "create order", http.MethodPost, "/v1/locations/"+c.LocationID+"/orders",
				`{"service_type":"collection","items":[{"product_name":"Margherita","price":"9.50 EUR","quantity":2}]}`)
		case n < 90:
			w.platform(c, "get location", http.MethodGet, "/v1/location", "")
		default:
			w.admin("read logs", http.MethodGet, "/admin/v1/connections/"+c.ID+"/logs?limit=50", "")
		}
	}
}

// blocker blocks and unblocks its connection, calling through it in
// between, so that blocks run under load and blocked calls get logged.
func (w *worker) blocker(ctx context.Context) {
	var c Connection
	for _, k := range w.plan.Connections {
		if k.ID == w.plan.Blockable {
			c = k
		}
	}
	for ctx.Err() == nil {
		if w.admin("block", http.MethodPost, "/admin/v1/connections/"+c.ID+"/block", `{"reason":"load test"}`) {
			w.res.Blocks++
		}
		w.platform(c, "blocked call", http.MethodGet, "/v1/location", "")
		w.admin("unblock", http.MethodPost, "/admin/v1/connections/"+c.ID+"/unblock", `{}`)
		w.platform(c, "get location", http.MethodGet, "/v1/location", "")
	}
}

func (w *worker) platform(c Connection, kind, method, path, body string) {
	req, err := http.NewRequest(method, w.plan.BaseURL+path, strings.NewReader(body))
	if err != nil {
		w.fail(kind, err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	status, err := w.do(req)
	if err != nil {
		w.fail(kind, err)
		return
	}
	w.res.Calls[c.ID]++
	w.res.LatencyMs = append(w.res.LatencyMs, float64(time.Since(start).Microseconds())/1000)
	w.count(kind, status)
}

func (w *worker) admin(kind, method, path, body string) bool {
	req, err := http.NewRequest(method, w.plan.BaseURL+path, strings.NewReader(body))
	if err != nil {
		w.fail(kind, err)
		return false
	}
	req.Header.Set("Cookie", w.plan.SessionCookie)
	if method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", w.plan.CSRF)
		req.Header.Set("Content-Type", "application/json")
	}
	status, err := w.do(req)
	if err != nil {
		w.fail(kind, err)
		return false
	}
	w.count(kind, status)
	return status < 300
}

func (w *worker) do(req *http.Request) (int, error) {
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body) // drained so the connection is reused
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (w *worker) count(kind string, status int) {
	w.res.ByKind[kind]++
	w.res.Statuses[status]++
	if status >= 500 {
		w.res.ServerError++
		if len(w.res.Errors) < 20 {
			w.res.Errors = append(w.res.Errors, fmt.Sprintf("%s: %d", kind, status))
		}
	}
}

func (w *worker) fail(kind string, err error) {
	w.res.Transport++
	if len(w.res.Errors) < 20 {
		w.res.Errors = append(w.res.Errors, kind+": "+err.Error())
	}
}

// Admin is a signed-in merchant of the running system.
type Admin struct {
	BaseURL string
	Cookie  string
	CSRF    string
	client  *http.Client
}

// SignIn signs email in and keeps its session cookie and CSRF token.
func SignIn(ctx context.Context, baseURL, email, password string) (*Admin, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	a := &Admin{BaseURL: baseURL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var me struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := a.call(ctx, http.MethodPost, "/admin/v1/session", map[string]string{"email": email, "password": password}, http.StatusCreated, &me); err != nil {
		return nil, fmt.Errorf("sign in %s: %w", email, err)
	}
	u, _ := url.Parse(baseURL)
	for _, c := range jar.Cookies(u) {
		a.Cookie = c.Name + "=" + c.Value
	}
	a.CSRF = me.CSRFToken
	return a, nil
}

func (a *Admin) call(ctx context.Context, method, path string, body any, want int, into any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.BaseURL+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.CSRF != "" {
		req.Header.Set("X-CSRF-Token", a.CSRF)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if into != nil {
		return json.Unmarshal(b, into)
	}
	return nil
}

// Connect registers one app that allows several instances and connects n
// instances of it to locations in turn, through the real consent and token
// endpoints.
func (a *Admin) Connect(ctx context.Context, n int, locations []string) ([]Connection, error) {
	redirect := "http://127.0.0.1:9/callback"
	var app struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	err := a.call(ctx, http.MethodPost, "/admin/v1/developer/apps", map[string]any{
		"name": fmt.Sprintf("Load POS %d", time.Now().UnixNano()), "category": "pos", "level": "location", "developer": "Load",
		"scopes": []string{"orders.read", "orders.write"}, "redirectUris": []string{redirect}, "multipleInstances": true,
	}, http.StatusCreated, &app)
	if err != nil {
		return nil, err
	}
	conns := make([]Connection, 0, n)
	for i := range n {
		loc := locations[i%len(locations)]
		var decision struct {
			RedirectTo string `json:"redirectTo"`
		}
		err := a.call(ctx, http.MethodPost, "/oauth2/v1/authorize", map[string]any{
			"client_id": app.ClientID, "redirect_uri": redirect, "response_type": "code", "scope": "location[orders.read,orders.write]",
			"state": "load", "location_id": loc, "instance_label": fmt.Sprintf("till %d", i+1), "approve": true,
		}, http.StatusOK, &decision)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(decision.RedirectTo)
		if err != nil {
			return nil, err
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "redirect_uri": {redirect},
			"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}
		resp, err := http.PostForm(a.BaseURL+"/oauth2/v1/token", form)
		if err != nil {
			return nil, err
		}
		var tok struct {
			AccessToken  string `json:"access_token"`
			ConnectionID string `json:"connection_id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil || tok.AccessToken == "" {
			return nil, fmt.Errorf("token for instance %d: status %d %v", i+1, resp.StatusCode, err)
		}
		conns = append(conns, Connection{ID: tok.ConnectionID, Token: tok.AccessToken, LocationID: loc})
	}
	return conns, nil
}

// CountLogged pages through a connection's call log and counts its entries.
func (a *Admin) CountLogged(ctx context.Context, connectionID string) (int, error) {
	n, cursor := 0, ""
	for {
		var page struct {
			Calls      []json.RawMessage `json:"calls"`
			NextCursor string            `json:"nextCursor"`
		}
		path := "/admin/v1/connections/" + connectionID + "/logs?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := a.call(ctx, http.MethodGet, path, nil, http.StatusOK, &page); err != nil {
			return n, err
		}
		n += len(page.Calls)
		if page.NextCursor == "" {
			return n, nil
		}
		cursor = page.NextCursor
	}
}

// Report sums up a run for people.
func Report(r Result, elapsed time.Duration) string {
	lat := slices.Clone(r.LatencyMs)
	slices.Sort(lat)
	calls := len(lat)
	var b strings.Builder
	fmt.Fprintf(&b, "platform calls  %d in %.1fs = %.1f calls/s\n", calls, elapsed.Seconds(), float64(calls)/elapsed.Seconds())
	fmt.Fprintf(&b, "latency (ms)    p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", Percentile(lat, 50), Percentile(lat, 95), Percentile(lat, 99), Percentile(lat, 100))
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %-14s %d\n", k, r.ByKind[k])
	}
	statuses := make([]int, 0, len(r.Statuses))
	for s := range r.Statuses {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	fmt.Fprintf(&b, "statuses       ")
	for _, s := range statuses {
		fmt.Fprintf(&b, " %d×%d", s, r.Statuses[s])
	}
	fmt.Fprintf(&b, "\n5xx %d, transport errors %d, blocks %d\n", r.ServerError, r.Transport, r.Blocks)
	return b.String()
}
