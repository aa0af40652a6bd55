// Package apigw adapts Switchboard's handlers to API Gateway HTTP API (payload
// format 2.0): request ids and logging, panic recovery, JSON bodies and the one
// map from error codes to HTTP statuses.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Request and Response are API Gateway HTTP API v2.0 events.
type (
	Request  = events.APIGatewayV2HTTPRequest
	Response = events.APIGatewayV2HTTPResponse
)

// HandlerFunc serves one route. A returned error is written as a JSON error
// response; its code picks the status.
type HandlerFunc func(ctx context.Context, req Request) (Response, error)

// LambdaHandler is a HandlerFunc wrapped by Handle, what lambda.Start
// receives: the same type, so that a route is one shape whether wrapped or
// not. Once wrapped it never returns an error: API Gateway would turn one
// into a bare 500 without our JSON body.
type LambdaHandler = HandlerFunc

// statusByCode is the only place where error codes meet HTTP statuses.
var statusByCode = map[string]int{
	switchboard.EInvalid:      http.StatusBadRequest,
	switchboard.EUnauthorized: http.StatusUnauthorized,
	switchboard.EForbidden:    http.StatusForbidden,
	switchboard.ENotFound:     http.StatusNotFound,
	switchboard.EConflict:     http.StatusConflict,
	switchboard.ERateLimited:  http.StatusTooManyRequests,
	switchboard.EUnavailable:  http.StatusServiceUnavailable,
	switchboard.EInternal:     http.StatusInternalServerError,

	switchboard.EInvalidToken:      http.StatusUnauthorized,
	switchboard.EConnectionBlocked: http.StatusUnauthorized,
	switchboard.EInsufficientScope: http.StatusForbidden,

	switchboard.EIdempotencyMismatch: http.StatusUnprocessableEntity,
}

// StatusOf returns the HTTP status for an error code; unknown codes are
// treated as internal so that a missing entry cannot look like success.
func StatusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Handle wraps h with what every route needs: a request-scoped logger carrying
// the API Gateway and Lambda request ids, an X-Request-Id header, an access log
// line, errors written as JSON and panics turned into 500s. Ids the request
// names are checked first (CheckIDs).
func Handle(logger *slog.Logger, h HandlerFunc) LambdaHandler {
	return handle(logger, h, true)
}

// HandleCheckingIDsInside is Handle for a handler that calls CheckIDs
// itself: the platform door, which must log a call refused for an
// implausible id like any other call of an app.
func HandleCheckingIDsInside(logger *slog.Logger, h HandlerFunc) LambdaHandler {
	return handle(logger, h, false)
}

func handle(logger *slog.Logger, h HandlerFunc, checkIDsFirst bool) LambdaHandler {
	return func(ctx context.Context, req Request) (resp Response, _ error) {
		start := time.Now()
		requestID := req.RequestContext.RequestID
		attrs := []any{"requestId", requestID, "route", req.RouteKey}
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			attrs = append(attrs, "lambdaRequestId", lc.AwsRequestID)
		}
		log := logger.With(attrs...)
		ctx = platform.WithLogger(ctx, log)

		defer func() {
			if p := recover(); p != nil {
				resp = ErrorResponse(ctx, fmt.Errorf("panic: %v", p))
			}
			if resp.Headers == nil {
				resp.Headers = map[string]string{}
			}
			if requestID != "" {
				resp.Headers["X-Request-Id"] = requestID
			}
			withSecurityHeaders(resp.Headers)
			log.Info("request",
				"method", req.RequestContext.HTTP.Method,
				"path", req.RawPath,
				"status", resp.StatusCode,
				"durationMs", time.Since(start).Milliseconds())
		}()

		if checkIDsFirst {
			if err := CheckIDs(req); err != nil {
				return ErrorResponse(ctx, err), nil
			}
		}
		resp, err := h(ctx, req)
		if err != nil {
			return ErrorResponse(ctx, err), nil
		}
		return resp, nil
	}
}

// MaxIDBytes bounds every id a request names. Switchboard's ids are far
// shorter; DynamoDB refuses a key over 1 KiB (sort) or 2 KiB (partition)
// with an error that would otherwise surface as a 500.
const MaxIDBytes = 200

// CheckIDs is the one check of the ids a request names, before any handler
// reads them: a path parameter that cannot be an id is a resource that
// does not exist (404), a query parameter naming an id is invalid (400).
func CheckIDs(req Request) error {
	for _, v := range req.PathParameters {
		if !plausibleID(v) {
			return switchboard.Errorf(switchboard.ENotFound, "not found")
		}
	}
	for k, v := range req.QueryStringParameters {
		if strings.HasSuffix(k, "Id") && !plausibleID(v) {
			return switchboard.Errorf(switchboard.EInvalid, "%s is not a valid id", k)
		}
	}
	return nil
}

