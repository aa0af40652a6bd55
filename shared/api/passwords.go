package api

import (
	"context"
	"fmt"
	"html"
	"net/http"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// ResetPasswordPath is the site page a reset link opens.
const ResetPasswordPath = "/#/reset-password?token="

// RequestPasswordReset serves POST /admin/v1/password-reset {"email"}
// without a session. It always answers 202 with the same body; only when
// the address belongs to an active user does it store a reset (valid
// switchboard.PasswordResetLifetime) and email its link, built from
// siteOrigin, never from the request's headers.
func RequestPasswordReset(svc *auth.Service, passwords switchboard.PasswordStore, mailer switchboard.Mailer, siteOrigin string) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		if siteOrigin == "" {
			platform.Logger(ctx).Error("password reset refused: ADMIN_SITE_ORIGIN is not set, so no link can be built")
			return apigw.Response{}, switchboard.Errorf(switchboard.EUnavailable, "Password reset is not available on this server.")
		}
		var in struct {
			Email string `json:"email"`
		}
		if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
			return apigw.Response{}, err
		}
		email, err := switchboard.NormalizeEmail(in.Email)
		if err != nil {
			return apigw.Response{}, err
		}
		if err := svc.AdmitPasswordReset(ctx, email, apigw.ClientAddress(req)); err != nil {
			if resp, ok := rateLimited(ctx, err); ok {
				return resp, nil
			}
			return apigw.Response{}, err
		}
		accepted := map[string]string{"email": email,
			"message": "If " + email + " has a Switchboard account, we sent it a link to choose a new password. The link works for one hour."}
		user, _, err := svc.Accounts.UserByEmail(ctx, email)
		if switchboard.ErrorCode(err) == switchboard.ENotFound || (err == nil && !user.Active) {
			return apigw.JSON(http.StatusAccepted, accepted)
		}
		if err != nil {
			return apigw.Response{}, err
		}
		token, tokenHash := auth.NewToken()
		now := svc.Now().UTC()
		reset := switchboard.PasswordReset{TokenHash: tokenHash, AccountID: user.AccountID, UserID: user.ID, Email: email,
			CreatedAt: now, ExpiresAt: now.Add(switchboard.PasswordResetLifetime)}
		if err := passwords.CreatePasswordReset(ctx, reset); err != nil {
			return apigw.Response{}, err
		}
		recordSecurity(ctx, svc.Security, switchboard.SecurityEvent{AccountID: user.AccountID, Type: switchboard.SecurityPasswordResetSent,
			UserID: user.ID, Email: email, At: now})
		if err := mailer.SendEmail(ctx, passwordResetEmail(user, siteOrigin+ResetPasswordPath+token)); err != nil {
			// Answering otherwise would tell that the address has an
			// account; the person asks again later.
			platform.Logger(ctx).Warn("password reset email not sent", "userId", user.ID, "error", err)
		}
		return apigw.JSON(http.StatusAccepted, accepted)
	}
}

func passwordResetEmail(u switchboard.User, link string) switchboard.Email {
	return switchboard.Email{
		To:      u.Email,
		Subject: "Choose a new Switchboard password",
		Text: fmt.Sprintf("Hello %s,\n\nSomeone, probably you, asked to reset the password of %s on Switchboard. Choose a new one here:\n%s\n\n"+
			"The link works once, for one hour, and signs you out everywhere. If you did not ask, ignore this email: your password stays as it is.\n",
			u.Name, u.Email, link),
		HTML: emailHTML([]string{
			fmt.Sprintf("Hello %s, someone, probably you, asked to reset the password of %s on Switchboard.", html.EscapeString(u.Name), html.EscapeString(u.Email)),
			"The link works once, for one hour, and signs you out everywhere. If you did not ask, ignore this email: your password stays as it is.",
		}, "Choose a new password", link),
	}
}

// ConfirmPasswordReset serves POST /admin/v1/password-reset/confirm
// {"token","password"} without a session: it sets the password and ends
// every session of the user, once per link.
func ConfirmPasswordReset(passwords switchboard.PasswordStore, security switchboard.SecurityLog) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		unusable := switchboard.Errorf(switchboard.EInvalid, "This link is invalid, already used or expired. Ask for a new one.")
		u, err := redeemWithPassword(ctx, req, unusable,
			func(ctx context.Context, tokenHash string) error {
				_, err := passwords.PendingPasswordReset(ctx, tokenHash)
				return err
			}, passwords.ResetPassword)
		if err != nil {
			return apigw.Response{}, err
		}
		platform.Logger(ctx).Info("password reset", "accountId", u.AccountID, "userId", u.ID)
		recordSecurity(ctx, security, switchboard.SecurityEvent{AccountID: u.AccountID, Type: switchboard.SecurityPasswordReset, UserID: u.ID, Email: u.Email})
		return apigw.JSON(http.StatusOK, map[string]string{"email": u.Email})
	}
}

