// Package sampleapp is the demo catalog's sample app, served by the local
// stack: what a third-party app does to connect to Switchboard, in one
// small file a newcomer can read. Connect sends the browser to
// /oauth2/v1/authorize with a state bound to the browser and a PKCE S256
// challenge (RFC 9700 §2.1.1, §4.7); /callback checks the state and the
// issuer (RFC 9207), exchanges the code with the client secret and the
// verifier, calls the platform API with the token and shows the answers;
// /events receives the signed lifecycle callbacks and keeps only those
// whose signature verifies.
//
// It holds everything in memory: a restart forgets its connections, as a
// sample may. The access tokens never reach a page.
package sampleapp

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// Config is what the local stack gives the app at start.
type Config struct {
	Origin      string // where the app is served, e.g. http://localhost:3002
	Switchboard string // the admin site and API, e.g. http://127.0.0.1:3000
	// Issuer is the authorisation server's iss (RFC 9207): the callback
	// refuses an answer from another issuer (mix-up attack, RFC 9700 §4.4).
	Issuer        string
	ClientID      string
	ClientSecret  string
	SigningSecret string
	Scope         string // e.g. location[orders.read]
	Client        *http.Client
	Now           func() time.Time
}

// App serves the sample app's pages.
type App struct {
	cfg Config
	mux *http.ServeMux

	mu          sync.Mutex
	pending     map[string]pendingFlow // state → flow
	connections []*Connection          // newest first
	events      []Event                // newest first
	seenEvents  map[string]bool        // webhook-id: a redelivery is recorded once
}

type pendingFlow struct {
	verifier string
	expires  time.Time
}

// Connection is one finished flow and what the API answered.
type Connection struct {
	ID         string
	LocationID string
	Scope      string
	At         time.Time
	Calls      []Call
	Location   struct {
		Name     string `json:"name"`
		TimeZone string `json:"time_zone"`
	}
	Orders []Order

	token string // the access token: kept here, never rendered
}

// Order is an order as the list shows it.
type Order struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Total     string    `json:"total"`
	CreatedAt time.Time `json:"created_at"`
}

// Call is one platform API call the app made, with the request id the
// merchant finds in the connection's logs.
type Call struct {
	Method    string
	Path      string
	Status    int
	RequestID string
}

// Event is one lifecycle callback received with a valid signature.
type Event struct {
	ID           string
	Type         string
	ConnectionID string
	At           time.Time
}

// flowTTL bounds how long a started flow may take to come back.
const flowTTL = 10 * time.Minute

// stateCookie binds a flow's state to the browser that started it, so a
// code delivered to another browser (login CSRF) is refused.
const stateCookie = "sample_app_state"

// New builds the app.
func New(cfg Config) *App {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Origin = strings.TrimSuffix(cfg.Origin, "/")
	cfg.Switchboard = strings.TrimSuffix(cfg.Switchboard, "/")
	a := &App{cfg: cfg, mux: http.NewServeMux(), pending: map[string]pendingFlow{}, seenEvents: map[string]bool{}}
	a.mux.HandleFunc("GET /{$}", a.home)
	a.mux.HandleFunc("GET /connect", a.connect)
	a.mux.HandleFunc("GET /callback", a.callback)
	a.mux.HandleFunc("GET /connections/{id}", a.connection)
	a.mux.HandleFunc("POST /connections/{id}/orders", a.createOrder)
	a.mux.HandleFunc("POST /events", a.receiveEvent)
	return a
}

func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'")
	// The code in /callback's address must not leak to another origin;
	// same-origin (not no-referrer) keeps the Origin header on this app's
	// own form posts, which createOrder checks.
	w.Header().Set("Referrer-Policy", "same-origin")
	a.mux.ServeHTTP(w, r)
}

// Connections returns the finished flows, newest first.
func (a *App) Connections() []Connection {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Connection, 0, len(a.connections))
	for _, c := range a.connections {
		out = append(out, *c)
	}
	return out
}

// Events returns the verified callbacks, newest first.
func (a *App) Events() []Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.events)
}

func (a *App) redirectURI() string { return a.cfg.Origin + "/callback" }

// connect starts a flow: a fresh state and PKCE verifier, kept here; the
// browser carries the state in a cookie and to the authorisation server.
func (a *App) connect(w http.ResponseWriter, r *http.Request) {
	state, verifier := randomValue(), randomValue()
	now := a.cfg.Now()
	a.mu.Lock()
	for s, f := range a.pending {
		if now.After(f.expires) {
			delete(a.pending, s)
		}
	}
	a.pending[state] = pendingFlow{verifier: verifier, expires: now.Add(flowTTL)}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(flowTTL.Seconds())})
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {a.cfg.ClientID},
		"redirect_uri":          {a.redirectURI()},
		"scope":                 {a.cfg.Scope},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	http.Redirect(w, r, a.cfg.Switchboard+"/oauth2/v1/authorize?"+q.Encode(), http.StatusFound)
}

