// Package appapi is the door of the platform API (/v1/…) that apps call
// with their tokens: it authenticates the token, enforces the connection's
// status, scope and rate limits, and logs every call with its bodies.
package appapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Caller is the app calling, as its token establishes it.
type Caller struct {
	Token      switchboard.AccessToken
	Connection switchboard.Connection
	Scope      switchboard.Scope
	// Rate is the connection's windows as the door counted this call:
	// what GET /v1/rate_limits answers, the same figures as the
	// X-RateLimit-* headers, without reading them again.
	Rate []switchboard.RateUsage
}

// Require refuses a call whose token lacks permission (e.g. "orders.write").
func (c Caller) Require(permission string) error {
	for _, p := range c.Scope.Permissions {
		if p == permission {
			return nil
		}
	}
	return switchboard.Errorf(switchboard.EInsufficientScope, "The token's scope %s does not grant %s.", c.Scope.String(), permission)
}

// Handler serves one platform route for an authenticated caller.
type Handler func(ctx context.Context, c Caller, req apigw.Request) (apigw.Response, error)

// RateLimit is one window of a connection's allowance.
type RateLimit = switchboard.RateLimit

// DefaultLimits are HubRise's: 500 a minute, 2,500 an hour, 10,000 a day.
var DefaultLimits = switchboard.DefaultRateLimits

// DeadTokenLimit bounds, per connection, the calls made with a revoked or
// superseded token (Stripe limits failed authentication the same way): an
// app looping on its old token gets 429 past it, and only the first
// refused call of each window is logged.
var DeadTokenLimit = RateLimit{Window: time.Minute, Max: 20}

// DeadTokenBodies is how many dead-token calls a connection may have
// logged with their bodies per window; the others
// are logged without, since their bodies tell nothing new.
var DeadTokenBodies = RateLimit{Window: time.Hour, Max: 5}

// Door holds what every platform route needs.
type Door struct {
	Tokens      switchboard.OAuthStore
	Connections switchboard.ConnectionStore
	Limiter     switchboard.Limiter
	Calls       switchboard.CallLog
	Bodies      switchboard.BodyArchive
	Limits      []RateLimit
	Now         func() time.Time
	// After runs each call's logging (record) after the response, so the
	// app does not wait for it; nil logs before answering.
	After *platform.AfterResponse
}

// bearer reads the token from Authorization: Bearer, or from HubRise's
// X-Access-Token. The scheme name is case-insensitive (RFC 9110 §11.1), so
// "bearer" and "BEARER" are Bearer too.
func bearer(req apigw.Request) string {
	if h := req.Headers["authorization"]; h != "" {
		if scheme, t, ok := strings.Cut(strings.TrimSpace(h), " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(t)
		}
		return ""
	}
	return strings.TrimSpace(req.Headers["x-access-token"])
}

// Realm names the platform API in WWW-Authenticate challenges.
const Realm = "switchboard"

// withChallenge adds RFC 6750 §3's WWW-Authenticate to a 401 or 403, so an
// app's OAuth library can tell an expired grant from a missing right
// without reading our JSON body. A request that sent no token gets no error
// code (§3.1: the server should not give one then); a blocked connection's
// token cannot be used, which RFC 6750 calls invalid_token.
func withChallenge(resp *apigw.Response, errCode string) {
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		return
	}
	challenge := `Bearer realm="` + Realm + `"`
	switch {
	case resp.StatusCode == http.StatusForbidden:
		challenge += `, error="insufficient_scope"`
	case errCode == switchboard.EInvalidToken || errCode == switchboard.EConnectionBlocked:
		challenge += `, error="invalid_token"`
	}
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	resp.Headers["WWW-Authenticate"] = challenge
}

