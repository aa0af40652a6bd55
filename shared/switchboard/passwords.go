package switchboard

import (
	"context"
	"time"
)

// PasswordResetLifetime is how long a password reset link works.
const PasswordResetLifetime = time.Hour

// PasswordReset lets the owner of an active user's address choose a new
// password, once. Only the hash of its token is stored.
type PasswordReset struct {
	TokenHash string
	AccountID string
	UserID    string
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PasswordStore changes passwords. Every change ends sessions: the user's
// SessionEpoch goes up in the same write.
type PasswordStore interface {
	// UserPassword returns the user and its password hash, or ENotFound
	// when the user is not in the account.
	UserPassword(ctx context.Context, accountID, userID string) (User, string, error)
	// CreatePasswordReset stores r. Returns EInvalid for an incomplete one.
	CreatePasswordReset(ctx context.Context, r PasswordReset) error
	// PendingPasswordReset returns the reset stored under tokenHash, or
	// ENotFound when there is none or it is used or expired.
	PendingPasswordReset(ctx context.Context, tokenHash string) (PasswordReset, error)
	// ResetPassword uses the reset once and, in the same write, sets its
	// user's password to passwordHash and ends all of their sessions.
	// Returns ENotFound when the reset is unknown, used or expired, or its
	// user is gone or no longer active.
	ResetPassword(ctx context.Context, tokenHash, passwordHash string) (User, error)
	// ChangePassword sets the password of a user read with SessionEpoch
	// seenEpoch and ends all their sessions but keepSession (a token hash),
	// which carries on. Returns EConflict when the user's sessions were
	// ended or their password changed meanwhile, ENotFound for an unknown
	// or inactive user.
	ChangePassword(ctx context.Context, accountID, userID string, seenEpoch int, passwordHash, keepSession string) error
}