// callback finishes a flow: the state must be this browser's and unused.
func (a *App) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cookie, _ := r.Cookie(stateCookie) // none: the state check below fails
	state := q.Get("state")
	var flow pendingFlow
	ok := false
	// Only the browser that started the flow uses it up: a code pushed to
	// another browser is refused without spoiling the real one.
	if cookie != nil && cookie.Value == state {
		a.mu.Lock()
		flow, ok = a.pending[state]
		delete(a.pending, state) // one use, whatever happens next
		a.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/", MaxAge: -1})
	}
	switch {
	case !ok || a.cfg.Now().After(flow.expires):
		a.page(w, http.StatusBadRequest, "Not connected", "This answer does not belong to a connection started in this browser, or it came too late. Start again.", nil)
		return
	case a.cfg.Issuer != "" && q.Get("iss") != a.cfg.Issuer:
		a.page(w, http.StatusBadRequest, "Not connected", "The answer comes from another authorisation server than the one this app asked.", nil)
		return
	case q.Get("error") != "":
		a.page(w, http.StatusBadRequest, "Not connected", "Switchboard answered: "+q.Get("error")+" "+q.Get("error_description"), nil)
		return
	}
	token, err := a.exchange(r, q.Get("code"), flow.verifier)
	if err != nil {
		a.page(w, http.StatusBadGateway, "Not connected", "The code exchange failed: "+err.Error(), nil)
		return
	}
	conn := &Connection{ID: token.ConnectionID, LocationID: token.LocationID, Scope: token.Scope, At: a.cfg.Now().UTC(), token: token.AccessToken}
	// The API calls a real app would make first: where am I, and what
	// orders are there.
	if err := a.call(r, conn, http.MethodGet, "/v1/location", nil, &conn.Location); err == nil {
		a.listOrders(r, conn)
	}
	a.mu.Lock()
	// A re-authorisation of the same connection replaces the old entry.
	a.connections = slices.DeleteFunc(a.connections, func(c *Connection) bool { return c.ID == conn.ID })
	a.connections = append([]*Connection{conn}, a.connections...)
	a.mu.Unlock()
	// Post/redirect/get: a reload must not replay a used code.
	http.Redirect(w, r, "/connections/"+url.PathEscape(conn.ID), http.StatusSeeOther)
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	Scope        string `json:"scope"`
	LocationID   string `json:"location_id"`
	ConnectionID string `json:"connection_id"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

func (a *App) exchange(r *http.Request, code, verifier string) (tokenResponse, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {a.redirectURI()},
		"client_id":     {a.cfg.ClientID},
		"client_secret": {a.cfg.ClientSecret},
		"code_verifier": {verifier},
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, a.cfg.Switchboard+"/oauth2/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tokenResponse{}, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	var t tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t); err != nil {
		return tokenResponse{}, fmt.Errorf("token answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || t.AccessToken == "" {
		return tokenResponse{}, fmt.Errorf("HTTP %d %s %s", resp.StatusCode, t.Error, t.Description)
	}
	return t, nil
}

func (a *App) listOrders(r *http.Request, conn *Connection) {
	var orders struct {
		Data []Order `json:"data"`
	}
	if conn.LocationID == "" {
		return
	}
	if err := a.call(r, conn, http.MethodGet, "/v1/locations/"+url.PathEscape(conn.LocationID)+"/orders?limit=5", nil, &orders); err == nil {
		conn.Orders = orders.Data
	}
}

// createOrder places a test order at the connection's location (the
// orders.write permission), then lists the orders again. The form is
// posted from this app's own page only: a POST whose Origin is another
// site's is refused (cross-site request forgery).
func (a *App) createOrder(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != a.cfg.Origin {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	a.mu.Lock()
	var conn *Connection
	for _, c := range a.connections {
		if c.ID == r.PathValue("id") {
			conn = c
		}
	}
	a.mu.Unlock()
	if conn == nil || conn.LocationID == "" {
		a.page(w, http.StatusNotFound, "Unknown connection", "This app has no location connection by that id since it started.", nil)
		return
	}
	order := map[string]any{
		"service_type":   "collection",
		"customer_notes": "A test order from the Switchboard Sample App",
		"items":          []map[string]any{{"product_name": "Margherita", "price": "9.50 EUR", "quantity": 2}},
	}
	// One handler at a time per connection: the record of calls is shared.
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call(r, conn, http.MethodPost, "/v1/locations/"+url.PathEscape(conn.LocationID)+"/orders", order, &struct{}{}); err == nil {
		a.listOrders(r, conn)
	}
	http.Redirect(w, r, "/connections/"+url.PathEscape(conn.ID), http.StatusSeeOther)
}

// call calls the platform API with the connection's token and records the
// call on conn; a 2xx answer is decoded into into.
func (a *App) call(r *http.Request, conn *Connection, method, path string, body, into any) error {
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, a.cfg.Switchboard+path, reader)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+conn.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		// A retried POST is replayed, not repeated.
		req.Header.Set("Idempotency-Key", randomValue())
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		conn.Calls = append(conn.Calls, Call{Method: method, Path: path})
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	conn.Calls = append(conn.Calls, Call{Method: method, Path: path, Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")})
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// receiveEvent takes a lifecycle callback: only a valid signature within
// the tolerance is recorded; anything else is refused with 401, which
// Switchboard counts as a failed delivery.
func (a *App) receiveEvent(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := webhook.Verify(a.cfg.SigningSecret, r.Header, body, a.cfg.Now()); err != nil {
		http.Error(w, "signature does not verify", http.StatusUnauthorized)
		return
	}
	var e struct {
		Type         string    `json:"type"`
		ConnectionID string    `json:"connection_id"`
		CreatedAt    time.Time `json:"created_at"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		http.Error(w, "body is not JSON", http.StatusBadRequest)
		return
	}
	id := r.Header.Get(webhook.HeaderID)
	a.mu.Lock()
	if !a.seenEvents[id] {
		a.seenEvents[id] = true
		a.events = append([]Event{{ID: id, Type: e.Type, ConnectionID: e.ConnectionID, At: e.CreatedAt}}, a.events...)
	}
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (a *App) home(w http.ResponseWriter, _ *http.Request) {
	a.page(w, http.StatusOK, "Switchboard Sample App", "", nil)
}

