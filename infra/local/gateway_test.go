package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
)

// fakeInvoker records what the gateway sent and answers with a canned Result.
type fakeInvoker struct {
	result Result
	err    error

	mu    sync.Mutex
	calls []fakeCall
}

type fakeCall struct {
	name    string
	payload []byte
}

func (f *fakeInvoker) Invoke(_ context.Context, name string, payload []byte) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{name: name, payload: append([]byte(nil), payload...)})
	return f.result, f.err
}

// only returns the single call made, failing the test otherwise.
func (f *fakeInvoker) only(t *testing.T) (string, events.APIGatewayV2HTTPRequest) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) != 1 {
		t.Fatalf("invoker called %d times, want 1", len(f.calls))
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(f.calls[0].payload, &e); err != nil {
		t.Fatalf("payload is not a v2 event: %v\n%s", err, f.calls[0].payload)
	}
	return f.calls[0].name, e
}

func (f *fakeInvoker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func okInvoker() *fakeInvoker {
	return &fakeInvoker{result: Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}}
}

func apiFunction(id string, routes ...string) samtemplate.Function {
	f := samtemplate.Function{LogicalID: id}
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		f.Routes = append(f.Routes, samtemplate.Route{Method: method, Path: path})
	}
	return f
}

func newTestGateway(t *testing.T, fns []samtemplate.Function, inv Invoker, siteDir string) *Gateway {
	t.Helper()
	g, err := NewGateway(fns, inv, siteDir, io.Discard)
	if err != nil {
		t.Fatalf("NewGateway: %v", err)
	}
	return g
}

func serveGateway(g *Gateway, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

// wantGatewayError checks an API Gateway style JSON error answer.
func wantGatewayError(t *testing.T, rec *httptest.ResponseRecorder, status int, message string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status = %d, want %d (body %q)", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body, err)
	}
	if diff := cmp.Diff(map[string]string{"message": message}, got); diff != "" {
		t.Errorf("error body (-want +got):\n%s", diff)
	}
}

// Routes are declared least specific first, so that only the gateway's own
// ordering can make the specific ones win.
var routingFunctions = []samtemplate.Function{
	apiFunction("Proxy", "ANY /v1/{proxy+}"),
	apiFunction("OrdersByKind", "GET /v1/{kind}/{id}/items"),
	apiFunction("Order", "GET /v1/orders/{orderId}"),
	apiFunction("OrderItems", "GET /v1/orders/{orderId}/items"),
	apiFunction("LatestOrder", "GET /v1/orders/latest"),
	apiFunction("AnyThings", "ANY /v1/things"),
	apiFunction("GetThings", "GET /v1/things"),
	apiFunction("Health", "GET /health"),
}

