package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// AcceptInvitePath is the site page an invitation link opens; the site and
// its API share one origin, so the path is enough for the admin who invites.
// The emailed link puts the configured site origin in front of it.
const AcceptInvitePath = "/#/accept-invite?token="

var idParamPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// idParam reads an id from the path. A value that cannot be an id is not
// found, like an unknown one, and never reaches a key.
func idParam(req apigw.Request, name, what string) (string, error) {
	id := req.PathParameters[name]
	if !idParamPattern.MatchString(id) {
		return "", switchboard.Errorf(switchboard.ENotFound, "%s not found", what)
	}
	return id, nil
}

// generateID returns prefix and 64 random bits in hex.
func generateID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}

// ListUsers serves GET /admin/v1/users: the caller's account's users, for
// every role.
func ListUsers(dir switchboard.UserDirectory) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, _ apigw.Request) (apigw.Response, error) {
		users, err := dir.ListUsers(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		if users == nil {
			users = []switchboard.DirectoryUser{}
		}
		return apigw.JSON(http.StatusOK, map[string]any{"users": users})
	}
}

// Invited is the answer to an invitation: the new user, the link that
// accepts it, and whether the email went out (when it did not, the admin
// can pass the link on).
type Invited struct {
	User      switchboard.DirectoryUser `json:"user"`
	InviteURL string                    `json:"inviteUrl"`
	EmailSent bool                      `json:"emailSent"`
}

// InviteUser serves POST /admin/v1/users {"email","name","role"}: admins
// create an inactive user with an invitation valid for
// switchboard.InvitationLifetime, emailed to them. The emailed link starts
// with siteOrigin, the configured admin site (ADMIN_SITE_ORIGIN), never with
// the request's Origin or Host: those are the caller's to choose, and the
// platform's verified sender must not carry a link to someone else's site.
// Without siteOrigin no email goes out and the admin passes the link on.
func InviteUser(invites switchboard.InvitationStore, accounts switchboard.AccountStore, mailer switchboard.Mailer, siteOrigin string, security switchboard.SecurityLog) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		var in struct {
			Email string           `json:"email"`
			Name  string           `json:"name"`
			Role  switchboard.Role `json:"role"`
		}
		if err := apigw.DecodeJSON(req, &in, 4096); err != nil {
			return apigw.Response{}, err
		}
		if err := switchboard.CheckInviteRole(p, in.Role); err != nil {
			return apigw.Response{}, err
		}
		email, err := switchboard.NormalizeEmail(in.Email)
		if err != nil {
			return apigw.Response{}, err
		}
		name, err := switchboard.NormalizeName("name", in.Name, 100)
		if err != nil {
			return apigw.Response{}, err
		}
		now := time.Now().UTC()
		u := switchboard.User{ID: generateID("usr-"), AccountID: p.AccountID, Email: email,
			Name: name, Role: in.Role, CreatedAt: now}
		if err := u.Validate(); err != nil {
			return apigw.Response{}, err
		}
		token, tokenHash := auth.NewToken()
		// Nobody knows this password: until the invitation is accepted,
		// sign-in fails for the address as for any wrong password.
		unknown, _ := auth.NewToken()
		passwordHash, err := auth.HashPassword(unknown)
		if err != nil {
			return apigw.Response{}, err
		}
		inv := switchboard.Invitation{TokenHash: tokenHash, AccountID: p.AccountID, UserID: u.ID, Email: email,
			InvitedBy: p.UserID, CreatedAt: now, ExpiresAt: now.Add(switchboard.InvitationLifetime)}
		if err := invites.InviteUser(ctx, u, passwordHash, inv); err != nil {
			return apigw.Response{}, err
		}
		recordSecurity(ctx, security, switchboard.SecurityEvent{AccountID: p.AccountID, Type: switchboard.SecurityInvitationSent,
			UserID: u.ID, ActorUserID: p.UserID, Email: email, Detail: string(u.Role), At: now})
		expires := inv.ExpiresAt.UTC()
		out := Invited{User: switchboard.DirectoryUser{User: u, Status: switchboard.UserInvited, InvitationExpiresAt: &expires}, InviteURL: AcceptInvitePath + token}
		if siteOrigin == "" {
			platform.Logger(ctx).Warn("invitation email not sent: ADMIN_SITE_ORIGIN is not set", "invitedUserId", u.ID)
			return apigw.JSON(http.StatusCreated, out)
		}
		msg, err := invitationEmail(ctx, accounts, p, u, siteOrigin+out.InviteURL, inv.ExpiresAt)
		if err == nil {
			err = mailer.SendEmail(ctx, msg)
		}
		if err != nil {
			platform.Logger(ctx).Warn("invitation email not sent", "invitedUserId", u.ID, "error", err)
		} else {
			out.EmailSent = true
		}
		return apigw.JSON(http.StatusCreated, out)
	}
}

