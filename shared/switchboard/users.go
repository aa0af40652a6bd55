package switchboard

import (
	"context"
	"errors"
	"time"
)

// UserStatus is where a user stands in their account.
type UserStatus string

// A user is invited until they accept their invitation, then active until an
// admin deactivates them.
const (
	UserInvited     UserStatus = "invited"
	UserActive      UserStatus = "active"
	UserDeactivated UserStatus = "deactivated"
)

// DirectoryUser is a user as the account's user list shows it. It never
// carries a password hash.
type DirectoryUser struct {
	User
	Status UserStatus `json:"status"`
	// InvitationExpiresAt is when an invited user's invitation stops
	// working; after it the admin invites them again or revokes it.
	InvitationExpiresAt *time.Time `json:"invitationExpiresAt,omitempty"`
}

// UserChanges is what an admin may change on a user. Nil fields stay as
// they are.
type UserChanges struct {
	Role   *Role `json:"role,omitempty"`
	Active *bool `json:"active,omitempty"`
}

// Apply returns u with the changes made.
func (c UserChanges) Apply(u User) User {
	if c.Role != nil {
		u.Role = *c.Role
	}
	if c.Active != nil {
		u.Active = *c.Active
	}
	return u
}

// RemovesSuperAdmin reports whether applying c to u leaves the account with
// one active super admin fewer.
func (c UserChanges) RemovesSuperAdmin(u User) bool {
	after := c.Apply(u)
	return u.Role == RoleSuperAdmin && u.Active && !(after.Role == RoleSuperAdmin && after.Active)
}

// CheckUserChange applies the rules for who may change whom: only admins
// change users (EForbidden); nobody demotes or deactivates themself
// (EForbidden); only a super admin changes a super admin or grants the role
// (EForbidden); an invited user is activated by accepting the invitation, not
// by an admin (EInvalid); roles must be known and something must change
// (EInvalid). Keeping at least one active super admin is the store's job,
// since it depends on the other users at the time of the write.
func CheckUserChange(actor Principal, target DirectoryUser, c UserChanges) error {
	if !actor.Role.CanManage() {
		return Errorf(EForbidden, "Only admins can do this.")
	}
	if c.Role == nil && c.Active == nil {
		return Errorf(EInvalid, "give a role, active, or both")
	}
	if c.Role != nil && !c.Role.Valid() {
		return Errorf(EInvalid, "role must be super_admin, admin or member")
	}
	after := c.Apply(target.User)
	if target.ID == actor.UserID && target.AccountID == actor.AccountID {
		if after.Role != target.Role || !after.Active {
			return Errorf(EForbidden, "You cannot change your own role or deactivate yourself; ask another admin.")
		}
	}
	if actor.Role != RoleSuperAdmin && (target.Role == RoleSuperAdmin || after.Role == RoleSuperAdmin) {
		return Errorf(EForbidden, "Only a super admin can change a super admin or grant that role.")
	}
	if target.Status == UserInvited && c.Active != nil && *c.Active != target.Active {
		return Errorf(EInvalid, "%s has not accepted the invitation yet; they become active when they do.", target.Email)
	}
	return nil
}

// CheckInviteRole says whether actor may invite someone with role: admins
// invite admins and members, only super admins invite super admins.
func CheckInviteRole(actor Principal, role Role) error {
	if !actor.Role.CanManage() {
		return Errorf(EForbidden, "Only admins can do this.")
	}
	if !role.Valid() {
		return Errorf(EInvalid, "role must be super_admin, admin or member")
	}
	if role == RoleSuperAdmin && actor.Role != RoleSuperAdmin {
		return Errorf(EForbidden, "Only a super admin can grant the super_admin role.")
	}
	return nil
}

// UserDirectory lists and changes an account's users. Every method is
// scoped to accountID: another account's user is ENotFound.
type UserDirectory interface {
	// ListUsers returns the account's users by name.
	ListUsers(ctx context.Context, accountID string) ([]DirectoryUser, error)
	// GetDirectoryUser returns ENotFound for a user not in the account.
	GetDirectoryUser(ctx context.Context, accountID, userID string) (DirectoryUser, error)
	// UpdateUser applies changes to the user the caller read as seen; the
	// write happens only if the user's role, status and active flag are
	// still seen's (optimistic concurrency). Deactivating a user ends all
	// their sessions in the same write (SessionEpoch goes up). Returns ENotFound for an
	// unknown user, EInvalid for a bad role, and EConflict when the user
	// changed meanwhile or the change would leave the account without an
	// active super admin.
	UpdateUser(ctx context.Context, accountID string, seen DirectoryUser, changes UserChanges) (DirectoryUser, error)
}

// InvitationLifetime is how long an invitation link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Invitation lets one invited user set their password, once. Only the hash
// of its token is stored; the token travels in the link only.
type Invitation struct {
	TokenHash string
	AccountID string
	UserID    string
	Email     string
	InvitedBy string // user ID of the admin who invited
	CreatedAt time.Time
	ExpiresAt time.Time
}

// InvitationStore keeps invited users and their invitations.
type InvitationStore interface {
	// InviteUser stores u, inactive, with passwordHash (one nobody knows, so
	// that sign-in treats the address like any other), and its invitation.
	// The address is not claimed until acceptance: a pending invitation
	// blocks no other account. Returns EInvalid for a bad user and EConflict
	// when the address is already a user (or invited) in u's own account;
	// other accounts are never looked at.
	InviteUser(ctx context.Context, u User, passwordHash string, inv Invitation) error
	// RevokeInvitation deletes an invited user and their invitation, so
	// that the link stops working. Returns ENotFound when the user is not
	// in the account or not invited (anymore).
	RevokeInvitation(ctx context.Context, accountID, userID string) error
	// PendingInvitation returns the invitation stored under tokenHash, or
	// ENotFound when there is none or it is used or expired.
	PendingInvitation(ctx context.Context, tokenHash string) (Invitation, error)
	// AcceptInvitation uses the invitation once: it claims the address,
	// activates its user with passwordHash and returns the user, all or
	// nothing. Returns ENotFound when the invitation is unknown, already used,
	// expired or revoked, and EConflict when the address has meanwhile
	// become another user's (told only to the invitee, who holds the link).
	AcceptInvitation(ctx context.Context, tokenHash, passwordHash string) (DirectoryUser, error)
}

// Email is one message to one recipient.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// ListUnsubscribe, when set, is the List-Unsubscribe header's value
	// (such as "<https://…/#/notifications/rule-1>"): mail clients show it
	// as an unsubscribe link.
	ListUnsubscribe string
}

// Mailer sends email.
type Mailer interface {
	// SendEmail returns EInvalid for a message the mail service refuses
	// (such as a bad address) and EUnavailable when it cannot be reached,
	// or when it refuses the sender or the account (wrapping
	// ErrSenderNotReady): the message is fine and goes out once that is
	// set right.
	SendEmail(ctx context.Context, m Email) error
}

// ErrSenderNotReady marks a refusal that holds for every message until an
// operator acts: the sender identity is not verified, the account is in the
// SES sandbox and the recipient is not verified, or sending is paused or
// suspended. Mail refused so is retried, never dropped; retrying at once
// does not help, and the refusal is logged as an error so that someone acts.
var ErrSenderNotReady = errors.New("the mail service refuses this sender or account until an operator sets it up")