func TestGatewayRouteSelection(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		wantFn     string
		wantRoute  string
		wantParams map[string]string
	}{
		{"exact path beats path variable", "GET", "/v1/orders/latest", "LatestOrder", "GET /v1/orders/latest", nil},
		{"path variable beats greedy", "GET", "/v1/orders/42", "Order", "GET /v1/orders/{orderId}", map[string]string{"orderId": "42"}},
		{"more literal segments win", "GET", "/v1/orders/42/items", "OrderItems", "GET /v1/orders/{orderId}/items", map[string]string{"orderId": "42"}},
		{"fewer literals still match other paths", "GET", "/v1/carts/7/items", "OrdersByKind", "GET /v1/{kind}/{id}/items", map[string]string{"kind": "carts", "id": "7"}},
		{"method route beats ANY", "GET", "/v1/things", "GetThings", "GET /v1/things", nil},
		{"ANY takes other methods", "POST", "/v1/things", "AnyThings", "ANY /v1/things", nil},
		{"greedy takes the rest with slashes", "GET", "/v1/orders/42/items/9/notes", "Proxy", "ANY /v1/{proxy+}", map[string]string{"proxy": "orders/42/items/9/notes"}},
		{"greedy takes a method the exact route lacks", "DELETE", "/v1/orders/latest", "Proxy", "ANY /v1/{proxy+}", map[string]string{"proxy": "orders/latest"}},
		{"trailing slash is ignored", "GET", "/v1/orders/latest/", "LatestOrder", "GET /v1/orders/latest", nil},
		{"top-level exact route", "GET", "/health", "Health", "GET /health", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := okInvoker()
			g := newTestGateway(t, routingFunctions, inv, "")
			rec := serveGateway(g, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200 (body %q)", rec.Code, rec.Body)
			}
			gotFn, e := inv.only(t)
			if gotFn != tt.wantFn {
				t.Errorf("function = %q, want %q", gotFn, tt.wantFn)
			}
			if e.RouteKey != tt.wantRoute || e.RequestContext.RouteKey != tt.wantRoute {
				t.Errorf("routeKey = %q / requestContext.routeKey = %q, want %q", e.RouteKey, e.RequestContext.RouteKey, tt.wantRoute)
			}
			if diff := cmp.Diff(tt.wantParams, e.PathParameters); diff != "" {
				t.Errorf("pathParameters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGatewayNoRoute(t *testing.T) {
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("<h1>switchboard</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "app.js"), []byte("console.log(1)"), 0o644); err != nil {
		t.Fatal(err)
	}
	fns := []samtemplate.Function{apiFunction("Order", "GET /v1/orders/{orderId}"), apiFunction("Admin", "GET /admin/users")}

	tests := []struct {
		name     string
		siteDir  string
		method   string
		target   string
		wantCode int
		wantBody string // for site answers; empty: an API Gateway 404
	}{
		{"no site, unknown path", "", "GET", "/nope", 404, ""},
		{"no site, root", "", "GET", "/", 404, ""},
		{"method not routed", site, "POST", "/v1/orders/1", 404, ""},
		{"path variable needs a segment", site, "GET", "/v1/orders/", 404, ""},
		{"too many segments", site, "GET", "/v1/orders/1/2", 404, ""},
		{"missing admin route does not fall back to site", site, "GET", "/admin/groups", 404, ""},
		{"missing oauth2 route does not fall back to site", site, "GET", "/oauth2/token", 404, ""},
		{"site index at root", site, "GET", "/", 200, "<h1>switchboard</h1>"},
		{"site file", site, "GET", "/app.js", 200, "console.log(1)"},
		{"site is GET only", site, "POST", "/app.js", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := okInvoker()
			g := newTestGateway(t, fns, inv, tt.siteDir)
			rec := serveGateway(g, httptest.NewRequest(tt.method, tt.target, nil))
			if n := inv.count(); n != 0 {
				t.Errorf("invoker called %d times, want 0", n)
			}
			if tt.wantBody == "" {
				wantGatewayError(t, rec, tt.wantCode, "Not Found")
				return
			}
			if rec.Code != tt.wantCode {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantCode)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestNewGatewayDuplicateRoutes(t *testing.T) {
	tests := []struct {
		name    string
		fns     []samtemplate.Function
		wantErr []string // substrings; nil: no error
	}{
		{"same route in two functions", []samtemplate.Function{apiFunction("A", "GET /v1/x"), apiFunction("B", "GET /v1/x")}, []string{"GET /v1/x", "A", "B"}},
		{"same route twice in one function", []samtemplate.Function{apiFunction("A", "POST /v1/x", "POST /v1/x")}, []string{"POST /v1/x"}},
		{"different methods", []samtemplate.Function{apiFunction("A", "GET /v1/x"), apiFunction("B", "POST /v1/x")}, nil},
		{"ANY next to a method", []samtemplate.Function{apiFunction("A", "ANY /v1/x"), apiFunction("B", "GET /v1/x")}, nil},
		{"different paths", []samtemplate.Function{apiFunction("A", "GET /v1/x"), apiFunction("B", "GET /v1/{x}")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewGateway(tt.fns, okInvoker(), "", io.Discard)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("NewGateway: %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatal("NewGateway succeeded, want a duplicate route error")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestGatewayEvent(t *testing.T) {
	inv := okInvoker()
	g := newTestGateway(t, []samtemplate.Function{apiFunction("Files", "POST /v1/files/{bucket}/{key+}")}, inv, "")
	at := time.Date(2024, 3, 5, 6, 7, 8, 9e6, time.UTC)
	g.now = func() time.Time { return at }

	req := httptest.NewRequest("POST", "http://api.example.com:3000/v1/files/photos/2024/a%20b.jpg?x=1&x=2&y=z&empty=", strings.NewReader(`{"k":"v"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "switchboard-test/1")
	req.Header.Set("X-Custom-Thing", "Mixed Case")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Header.Set("Cookie", "session=abc; theme=dark;lang=en")
	req.RemoteAddr = "203.0.113.9:55555"

	rec := serveGateway(g, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %q)", rec.Code, rec.Body)
	}
	_, e := inv.only(t)

	if e.RequestContext.RequestID == "" {
		t.Error("requestContext.requestId is empty")
	}
	e.RequestContext.RequestID = ""
	want := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "POST /v1/files/{bucket}/{key+}",
		RawPath:        "/v1/files/photos/2024/a%20b.jpg",
		RawQueryString: "x=1&x=2&y=z&empty=",
		Cookies:        []string{"session=abc", "theme=dark", "lang=en"},
		Headers: map[string]string{
			"content-type":      "application/json",
			"user-agent":        "switchboard-test/1",
			"x-custom-thing":    "Mixed Case",
			"x-multi":           "a,b",
			"host":              "api.example.com:3000",
			"x-forwarded-for":   "203.0.113.9",
			"x-forwarded-port":  "3000",
			"x-forwarded-proto": "http",
		},
		QueryStringParameters: map[string]string{"x": "1,2", "y": "z", "empty": ""},
		PathParameters:        map[string]string{"bucket": "photos", "key": "2024/a b.jpg"},
		Body:                  `{"k":"v"}`,
		IsBase64Encoded:       false,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     "POST /v1/files/{bucket}/{key+}",
			AccountID:    "000000000000",
			Stage:        "$default",
			APIID:        "local",
			DomainName:   "api.example.com",
			DomainPrefix: "api",
			Time:         "05/Mar/2024:06:07:08 +0000",
			TimeEpoch:    at.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    "POST",
				Path:      "/v1/files/photos/2024/a b.jpg",
				Protocol:  "HTTP/1.1",
				SourceIP:  "203.0.113.9",
				UserAgent: "switchboard-test/1",
			},
		},
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
}

func TestGatewayEventRequestIDsDiffer(t *testing.T) {
	inv := okInvoker()
	g := newTestGateway(t, []samtemplate.Function{apiFunction("A", "GET /v1/a")}, inv, "")
	serveGateway(g, httptest.NewRequest("GET", "/v1/a", nil))
	serveGateway(g, httptest.NewRequest("GET", "/v1/a", nil))
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var ids []string
	for _, c := range inv.calls {
		var e events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(c.payload, &e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.RequestContext.RequestID)
	}
	if len(ids) != 2 || ids[0] == "" || ids[0] == ids[1] {
		t.Errorf("request ids = %q, want two different non-empty ids", ids)
	}
}

func TestGatewayEventBody(t *testing.T) {
	binary := []byte{0x00, 0x01, 0xfe, 0xff, 'x'}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantBody    string
		wantBase64  bool
	}{
		{"no body", "", nil, "", false},
		{"json as text", "application/json", []byte(`{"a":[1,2]}`), `{"a":[1,2]}`, false},
		{"json with charset as text", "application/json; charset=utf-8", []byte(`{"a":1}`), `{"a":1}`, false},
		{"vendor json as text", "application/problem+json", []byte(`{"a":1}`), `{"a":1}`, false},
		{"plain text", "text/plain", []byte("hello"), "hello", false},
		{"form as text", "application/x-www-form-urlencoded", []byte("a=1&b=2"), "a=1&b=2", false},
		{"no content type as text", "", []byte("hello"), "hello", false},
		{"octet-stream as base64", "application/octet-stream", binary, base64.StdEncoding.EncodeToString(binary), true},
		{"image as base64", "image/png", binary, base64.StdEncoding.EncodeToString(binary), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := okInvoker()
			g := newTestGateway(t, []samtemplate.Function{apiFunction("Upload", "PUT /v1/upload")}, inv, "")
			req := httptest.NewRequest("PUT", "/v1/upload", bytes.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if rec := serveGateway(g, req); rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200 (body %q)", rec.Code, rec.Body)
			}
			_, e := inv.only(t)
			if e.Body != tt.wantBody || e.IsBase64Encoded != tt.wantBase64 {
				t.Errorf("body = %q base64 %v, want %q base64 %v", e.Body, e.IsBase64Encoded, tt.wantBody, tt.wantBase64)
			}
		})
	}
}

func TestGatewayBodyLimit(t *testing.T) {
	tests := []struct {
		name       string
		size       int
		wantStatus int
	}{
		{"exactly 10 MB", 10 << 20, http.StatusOK},
		{"one byte over 10 MB", 10<<20 + 1, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := okInvoker()
			g := newTestGateway(t, []samtemplate.Function{apiFunction("Upload", "POST /v1/upload")}, inv, "")
			req := httptest.NewRequest("POST", "/v1/upload", bytes.NewReader(bytes.Repeat([]byte("a"), tt.size)))
			req.Header.Set("Content-Type", "text/plain")
			rec := serveGateway(g, req)
			if tt.wantStatus == http.StatusOK {
				if rec.Code != http.StatusOK {
					t.Fatalf("status = %d, want 200", rec.Code)
				}
				if _, e := inv.only(t); len(e.Body) != tt.size {
					t.Errorf("body length = %d, want %d", len(e.Body), tt.size)
				}
				return
			}
			wantGatewayError(t, rec, tt.wantStatus, "Request Entity Too Large")
			if n := inv.count(); n != 0 {
				t.Errorf("invoker called %d times, want 0", n)
			}
		})
	}
}

func TestGatewayResponse(t *testing.T) {
	tests := []struct {
		name       string
		result     Result
		wantStatus int
		wantHeader http.Header // only these keys are compared
		wantBody   string
	}{
		{
			name: "full v2 response",
			result: Result{Payload: []byte(`{
				"statusCode": 201,
				"headers": {"content-type": "text/plain", "X-One": "1"},
				"multiValueHeaders": {"X-Multi": ["a", "b"]},
				"cookies": ["session=abc; Path=/; HttpOnly", "theme=dark"],
				"body": "aGVsbG8gd29ybGQ=",
				"isBase64Encoded": true
			}`)},
			wantStatus: 201,
			wantHeader: http.Header{
				"Content-Type":   {"text/plain"},
				"X-One":          {"1"},
				"X-Multi":        {"a", "b"},
				"Set-Cookie":     {"session=abc; Path=/; HttpOnly", "theme=dark"},
				"Content-Length": {"11"},
			},
			wantBody: "hello world",
		},
		{
			name:       "text body",
			result:     Result{Payload: []byte(`{"statusCode":404,"headers":{"Content-Type":"application/json"},"body":"{\"error\":\"nope\"}"}`)},
			wantStatus: 404,
			wantHeader: http.Header{"Content-Type": {"application/json"}},
			wantBody:   `{"error":"nope"}`,
		},
		{
			name:       "no content",
			result:     Result{Payload: []byte(`{"statusCode":204}`)},
			wantStatus: 204,
			wantHeader: http.Header{"Set-Cookie": nil},
			wantBody:   "",
		},
		{
			name:       "object without statusCode is a 200 JSON body",
			result:     Result{Payload: []byte(`{"hello": "world", "n": [1, 2]}`)},
			wantStatus: 200,
			wantHeader: http.Header{"Content-Type": {"application/json"}},
			wantBody:   `{"hello": "world", "n": [1, 2]}`,
		},
		{
			name:       "bare string is a 200 JSON body",
			result:     Result{Payload: []byte(`"hi"`)},
			wantStatus: 200,
			wantHeader: http.Header{"Content-Type": {"application/json"}},
			wantBody:   `"hi"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newTestGateway(t, []samtemplate.Function{apiFunction("A", "GET /v1/a")}, &fakeInvoker{result: tt.result}, "")
			rec := serveGateway(g, httptest.NewRequest("GET", "/v1/a", nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			got := http.Header{}
			for k := range tt.wantHeader {
				got[k] = rec.Header().Values(k)
			}
			if diff := cmp.Diff(tt.wantHeader, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestGatewayFailedResponse(t *testing.T) {
	tests := []struct {
		name        string
		inv         *fakeInvoker
		wantStatus  int
		wantMessage string
	}{
		{"function error", &fakeInvoker{result: Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"errorString"}`)}}, 500, "Internal Server Error"},
		{"function error with a valid-looking response", &fakeInvoker{result: Result{FunctionError: "Unhandled", Payload: []byte(`{"statusCode":200,"body":"ok"}`)}}, 500, "Internal Server Error"},
		{"statusCode 0", &fakeInvoker{result: Result{Payload: []byte(`{"statusCode":0,"body":"x"}`)}}, 500, "Internal Server Error"},
		{"statusCode 700", &fakeInvoker{result: Result{Payload: []byte(`{"statusCode":700,"body":"x"}`)}}, 500, "Internal Server Error"},
		{"statusCode 99", &fakeInvoker{result: Result{Payload: []byte(`{"statusCode":99}`)}}, 500, "Internal Server Error"},
		{"statusCode not a number", &fakeInvoker{result: Result{Payload: []byte(`{"statusCode":"200"}`)}}, 500, "Internal Server Error"},
		{"body not base64", &fakeInvoker{result: Result{Payload: []byte(`{"statusCode":200,"body":"%%%","isBase64Encoded":true}`)}}, 500, "Internal Server Error"},
		{"invoker error", &fakeInvoker{err: errors.New("runtime is shut down")}, 503, "Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newTestGateway(t, []samtemplate.Function{apiFunction("A", "GET /v1/a")}, tt.inv, "")
			rec := serveGateway(g, httptest.NewRequest("GET", "/v1/a", nil))
			wantGatewayError(t, rec, tt.wantStatus, tt.wantMessage)
		})
	}
}

// TestGatewayOversizedRequests: a path of 16 KiB or more, a query of
// 32 KiB or more, or oversized headers are answered 414/431 at once,
// without invoking the function; beyond the server's header limit the
// server itself answers 431, over a real socket, without waiting.
func TestGatewayOversizedRequests(t *testing.T) {
	inv := okInvoker()
	g := newTestGateway(t, []samtemplate.Function{apiFunction("Order", "GET /v1/orders/{orderId}")}, inv, "")
	for _, tt := range []struct {
		name   string
		target string
		header int
		status int
		msg    string
	}{
		{"long path", "/v1/orders/" + strings.Repeat("x", 16<<10), 0, http.StatusRequestURITooLong, "Request-URI Too Long"},
		{"long query", "/v1/orders/o1?q=" + strings.Repeat("x", 32<<10), 0, http.StatusRequestURITooLong, "Request-URI Too Long"},
		{"large headers", "/v1/orders/o1", 40 << 10, http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.header > 0 {
				req.Header.Set("X-Big", strings.Repeat("y", tt.header))
			}
			wantGatewayError(t, serveGateway(g, req), tt.status, tt.msg)
		})
	}
	if n := inv.count(); n != 0 {
		t.Errorf("the function was invoked %d times", n)
	}
	// A request just under the limits goes through (control).
	if rec := serveGateway(g, httptest.NewRequest(http.MethodGet, "/v1/orders/o1?q="+strings.Repeat("x", 30<<10), nil)); rec.Code != http.StatusOK {
		t.Errorf("a 30 KiB query: status %d", rec.Code)
	}

	srv := httptest.NewUnstartedServer(g)
	srv.Config = newServer(g)
	srv.Start()
	defer srv.Close()
	for _, tt := range []struct {
		name   string
		path   string
		header int
		status int
	}{
		{"huge path", "/v1/orders/" + strings.Repeat("x", 200<<10), 0, http.StatusRequestHeaderFieldsTooLarge},
		{"huge header", "/v1/orders/o1", 200 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{"long path", "/v1/orders/" + strings.Repeat("x", 20<<10), 0, http.StatusRequestURITooLong},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		if tt.header > 0 {
			req.Header.Set("X-Big", strings.Repeat("y", tt.header))
		}
		start := time.Now()
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tt.status || time.Since(start) > 2*time.Second {
			t.Errorf("%s: status %d after %s, want %d at once", tt.name, resp.StatusCode, time.Since(start), tt.status)
		}
	}
}
