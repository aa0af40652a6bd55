package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

var pathVariable = regexp.MustCompile(`\{[^}]*\}`)

// maxRequestBody is API Gateway's payload limit.
const maxRequestBody = 10 << 20

// Invoker runs a function; *Runtime is one.
type Invoker interface {
	Invoke(ctx context.Context, name string, payload []byte) (Result, error)
}

// route is one HttpApi event, compiled for matching.
type route struct {
	method   string // or ANY
	path     string // as written in template.yaml
	segments []string
	function string
	greedy   bool // last segment is {name+}
	vars     int  // path variables
}

func compileRoute(fn string, r samtemplate.Route) route {
	rt := route{method: r.Method, path: r.Path, function: fn, segments: strings.Split(strings.Trim(r.Path, "/"), "/")}
	for i, s := range rt.segments {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			rt.vars++
			if strings.HasSuffix(s, "+}") && i == len(rt.segments)-1 {
				rt.greedy = true
			}
		}
	}
	return rt
}

// match returns the path parameters when path fits the route.
func (rt route) match(method, path string) (map[string]string, bool) {
	if rt.method != "ANY" && rt.method != method {
		return nil, false
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	params := map[string]string{}
	for i, seg := range rt.segments {
		if rt.greedy && i == len(rt.segments)-1 {
			if i >= len(parts) {
				return nil, false
			}
			params[strings.TrimSuffix(seg[1:], "+}")] = strings.Join(parts[i:], "/")
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") {
			if parts[i] == "" {
				return nil, false
			}
			params[seg[1:len(seg)-1]] = parts[i]
		} else if seg != parts[i] {
			return nil, false
		}
	}
	return params, len(parts) == len(rt.segments)
}

// Gateway serves HttpApi routes of template.yaml as API Gateway HTTP API does
// (payload format 2.0), and the static site for every other GET.
type Gateway struct {
	routes  []route
	invoker Invoker
	site    http.Handler
	log     io.Writer
	now     func() time.Time
}

// NewGateway orders routes as API Gateway chooses among matches: exact paths
// first, then paths with variables (more literal segments first), then
// greedy paths; a route for the method beats ANY.
func NewGateway(fns []samtemplate.Function, invoker Invoker, siteDir string, log io.Writer) (*Gateway, error) {
	g := &Gateway{invoker: invoker, log: log, now: time.Now}
	seen := map[string]string{}
	for _, fn := range fns {
		for _, r := range fn.Routes {
			// Variable names do not tell routes apart: /a/{id} and /a/{key}
			// are one route to API Gateway.
			key := r.Method + " " + pathVariable.ReplaceAllStringFunc(r.Path, func(v string) string {
				if strings.HasSuffix(v, "+}") {
					return "{+}"
				}
				return "{}"
			})
			if other, dup := seen[key]; dup {
				return nil, fmt.Errorf("route %s is declared by both %s and %s", key, other, fn.LogicalID)
			}
			seen[key] = fn.LogicalID
			g.routes = append(g.routes, compileRoute(fn.LogicalID, r))
		}
	}
	rank := func(r route) int {
		switch {
		case r.greedy:
			return 2
		case r.vars > 0:
			return 1
		}
		return 0
	}
	sort.SliceStable(g.routes, func(i, j int) bool {
		a, b := g.routes[i], g.routes[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if la, lb := len(a.segments)-a.vars, len(b.segments)-b.vars; la != lb {
			return la > lb
		}
		if (a.method == "ANY") != (b.method == "ANY") {
			return b.method == "ANY"
		}
		return a.path < b.path
	})
	if siteDir != "" {
		g.site = siteHandler(siteDir)
	}
	return g, nil
}

func (g *Gateway) find(method, path string) (route, map[string]string, bool) {
	for _, rt := range g.routes {
		if params, ok := rt.match(method, path); ok {
			return rt, params, true
		}
	}
	return route{}, nil, false
}

// Limits of a request's line and headers, answered before anything else:
// API Gateway refuses such requests too, and the function should never
// see ids or queries of that size.
const (
	maxPathBytes   = 16 << 10 // a longer path: 414
	maxQueryBytes  = 32 << 10 // a longer query: 414
	maxHeaderTotal = 32 << 10 // more header bytes: 431
	maxHeaderBytes = 96 << 10 // the server's own limit (request line included): 431
)

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.EscapedPath()) >= maxPathBytes || len(r.URL.RawQuery) >= maxQueryBytes {
		writeGatewayError(w, http.StatusRequestURITooLong, "Request-URI Too Long")
		return
	}
	headerBytes := 0
	for name, values := range r.Header {
		for _, v := range values {
			headerBytes += len(name) + len(v) + 4
		}
	}
	if headerBytes > maxHeaderTotal {
		writeGatewayError(w, http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large")
		return
	}
	rt, params, ok := g.find(r.Method, r.URL.Path)
	if !ok {
		if g.site != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isAPIPath(r.URL.Path) {
			g.site.ServeHTTP(w, r)
			return
		}
		writeGatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	event, err := g.event(r, rt, params)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			writeGatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		writeGatewayError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	payload, err := json.Marshal(event)
	if err != nil {
		writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	res, err := g.invoker.Invoke(r.Context(), rt.function, payload)
	if err != nil {
		writeGatewayError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if res.FunctionError != "" {
		fmt.Fprintf(g.log, "[gateway] %s %s: %s failed: %s\n", r.Method, r.URL.Path, rt.function, res.Payload)
		writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if err := writeFunctionResponse(w, res.Payload); err != nil {
		fmt.Fprintf(g.log, "[gateway] %s %s: %s returned a malformed response: %v\n", r.Method, r.URL.Path, rt.function, err)
		writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
	}
}

// isAPIPath keeps API prefixes out of the site fallback, so a missing API
// route answers like API Gateway instead of with index.html.
func isAPIPath(p string) bool {
	for _, prefix := range []string{"/admin/", "/oauth2/", "/v1/"} {
		if strings.HasPrefix(p, prefix) || p == strings.TrimSuffix(prefix, "/") {
			return true
		}
	}
	return p == "/health"
}

var errTooLarge = errors.New("request body too large")

// event builds the API Gateway HTTP API v2.0 event for r.
func (g *Gateway) event(r *http.Request, rt route, params map[string]string) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	if len(body) > maxRequestBody {
		return events.APIGatewayV2HTTPRequest{}, errTooLarge
	}
	now := g.now().UTC()
	routeKey := rt.method + " " + rt.path
	e := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       routeKey,
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
	}
	for name, values := range r.Header {
		lname := strings.ToLower(name)
		if lname == "cookie" {
			for _, v := range values {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						e.Cookies = append(e.Cookies, c)
					}
				}
			}
			continue
		}
		e.Headers[lname] = strings.Join(values, ",")
	}
	e.Headers["host"] = r.Host
	host, port, _ := net.SplitHostPort(r.Host)
	if port == "" {
		port = "80"
	}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	e.Headers["x-forwarded-for"] = sourceIP
	e.Headers["x-forwarded-port"] = port
	e.Headers["x-forwarded-proto"] = "http"
	if q := r.URL.Query(); len(q) > 0 {
		e.QueryStringParameters = make(map[string]string, len(q))
		for k, v := range q {
			e.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	if len(params) > 0 {
		e.PathParameters = params
	}
	if len(body) > 0 {
		if isTextual(r.Header.Get("Content-Type")) {
			e.Body = string(body)
		} else {
			e.Body = base64.StdEncoding.EncodeToString(body)
			e.IsBase64Encoded = true
		}
	}
	if host == "" {
		host = r.Host
	}
	e.RequestContext = events.APIGatewayV2HTTPRequestContext{
		RouteKey:     routeKey,
		AccountID:    "000000000000",
		Stage:        "$default",
		RequestID:    base64.RawStdEncoding.EncodeToString([]byte(newID()[:12])),
		APIID:        "local",
		DomainName:   host,
		DomainPrefix: strings.Split(host, ".")[0],
		Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
		TimeEpoch:    now.UnixMilli(),
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method:    r.Method,
			Path:      r.URL.Path,
			Protocol:  r.Proto,
			SourceIP:  sourceIP,
			UserAgent: r.UserAgent(),
		},
	}
	return e, nil
}

// isTextual mirrors which bodies API Gateway passes as text rather than
// base64.
func isTextual(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/x-www-form-urlencoded" || mt == "application/xml" || mt == "application/javascript"
}

// writeFunctionResponse interprets a payload-format-2.0 response: an object
// with statusCode is a full response; anything else is a 200 JSON body.
func writeFunctionResponse(w http.ResponseWriter, payload []byte) error {
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) != nil || probe["statusCode"] == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(payload)
		return err
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return err
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return fmt.Errorf("status code %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("body is not base64: %w", err)
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, err := io.Copy(w, bytes.NewReader(body))
	return err
}

// writeGatewayError answers as API Gateway does when no function answered.
func writeGatewayError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message}) // client went away: nothing to do
}

// siteHandler serves site/ with index.html at the root and no caching, so
// edits show on reload.
func siteHandler(dir string) http.Handler {
	files := http.FileServerFS(os.DirFS(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		for k, v := range apigw.SiteSecurityHeaders {
			w.Header().Set(k, v)
		}
		files.ServeHTTP(w, r)
	})
}