// invitationEmail writes the invitation for u, from the inviter p.
func invitationEmail(ctx context.Context, accounts switchboard.AccountStore, p switchboard.Principal, u switchboard.User, link string, expires time.Time) (switchboard.Email, error) {
	account, err := accounts.GetAccount(ctx, p.AccountID)
	if err != nil {
		return switchboard.Email{}, err
	}
	inviter, err := accounts.GetUser(ctx, p.AccountID, p.UserID)
	if err != nil {
		return switchboard.Email{}, err
	}
	role := map[switchboard.Role]string{switchboard.RoleSuperAdmin: "a super admin", switchboard.RoleAdmin: "an admin", switchboard.RoleMember: "a member"}[u.Role]
	until := expires.UTC().Format("Monday 2 January 2006 at 15:04 UTC")
	e := html.EscapeString
	return switchboard.Email{
		To:      u.Email,
		Subject: fmt.Sprintf("%s invited you to %s on Switchboard", inviter.Name, account.Name),
		Text: fmt.Sprintf("Hello %s,\n\n%s invited you to join %s on Switchboard as %s.\n\n"+
			"Choose your password to accept:\n%s\n\nThe link works once, until %s. "+
			"If you did not expect this invitation, you can ignore this email.\n",
			u.Name, inviter.Name, account.Name, role, link, until),
		HTML: fmt.Sprintf(`<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">`+
			`<p>Hello %s,</p><p>%s invited you to join <strong>%s</strong> on Switchboard as %s.</p>`+
			`<p><a href="%s" style="display:inline-block;padding:10px 16px;background:#4338ca;color:#fff;border-radius:6px;text-decoration:none">Accept the invitation</a></p>`+
			`<p>Or open this link: %s</p><p>The link works once, until %s. If you did not expect this invitation, you can ignore this email.</p>`+
			`</body></html>`,
			e(u.Name), e(inviter.Name), e(account.Name), role, e(link), e(link), until),
	}, nil
}

// UpdateUser serves PATCH /admin/v1/users/{userId} {"role","active"}.
func UpdateUser(dir switchboard.UserDirectory, security switchboard.SecurityLog) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		userID, err := idParam(req, "userId", "user")
		if err != nil {
			return apigw.Response{}, err
		}
		var changes switchboard.UserChanges
		if err := apigw.DecodeJSON(req, &changes, 1024); err != nil {
			return apigw.Response{}, err
		}
		target, err := dir.GetDirectoryUser(ctx, p.AccountID, userID)
		if err != nil {
			return apigw.Response{}, err
		}
		if err := switchboard.CheckUserChange(p, target, changes); err != nil {
			return apigw.Response{}, err
		}
		updated, err := dir.UpdateUser(ctx, p.AccountID, target, changes)
		if err != nil {
			return apigw.Response{}, err
		}
		entry := switchboard.SecurityEvent{AccountID: p.AccountID, UserID: target.ID, ActorUserID: p.UserID, Email: target.Email}
		if updated.Role != target.Role {
			entry.Type, entry.Detail = switchboard.SecurityRoleChanged, string(target.Role)+" → "+string(updated.Role)
			recordSecurity(ctx, security, entry)
		}
		if updated.Active != target.Active {
			entry.Type, entry.Detail = switchboard.SecurityUserReactivated, ""
			if !updated.Active {
				entry.Type = switchboard.SecurityUserDeactivated
			}
			recordSecurity(ctx, security, entry)
		}
		return apigw.JSON(http.StatusOK, updated)
	}
}

// RevokeInvitation serves DELETE /admin/v1/users/{userId}/invitation:
// admins take back a pending invitation; the invited user goes away and the
// link stops working. As for inviting, only a super admin revokes the
// invitation of a super admin. A user who is not invited is not found.
func RevokeInvitation(invites switchboard.InvitationStore, dir switchboard.UserDirectory) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		userID, err := idParam(req, "userId", "invitation")
		if err != nil {
			return apigw.Response{}, err
		}
		target, err := dir.GetDirectoryUser(ctx, p.AccountID, userID)
		if switchboard.ErrorCode(err) == switchboard.ENotFound || (err == nil && target.Status != switchboard.UserInvited) {
			return apigw.Response{}, switchboard.Errorf(switchboard.ENotFound, "no pending invitation for this user")
		}
		if err != nil {
			return apigw.Response{}, err
		}
		if err := switchboard.CheckInviteRole(p, target.Role); err != nil {
			return apigw.Response{}, err
		}
		if err := invites.RevokeInvitation(ctx, p.AccountID, userID); err != nil {
			return apigw.Response{}, err
		}
		return apigw.Response{StatusCode: http.StatusNoContent}, nil
	}
}

// AcceptInvitation serves POST /admin/v1/invitations/accept
// {"token","password"} without a session: it sets the invited user's
// password and activates them, once.
func AcceptInvitation(invites switchboard.InvitationStore, security switchboard.SecurityLog) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		unusable := switchboard.Errorf(switchboard.EInvalid,
			"This invitation link is invalid, already used or expired. Ask an admin of your account to invite you again.")
		u, err := redeemWithPassword(ctx, req, unusable,
			func(ctx context.Context, tokenHash string) error {
				_, err := invites.PendingInvitation(ctx, tokenHash)
				return err
			}, invites.AcceptInvitation)
		if err != nil {
			return apigw.Response{}, err
		}
		recordSecurity(ctx, security, switchboard.SecurityEvent{AccountID: u.AccountID, Type: switchboard.SecurityInvitationAccept, UserID: u.ID, Email: u.Email})
		return apigw.JSON(http.StatusOK, map[string]any{"user": u})
	}
}

// ListUsersFunction is ListUsersFunction in template.yaml.
func ListUsersFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, RequireSession(svc, ListUsers(store)))
}

// InviteUserFunction is InviteUserFunction in template.yaml.
func InviteUserFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	mailer := sesmail.New(env.SESv2(), env.Config.SenderAddress)
	return apigw.Handle(env.Logger, RequireSession(svc, InviteUser(store, store, mailer, env.Config.SiteOrigin, store)))
}

// UpdateUserFunction is UpdateUserFunction in template.yaml.
func UpdateUserFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, RequireSession(svc, UpdateUser(store, store)))
}

// RevokeInvitationFunction is RevokeInvitationFunction in template.yaml.
func RevokeInvitationFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, RequireSession(svc, RevokeInvitation(store, store)))
}

// AcceptInvitationFunction is AcceptInvitationFunction in template.yaml.
func AcceptInvitationFunction(env *platform.Env) apigw.LambdaHandler {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	return apigw.Handle(env.Logger, AcceptInvitation(store, store))
}
