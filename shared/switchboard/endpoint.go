package switchboard

import (
	"context"
	"net/http"
	"sort"
	"time"
)

// EndpointState is whether Switchboard still posts to an app's callback
// endpoint.
type EndpointState string

// Endpoint states. A disabled endpoint gets no attempt until its developer
// enables it again; its events are kept, failed and redeliverable.
const (
	EndpointActive   EndpointState = "active"
	EndpointDisabled EndpointState = "disabled"
)

// DefaultEndpointDisableAfter is how long every delivery to an endpoint may
// fail before it is disabled (CALLBACK_DISABLE_AFTER_DAYS), as Svix and
// Shopify do after days of failure.
const DefaultEndpointDisableAfter = 5 * 24 * time.Hour

// EndpointHealthyFor is how long an endpoint must have succeeded before its
// first failure is worth an email: a flapping endpoint mails nobody.
const EndpointHealthyFor = 24 * time.Hour

// EndpointDisabledError is the error of an attempt not made because the
// endpoint is disabled: the delivery fails at once and stays redeliverable.
const EndpointDisabledError = "endpoint disabled"

// Endpoint notices, the emails an endpoint's outcomes call for.
const (
	NoticeDisabled = "disabled" // the endpoint was disabled
	NoticeFailing  = "failing"  // its first failure after EndpointHealthyFor of success
)

// endpointDays is how many daily buckets an endpoint keeps: the 7-day rate
// needs today and the six days before.
const endpointDays = 7

// OutcomeCounts counts an endpoint's attempts that got an answer or none.
type OutcomeCounts struct {
	OK     int `json:"ok"`
	Failed int `json:"failed"`
}

// CallbackEndpoint is the health of one app's callback endpoint, kept in a
// small item of its own that every attempt's outcome updates with a
// versioned write (see Observe).
type CallbackEndpoint struct {
	AppID string        `json:"appId"`
	State EndpointState `json:"state"`
	// DisabledAt and DisabledReason say when and why it was disabled.
	DisabledAt     *time.Time `json:"disabledAt,omitempty"`
	DisabledReason string     `json:"disabledReason,omitempty"`
	// FailingSince starts the current run of failures: nil after a
	// success. Every delivery failed since then.
	FailingSince *time.Time `json:"failingSince,omitempty"`
	// HealthySince starts the current run of successes: nil after a
	// failure.
	HealthySince  *time.Time `json:"healthySince,omitempty"`
	LastSuccessAt *time.Time `json:"lastSuccessAt,omitempty"`
	LastFailureAt *time.Time `json:"lastFailureAt,omitempty"`
	EnabledAt     *time.Time `json:"enabledAt,omitempty"` // the developer's last re-enable
	// Hours counts outcomes by UTC hour ("2006-01-02T15"), the last 24
	// hours; Days by UTC day ("2006-01-02"), the last 7 days.
	Hours map[string]OutcomeCounts `json:"-"`
	Days  map[string]OutcomeCounts `json:"-"`
	// Notice is the email an outcome called for and not yet sent ("" when
	// none); NoticeAt is when it was called for, NoticeDue when the sender
	// may take it (moved on by a sender's lease).
	Notice    string     `json:"-"`
	NoticeAt  *time.Time `json:"-"`
	NoticeDue *time.Time `json:"-"`
	Version   int        `json:"-"`
}

// NewCallbackEndpoint is the state of an endpoint nothing happened to yet.
func NewCallbackEndpoint(appID string) CallbackEndpoint {
	return CallbackEndpoint{AppID: appID, State: EndpointActive}
}

// Disabled reports whether attempts must not be made.
func (e CallbackEndpoint) Disabled() bool { return e.State == EndpointDisabled }

// Observe records the outcome of one attempt made at a.At, and disables the
// endpoint when the app answered 410 Gone or when every delivery failed for
// disableAfter. It returns the notice the outcome calls for ("" when none),
// also kept in e.Notice until sent.
func (e *CallbackEndpoint) Observe(a DeliveryAttempt, disableAfter time.Duration) string {
	at := a.At.UTC()
	e.count(at, a.Succeeded())
	notice := ""
	if a.Succeeded() {
		e.LastSuccessAt, e.FailingSince = &at, nil
		if e.HealthySince == nil {
			e.HealthySince = &at
		}
		return ""
	}
	if e.FailingSince == nil {
		if e.HealthySince != nil && at.Sub(*e.HealthySince) >= EndpointHealthyFor {
			notice = NoticeFailing
		}
		e.FailingSince = &at
	}
	e.LastFailureAt, e.HealthySince = &at, nil
	if !e.Disabled() {
		switch {
		case a.Status == http.StatusGone:
			e.disable(at, "The endpoint answered 410 Gone.")
			notice = NoticeDisabled
		case at.Sub(*e.FailingSince) >= disableAfter:
			e.disable(at, "Every delivery failed since "+e.FailingSince.Format(time.RFC3339)+".")
			notice = NoticeDisabled
		}
	}
	if notice != "" {
		e.Notice, e.NoticeAt, e.NoticeDue = notice, &at, &at
	}
	return notice
}

