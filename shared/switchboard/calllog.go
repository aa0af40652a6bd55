package switchboard

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Call is one logged call of the platform API by an app's token.
type Call struct {
	RequestID    string `json:"requestId"`
	AccountID    string `json:"accountId"`
	ConnectionID string `json:"connectionId"`
	// AppID and LocationID are the connection's app and location, kept on
	// the entry so the app's developer finds its calls across accounts
	// (AppCallLog). Entries logged before they were kept have neither.
	AppID         string    `json:"appId,omitempty"`
	LocationID    string    `json:"locationId,omitempty"`
	At            time.Time `json:"at"`
	Resource      string    `json:"resource"` // "orders", "customers", "catalog", "location", "account"
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	Query         string    `json:"query,omitempty"`
	Status        int       `json:"status"`
	LatencyMs     int64     `json:"latencyMs"`
	RequestBytes  int       `json:"requestBytes"`
	ResponseBytes int       `json:"responseBytes"`
	// BodiesArchived is false when the bodies could not be stored: the call
	// is still logged, and the merchant is told its bodies are unavailable.
	BodiesArchived bool `json:"bodiesArchived"`
	// Error is the error code of a refused call (invalid_token,
	// connection_blocked…), so that roll-ups can tell a token refused from
	// a blocked connection, both answered 401.
	Error string `json:"error,omitempty"`
	// LoggedAt is when the call's log write began: its roll-up feed item
	// and its kept bodies are filed under that minute, which is how a
	// reader finds the bodies again. Not part of the API.
	LoggedAt time.Time `json:"-"`
	// RateWarnings names the windows (minute, hour, day) this call took
	// past RateWarningPercent of their limit: it travels in the call's
	// roll-up feed item only, so the warning costs no write of its own.
	RateWarnings []string `json:"-" dynamodbav:"-"`
}

// StatusClass returns "2xx", "4xx"… for the call's status.
func (c Call) StatusClass() string { return strconv.Itoa(c.Status/100) + "xx" }

// CallFilter narrows a connection's log. Each list keeps a call that
// matches any of its values (the Logs page's multi-select, as HubRise
// offers); an empty list matches everything.
type CallFilter struct {
	Resources []string
	Methods   []string
	Statuses  []string // "2xx", "4xx", "5xx" or codes such as "429"
	From, To  time.Time
	Limit     int
	Cursor    string
}

// MaxFilterValues bounds each list of a CallFilter: there are five
// resources and five methods, and a filter expression stays small.
const MaxFilterValues = 10