// ChangePassword serves PUT /admin/v1/me/password
// {"currentPassword","newPassword"}: the signed-in user changes their
// password; every other session of theirs ends, this one carries on.
// Attempts at the current password are throttled like sign-ins.
func ChangePassword(svc *auth.Service, passwords switchboard.PasswordStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		var in struct {
			CurrentPassword string `json:"currentPassword"`
			NewPassword     string `json:"newPassword"`
		}
		if err := apigw.DecodeJSON(req, &in, 4096); err != nil {
			return apigw.Response{}, err
		}
		if in.CurrentPassword == "" || len(in.CurrentPassword) > auth.MaxPasswordBytes {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "Enter your current password.")
		}
		if err := auth.CheckNewPassword(in.NewPassword); err != nil {
			return apigw.Response{}, err
		}
		if err := svc.AdmitPasswordChange(ctx, p.UserID); err != nil {
			if resp, ok := rateLimited(ctx, err); ok {
				return resp, nil
			}
			return apigw.Response{}, err
		}
		user, hash, err := passwords.UserPassword(ctx, p.AccountID, p.UserID)
		if err != nil {
			return apigw.Response{}, err
		}
		ok, err := auth.VerifyPassword(hash, in.CurrentPassword)
		if err != nil {
			return apigw.Response{}, fmt.Errorf("verify password of user %s: %w", p.UserID, err)
		}
		if !ok {
			// Not 401: the session is fine, only the password typed is not.
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "The current password is incorrect.")
		}
		if err := svc.Throttle.Reset(ctx, auth.PasswordChangeKey(p.UserID)); err != nil {
			return apigw.Response{}, err
		}
		newHash, err := auth.HashPassword(in.NewPassword)
		if err != nil {
			return apigw.Response{}, err
		}
		keep := auth.HashToken(apigw.Cookie(req, SessionCookie))
		if err := passwords.ChangePassword(ctx, p.AccountID, p.UserID, user.SessionEpoch, newHash, keep); err != nil {
			return apigw.Response{}, err
		}
		recordSecurity(ctx, svc.Security, switchboard.SecurityEvent{AccountID: p.AccountID, Type: switchboard.SecurityPasswordChanged, UserID: p.UserID, Email: user.Email})
		return apigw.Response{StatusCode: http.StatusNoContent}, nil
	}
}

// RequestPasswordResetFunction is RequestPasswordResetFunction in template.yaml.
func RequestPasswordResetFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	mailer := sesmail.New(env.SESv2(), env.Config.SenderAddress)
	return apigw.Handle(env.Logger, RequestPasswordReset(svc, store, mailer, env.Config.SiteOrigin))
}

// ConfirmPasswordResetFunction is ConfirmPasswordResetFunction in template.yaml.
func ConfirmPasswordResetFunction(env *platform.Env) apigw.LambdaHandler {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	return apigw.Handle(env.Logger, ConfirmPasswordReset(store, store))
}

// ChangePasswordFunction is ChangePasswordFunction in template.yaml.
func ChangePasswordFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, RequireSession(svc, ChangePassword(svc, store)))
}

// redeemWithPassword is what every emailed single-use link that sets a
// password does (an invitation, a password reset), from the request's
// {"token","password"}: the link is looked up
// and the password checked before the costly hash, then the link is
// redeemed with the hash. An unknown, used or expired link is unusable,
// whether found so before hashing or when redeeming (a race with another
// use of the same link).
func redeemWithPassword[U any](ctx context.Context, req apigw.Request, unusable error,
	pending func(ctx context.Context, tokenHash string) error,
	redeem func(ctx context.Context, tokenHash, passwordHash string) (U, error)) (U, error) {
	var none U
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := apigw.DecodeJSON(req, &in, 4096); err != nil {
		return none, err
	}
	token, password := in.Token, in.Password
	if token == "" || len(token) > 128 {
		return none, unusable
	}
	tokenHash := auth.HashToken(token)
	if err := pending(ctx, tokenHash); switchboard.ErrorCode(err) == switchboard.ENotFound {
		return none, unusable
	} else if err != nil {
		return none, err
	}
	if err := auth.CheckNewPassword(password); err != nil {
		return none, err
	}
	passwordHash, err := auth.HashPassword(password)
	if err != nil {
		return none, err
	}
	u, err := redeem(ctx, tokenHash, passwordHash)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return none, unusable
	}
	return u, err
}
