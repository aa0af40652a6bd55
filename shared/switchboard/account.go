package switchboard

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Role is what a user may do in their account.
type Role string

// Roles, from most to least powerful. Super admins and admins manage users,
// teams, connections and notification rules; members read.
const (
	RoleSuperAdmin Role = "super_admin"
	RoleAdmin      Role = "admin"
	RoleMember     Role = "member"
)

// RoleOperator is a platform operator's: it reviews app listings and can
// do nothing in a merchant account. It exists only in PlatformAccountID and
// no merchant can give it (Valid is false for it).
const RoleOperator Role = "operator"

// PlatformAccountID is the reserved account of the platform's operators.
const PlatformAccountID = "acc-platform"

// IsOperator reports whether p is a platform operator.
func (p Principal) IsOperator() bool {
	return p.AccountID == PlatformAccountID && p.Role == RoleOperator
}

// Valid reports whether r is a role a merchant account's users may have.
func (r Role) Valid() bool { return r == RoleSuperAdmin || r == RoleAdmin || r == RoleMember }

// CanManage reports whether r may change the account's settings, users,
// teams and connections.
func (r Role) CanManage() bool { return r == RoleSuperAdmin || r == RoleAdmin }

// Account is a merchant: the tenant every other record belongs to.
type Account struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	TimeZone  string    `json:"timeZone"` // IANA name; digests and charts use it
	CreatedAt time.Time `json:"createdAt"`
}

// Location is one of an account's points of sale.
type Location struct {
	ID        string `json:"id"`
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
	// TimeZone is an IANA name; "" (locations made before it existed)
	// means the account's.
	TimeZone string `json:"timeZone,omitempty"`
}

// LocationChanges is what an admin may change on a location. Nil fields
// stay as they are.
type LocationChanges struct {
	Name     *string `json:"name,omitempty"`
	TimeZone *string `json:"timeZone,omitempty"`
}

// Normalize returns c with its values checked and trimmed, or EInvalid.
func (c LocationChanges) Normalize() (LocationChanges, error) {
	if c.Name == nil && c.TimeZone == nil {
		return c, Errorf(EInvalid, "give a name, a timeZone, or both")
	}
	if c.Name != nil {
		name, err := NormalizeName("name", *c.Name, 100)
		if err != nil {
			return c, err
		}
		c.Name = &name
	}
	if c.TimeZone != nil {
		tz, err := NormalizeTimeZone(*c.TimeZone)
		if err != nil {
			return c, err
		}
		c.TimeZone = &tz
	}
	return c, nil
}

// LocationStore adds and changes an account's locations; every method is
// scoped to the account, and another account's location is ENotFound.
type LocationStore interface {
	// CreateLocation stores l in l.AccountID. Returns EConflict if its id
	// exists, ENotFound if the account does not.
	CreateLocation(ctx context.Context, l Location) error
	// UpdateLocation applies changes (normalized) and returns the location
	// as stored, or ENotFound.
	UpdateLocation(ctx context.Context, accountID, locationID string, changes LocationChanges) (Location, error)
}

// User is a person who signs in to the admin site of one account.
type User struct {
	ID        string    `json:"id"`
	AccountID string    `json:"accountId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"createdAt"`
	// SessionEpoch goes up each time the user's sessions are ended (on
	// deactivation); a session carries the epoch it was created in and dies
	// when they differ, so reactivating the user revives none of them.
	SessionEpoch int `json:"-"`
}

// NormalizeEmail returns the canonical form of an address used as a sign-in
// key (trimmed, lower case), or EInvalid.
func NormalizeEmail(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 {
		return "", Errorf(EInvalid, "email must be a plain address such as name@example.com")
	}
	return s, nil
}

// Validate reports the first problem with u.
func (u User) Validate() error {
	if _, err := NormalizeEmail(u.Email); err != nil {
		return err
	}
	if u.AccountID == "" || u.ID == "" {
		return Errorf(EInvalid, "user needs an id and an account")
	}
	if err := nameProblem("name", u.Name, 100); err != nil {
		return err
	}
	switch {
	case u.Role == RoleOperator && u.AccountID == PlatformAccountID:
		// Operators are made by the platform's own bootstrap (the demo
		// seed, an operator's script), never through a merchant route.
		return nil
	case !u.Role.Valid():
		return Errorf(EInvalid, "role must be super_admin, admin or member")
	}
	return nil
}

// Principal is who is calling an admin route, established from a session.
type Principal struct {
	AccountID string
	UserID    string
	Role      Role
}

// Session is a signed-in browser. Only the hash of its token is stored.
type Session struct {
	TokenHash string
	AccountID string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// Epoch is the user's SessionEpoch when the session began.
	Epoch int
}

// AccountStore keeps accounts, their locations and their users.
type AccountStore interface {
	// CreateAccount stores an account and its locations. Returns EConflict
	// if the account exists.
	CreateAccount(ctx context.Context, a Account, locations []Location) error
	// GetAccount returns ENotFound for an unknown account.
	GetAccount(ctx context.Context, accountID string) (Account, error)
	// ListLocations returns an account's locations, by name.
	ListLocations(ctx context.Context, accountID string) ([]Location, error)
	// CreateUser stores u with its password hash. Returns EInvalid for a bad
	// user and EConflict when the email is taken by any account.
	CreateUser(ctx context.Context, u User, passwordHash string) error
	// UserByEmail returns the user signing in with email and its password
	// hash, or ENotFound.
	UserByEmail(ctx context.Context, email string) (User, string, error)
	// GetUser returns ENotFound when the user is not in the account.
	GetUser(ctx context.Context, accountID, userID string) (User, error)
}

// SessionStore keeps sessions by token hash.
type SessionStore interface {
	// CreateSession stores s. Returns EConflict if the hash exists.
	CreateSession(ctx context.Context, s Session) error
	// SessionByTokenHash returns ENotFound for an unknown or expired session.
	SessionByTokenHash(ctx context.Context, tokenHash string) (Session, error)
	// DeleteSession ends a session; ending an unknown one is not an error.
	DeleteSession(ctx context.Context, tokenHash string) error
}

// Throttle spaces out attempts under a key (for sign-in: one email at one
// address, and one address): every admitted attempt counts until Forgive
// takes it back or Reset forgets the key, and the count says how long the
// next attempt must wait. A key untouched for a day starts again from zero.
type Throttle interface {
	// Admit counts one attempt under key at now and returns 0, or, when the
	// key must still wait, counts nothing and returns how long. delay(n) is
	// how long the n-th counted attempt keeps the next one waiting. Two
	// attempts racing on one key are both counted, one after the other.
	Admit(ctx context.Context, key string, now time.Time, delay func(attempts int) time.Duration) (time.Duration, error)
	// Forgive takes back one counted attempt (it succeeded).
	Forgive(ctx context.Context, key string) error
	// Reset forgets key: its count and its wait.
	Reset(ctx context.Context, key string) error
}

// Limiter counts attempts in fixed windows, to slow down guessing.
type Limiter interface {
	// Count adds one attempt under key in the window containing now, and
	// returns how many the window holds, including this one.
	Count(ctx context.Context, key string, window time.Duration) (int, error)
	// Peek returns the count of key's current window without adding.
	Peek(ctx context.Context, key string, window time.Duration) (int, error)
	// CountWindows adds one attempt under key in each of windows at once
	// (one write, not one per window) and returns each window's count,
	// this attempt included, in the order given.
	CountWindows(ctx context.Context, key string, windows []time.Duration) ([]int, error)
}
