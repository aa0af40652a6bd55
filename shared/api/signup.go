package api

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Site pages the emails link to; the configured site origin goes in front.
const (
	VerifySignupPath   = "/#/signup/verify?token="
	SignInPath         = "/#/signin"
	ForgotPasswordPath = "/#/forgot-password"
)

// SignupAccepted is the answer to every well-formed sign-up: the same
// whether the address is new, already has an account, or has a sign-up
// pending, so that nobody learns which from it. What differs is the email
// the address receives.
type SignupAccepted struct {
	Email   string `json:"email"`
	Message string `json:"message"`
}

// rateLimited turns a *auth.TooSoon into its 429 with Retry-After.
func rateLimited(ctx context.Context, err error) (apigw.Response, bool) {
	var tooSoon *auth.TooSoon
	if !errors.As(err, &tooSoon) {
		return apigw.Response{}, false
	}
	resp := apigw.ErrorResponse(ctx, err)
	resp.Headers["Retry-After"] = strconv.Itoa(tooSoon.RetryAfter())
	return resp, true
}

// mailUnavailable is what a route answers when its email could not go out:
// the person can only try again later.
var mailUnavailable = switchboard.Errorf(switchboard.EUnavailable, "We could not send the email just now. Try again in a few minutes.")

// Signup serves POST /admin/v1/signup without a session: it stores a
// pending sign-up and emails a verification link built from siteOrigin
// (ADMIN_SITE_ORIGIN), never from the request's headers, which are the
// caller's to choose. An address that already has an account is emailed
// that instead; an address with a sign-up pending is told the earlier link
// still works. The answer is the same 202 in every case, after the same
// argon2id work.
func Signup(svc *auth.Service, signups switchboard.SignupStore, mailer switchboard.Mailer, siteOrigin string) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		if siteOrigin == "" {
			platform.Logger(ctx).Error("sign-up refused: ADMIN_SITE_ORIGIN is not set, so no verification link can be built")
			return apigw.Response{}, switchboard.Errorf(switchboard.EUnavailable, "Sign-up is not available on this server.")
		}
		var form switchboard.SignupForm
		if err := apigw.DecodeJSON(req, &form, 4096); err != nil {
			return apigw.Response{}, err
		}
		form, err := form.Normalize()
		if err != nil {
			return apigw.Response{}, err
		}
		if err := auth.CheckNewPassword(form.Password); err != nil {
			return apigw.Response{}, err
		}
		if err := svc.AdmitSignup(ctx, form.Email, apigw.ClientAddress(req)); err != nil {
			if resp, ok := rateLimited(ctx, err); ok {
				return resp, nil
			}
			return apigw.Response{}, err
		}
		// Hashed before anything is looked up, so that every case costs
		// the same time.
		passwordHash, err := auth.HashPassword(form.Password)
		if err != nil {
			return apigw.Response{}, err
		}
		accepted := SignupAccepted{Email: form.Email,
			Message: "Check your inbox: we sent an email to " + form.Email + " to finish signing up. The link works for 24 hours."}
		now := svc.Now().UTC()

		existing, _, err := svc.Accounts.UserByEmail(ctx, form.Email)
		switch {
		case err == nil:
			platform.Logger(ctx).Info("sign-up of an address that has an account", "existingUserId", existing.ID)
			if err := mailer.SendEmail(ctx, accountExistsEmail(form, siteOrigin)); err != nil {
				platform.Logger(ctx).Warn("account-exists email not sent", "error", err)
				return apigw.Response{}, mailUnavailable
			}
			return apigw.JSON(http.StatusAccepted, accepted)
		case switchboard.ErrorCode(err) != switchboard.ENotFound:
			return apigw.Response{}, err
		}

		token, tokenHash := auth.NewToken()
		su := switchboard.Signup{TokenHash: tokenHash, Email: form.Email, Name: form.Name, AccountName: form.AccountName,
			TimeZone: form.TimeZone, LocationName: form.LocationName, PasswordHash: passwordHash,
			CreatedAt: now, ExpiresAt: now.Add(switchboard.SignupLifetime)}
		err = signups.CreateSignup(ctx, su)
		if switchboard.ErrorCode(err) == switchboard.EConflict {
			if err := mailer.SendEmail(ctx, signupPendingEmail(form, siteOrigin)); err != nil {
				platform.Logger(ctx).Warn("sign-up-pending email not sent", "error", err)
				return apigw.Response{}, mailUnavailable
			}
			return apigw.JSON(http.StatusAccepted, accepted)
		}
		if err != nil {
			return apigw.Response{}, err
		}
		if err := mailer.SendEmail(ctx, verificationEmail(form, siteOrigin+VerifySignupPath+token, su.ExpiresAt)); err != nil {
			platform.Logger(ctx).Warn("verification email not sent", "error", err)
			// Without its email the sign-up cannot be finished; freeing the
			// address lets the person try again at once.
			if derr := signups.DeleteSignup(ctx, su); derr != nil {
				platform.Logger(ctx).Error("sign-up not deleted after its email failed", "error", derr)
			}
			return apigw.Response{}, mailUnavailable
		}
		return apigw.JSON(http.StatusAccepted, accepted)
	}
}

// emailHTML wraps paragraphs (already escaped) and one button.
func emailHTML(paragraphs []string, buttonText, link string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">`)
	for i, p := range paragraphs {
		b.WriteString("<p>" + p + "</p>")
		if i == 0 && link != "" {
			fmt.Fprintf(&b, `<p><a href="%s" style="display:inline-block;padding:10px 16px;background:#4338ca;color:#fff;border-radius:6px;text-decoration:none">%s</a></p>`,
				html.EscapeString(link), html.EscapeString(buttonText))
			b.WriteString("<p>Or open this link: " + html.EscapeString(link) + "</p>")
		}
	}
	b.WriteString("</body></html>")
	return b.String()
}