func (e *CallbackEndpoint) disable(at time.Time, reason string) {
	e.State, e.DisabledAt, e.DisabledReason = EndpointDisabled, &at, reason
}

// Enable lets attempts through again from at on. The failure run starts
// afresh, so the next failure does not disable the endpoint at once.
func (e *CallbackEndpoint) Enable(at time.Time) {
	at = at.UTC()
	e.State, e.DisabledAt, e.DisabledReason, e.FailingSince, e.EnabledAt = EndpointActive, nil, "", nil, &at
}

// count adds one outcome to the buckets and drops those past their window.
func (e *CallbackEndpoint) count(at time.Time, ok bool) {
	if e.Hours == nil {
		e.Hours = map[string]OutcomeCounts{}
	}
	if e.Days == nil {
		e.Days = map[string]OutcomeCounts{}
	}
	add := func(m map[string]OutcomeCounts, k string) {
		c := m[k]
		if ok {
			c.OK++
		} else {
			c.Failed++
		}
		m[k] = c
	}
	add(e.Hours, hourKey(at))
	add(e.Days, dayKey(at))
	e.prune(at)
}

// prune drops the buckets older than the windows ending at now.
func (e *CallbackEndpoint) prune(now time.Time) {
	oldestHour := hourKey(now.Add(-23 * time.Hour))
	for k := range e.Hours {
		if k < oldestHour {
			delete(e.Hours, k)
		}
	}
	oldestDay := dayKey(now.AddDate(0, 0, -(endpointDays - 1)))
	for k := range e.Days {
		if k < oldestDay {
			delete(e.Days, k)
		}
	}
}

func hourKey(t time.Time) string { return t.UTC().Format("2006-01-02T15") }
func dayKey(t time.Time) string  { return t.UTC().Format("2006-01-02") }

// FailureRate is the share of attempts that failed in a window.
type FailureRate struct {
	Attempts int     `json:"attempts"`
	Failed   int     `json:"failed"`
	Rate     float64 `json:"rate"` // Failed / Attempts, 0 without attempts
}

func rateOf(m map[string]OutcomeCounts, from string) FailureRate {
	var r FailureRate
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k >= from {
			r.Attempts += m[k].OK + m[k].Failed
			r.Failed += m[k].Failed
		}
	}
	if r.Attempts > 0 {
		r.Rate = float64(r.Failed) / float64(r.Attempts)
	}
	return r
}

// EndpointHealth is what the app's developer sees of its endpoint: its
// state and failure rates over the last 24 hours (by the hour) and the last
// 7 days (by UTC day, today included).
type EndpointHealth struct {
	CallbackEndpoint
	Last24h FailureRate `json:"last24h"`
	Last7d  FailureRate `json:"last7d"`
}

// Health is e as its developer sees it at now.
func (e CallbackEndpoint) Health(now time.Time) EndpointHealth {
	if e.State == "" {
		e.State = EndpointActive
	}
	return EndpointHealth{CallbackEndpoint: e,
		Last24h: rateOf(e.Hours, hourKey(now.Add(-23*time.Hour))),
		Last7d:  rateOf(e.Days, dayKey(now.AddDate(0, 0, -(endpointDays-1))))}
}

// EndpointStatus is what a merchant sees of an app's endpoint: its state
// only, not its rates or failures, which belong to the developer.
type EndpointStatus struct {
	State EndpointState `json:"state"`
}

// EndpointStore keeps one CallbackEndpoint per app.
type EndpointStore interface {
	// GetCallbackEndpoint returns the app's endpoint, or a new active one
	// (Version 0) when nothing was recorded yet.
	GetCallbackEndpoint(ctx context.Context, appID string) (CallbackEndpoint, error)
	// SaveCallbackEndpoint writes e if its Version is current (0: not yet
	// stored) and returns it with its new version. Returns EConflict.
	SaveCallbackEndpoint(ctx context.Context, e CallbackEndpoint) (CallbackEndpoint, error)
	// ListEndpointNotices returns up to limit endpoints whose notice is
	// due at now, earliest first.
	ListEndpointNotices(ctx context.Context, now time.Time, limit int) ([]CallbackEndpoint, error)
}
