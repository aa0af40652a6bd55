package switchboard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxBlockReasonLength keeps reasons readable in lists and callbacks.
const MaxBlockReasonLength = 500

// MaxBlockDuration bounds a timed block; longer ones are plain blocks.
const MaxBlockDuration = 366 * 24 * time.Hour

// BlockInput is what a merchant sends to block a connection.
type BlockInput struct {
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until"` // optional: unblocked automatically then
}

// Normalize trims the reason and checks it and the until time against now.
func (in BlockInput) Normalize(now time.Time) (BlockInput, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if utf8.RuneCountInString(in.Reason) > MaxBlockReasonLength {
		return in, Errorf(EInvalid, "reason must be at most %d characters", MaxBlockReasonLength)
	}
	for _, r := range in.Reason {
		if (r < ' ' && r != '\n') || r == 0x7f {
			return in, Errorf(EInvalid, "reason cannot hold control characters")
		}
	}
	if in.Until != nil {
		u := in.Until.UTC()
		if !u.After(now) {
			return in, Errorf(EInvalid, "until must be in the future")
		}
		if u.Sub(now) > MaxBlockDuration {
			return in, Errorf(EInvalid, "until must be within a year; block without until instead")
		}
		in.Until = &u
	}
	return in, nil
}

// ConnectionLifecycleStore changes and removes connections.
type ConnectionLifecycleStore interface {
	ConnectionStore
	// ChangeConnection applies ch in one transaction: all of it or none.
	// Returns ENotFound (the connection is gone) and EConflict (changed
	// meanwhile).
	ChangeConnection(ctx context.Context, ch ConnectionChange) error
	// ListExpiredBlocks returns up to limit blocked connections, of every
	// account, whose BlockedUntil is at or before now, earliest first.
	ListExpiredBlocks(ctx context.Context, now time.Time, limit int) ([]Connection, error)
}

// ConnectionChange is a lifecycle change with everything that must hold
// with it: the connection's new state, the app-log event and the delivery
// record that announces it. Written together, an event is recorded and
// announced exactly when its change happened.
type ConnectionChange struct {
	// Before is the connection as read; the change applies only while its
	// Version is current. Ignored when Create is set.
	Before Connection
	// After is the new state (its Version is bumped); nil removes the
	// connection and its instance claim, and revokes its token.
	After *Connection
	// Create makes After a new connection (an install), written with its
	// app instance's claim: EConflict when the instance already has one.
	Create   bool
	Event    AppEvent
	Delivery *Delivery // nil when the app has no callback URL
	// Also are further app-log events of the same change, logged and not
	// announced (a re-authorisation's scopes_updated).
	Also []AppEvent
}

// NewEventID returns an event id that sorts by time: the delivery log is
// keyed by it, so a time range is a key range.
func NewEventID(at time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return eventIDPrefix(at) + hex.EncodeToString(b[:])
}

// eventIDPrefix is the time part of the event ids of at.
func eventIDPrefix(at time.Time) string {
	return fmt.Sprintf("evt_%016x", at.UnixNano())
}

// EventIDRange returns the smallest and the first-not-included event ids
// of [from, to); zero times are open ends.
func EventIDRange(from, to time.Time) (lo, hi string) {
	lo, hi = "evt_", "evt_~"
	if !from.IsZero() {
		lo = eventIDPrefix(from)
	}
	if !to.IsZero() {
		hi = eventIDPrefix(to)
	}
	return lo, hi
}

// CallbackType is the name of an app-log event in callbacks, e.g.
// "connection.blocked".
func CallbackType(t AppEventType) string { return "connection." + string(t) }

// CallbackEvents are the app-log events apps are told about.
var CallbackEvents = []AppEventType{EventInstalled, EventReinstalled, EventBlocked, EventUnblocked, EventUninstalled}

// DeliveryState is where a callback's delivery stands.
type DeliveryState string

// Delivery states. Pending deliveries are due at NextAttemptAt; failed ones
// used every retry.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliverySucceeded DeliveryState = "succeeded"
	DeliveryFailed    DeliveryState = "failed"
)

// RetryDelays follow a failed attempt: with the first attempt that makes 10
// attempts over about 24 hours (Svix: 8 over a day).
var RetryDelays = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
	2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 8 * time.Hour,
}

// MaxResponseExcerpt bounds the response body kept with an attempt.
const MaxResponseExcerpt = 1024