func verificationEmail(f switchboard.SignupForm, link string, expires time.Time) switchboard.Email {
	until := expires.UTC().Format("Monday 2 January 2006 at 15:04 UTC")
	e := html.EscapeString
	return switchboard.Email{
		To:      f.Email,
		Subject: "Confirm your email to create " + f.AccountName + " on Switchboard",
		Text: fmt.Sprintf("Hello %s,\n\nConfirm your email address to create the account %s on Switchboard:\n%s\n\n"+
			"The link works once, until %s. If you did not sign up, ignore this email: no account is created.\n", f.Name, f.AccountName, link, until),
		HTML: emailHTML([]string{
			fmt.Sprintf("Hello %s, confirm your email address to create the account <strong>%s</strong> on Switchboard.", e(f.Name), e(f.AccountName)),
			fmt.Sprintf("The link works once, until %s. If you did not sign up, ignore this email: no account is created.", until),
		}, "Confirm and create the account", link),
	}
}

func accountExistsEmail(f switchboard.SignupForm, siteOrigin string) switchboard.Email {
	signIn, forgot := siteOrigin+SignInPath, siteOrigin+ForgotPasswordPath
	return switchboard.Email{
		To:      f.Email,
		Subject: "You already have a Switchboard account",
		Text: fmt.Sprintf("Hello,\n\nSomeone, probably you, tried to sign up to Switchboard with %s, which already has an account. "+
			"No new account was created.\n\nSign in: %s\nForgot your password? %s\n\nIf it was not you, you can ignore this email.\n", f.Email, signIn, forgot),
		HTML: emailHTML([]string{
			fmt.Sprintf("Someone, probably you, tried to sign up to Switchboard with %s, which already has an account. No new account was created.", html.EscapeString(f.Email)),
			fmt.Sprintf(`Forgot your password? <a href="%s">Reset it</a>. If it was not you, you can ignore this email.`, html.EscapeString(forgot)),
		}, "Sign in", signIn),
	}
}

func signupPendingEmail(f switchboard.SignupForm, siteOrigin string) switchboard.Email {
	return switchboard.Email{
		To:      f.Email,
		Subject: "Your Switchboard sign-up is waiting for confirmation",
		Text: fmt.Sprintf("Hello,\n\nSomeone, probably you, tried to sign up to Switchboard again with %s. A sign-up of this address is "+
			"already waiting: open the link in the first email we sent to finish it. It works for 24 hours after it was sent; "+
			"after that you can sign up again at %s.\n\nIf it was not you, you can ignore this email.\n", f.Email, siteOrigin+"/#/signup"),
		HTML: emailHTML([]string{
			fmt.Sprintf("Someone, probably you, tried to sign up to Switchboard again with %s. A sign-up of this address is already waiting: "+
				"open the link in the first email we sent to finish it.", html.EscapeString(f.Email)),
			"It works for 24 hours after it was sent; after that you can sign up again. If it was not you, you can ignore this email.",
		}, "", ""),
	}
}

// VerifySignup serves POST /admin/v1/signup/verify {"token"} without a
// session: it creates the account, its first location if one was named and
// the super admin, all at once, and signs the new super admin in.
func VerifySignup(svc *auth.Service, signups switchboard.SignupStore) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		var in struct {
			Token string `json:"token"`
		}
		if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
			return apigw.Response{}, err
		}
		unusable := switchboard.Errorf(switchboard.EInvalid,
			"This link is invalid, already used or expired. Sign up again to get a new one.")
		if in.Token == "" || len(in.Token) > 128 {
			return apigw.Response{}, unusable
		}
		tokenHash := auth.HashToken(in.Token)
		su, err := signups.PendingSignup(ctx, tokenHash)
		if switchboard.ErrorCode(err) == switchboard.ENotFound {
			return apigw.Response{}, unusable
		} else if err != nil {
			return apigw.Response{}, err
		}
		now := svc.Now().UTC()
		account := switchboard.Account{ID: generateID("acc-"), Name: su.AccountName, TimeZone: su.TimeZone, CreatedAt: now}
		var location *switchboard.Location
		if su.LocationName != "" {
			location = &switchboard.Location{ID: generateID("loc-"), AccountID: account.ID, Name: su.LocationName}
		}
		user := switchboard.User{ID: generateID("usr-"), AccountID: account.ID, Email: su.Email, Name: su.Name,
			Role: switchboard.RoleSuperAdmin, Active: true, CreatedAt: now}
		err = signups.CompleteSignup(ctx, tokenHash, account, location, user)
		if switchboard.ErrorCode(err) == switchboard.ENotFound {
			return apigw.Response{}, unusable
		} else if err != nil {
			return apigw.Response{}, err
		}
		platform.Logger(ctx).Info("account created by sign-up", "accountId", account.ID, "userId", user.ID)
		recordSecurity(ctx, svc.Security, switchboard.SecurityEvent{AccountID: account.ID, Type: switchboard.SecuritySignup,
			UserID: user.ID, Email: user.Email, Detail: account.Name, At: now})
		signed, err := svc.StartSession(ctx, user)
		if err != nil {
			return apigw.Response{}, err
		}
		return signedInResponse(ctx, svc.Accounts, req, signed)
	}
}

// SignupFunction is SignupFunction in template.yaml.
func SignupFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	mailer := sesmail.New(env.SESv2(), env.Config.SenderAddress)
	return apigw.Handle(env.Logger, Signup(svc, store, mailer, env.Config.SiteOrigin))
}

// VerifySignupFunction is VerifySignupFunction in template.yaml.
func VerifySignupFunction(env *platform.Env) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, VerifySignup(svc, store))
}