// authenticate finds the token's live connection.
func (d *Door) authenticate(ctx context.Context, req apigw.Request) (Caller, error) {
	token := bearer(req)
	if token == "" || len(token) > 256 {
		return Caller{}, switchboard.Errorf(switchboard.EUnauthorized, "Send the access token in Authorization: Bearer or X-Access-Token.")
	}
	t, err := d.Tokens.GetToken(ctx, auth.HashToken(token))
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return Caller{}, switchboard.Errorf(switchboard.EInvalidToken, "The token is invalid.")
	}
	if err != nil {
		return Caller{}, err
	}
	revoked := switchboard.Errorf(switchboard.EInvalidToken, "The token has been revoked.")
	conn, err := d.Connections.GetConnection(ctx, t.AccountID, t.ConnectionID)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return Caller{}, revoked // the connection was removed: nothing to log against
	}
	if err != nil {
		// The token is valid: the failed call is still logged against its
		// connection, known from the token.
		return Caller{Token: t, Connection: switchboard.Connection{ID: t.ConnectionID, AccountID: t.AccountID,
			LocationID: t.LocationID, AppID: t.AppID}}, err
	}
	if t.Revoked || conn.TokenHash != t.Hash {
		// Revoked, or superseded by a re-authorisation: the connection
		// still exists, so the refused call is logged against it. An app
		// still calling with its old token is what the overview's "401
		// bursts after a token change" shows the merchant.
		return Caller{Token: t, Connection: conn}, revoked
	}
	scope, err := switchboard.ParseScope(conn.Scope)
	if err != nil {
		return Caller{}, fmt.Errorf("stored scope of %s: %w", conn.ID, err)
	}
	return Caller{Token: t, Connection: conn, Scope: scope}, nil
}

// Handle wraps h: authentication, then — for every call naming a token of
// an existing connection, valid or not — status and rate checks (valid
// tokens only), the handler, and the call log.
func (d *Door) Handle(resource string, h Handler) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		start := d.Now()
		caller, err := d.authenticate(ctx, req)
		if err != nil && caller.Connection.ID == "" {
			// No valid token: nothing to log it against.
			resp := apigw.ErrorResponse(ctx, err)
			withChallenge(&resp, switchboard.ErrorCode(err))
			return resp, nil
		}
		var resp apigw.Response
		var headers map[string]string
		var warnings []string
		limited, keepBodies := false, true
		if err == nil {
			var rl rateVerdict
			rl, err = d.rateLimit(ctx, caller.Connection.ID, start)
			headers, limited, warnings, caller.Rate = rl.headers, rl.limited, rl.warnings, rl.usage
		} else if switchboard.ErrorCode(err) == switchboard.EInvalidToken {
			v := d.deadToken(ctx, caller.Connection.ID, start, err)
			err, headers, keepBodies = v.err, v.headers, v.keepBodies
			if !v.log {
				resp = apigw.ErrorResponse(ctx, err)
				for k, val := range headers {
					resp.Headers[k] = val
				}
				return resp, nil
			}
		}
		switch {
		case err != nil:
		case caller.Connection.Status == switchboard.ConnectionBlocked:
			err = switchboard.Errorf(switchboard.EConnectionBlocked, "The connection has been blocked.")
		case limited:
			err = switchboard.Errorf(switchboard.ERateLimited, "The connection's rate limit is reached; retry after %s seconds.", headers["Retry-After"])
		default:
			// Ids are checked here rather than at the edge (see
			// apigw.HandleCheckingIDsInside), so the refusal is logged.
			if err = apigw.CheckIDs(req); err == nil {
				resp, err = h(ctx, caller, req)
			}
		}
		if err != nil {
			resp = apigw.ErrorResponse(ctx, err)
		}
		errCode := ""
		if err != nil {
			errCode = switchboard.ErrorCode(err)
		}
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		withChallenge(&resp, errCode)
		for k, v := range headers {
			resp.Headers[k] = v
		}
		// Set here too (apigw.Handle sets it later) so the archived
		// response shows the header the app received.
		resp.Headers["X-Request-Id"] = req.RequestContext.RequestID
		if d.After == nil {
			d.record(ctx, caller, resource, req, resp, errCode, start, keepBodies, warnings)
			return resp, nil
		}
		// The app has its answer before the call is logged. The maps are
		// copied because the caller's wrappers may still change them
		// while record reads them.
		logged, loggedReq := resp, req
		logged.Headers, loggedReq.Headers = maps.Clone(resp.Headers), maps.Clone(req.Headers)
		d.After.Go(ctx, RecordLimit, func(ctx context.Context) {
			d.record(ctx, caller, resource, loggedReq, logged, errCode, start, keepBodies, warnings)
		})
		return resp, nil
	}
}