// MaxAttemptsKept bounds the attempts kept on a delivery; the count keeps
// growing.
const MaxAttemptsKept = 30

// DeliveryAttempt is one POST of a callback.
type DeliveryAttempt struct {
	At        time.Time `json:"at"`
	Trigger   string    `json:"trigger"` // first, retry, redeliver
	Status    int       `json:"status,omitempty"`
	LatencyMs int64     `json:"latencyMs"`
	Error     string    `json:"error,omitempty"`
	Response  string    `json:"response,omitempty"` // first 1 KiB of the body
}

// Succeeded reports a 2xx answer.
func (a DeliveryAttempt) Succeeded() bool { return a.Status >= 200 && a.Status < 300 }

// Delivery is one lifecycle event to send to one app, with every attempt.
// Its id is the event's: a retried write finds it and never duplicates it.
type Delivery struct {
	EventID       string            `json:"eventId"`
	Type          string            `json:"type"` // connection.installed…
	AccountID     string            `json:"accountId"`
	AppID         string            `json:"appId"`
	ConnectionID  string            `json:"connectionId"`
	LocationID    string            `json:"locationId,omitempty"`
	CreatedAt     time.Time         `json:"createdAt"`
	URL           string            `json:"url"`
	Body          string            `json:"body"` // sent unchanged by every attempt
	State         DeliveryState     `json:"state"`
	AttemptCount  int               `json:"attemptCount"`
	Attempts      []DeliveryAttempt `json:"attempts"` // the last MaxAttemptsKept, oldest first
	NextAttemptAt *time.Time        `json:"nextAttemptAt,omitempty"`
	// Failures counts scheduled failures since creation or the last
	// redelivery of a range: it indexes RetryDelays.
	Failures int `json:"-"`
	Version  int `json:"-"`
}

// Record appends an attempt and moves the delivery on: done on a 2xx;
// otherwise, for a scheduled attempt, due again after the next delay, or
// failed when none is left, or at once when the endpoint is disabled. A
// manual redelivery never changes the schedule.
func (d *Delivery) Record(a DeliveryAttempt) {
	d.AttemptCount++
	d.Attempts = append(d.Attempts, a)
	if len(d.Attempts) > MaxAttemptsKept {
		d.Attempts = d.Attempts[len(d.Attempts)-MaxAttemptsKept:]
	}
	switch {
	case a.Succeeded():
		d.State, d.NextAttemptAt = DeliverySucceeded, nil
	case a.Error == EndpointDisabledError:
		// No attempt while the endpoint is disabled: the event fails at
		// once, kept for a redelivery once it is enabled again.
		d.State, d.NextAttemptAt = DeliveryFailed, nil
	case a.Trigger == "redeliver":
		if d.State != DeliveryPending {
			d.State, d.NextAttemptAt = DeliveryFailed, nil
		}
	case d.Failures < len(RetryDelays):
		next := a.At.Add(RetryDelays[d.Failures])
		d.Failures++
		d.State, d.NextAttemptAt = DeliveryPending, &next
	default:
		d.State, d.NextAttemptAt = DeliveryFailed, nil
	}
}

// DeliveryFilter narrows a delivery log; From inclusive, To exclusive.
type DeliveryFilter struct {
	ConnectionID string
	AppID        string // within an account: the app's deliveries of every connection, removed ones too
	State        DeliveryState
	From, To     time.Time
}

// Validate checks the state and the range.
func (f DeliveryFilter) Validate() error {
	switch f.State {
	case "", DeliveryPending, DeliverySucceeded, DeliveryFailed:
	default:
		return Errorf(EInvalid, "state must be pending, succeeded or failed")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Errorf(EInvalid, "from must be before to")
	}
	return nil
}

// Matches reports whether d passes the filter's non-time fields.
func (f DeliveryFilter) Matches(d Delivery) bool {
	return (f.ConnectionID == "" || d.ConnectionID == f.ConnectionID) && (f.AppID == "" || d.AppID == f.AppID) &&
		(f.State == "" || d.State == f.State)
}

