package switchboard

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ConnectionStatus says whether a connection's token is honoured.
type ConnectionStatus string

// Statuses of a connection. A disconnected connection is deleted, not kept
// with a status, so that its token can never be honoured again by mistake.
// Revoked: the app's token was revoked without the merchant (the app
// revoked it, or a replayed code made Switchboard revoke it); the
// connection stays, but the app cannot call until it is authorised again,
// which makes it active. Shown as "Needs re-authorisation".
const (
	ConnectionActive  ConnectionStatus = "active"
	ConnectionBlocked ConnectionStatus = "blocked"
	ConnectionRevoked ConnectionStatus = "revoked"
)

// Connection is an app's grant on an account or one of its locations.
type Connection struct {
	ID            string           `json:"id"`
	AccountID     string           `json:"accountId"`
	LocationID    string           `json:"locationId,omitempty"` // empty for account-level apps
	AppID         string           `json:"appId"`
	AppName       string           `json:"appName"`
	Level         Level            `json:"level"`
	InstanceLabel string           `json:"instanceLabel,omitempty"`
	Scope         string           `json:"scope"` // canonical, as granted
	Status        ConnectionStatus `json:"status"`
	ConnectedBy   string           `json:"connectedBy"` // user id
	ConnectedAt   time.Time        `json:"connectedAt"`
	UpdatedAt     time.Time        `json:"updatedAt"`
	LastUsedAt    *time.Time       `json:"lastUsedAt,omitempty"`
	// TokenChangedAt is when the token was last replaced (re-authorisation)
	// or revoked: calls refused with the old token after it are the
	// overview's "401 bursts after a token change". Block and unblock
	// change UpdatedAt, not this.
	TokenChangedAt *time.Time `json:"tokenChangedAt,omitempty"`
	// AccessRevokedAt is when the connection's token was revoked without
	// the merchant; cleared by re-authorisation. It outlives a block
	// (blocked wins while it lasts): unblocking a connection whose token
	// was revoked meanwhile makes it revoked, not active.
	AccessRevokedAt *time.Time `json:"accessRevokedAt,omitempty"`
	// DisconnectedAt is set only on what a disconnected connection was,
	// kept while its call log lasts (DisconnectedConnections).
	DisconnectedAt *time.Time `json:"disconnectedAt,omitempty"`
	// Block fields are set while Status is blocked and cleared on unblock.
	BlockedAt     *time.Time `json:"blockedAt,omitempty"`
	BlockedBy     string     `json:"blockedBy,omitempty"` // user id
	BlockedReason string     `json:"blockedReason,omitempty"`
	BlockedUntil  *time.Time `json:"blockedUntil,omitempty"` // unblocked by a scheduled function then
	TokenHash     string     `json:"-"`                      // the current access token's hash
	// TokenLast4 is the last four characters of the current token, kept at
	// issue time so the logs page can show it masked as HubRise does; never
	// more: four characters of a 43-character random token give nothing away.
	TokenLast4 string `json:"-"`
	Version    int    `json:"-"` // optimistic concurrency
}

// MaxInstanceLabelLength keeps labels readable in lists.
const MaxInstanceLabelLength = 60

// UnblockedStatus is the status a connection returns to when its block
// ends: revoked if its token was revoked meanwhile, active otherwise.
func (c Connection) UnblockedStatus() ConnectionStatus {
	if c.AccessRevokedAt != nil {
		return ConnectionRevoked
	}
	return ConnectionActive
}

// NormalizeInstanceLabel trims a label and checks its length and characters.
func NormalizeInstanceLabel(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if utf8.RuneCountInString(s) > MaxInstanceLabelLength {
		return "", Errorf(EInvalid, "instance label must be at most %d characters", MaxInstanceLabelLength)
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return "", Errorf(EInvalid, "instance label cannot hold control characters")
		}
	}
	return s, nil
}

// ConnectionFilter narrows a listing; empty fields match everything.
type ConnectionFilter struct {
	LocationID string
	AppID      string
	Status     ConnectionStatus
}

// Matches reports whether c passes the filter.
func (f ConnectionFilter) Matches(c Connection) bool {
	return (f.LocationID == "" || c.LocationID == f.LocationID) &&
		(f.AppID == "" || c.AppID == f.AppID) &&
		(f.Status == "" || c.Status == f.Status)
}

// Validate checks the filter's values.
func (f ConnectionFilter) Validate() error {
	if f.Status != "" && f.Status != ConnectionActive && f.Status != ConnectionBlocked && f.Status != ConnectionRevoked {
		return Errorf(EInvalid, "status must be active, blocked or revoked")
	}
	return nil
}

// ConnectionStore keeps connections inside their account's partition.
type ConnectionStore interface {
	// CreateConnection stores a new connection. Returns EConflict when the
	// account already has one for the same location, app and instance label.
	CreateConnection(ctx context.Context, c Connection) error
	// FindConnection returns the connection of an app instance at a target,
	// or ENotFound.
	FindConnection(ctx context.Context, accountID, locationID, appID, instanceLabel string) (Connection, error)
	// GetConnection returns ENotFound when the connection is not in the account.
	GetConnection(ctx context.Context, accountID, connectionID string) (Connection, error)
	// ListConnections returns the account's connections matching filter.
	ListConnections(ctx context.Context, accountID string, filter ConnectionFilter) ([]Connection, error)
	// ReplaceGrant stores c's new scope and token hash if c.Version is still
	// current. Returns ENotFound and EConflict (changed meanwhile).
	ReplaceGrant(ctx context.Context, c Connection) error
	// TouchConnection sets LastUsedAt, at most once a minute.
	TouchConnection(ctx context.Context, accountID, connectionID string, at time.Time) error
}