// deadVerdict is what becomes of a call with a dead token: the error to
// answer (refused, or rate_limited past the limit), headers to add, whether
// the call keeps its bodies, and whether it is logged at all.
type deadVerdict struct {
	err        error
	headers    map[string]string
	keepBodies bool
	log        bool
}

// deadToken applies DeadTokenLimit and DeadTokenBodies to a call refused
// for its revoked or superseded token (refused). Should the counters fail,
// the call is answered as refused and logged without bodies.
func (d *Door) deadToken(ctx context.Context, connectionID string, now time.Time, refused error) deadVerdict {
	var calls, archived int
	var callsErr, archivedErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		calls, callsErr = d.Limiter.Count(ctx, "dead:"+connectionID+":"+DeadTokenLimit.Window.String(), DeadTokenLimit.Window)
	})
	wg.Go(func() {
		archived, archivedErr = d.Limiter.Count(ctx, "deadbodies:"+connectionID+":"+DeadTokenBodies.Window.String(), DeadTokenBodies.Window)
	})
	wg.Wait()
	if callsErr != nil || archivedErr != nil {
		platform.Logger(ctx).Warn("dead-token counters unavailable", "error", errors.Join(callsErr, archivedErr))
		return deadVerdict{err: refused, log: true}
	}
	if calls <= DeadTokenLimit.Max {
		return deadVerdict{err: refused, keepBodies: archived <= DeadTokenBodies.Max, log: true}
	}
	reset := now.Truncate(DeadTokenLimit.Window).Add(DeadTokenLimit.Window)
	h := map[string]string{"Retry-After": strconv.Itoa(max(1, int(reset.Sub(now).Seconds()+0.999)))}
	limited := switchboard.Errorf(switchboard.ERateLimited, "Too many calls with a revoked token; retry after %s seconds with a valid one.", h["Retry-After"])
	return deadVerdict{err: limited, headers: h, log: calls == DeadTokenLimit.Max+1}
}

// rateVerdict is what the door's count of a call says: headers to add,
// whether the call is over a limit, the windows it took past the warning
// threshold, and every window's use.
type rateVerdict struct {
	headers  map[string]string
	limited  bool
	warnings []string
	usage    []switchboard.RateUsage
}

// rateLimit counts the call in every window at once (one write for all of
// them, see Limiter.CountWindows) and reports the tightest window in
// X-RateLimit-* headers. The call whose count is a window's warning
// threshold is the one that passed it (each count is given out once): it
// carries the warning to its log write, which is how the roll-up learns
// of it without a write of its own.
func (d *Door) rateLimit(ctx context.Context, connectionID string, now time.Time) (rateVerdict, error) {
	if len(d.Limits) == 0 {
		return rateVerdict{headers: map[string]string{}, usage: []switchboard.RateUsage{}}, nil
	}
	windows := make([]time.Duration, len(d.Limits))
	for i, l := range d.Limits {
		windows[i] = l.Window
	}
	counts, err := d.Limiter.CountWindows(ctx, switchboard.RateKey(connectionID), windows)
	if err != nil {
		return rateVerdict{}, err
	}
	var v rateVerdict
	tightest := -1
	for i, l := range d.Limits {
		if tightest < 0 || l.Max-counts[i] < d.Limits[tightest].Max-counts[tightest] {
			tightest = i
		}
		v.limited = v.limited || counts[i] > l.Max
		if counts[i] == switchboard.WarningThreshold(l.Max) {
			v.warnings = append(v.warnings, switchboard.WindowName(l.Window))
		}
		start := now.Truncate(l.Window)
		v.usage = append(v.usage, switchboard.RateUsage{Window: switchboard.WindowName(l.Window), Limit: l.Max, Used: counts[i],
			Remaining: max(0, l.Max-counts[i]), ResetAt: start.Add(l.Window).UTC()})
	}
	v.headers, err = d.rateHeaders(now, counts, tightest, v.limited)
	return v, err
}

