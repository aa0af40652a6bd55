package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// maskedToken is what is shown of a connection's token: its last four
// characters, kept at issue time (tokens are otherwise stored as hashes).
// Tokens issued before those were kept show the mask alone.
func maskedToken(c switchboard.Connection) string { return "sbt_••••" + c.TokenLast4 }

// LogHeader is what the Logs page shows above the calls, as HubRise does.
type LogHeader struct {
	ConnectionID  string                       `json:"connectionId"`
	AppID         string                       `json:"appId"`
	AppName       string                       `json:"appName"`
	InstanceLabel string                       `json:"instanceLabel,omitempty"`
	Token         string                       `json:"token"` // masked: "sbt_••••" and the last four characters
	Scope         string                       `json:"scope"`
	AccountID     string                       `json:"accountId"`
	LocationID    string                       `json:"locationId,omitempty"`
	Status        switchboard.ConnectionStatus `json:"status"`
	// DisconnectedAt is set when the connection was disconnected: its log
	// is still read (until it expires), the connection no longer calls.
	DisconnectedAt *time.Time `json:"disconnectedAt,omitempty"`
	// CatalogIDs and CustomerListIDs are the account's catalogs and customer
	// lists the token reaches: all of them when its scope grants the
	// resource (they belong to the account, whatever the token's level),
	// none otherwise. Always arrays.
	CatalogIDs      []string `json:"catalogIds"`
	CustomerListIDs []string `json:"customerListIds"`
}

// LogHeaderStores are what the header is read from besides the connection.
type LogHeaderStores interface {
	ListCatalogs(ctx context.Context, accountID string) ([]switchboard.Catalog, error)
	ListCustomerLists(ctx context.Context, accountID string) ([]switchboard.CustomerList, error)
}

// LogPage is the answer of the logs listing.
type LogPage struct {
	Connection LogHeader `json:"connection"`
	switchboard.CallPage
}

// LogBody is one archived side of a call as the detail panel shows it.
type LogBody struct {
	Status  int               `json:"status,omitempty"`
	Method  string            `json:"method,omitempty"`
	Path    string            `json:"path,omitempty"`
	Headers map[string]string `json:"headers"`
	// Body is pretty-printed when it is JSON (then IsJSON is true), and the
	// text as archived otherwise. Clients must render it as text.
	Body   string `json:"body"`
	IsJSON bool   `json:"isJson"`
}

// Reasons a detail carries no bodies.
const (
	bodiesNotArchived = "not_archived" // archiving failed when the call was logged
	bodiesExpired     = "expired"      // the archive's lifecycle rule removed them
)

// LogEntry is one call with its bodies, when they can still be read.
type LogEntry struct {
	Call            switchboard.Call `json:"call"`
	BodiesAvailable bool             `json:"bodiesAvailable"`
	// BodiesUnavailable says why a side is missing: not_archived or expired.
	BodiesUnavailable string   `json:"bodiesUnavailable,omitempty"`
	Request           *LogBody `json:"request,omitempty"`
	Response          *LogBody `json:"response,omitempty"`
}

// callFilter reads the listing's query string.
func callFilter(req apigw.Request) (switchboard.CallFilter, error) {
	q := req.QueryStringParameters
	limit, err := apigw.QueryInt(req, "limit", 0)
	if err != nil {
		return switchboard.CallFilter{}, err
	}
	if _, set := q["limit"]; set && limit < 1 {
		return switchboard.CallFilter{}, switchboard.Errorf(switchboard.EInvalid, "limit must be between 1 and %d", switchboard.MaxPageSize)
	}
	f := switchboard.CallFilter{Resources: queryList(q["resource"]), Methods: queryList(q["method"]), Statuses: queryList(q["status"]),
		Limit: limit, Cursor: q["cursor"]}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if raw := q[name]; raw != "" {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				return switchboard.CallFilter{}, switchboard.Errorf(switchboard.EInvalid, "%s must be an RFC 3339 time such as 2026-11-24T10:00:00Z", name)
			}
			*dst = t
		}
	}
	return f, f.Validate()
}