// Validate checks the filter's values.
func (f CallFilter) Validate() error {
	if len(f.Resources) > MaxFilterValues || len(f.Methods) > MaxFilterValues || len(f.Statuses) > MaxFilterValues {
		return Errorf(EInvalid, "a filter takes at most %d values", MaxFilterValues)
	}
	for _, s := range f.Statuses {
		if n, err := strconv.Atoi(s); err == nil {
			if n < 100 || n > 599 {
				return Errorf(EInvalid, "status must be 2xx, 4xx, 5xx or a code from 100 to 599")
			}
		} else if len(s) != 3 || !strings.HasSuffix(s, "xx") || s[0] < '1' || s[0] > '5' {
			return Errorf(EInvalid, "status must be 2xx, 4xx, 5xx or a code from 100 to 599")
		}
	}
	for _, m := range f.Methods {
		if !plainWord(m, 'A', 'Z') {
			return Errorf(EInvalid, "method must be upper case, such as GET")
		}
	}
	for _, r := range f.Resources {
		if !plainWord(r, 'a', 'z') {
			return Errorf(EInvalid, "resource must be a lower-case name, such as orders")
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return Errorf(EInvalid, "to must not be before from")
	}
	if f.Limit < 0 || f.Limit > MaxPageSize {
		return Errorf(EInvalid, "limit must be between 1 and %d", MaxPageSize)
	}
	return nil
}

// Matches reports whether c passes the filter's field conditions.
func (f CallFilter) Matches(c Call) bool {
	status := len(f.Statuses) == 0 || slices.Contains(f.Statuses, strconv.Itoa(c.Status)) || slices.Contains(f.Statuses, c.StatusClass())
	return status && (len(f.Resources) == 0 || slices.Contains(f.Resources, c.Resource)) &&
		(len(f.Methods) == 0 || slices.Contains(f.Methods, c.Method)) &&
		(f.From.IsZero() || !c.At.Before(f.From)) && (f.To.IsZero() || c.At.Before(f.To))
}

// CallPage is one page of a connection's log, newest first.
type CallPage struct {
	Calls      []Call `json:"calls"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// CallLog keeps the log of platform API calls, per connection.
type CallLog interface {
	// RecordCall stores c; recording the same request id twice keeps one.
	RecordCall(ctx context.Context, c Call) error
	// ListCalls returns a page of a connection's calls, newest first.
	// Returns EInvalid for a bad filter or cursor.
	ListCalls(ctx context.Context, accountID, connectionID string, f CallFilter) (CallPage, error)
	// GetCall returns one call, or ENotFound.
	GetCall(ctx context.Context, accountID, connectionID, requestID string) (Call, error)
}

// AppCallLog serves the developer's side of the call log: the calls of one
// app across every account that connected it, and one call by request id.
type AppCallLog interface {
	// ListAppCalls returns a page of the app's calls, newest first (by the
	// minute they were logged, then by time), with the same filters as a
	// connection's log. Calls appear once the roll-up has closed their
	// minute. Returns EInvalid for a bad filter or cursor.
	ListAppCalls(ctx context.Context, appID string, f CallFilter) (CallPage, error)
	// FindAppCall returns the app's call with this request id, or ENotFound
	// (also for another app's call).
	FindAppCall(ctx context.Context, appID, requestID string) (Call, error)
}

// AccountCalls finds a call of an account by its request id alone.
type AccountCalls interface {
	// FindAccountCall returns the account's call with this request id,
	// whatever its connection, or ENotFound (also for another account's).
	FindAccountCall(ctx context.Context, accountID, requestID string) (Call, error)
}

// BodyKind names the two archived bodies of a call.
type BodyKind string

// The bodies of a call.
const (
	RequestBody  BodyKind = "request"
	ResponseBody BodyKind = "response"
)

// ArchivedBody is what is archived for one side of a call: the headers
// (credentials redacted) and the body as text.
type ArchivedBody struct {
	Status  int               `json:"status,omitempty"`
	Method  string            `json:"method,omitempty"`
	Path    string            `json:"path,omitempty"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// CallBodies are both archived sides of one call.
type CallBodies struct {
	Request  ArchivedBody `json:"request"`
	Response ArchivedBody `json:"response"`
}

// Side returns one side.
func (b CallBodies) Side(kind BodyKind) ArchivedBody {
	if kind == RequestBody {
		return b.Request
	}
	return b.Response
}

// BodyArchive keeps and serves the bodies of logged calls.
type BodyArchive interface {
	// KeepBodies stores both sides of c, filed under c.LoggedAt's minute.
	// Once it returns nil they are readable with GetBody; the log entry
	// may then say so (Call.BodiesArchived).
	KeepBodies(ctx context.Context, c Call, bodies CallBodies) error
	// GetBody reads one side of a call, or ENotFound once it has expired.
	GetBody(ctx context.Context, c Call, kind BodyKind) (ArchivedBody, error)
}

// BodyBatches holds kept bodies for the long term: one object per account
// and minute of log writes, written by the scheduled roll-up, so that
// storing bodies costs a request per account-minute, not per call.
type BodyBatches interface {
	// PutBatch stores the bodies of an account's calls logged in minute,
	// by request id; writing the same batch again replaces it.
	PutBatch(ctx context.Context, accountID string, minute time.Time, bodies map[string]CallBodies) error
	// GetBatch reads one batch, or ENotFound.
	GetBatch(ctx context.Context, accountID string, minute time.Time) (map[string]CallBodies, error)
}

// redactedHeaders are the request headers that carry credentials.
var redactedHeaders = []string{"authorization", "x-access-token", "cookie", "set-cookie", "proxy-authorization"}

// RedactHeaders returns a copy of h with credentials replaced, so archives
// never hold a usable token.
func RedactHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		for _, r := range redactedHeaders {
			if strings.EqualFold(k, r) {
				v = "[redacted]"
			}
		}
		out[k] = v
	}
	return out
}

// plainWord reports whether s is 1 to 32 letters from lo to hi or '_':
// filter values are parts of storage keys, and no method or resource
// needs more.
func plainWord(s string, lo, hi byte) bool {
	if len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < lo || s[i] > hi) && s[i] != '_' {
			return false
		}
	}
	return s != ""
}