// rateHeaders are the X-RateLimit-* headers of the tightest window, and
// Retry-After when the call is limited.
func (d *Door) rateHeaders(now time.Time, counts []int, tightest int, limited bool) (map[string]string, error) {
	if tightest < 0 {
		return map[string]string{}, nil
	}
	l := d.Limits[tightest]
	reset := now.Truncate(l.Window).Add(l.Window)
	h := map[string]string{
		"X-RateLimit-Limit":     strconv.Itoa(l.Max),
		"X-RateLimit-Remaining": strconv.Itoa(max(0, l.Max-counts[tightest])),
		"X-RateLimit-Reset":     strconv.FormatInt(reset.Unix(), 10),
	}
	if limited {
		for i, lim := range d.Limits {
			if r := now.Truncate(lim.Window).Add(lim.Window); counts[i] > lim.Max && r.After(reset) {
				reset = r
			}
		}
		h["Retry-After"] = strconv.Itoa(max(1, int(reset.Sub(now).Seconds()+0.999)))
	}
	return h, nil
}

// RecordLimit bounds a call's logging after the response when the
// invocation has no deadline of its own (in Lambda, the function's timeout
// is the bound).
const RecordLimit = 30 * time.Second

// ArchiveDeadline bounds how long logging waits for a call's bodies to be
// kept, retries included: a slow or hanging store must delay the entry at
// most this much (the SDK alone would try five times, up to the
// function's timeout). Past it the bodies are recorded as unavailable.
const ArchiveDeadline = 1500 * time.Millisecond

// record keeps the call's bodies, then logs it, so that the entry says the
// bodies are kept only once their write has been acknowledged: an entry
// never points at bodies that are not there, even if the function stops
// right after the log write. The bodies travel in the call's roll-up feed
// item (one write, compressed), and the scheduled roll-up archives them to
// S3 in batches, one object per account and minute: an S3 request per call
// would cost more than the rest of the call. Keeping has its own deadline
// (ArchiveDeadline); the log write does not share it. If the log write
// fails, the whole entry goes to the function's log at error level, so that
// no call is silently lost.
func (d *Door) record(ctx context.Context, c Caller, resource string, req apigw.Request, resp apigw.Response, errCode string, start time.Time, keepBodies bool, rateWarnings []string) {
	// Errors are in the function's log already: the app has its answer.
	_ = d.logCall(ctx, c, resource, req, resp, errCode, start, d.Now(), keepBodies, rateWarnings)
}

// Replay logs a call answered from start to end exactly as the door logs
// the calls it answers (record): bodies kept with credentials redacted,
// the entry, its roll-up feed item, the connection's last-used time. The
// demo seed (infra/demo) logs its made-up history through it, so the
// demo's log, bodies and roll-ups come from the code real calls go
// through. c.Connection.LastUsedAt decides, as for a live call, whether
// the last-used time is written. It returns the log write's error, which
// record only logs.
func (d *Door) Replay(ctx context.Context, c Caller, resource string, req apigw.Request, resp apigw.Response, errCode string, start, end time.Time) error {
	return d.logCall(ctx, c, resource, req, resp, errCode, start, end, true, nil)
}