// plausibleID: at most MaxIDBytes of valid UTF-8 without control characters.
func plausibleID(s string) bool {
	if len(s) > MaxIDBytes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// errorBody is the wire shape of every error: {"error":{"code","message"}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// ErrorResponse writes err for the client. Internal causes go to the log only.
// An AWS service that kept failing through every retry is not our bug but
// a passing condition: the client is told to retry shortly (503).
func ErrorResponse(ctx context.Context, err error) Response {
	code := switchboard.ErrorCode(err)
	var body errorBody
	if code == switchboard.EInternal {
		var exhausted *retry.MaxAttemptsError
		if errors.As(err, &exhausted) {
			platform.Logger(ctx).Error("AWS kept failing", "error", err)
			code, body.Error.Message = switchboard.EUnavailable, "The service is busy; retry in a moment."
		} else {
			platform.Logger(ctx).Error("internal error", "error", err)
		}
	}
	body.Error.Code = code
	if body.Error.Message == "" {
		body.Error.Message = switchboard.ErrorMessage(err)
	}
	resp, _ := JSON(StatusOf(code), body) // errorBody always marshals
	if code == switchboard.EUnavailable {
		resp.Headers["Retry-After"] = "1"
	}
	return resp
}

// JSON writes v as the response body with status. It fails only when v cannot
// be marshalled, which is a bug and reported as internal.
func JSON(status int, v any) (Response, error) {
	// Bodies are JSON, never HTML: escaping <, > and & would only make
	// URLs such as redirect targets harder to read.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return Response{}, fmt.Errorf("marshal response body: %w", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return Response{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":  "application/json; charset=utf-8",
			"Cache-Control": "no-store",
		},
		Body: string(b),
	}, nil
}

// QueryInt reads an optional integer query parameter; absent gives def.
func QueryInt(req Request, name string, def int) (int, error) {
	raw, ok := req.QueryStringParameters[name]
	if !ok || raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, switchboard.Errorf(switchboard.EInvalid, "%s must be an integer", name)
	}
	return n, nil
}

// DecodeJSON reads a JSON object body into v: at most maxBytes, declared as
// application/json (which also forces a CORS preflight on cross-site
// requests), no unknown fields, so that typos are errors, not ignored, and
// (checkStrict) no duplicate keys nor wrong-case field names. Every handler
// that reads JSON reads it here.
func DecodeJSON(req Request, v any, maxBytes int) error {
	ct := strings.ToLower(req.Headers["content-type"])
	if ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
		return switchboard.Errorf(switchboard.EInvalid, "Content-Type must be application/json")
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return switchboard.Errorf(switchboard.EInvalid, "body is not valid base64")
		}
	}
	if len(body) > maxBytes {
		return switchboard.Errorf(switchboard.EInvalid, "body must be at most %d bytes", maxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return switchboard.Errorf(switchboard.EInvalid, "body is not the expected JSON object: %s", jsonProblem(err))
	}
	if dec.More() {
		return switchboard.Errorf(switchboard.EInvalid, "body must hold one JSON object")
	}
	return checkStrict(body, reflect.TypeOf(v))
}

// jsonProblem words a decoding error for clients without Go type names.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("field %q has the wrong type", typeErr.Field)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "unknown field") {
		return msg
	}
	return "malformed JSON"
}

// Cookie returns the value of the request cookie name, or "".
func Cookie(req Request, name string) string {
	for _, c := range req.Cookies {
		k, v, ok := strings.Cut(c, "=")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// IsLocalHost reports whether the request came to localhost, where cookies
// cannot be Secure because there is no TLS.
func IsLocalHost(req Request) bool {
	host := req.Headers["host"]
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]"
}

// ClientAddress is the caller's IP address for throttling. Behind CloudFront
// the request's sourceIp is the edge server, shared by every viewer it
// serves; CloudFront sends the viewer's own address and port in
// CloudFront-Viewer-Address ("198.51.100.10:46532", an IPv6 address without
// brackets: "2001:db8::1:46532"), which the API's origin request policy
// forwards (template.yaml). An IPv6 address stands for its /64, the block one
// subscriber usually holds. Without the header (local gateway) sourceIp is
// the client.
func ClientAddress(req Request) string {
	if raw := req.Headers["cloudfront-viewer-address"]; raw != "" {
		if i := strings.LastIndexByte(raw, ':'); i > 0 {
			if addr, err := netip.ParseAddr(raw[:i]); err == nil {
				return addressKey(addr)
			}
		}
	}
	if addr, err := netip.ParseAddr(req.RequestContext.HTTP.SourceIP); err == nil {
		return addressKey(addr)
	}
	return req.RequestContext.HTTP.SourceIP
}

func addressKey(addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64) // a /64 of an IPv6 address always exists
		return p.String()
	}
	return addr.String()
}

// ErrorCodes returns every error code an answer may carry, sorted: the
// documented API (site/openapi.json) lists the same ones.
func ErrorCodes() []string {
	codes := make([]string, 0, len(statusByCode))
	for c := range statusByCode {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}