// queryList reads a multi-valued filter: values separated by commas, which
// is also how API Gateway (payload 2.0) joins a repeated parameter, so
// ?method=GET&method=POST and ?method=GET,POST are the same filter.
func queryList(raw string) []string {
	var out []string
	for _, v := range strings.Split(raw, ",") {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// LogConnections finds the connection whose log is read: a current one or,
// while its call log lasts, one disconnected from the account.
type LogConnections interface {
	GetConnection(ctx context.Context, accountID, connectionID string) (switchboard.Connection, error)
	switchboard.DisconnectedConnections
}

var _ LogConnections = (*dynamo.Store)(nil)

// logConnection returns the connection in the caller's account, current or
// disconnected (then with DisconnectedAt set): the README keeps the call
// log until it expires, and the digest links to it. Another account's
// connection is not found either way.
func logConnection(ctx context.Context, conns LogConnections, accountID, connectionID string) (switchboard.Connection, error) {
	c, err := conns.GetConnection(ctx, accountID, connectionID)
	if switchboard.ErrorCode(err) != switchboard.ENotFound {
		return c, err
	}
	gone, gerr := conns.GetDisconnectedConnection(ctx, accountID, connectionID)
	if switchboard.ErrorCode(gerr) == switchboard.ENotFound {
		return switchboard.Connection{}, err
	}
	return gone, gerr
}

// ListConnectionLogs serves GET /admin/v1/connections/{connectionId}/logs.
// The connection is read in the caller's account first, so another
// account's connection is a 404 before its log is touched. The header's
// catalogs and customer lists are read while the page is.
func ListConnectionLogs(conns LogConnections, log switchboard.CallLog, reach LogHeaderStores) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		c, err := logConnection(ctx, conns, p.AccountID, req.PathParameters["connectionId"])
		if err != nil {
			return apigw.Response{}, err
		}
		f, err := callFilter(req)
		if err != nil {
			return apigw.Response{}, err
		}
		var header LogHeader
		var headerErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			header, headerErr = logHeader(ctx, c, reach)
		}()
		page, err := log.ListCalls(ctx, p.AccountID, c.ID, f)
		<-done
		if err != nil {
			return apigw.Response{}, err
		}
		if headerErr != nil {
			return apigw.Response{}, headerErr
		}
		return apigw.JSON(http.StatusOK, LogPage{Connection: header, CallPage: page})
	}
}

func logHeader(ctx context.Context, c switchboard.Connection, reach LogHeaderStores) (LogHeader, error) {
	h := LogHeader{ConnectionID: c.ID, AppID: c.AppID, AppName: c.AppName, InstanceLabel: c.InstanceLabel,
		Token: maskedToken(c), Scope: c.Scope, AccountID: c.AccountID, LocationID: c.LocationID, Status: c.Status,
		DisconnectedAt: c.DisconnectedAt, CatalogIDs: []string{}, CustomerListIDs: []string{}}
	scope, err := switchboard.ParseScope(c.Scope)
	if err != nil {
		return LogHeader{}, fmt.Errorf("scope of connection %s: %w", c.ID, err)
	}
	if grants(scope, "catalog") {
		catalogs, err := reach.ListCatalogs(ctx, c.AccountID)
		if err != nil {
			return LogHeader{}, err
		}
		for _, cat := range catalogs {
			h.CatalogIDs = append(h.CatalogIDs, cat.ID)
		}
	}
	if grants(scope, "customers") {
		lists, err := reach.ListCustomerLists(ctx, c.AccountID)
		if err != nil {
			return LogHeader{}, err
		}
		for _, l := range lists {
			h.CustomerListIDs = append(h.CustomerListIDs, l.ID)
		}
	}
	return h, nil
}

// grants reports whether scope reads or writes resource.
func grants(scope switchboard.Scope, resource string) bool {
	return slices.Contains(scope.Permissions, resource+".read") || slices.Contains(scope.Permissions, resource+".write")
}

