package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// SessionCookie holds the opaque session token.
const SessionCookie = "sb_session"

// AuthedHandler serves a route that needs a signed-in user.
type AuthedHandler func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error)

// RequireSession admits requests carrying a live session cookie, and for
// state-changing methods the session's CSRF token in X-CSRF-Token.
func RequireSession(svc *auth.Service, h AuthedHandler) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		method := req.RequestContext.HTTP.Method
		unsafe := method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
		p, err := svc.Authenticate(ctx, apigw.Cookie(req, SessionCookie), unsafe, req.Headers["x-csrf-token"])
		if err != nil {
			return apigw.Response{}, err
		}
		ctx = platform.WithLogger(ctx, platform.Logger(ctx).With("accountId", p.AccountID, "userId", p.UserID))
		return h(ctx, p, req)
	}
}

// sessionCookie builds the Set-Cookie value: HttpOnly so scripts cannot read
// it, SameSite=Lax so other sites cannot post with it, Secure except on
// localhost, which has no TLS.
func sessionCookie(req apigw.Request, value string, expires time.Time) string {
	parts := []string{SessionCookie + "=" + value, "Path=/", "HttpOnly", "SameSite=Lax"}
	if value == "" {
		parts = append(parts, "Max-Age=0")
	} else {
		parts = append(parts, "Expires="+expires.UTC().Format(http.TimeFormat))
	}
	if !apigw.IsLocalHost(req) {
		parts = append(parts, "Secure")
	}
	return strings.Join(parts, "; ")
}

// Me is what the admin site needs to render for the signed-in user.
type Me struct {
	User      switchboard.User       `json:"user"`
	Account   switchboard.Account    `json:"account"`
	Locations []switchboard.Location `json:"locations"`
	CSRFToken string                 `json:"csrfToken"`
}

func loadMe(ctx context.Context, accounts switchboard.AccountStore, user switchboard.User, token string) (Me, error) {
	account, err := accounts.GetAccount(ctx, user.AccountID)
	if err != nil {
		return Me{}, err
	}
	locations, err := accounts.ListLocations(ctx, user.AccountID)
	if err != nil {
		return Me{}, err
	}
	return Me{User: user, Account: account, Locations: locations, CSRFToken: auth.CSRFToken(token)}, nil
}

// CreateSession serves POST /admin/v1/session {"email","password"}.
func CreateSession(svc *auth.Service) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		var in struct {
			Email    string `json:"email"`
			Password string `json:"password"`
		}
		if err := apigw.DecodeJSON(req, &in, 4096); err != nil {
			return apigw.Response{}, err
		}
		if in.Email == "" || in.Password == "" {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "email and password are required")
		}
		signed, err := svc.SignIn(ctx, in.Email, in.Password, apigw.ClientAddress(req))
		if resp, ok := rateLimited(ctx, err); ok {
			return resp, nil
		}
		if err != nil {
			return apigw.Response{}, err
		}
		return signedInResponse(ctx, svc.Accounts, req, signed)
	}
}

// signedInResponse answers a new session (sign-in, verified sign-up): the
// caller's Me and the session cookie. The session already holds the user:
// only the account and locations are read.
func signedInResponse(ctx context.Context, accounts switchboard.AccountStore, req apigw.Request, signed auth.SignedIn) (apigw.Response, error) {
	me, err := loadMe(ctx, accounts, signed.User, signed.Token)
	if err != nil {
		return apigw.Response{}, err
	}
	resp, err := apigw.JSON(http.StatusCreated, me)
	resp.Cookies = []string{sessionCookie(req, signed.Token, signed.ExpiresAt)}
	return resp, err
}

// DeleteSession serves DELETE /admin/v1/session: the session ends on the
// server, not only in the browser.
func DeleteSession(svc *auth.Service) apigw.HandlerFunc {
	return RequireSession(svc, func(ctx context.Context, _ switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := svc.SignOut(ctx, apigw.Cookie(req, SessionCookie)); err != nil {
			return apigw.Response{}, err
		}
		return apigw.Response{StatusCode: http.StatusNoContent, Cookies: []string{sessionCookie(req, "", time.Time{})}}, nil
	})
}

// GetMe serves GET /admin/v1/me.
func GetMe(svc *auth.Service) apigw.HandlerFunc {
	return RequireSession(svc, func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		user, err := svc.Accounts.GetUser(ctx, p.AccountID, p.UserID)
		if err != nil {
			return apigw.Response{}, err
		}
		me, err := loadMe(ctx, svc.Accounts, user, apigw.Cookie(req, SessionCookie))
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, me)
	})
}

func authService(env *platform.Env) (*auth.Service, *dynamo.Store) {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	svc := auth.NewService(store, store, store)
	svc.Security = store
	return svc, store
}

// sessionRoute builds a route that needs a session, over the one store.
func sessionRoute(env *platform.Env, build func(*dynamo.Store) AuthedHandler) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, RequireSession(svc, build(store)))
}

// CreateSessionFunction is CreateSessionFunction in template.yaml.
func CreateSessionFunction(env *platform.Env) apigw.LambdaHandler {
	svc, _ := authService(env)
	return apigw.Handle(env.Logger, CreateSession(svc))
}

// DeleteSessionFunction is DeleteSessionFunction in template.yaml.
func DeleteSessionFunction(env *platform.Env) apigw.LambdaHandler {
	svc, _ := authService(env)
	return apigw.Handle(env.Logger, DeleteSession(svc))
}

// GetMeFunction is GetMeFunction in template.yaml.
func GetMeFunction(env *platform.Env) apigw.LambdaHandler {
	svc, _ := authService(env)
	return apigw.Handle(env.Logger, GetMe(svc))
}

// requireManager refuses members: only super admins and admins change an
// account's users, teams, apps and connections.
func requireManager(p switchboard.Principal) error {
	if !p.Role.CanManage() {
		return switchboard.Errorf(switchboard.EForbidden, "Only admins can do this.")
	}
	return nil
}