// DisconnectedConnections reads what disconnected connections were: a
// disconnect deletes the connection (its token can never be honoured
// again) but its call log stays readable until it expires.
type DisconnectedConnections interface {
	// GetDisconnectedConnection returns the connection as it was when
	// disconnected from the account, with DisconnectedAt set, while its
	// call log lasts. Returns ENotFound otherwise, and for another
	// account's connection.
	GetDisconnectedConnection(ctx context.Context, accountID, connectionID string) (Connection, error)
}

// AppEventType names a lifecycle event of the app log.
type AppEventType string

// App-log event types. Erroring is written when a connection enters the
// overview's erroring state, so that notification rules can follow it.
const (
	EventInstalled     AppEventType = "installed"
	EventReinstalled   AppEventType = "reinstalled"
	EventScopesUpdated AppEventType = "scopes_updated"
	EventInstanceAdded AppEventType = "instance_added"
	EventBlocked       AppEventType = "blocked"
	EventUnblocked     AppEventType = "unblocked"
	EventUninstalled   AppEventType = "uninstalled"
	EventErroring      AppEventType = "erroring"
	// EventAccessRevoked: the connection's token was revoked without the
	// merchant (the app revoked it, or a replayed code made Switchboard
	// revoke it): the connection stays but the app has lost access until
	// it is authorised again.
	EventAccessRevoked AppEventType = "access_revoked"
	// EventRateLimit: a connection passed RateWarningPercent of one of its
	// rate-limit windows (at most one per connection, window and UTC hour).
	EventRateLimit AppEventType = "rate_limit"
)

// AppEventTypes lists every type, in the order filters offer them.
var AppEventTypes = []AppEventType{
	EventInstalled, EventReinstalled, EventScopesUpdated, EventInstanceAdded,
	EventBlocked, EventUnblocked, EventUninstalled, EventErroring, EventAccessRevoked, EventRateLimit,
}

// Valid reports whether t is a known event type.
func (t AppEventType) Valid() bool {
	for _, k := range AppEventTypes {
		if k == t {
			return true
		}
	}
	return false
}

// ActorType says who caused an event: a merchant's user, the app itself, or
// Switchboard (a scheduled unblock, an error detector).
type ActorType string

// Actor types of app-log events.
const (
	ActorUser   ActorType = "user"
	ActorApp    ActorType = "app"
	ActorSystem ActorType = "system"
)

// AppEvent is one entry of an account's app log: who did what to which
// connection, with the state before and after.
type AppEvent struct {
	ID           string       `json:"id"`
	AccountID    string       `json:"accountId"`
	Type         AppEventType `json:"type"`
	ConnectionID string       `json:"connectionId"`
	AppID        string       `json:"appId"`
	LocationID   string       `json:"locationId,omitempty"`
	ActorType    ActorType    `json:"actorType,omitempty"` // empty means user, as before this field
	ActorUserID  string       `json:"actorUserId,omitempty"`
	Reason       string       `json:"reason,omitempty"` // a block's reason, an error summary
	At           time.Time    `json:"at"`
	Before       *Connection  `json:"before,omitempty"`
	After        *Connection  `json:"after,omitempty"`
}

// AppEventFilter narrows the app log; empty fields match everything. From
// is inclusive and To exclusive, so that consecutive periods never share an
// event.
type AppEventFilter struct {
	Types        []AppEventType
	ActorUserID  string
	AppID        string
	LocationID   string
	ConnectionID string
	From, To     time.Time
	// Consistent reads every write acknowledged before the read (the app
	// log is in the base table, where DynamoDB allows it): digests use it
	// so that a settled period is read whole.
	Consistent bool
}

// Matches reports whether e passes the filter's non-time fields.
func (f AppEventFilter) Matches(e AppEvent) bool {
	if len(f.Types) > 0 {
		ok := false
		for _, t := range f.Types {
			ok = ok || e.Type == t
		}
		if !ok {
			return false
		}
	}
	return (f.ActorUserID == "" || e.ActorUserID == f.ActorUserID) &&
		(f.AppID == "" || e.AppID == f.AppID) &&
		(f.LocationID == "" || e.LocationID == f.LocationID) &&
		(f.ConnectionID == "" || e.ConnectionID == f.ConnectionID)
}

// Validate checks the filter's types and time range.
func (f AppEventFilter) Validate() error {
	for _, t := range f.Types {
		if !t.Valid() {
			return Errorf(EInvalid, "unknown event type %q", t)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Errorf(EInvalid, "from must be before to")
	}
	return nil
}

// AppEventPage is one page of the app log, newest first.
type AppEventPage struct {
	Events     []AppEvent `json:"events"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

// AppLog records lifecycle events and lists them.
type AppLog interface {
	// RecordEvent appends e; recording the same event ID twice keeps one.
	RecordEvent(ctx context.Context, e AppEvent) error
	// ListEvents returns the account's events matching f, newest first. A
	// page may hold fewer events than asked while NextCursor is set: the
	// filter is applied after the time range is read.
	ListEvents(ctx context.Context, accountID string, f AppEventFilter, p PageRequest) (AppEventPage, error)
}