// ownedCall returns the call if its connection is in p's account.
func ownedCall(ctx context.Context, conns LogConnections, log switchboard.CallLog, p switchboard.Principal, req apigw.Request) (switchboard.Call, error) {
	c, err := logConnection(ctx, conns, p.AccountID, req.PathParameters["connectionId"])
	if err != nil {
		return switchboard.Call{}, err
	}
	return log.GetCall(ctx, p.AccountID, c.ID, req.PathParameters["requestId"])
}

// GetConnectionLog serves GET /admin/v1/connections/{connectionId}/logs/{requestId}.
func GetConnectionLog(conns LogConnections, log switchboard.CallLog, archive switchboard.BodyArchive) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		call, err := ownedCall(ctx, conns, log, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		entry, err := logEntry(ctx, archive, call)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, entry)
	}
}

// logEntry is call with its bodies, or why they are missing: what the
// detail panel shows, the merchant's and the developer's alike.
func logEntry(ctx context.Context, archive switchboard.BodyArchive, call switchboard.Call) (LogEntry, error) {
	entry := LogEntry{Call: call}
	if !call.BodiesArchived {
		entry.BodiesUnavailable = bodiesNotArchived
		return entry, nil
	}
	for kind, dst := range map[switchboard.BodyKind]**LogBody{switchboard.RequestBody: &entry.Request, switchboard.ResponseBody: &entry.Response} {
		b, err := archive.GetBody(ctx, call, kind)
		if switchboard.ErrorCode(err) == switchboard.ENotFound {
			entry.BodiesUnavailable = bodiesExpired
			continue
		}
		if err != nil {
			return LogEntry{}, err
		}
		*dst = logBody(b)
	}
	entry.BodiesAvailable = entry.Request != nil && entry.Response != nil
	return entry, nil
}

// logBody pretty-prints JSON bodies; anything else stays as it was sent.
func logBody(b switchboard.ArchivedBody) *LogBody {
	out := &LogBody{Status: b.Status, Method: b.Method, Path: b.Path, Headers: b.Headers, Body: b.Body}
	if out.Headers == nil {
		out.Headers = map[string]string{}
	}
	trimmed := strings.TrimSpace(b.Body)
	if trimmed == "" || !json.Valid([]byte(trimmed)) {
		return out
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(trimmed), "", "  "); err == nil {
		out.Body, out.IsJSON = buf.String(), true
	}
	return out
}

// DownloadLogBody serves GET …/logs/{requestId}/request and …/response:
// the body itself as a file attachment, after the tenant check, as
// HubRise's download icon gives it. A JSON body is the JSON the app sent
// or was answered, pretty-printed, in <requestId>-<kind>.json; any other
// body is served as archived, with the content type its archived
// content-type header names (text/plain when none), and an extension to
// match. The headers stay in the detail panel (GetConnectionLog). It is
// served here rather than through a presigned S3 URL because bodies are
// archived many calls to an object (see dynamo/bodies.go), which a URL
// cannot slice. The API's CSP (default-src 'none') and nosniff headers
// keep an archived HTML body inert.
func DownloadLogBody(conns LogConnections, log switchboard.CallLog, archive switchboard.BodyArchive) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		kind, err := bodyKindOf(req)
		if err != nil {
			return apigw.Response{}, err
		}
		call, err := ownedCall(ctx, conns, log, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return bodyDownload(ctx, archive, call, kind)
	}
}