// MerchantDelivery is what a merchant sees of a delivery: which event, its
// state, and when each attempt happened with the HTTP status it got. The
// callback URL, the payload and the app's answers belong to the app's
// developer and are left out.
type MerchantDelivery struct {
	EventID       string            `json:"eventId"`
	Type          string            `json:"type"`
	AccountID     string            `json:"accountId"`
	AppID         string            `json:"appId"`
	ConnectionID  string            `json:"connectionId"`
	LocationID    string            `json:"locationId,omitempty"`
	CreatedAt     time.Time         `json:"createdAt"`
	State         DeliveryState     `json:"state"`
	AttemptCount  int               `json:"attemptCount"`
	Attempts      []MerchantAttempt `json:"attempts"`
	NextAttemptAt *time.Time        `json:"nextAttemptAt,omitempty"`
}

// MerchantAttempt is an attempt as a merchant sees it: no error text, which
// may quote the URL, and no answer.
type MerchantAttempt struct {
	At        time.Time `json:"at"`
	Trigger   string    `json:"trigger"`
	Status    int       `json:"status,omitempty"` // 0: no HTTP answer
	LatencyMs int64     `json:"latencyMs"`
}

// ForMerchant is d as its merchant sees it.
func (d Delivery) ForMerchant() MerchantDelivery {
	m := MerchantDelivery{EventID: d.EventID, Type: d.Type, AccountID: d.AccountID, AppID: d.AppID, ConnectionID: d.ConnectionID,
		LocationID: d.LocationID, CreatedAt: d.CreatedAt, State: d.State, AttemptCount: d.AttemptCount, NextAttemptAt: d.NextAttemptAt,
		Attempts: make([]MerchantAttempt, 0, len(d.Attempts))}
	for _, a := range d.Attempts {
		m.Attempts = append(m.Attempts, MerchantAttempt{At: a.At, Trigger: a.Trigger, Status: a.Status, LatencyMs: a.LatencyMs})
	}
	return m
}

// MerchantDeliveryPage is a DeliveryPage as a merchant sees it.
type MerchantDeliveryPage struct {
	Deliveries []MerchantDelivery `json:"deliveries"`
	NextCursor string             `json:"nextCursor,omitempty"`
}

// ForMerchant is p as its merchant sees it.
func (p DeliveryPage) ForMerchant() MerchantDeliveryPage {
	out := MerchantDeliveryPage{Deliveries: make([]MerchantDelivery, 0, len(p.Deliveries)), NextCursor: p.NextCursor}
	for _, d := range p.Deliveries {
		out.Deliveries = append(out.Deliveries, d.ForMerchant())
	}
	return out
}

// DeliveryPage is one page of a delivery log, newest first.
type DeliveryPage struct {
	Deliveries []Delivery `json:"deliveries"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

// DeliveryStore keeps deliveries in their account's partition, and lists
// the due ones across accounts.
type DeliveryStore interface {
	// CreateDelivery stores a new delivery of an event that already
	// happened; EConflict when its event id is taken.
	CreateDelivery(ctx context.Context, d Delivery) error
	// GetDelivery returns ENotFound outside the account.
	GetDelivery(ctx context.Context, accountID, eventID string) (Delivery, error)
	// SaveDelivery replaces d if d.Version is current, and returns it with
	// its new version. Returns EConflict.
	SaveDelivery(ctx context.Context, d Delivery) (Delivery, error)
	// ListDueDeliveries returns up to limit pending deliveries due at now.
	ListDueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// ListDeliveries pages an account's deliveries, newest first.
	ListDeliveries(ctx context.Context, accountID string, f DeliveryFilter, p PageRequest) (DeliveryPage, error)
	// ListAppDeliveries pages an app's deliveries of every account.
	ListAppDeliveries(ctx context.Context, appID string, f DeliveryFilter, p PageRequest) (DeliveryPage, error)
}

// Announcer builds the announcements of the OAuth server's installs and
// reinstalls, to be written in their change's transaction.
type Announcer interface {
	// Announcement is the delivery of e, due at once, or nil when the app
	// has nowhere to be told.
	Announcement(ctx context.Context, e AppEvent) (*Delivery, error)
}

// EventTime returns the time an event id was made at.
func EventTime(id string) (time.Time, bool) {
	hexNanos, ok := strings.CutPrefix(id, "evt_")
	if !ok || len(hexNanos) < 16 {
		return time.Time{}, false
	}
	var n uint64
	for _, c := range hexNanos[:16] {
		v := strings.IndexRune("0123456789abcdef", c)
		if v < 0 {
			return time.Time{}, false
		}
		n = n<<4 | uint64(v)
	}
	if n > 1<<62 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(n)).UTC(), true
}