// logCall is record's work, with the time the call ended (now, for a live
// call) given.
func (d *Door) logCall(ctx context.Context, c Caller, resource string, req apigw.Request, resp apigw.Response, errCode string, start, now time.Time, keepBodies bool, rateWarnings []string) error {
	reqBody := decodeBody(req.Body, req.IsBase64Encoded)
	respBody := decodeBody(resp.Body, resp.IsBase64Encoded)
	call := switchboard.Call{
		RequestID: req.RequestContext.RequestID, AccountID: c.Connection.AccountID, ConnectionID: c.Connection.ID,
		AppID: c.Connection.AppID, LocationID: c.Connection.LocationID,
		At: start.UTC(), Resource: resource, Method: req.RequestContext.HTTP.Method,
		// DynamoDB stores valid UTF-8 only; an app may send anything.
		Path: strings.ToValidUTF8(req.RawPath, "\uFFFD"), Query: strings.ToValidUTF8(req.RawQueryString, "\uFFFD"),
		Status: resp.StatusCode, Error: errCode, LatencyMs: now.Sub(start).Milliseconds(),
		RequestBytes: len(reqBody), ResponseBytes: len(respBody), RateWarnings: rateWarnings,
		// Both writes file the call under this minute: one feed item.
		LoggedAt: now.UTC(),
	}
	log := platform.Logger(ctx)
	var wg sync.WaitGroup
	// The connection was just read: write its last-used time only when it
	// is a minute old, so a busy connection costs no extra write per call.
	// A dead token's call is not a use of the connection.
	if last := c.Connection.LastUsedAt; errCode != switchboard.EInvalidToken && (last == nil || start.Sub(*last) >= time.Minute) {
		wg.Go(func() {
			if err := d.Connections.TouchConnection(ctx, call.AccountID, call.ConnectionID, start); err != nil {
				log.Warn("last-used time not updated", "error", err)
			}
		})
	}
	if keepBodies {
		call.BodiesArchived = d.keep(ctx, call, switchboard.CallBodies{
			Request:  switchboard.ArchivedBody{Method: call.Method, Path: pathWithQuery(call), Headers: switchboard.RedactHeaders(req.Headers), Body: reqBody},
			Response: switchboard.ArchivedBody{Status: resp.StatusCode, Headers: switchboard.RedactHeaders(resp.Headers), Body: respBody},
		})
	}
	err := d.Calls.RecordCall(ctx, call)
	if err != nil {
		log.Error("call not logged", "call", call, "error", err)
	}
	wg.Wait()
	return err
}

// keep stores both bodies within ArchiveDeadline and reports whether they
// are stored. A write cut short by the deadline may still land; the log
// write then puts the same feed item again without the bodies (same key),
// so the entry's "unavailable" stays true.
func (d *Door) keep(ctx context.Context, call switchboard.Call, bodies switchboard.CallBodies) bool {
	ctx, cancel := context.WithTimeout(ctx, ArchiveDeadline)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Bodies.KeepBodies(ctx, call, bodies) }()
	var err error
	// Waiting on the deadline too holds it even for a write that ignored
	// its context; done is buffered, so the goroutine is never stuck.
	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("keep bodies of %s: %w", call.RequestID, ctx.Err())
	}
	if err != nil {
		platform.Logger(ctx).Error("bodies not kept", "requestId", call.RequestID, "error", err)
		return false
	}
	return true
}

func pathWithQuery(c switchboard.Call) string {
	if c.Query == "" {
		return c.Path
	}
	return c.Path + "?" + c.Query
}

// decodeBody returns the body as text; a binary body stays base64, which
// is what a JSON archive can hold.
func decodeBody(body string, isBase64 bool) string {
	if !isBase64 {
		return body
	}
	if b, err := base64.StdEncoding.DecodeString(body); err == nil && isText(b) {
		return string(b)
	}
	return body
}

func isText(b []byte) bool {
	return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) && !strings.ContainsRune(string(b), 0)
}

// statusOK is the JSON helper routes answer with.
func statusOK(v any) (apigw.Response, error) { return apigw.JSON(http.StatusOK, v) }