func (a *App) connection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, c := range a.Connections() {
		if c.ID == id {
			a.page(w, http.StatusOK, "Connected to Switchboard", "", &c)
			return
		}
	}
	a.page(w, http.StatusNotFound, "Unknown connection", "This app has not made that connection since it started.", nil)
}

type pageData struct {
	Title, Message string
	Connection     *Connection
	Connections    []Connection
	Events         []Event
	Switchboard    string
}

func (a *App) page(w http.ResponseWriter, status int, title, message string, c *Connection) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A write error means the browser went away; there is no one to tell.
	_ = pageTemplate.Execute(w, pageData{Title: title, Message: message, Connection: c,
		Connections: a.Connections(), Events: a.Events(), Switchboard: a.cfg.Switchboard})
}

func randomValue() string {
	var b [32]byte
	_, _ = rand.Read(b[:])                            // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:]) // 43 characters: a valid PKCE verifier
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>{{.Title}}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #d0d7de}
code{font-size:.9em}.ok{color:#116329}.bad{color:#a40e26}a.button{display:inline-block;background:#0b5cad;color:#fff;padding:.5rem 1rem;border-radius:6px;text-decoration:none}
</style></head><body>
<h1>{{.Title}}</h1>
{{with .Message}}<p data-testid="message">{{.}}</p>{{end}}
{{with .Connection}}
<section data-testid="sample-connection" data-connection-id="{{.ID}}">
<p>Connection <code data-testid="connection-id">{{.ID}}</code> with scope <code>{{.Scope}}</code>, made {{time .At}}.</p>
<h2>Location</h2>
<p data-testid="location-name">{{.Location.Name}}</p>
<p>Time zone: {{.Location.TimeZone}}</p>
<h2>Latest orders</h2>
{{if .Orders}}<table data-testid="orders"><thead><tr><th>Order</th><th>Status</th><th>Total</th><th>Created</th></tr></thead><tbody>
{{range .Orders}}<tr><td><code>{{.ID}}</code></td><td>{{.Status}}</td><td>{{.Total}}</td><td>{{time .CreatedAt}}</td></tr>{{end}}
</tbody></table>{{else}}<p data-testid="no-orders">No orders at this location yet.</p>{{end}}
{{if .LocationID}}<form method="post" action="/connections/{{.ID}}/orders"><button type="submit" data-testid="create-order">Create a test order</button> (POST with orders.write, then the list again)</form>{{end}}
<h2>API calls made</h2>
<table data-testid="api-calls"><thead><tr><th>Method</th><th>Path</th><th>Status</th><th>Request id (find it in the logs)</th></tr></thead><tbody>
{{range .Calls}}<tr data-testid="api-call"><td>{{.Method}}</td><td><code>{{.Path}}</code></td><td class="{{if and (ge .Status 200) (lt .Status 300)}}ok{{else}}bad{{end}}" data-testid="call-status">{{.Status}}</td><td><code data-testid="request-id">{{.RequestID}}</code></td></tr>{{end}}
</tbody></table>
</section>
{{end}}
<p><a class="button" href="/connect">Connect {{if .Connection}}again{{else}}with Switchboard{{end}}</a>
 · <a href="{{.Switchboard}}/#/connections">Your connections in Switchboard</a></p>
<h2>Lifecycle callbacks received (signature verified)</h2>
{{if .Events}}<table data-testid="events"><thead><tr><th>Type</th><th>Connection</th><th>At</th></tr></thead><tbody>
{{range .Events}}<tr data-testid="event"><td>{{.Type}}</td><td><code>{{.ConnectionID}}</code></td><td>{{time .At}}</td></tr>{{end}}
</tbody></table>{{else}}<p>None yet: they come when a connection is made, blocked or removed.</p>{{end}}
{{if .Connections}}<h2>Connections made since this app started</h2><ul>
{{range .Connections}}<li><a href="/connections/{{.ID}}">{{.ID}}</a> ({{.Scope}})</li>{{end}}</ul>{{end}}
</body></html>
`))
