package switchboard

import (
	"context"
	"time"
)

// SecurityEventType is one kind of entry of an account's security log.
type SecurityEventType string

// The security log records who got into the account and how its people
// changed. Sign-ins are counted per user and UTC day (one SecuritySignIns
// entry holds the day's successes and failures) rather than logged one by
// one, so that a password-guessing run cannot flood the log.
const (
	SecuritySignup            SecurityEventType = "signup"
	SecuritySignIns           SecurityEventType = "signins"
	SecurityPasswordResetSent SecurityEventType = "password_reset_requested"
	SecurityPasswordReset     SecurityEventType = "password_reset"
	SecurityPasswordChanged   SecurityEventType = "password_changed"
	SecurityInvitationSent    SecurityEventType = "invitation_sent"
	SecurityInvitationAccept  SecurityEventType = "invitation_accepted"
	SecurityRoleChanged       SecurityEventType = "role_changed"
	SecurityUserDeactivated   SecurityEventType = "user_deactivated"
	SecurityUserReactivated   SecurityEventType = "user_reactivated"
)

// Valid reports whether t is a known type.
func (t SecurityEventType) Valid() bool {
	switch t {
	case SecuritySignup, SecuritySignIns, SecurityPasswordResetSent, SecurityPasswordReset, SecurityPasswordChanged,
		SecurityInvitationSent, SecurityInvitationAccept, SecurityRoleChanged, SecurityUserDeactivated, SecurityUserReactivated:
		return true
	}
	return false
}

// SecurityLogRetention is how long entries are kept, like the app log.
const SecurityLogRetention = 365 * 24 * time.Hour

// SecurityEvent is one entry of an account's security log.
type SecurityEvent struct {
	ID        string            `json:"id"`
	AccountID string            `json:"accountId"`
	Type      SecurityEventType `json:"type"`
	// UserID is whom the entry is about; ActorUserID who acted, when it was
	// someone else (an admin changing a role, inviting).
	UserID      string    `json:"userId,omitempty"`
	ActorUserID string    `json:"actorUserId,omitempty"`
	Email       string    `json:"email,omitempty"`
	Detail      string    `json:"detail,omitempty"` // such as "member → admin"
	At          time.Time `json:"at"`
	// Succeeded and Failed count a SecuritySignIns day's sign-ins.
	Succeeded int `json:"succeeded,omitempty"`
	Failed    int `json:"failed,omitempty"`
}

// SecurityFilter narrows a security log listing.
type SecurityFilter struct {
	Type   SecurityEventType // "" for all
	UserID string            // "" for all; matches the subject or the actor
}

// SecurityPage is one page of a security log, newest first.
type SecurityPage struct {
	Events     []SecurityEvent `json:"events"`
	NextCursor string          `json:"nextCursor,omitempty"`
}

// SecurityLog keeps each account's security log for SecurityLogRetention.
type SecurityLog interface {
	// RecordSecurityEvent stores e (an ID and At are given when missing).
	// Not for SecuritySignIns: use CountSignIn.
	RecordSecurityEvent(ctx context.Context, e SecurityEvent) error
	// CountSignIn adds one success or failure to the user's count of the
	// UTC day of at.
	CountSignIn(ctx context.Context, accountID, userID, email string, at time.Time, succeeded bool) error
	// ListSecurityEvents returns the account's entries newest first.
	// Returns EInvalid for a bad filter or cursor.
	ListSecurityEvents(ctx context.Context, accountID string, f SecurityFilter, p PageRequest) (SecurityPage, error)
}
