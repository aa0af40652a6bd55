package api

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// OperatorLinkLifetime is how long the set-password link of a bootstrapped
// operator works: longer than a reset's hour, since the person who runs
// the command is often not the one who reads the mail.
const OperatorLinkLifetime = 24 * time.Hour

// BootstrapOperatorInput is the payload `make bootstrap-operator` sends.
type BootstrapOperatorInput struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// BootstrapOperatorOutput says what was done; it carries no token.
type BootstrapOperatorOutput struct {
	UserID    string    `json:"userId"`
	Email     string    `json:"email"`
	Created   bool      `json:"created"` // false: the operator existed; a new link was sent
	ExpiresAt time.Time `json:"expiresAt"`
}

// BootstrapOperator makes a platform operator without anyone writing to
// DynamoDB by hand: it is invoked with the AWS CLI (no route reaches it, so
// only those allowed to invoke functions in the AWS account can), creates
// the platform account and the operator when missing, and emails a
// single-use set-password link (the password reset page, valid
// OperatorLinkLifetime). Run again for the same address, it sends a new
// link. An address that is a merchant's user is refused.
func BootstrapOperator(accounts switchboard.AccountStore, passwords switchboard.PasswordStore, mailer switchboard.Mailer, siteOrigin string, now func() time.Time) func(context.Context, BootstrapOperatorInput) (BootstrapOperatorOutput, error) {
	return func(ctx context.Context, in BootstrapOperatorInput) (BootstrapOperatorOutput, error) {
		if siteOrigin == "" {
			return BootstrapOperatorOutput{}, fmt.Errorf("ADMIN_SITE_ORIGIN is not set: the set-password link cannot be built")
		}
		email, err := switchboard.NormalizeEmail(in.Email)
		if err != nil {
			return BootstrapOperatorOutput{}, err
		}
		at := now().UTC()
		err = accounts.CreateAccount(ctx, switchboard.Account{ID: switchboard.PlatformAccountID, Name: "Switchboard platform", TimeZone: "UTC", CreatedAt: at}, nil)
		if err != nil && switchboard.ErrorCode(err) != switchboard.EConflict {
			return BootstrapOperatorOutput{}, fmt.Errorf("create the platform account: %w", err)
		}
		out := BootstrapOperatorOutput{Email: email}
		user, _, err := accounts.UserByEmail(ctx, email)
		switch {
		case err == nil && (user.AccountID != switchboard.PlatformAccountID || user.Role != switchboard.RoleOperator):
			return BootstrapOperatorOutput{}, switchboard.Errorf(switchboard.EConflict, "%s is a merchant's user, not an operator; use another address", email)
		case err == nil && !user.Active:
			return BootstrapOperatorOutput{}, switchboard.Errorf(switchboard.EConflict, "operator %s is deactivated", email)
		case switchboard.ErrorCode(err) == switchboard.ENotFound:
			name := strings.TrimSpace(in.Name)
			if name == "" {
				name, _, _ = strings.Cut(email, "@")
			}
			if name, err = switchboard.NormalizeName("name", name, 100); err != nil {
				return BootstrapOperatorOutput{}, err
			}
			user = switchboard.User{ID: generateID("usr-op-"), AccountID: switchboard.PlatformAccountID, Email: email, Name: name,
				Role: switchboard.RoleOperator, Active: true, CreatedAt: at}
			// Nobody knows this password: the emailed link sets the real one.
			unknown, _ := auth.NewToken()
			hash, err := auth.HashPassword(unknown)
			if err != nil {
				return BootstrapOperatorOutput{}, err
			}
			if err := accounts.CreateUser(ctx, user, hash); err != nil {
				return BootstrapOperatorOutput{}, fmt.Errorf("create operator %s: %w", email, err)
			}
			out.Created = true
		case err != nil:
			return BootstrapOperatorOutput{}, err
		}
		token, tokenHash := auth.NewToken()
		reset := switchboard.PasswordReset{TokenHash: tokenHash, AccountID: user.AccountID, UserID: user.ID, Email: email,
			CreatedAt: at, ExpiresAt: at.Add(OperatorLinkLifetime)}
		if err := passwords.CreatePasswordReset(ctx, reset); err != nil {
			return BootstrapOperatorOutput{}, err
		}
		link := siteOrigin + ResetPasswordPath + token
		until := reset.ExpiresAt.Format("Monday 2 January 2006 at 15:04 UTC")
		msg := switchboard.Email{
			To:      email,
			Subject: "You are a Switchboard platform operator: choose your password",
			Text: fmt.Sprintf("Hello %s,\n\nYou are now an operator of this Switchboard platform: you review the apps developers ask to list.\n\n"+
				"Choose your password here:\n%s\n\nThe link works once, until %s. Then sign in at %s and open App listings (%s).\n",
				user.Name, link, until, siteOrigin+SignInPath, siteOrigin+"/#/operator/listings"),
			HTML: emailHTML([]string{
				fmt.Sprintf("Hello %s, you are now an operator of this Switchboard platform: you review the apps developers ask to list.", html.EscapeString(user.Name)),
				fmt.Sprintf("The link works once, until %s. Then sign in and open App listings.", until),
			}, "Choose your password", link),
		}
		if err := mailer.SendEmail(ctx, msg); err != nil {
			return BootstrapOperatorOutput{}, fmt.Errorf("email the set-password link to %s: %w", email, err)
		}
		platform.Logger(ctx).Info("operator bootstrapped", "userId", user.ID, "created", out.Created)
		out.UserID, out.ExpiresAt = user.ID, reset.ExpiresAt
		return out, nil
	}
}

// BootstrapOperatorFunction is BootstrapOperatorFunction in template.yaml.
func BootstrapOperatorFunction(env *platform.Env) func(context.Context, BootstrapOperatorInput) (BootstrapOperatorOutput, error) {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	mailer := sesmail.New(env.SESv2(), env.Config.SenderAddress)
	return BootstrapOperator(store, store, mailer, env.Config.SiteOrigin, time.Now)
}