// bodyDownload answers with one side of call as a file, for the merchant's
// download and the developer's alike.
func bodyDownload(ctx context.Context, archive switchboard.BodyArchive, call switchboard.Call, kind switchboard.BodyKind) (apigw.Response, error) {
	if !call.BodiesArchived {
		return apigw.Response{}, switchboard.Errorf(switchboard.ENotFound, "The bodies of this call are unavailable: they were not archived.")
	}
	// An expired body is a 404 not_found JSON answer (GetBody says so).
	body, err := archive.GetBody(ctx, call, kind)
	if err != nil {
		return apigw.Response{}, err
	}
	file := logBody(body)
	contentType, ext := "application/json; charset=utf-8", "json"
	if !file.IsJSON {
		contentType, ext = bodyContentType(body.Headers)
	}
	return apigw.Response{StatusCode: http.StatusOK, Body: file.Body, Headers: map[string]string{
		"Content-Type":        contentType,
		"Content-Disposition": fmt.Sprintf(`attachment; filename="%s-%s.%s"`, downloadName(call.RequestID), kind, ext),
		"Cache-Control":       "no-store",
	}}, nil
}

// bodyContentType is the content type a non-JSON body is downloaded with,
// read from its archived content-type header (header names are archived
// as sent, so in any case), and the file extension that goes with it.
// A header that does not parse gives text/plain: the body is archived as
// text.
func bodyContentType(headers map[string]string) (string, string) {
	raw := ""
	for k, v := range headers {
		if strings.EqualFold(k, "content-type") {
			raw = v
		}
	}
	mediaType, params, err := mime.ParseMediaType(raw)
	if err != nil || !strings.Contains(mediaType, "/") {
		return "text/plain; charset=utf-8", "txt"
	}
	ext := "txt"
	switch {
	case strings.HasSuffix(mediaType, "json"):
		ext = "json" // declared JSON that does not parse: served as it was
	case strings.HasSuffix(mediaType, "xml"):
		ext = "xml"
	case mediaType == "text/html":
		ext = "html"
	case mediaType == "text/csv":
		ext = "csv"
	case !strings.HasPrefix(mediaType, "text/") && mediaType != "application/x-www-form-urlencoded":
		ext = "bin"
	}
	keep := map[string]string{}
	if cs, ok := params["charset"]; ok {
		keep["charset"] = cs
	}
	return mime.FormatMediaType(mediaType, keep), ext
}

// downloadName keeps a request id safe inside a quoted file name: API
// Gateway's ids are letters, digits and '='; anything else becomes '_'.
func downloadName(id string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r == '/' || r > 0x7e {
			return '_'
		}
		return r
	}, id)
}

// bodyKindOf reads which side a download route serves from its last path
// segment: the route key in API Gateway, the raw path otherwise.
func bodyKindOf(req apigw.Request) (switchboard.BodyKind, error) {
	route := req.RouteKey
	if route == "" {
		route = req.RawPath
	}
	switch route[strings.LastIndex(route, "/")+1:] {
	case string(switchboard.RequestBody):
		return switchboard.RequestBody, nil
	case string(switchboard.ResponseBody):
		return switchboard.ResponseBody, nil
	}
	return "", switchboard.Errorf(switchboard.ENotFound, "no such body")
}

// logRoute builds a logs route over the table, whose body reads go to the
// archived batches in S3, then to the roll-up feed.
func logRoute(env *platform.Env, build func(s, bodies *dynamo.Store) AuthedHandler) apigw.LambdaHandler {
	batches := s3store.New(env.S3(), env.Config.ArchiveBucket)
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return build(s, s.WithBodyBatches(batches)) })
}

// ListConnectionLogsFunction is ListConnectionLogsFunction in template.yaml.
func ListConnectionLogsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListConnectionLogs(s, s, s) })
}

// GetConnectionLogFunction is GetConnectionLogFunction in template.yaml.
func GetConnectionLogFunction(env *platform.Env) apigw.LambdaHandler {
	return logRoute(env, func(s, bodies *dynamo.Store) AuthedHandler { return GetConnectionLog(s, s, bodies) })
}

// DownloadLogBodyFunction is DownloadLogBodyFunction in template.yaml.
func DownloadLogBodyFunction(env *platform.Env) apigw.LambdaHandler {
	return logRoute(env, func(s, bodies *dynamo.Store) AuthedHandler { return DownloadLogBody(s, s, bodies) })
}
