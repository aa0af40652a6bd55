package api

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/oauth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// redirect answers 302 to location.
func redirect(location string) (apigw.Response, error) {
	return apigw.Response{StatusCode: http.StatusFound, Headers: map[string]string{"Location": location, "Cache-Control": "no-store"}}, nil
}

// Authorize serves GET /oauth2/v1/authorize: it checks the request and sends
// the browser to the admin site's consent page, or the error where RFC 6749
// says it belongs (§4.1.2.1): to the merchant for a bad client or redirect
// URI, to the client otherwise — but only to a client whose redirect URI the
// server trusts (oauth.TrustsRedirect); an unlisted app's errors stay on the
// error page unless its developer's account is the one signed in, so the
// endpoint is no open redirector (RFC 9700 §4.11.2).
func Authorize(svc *oauth.Service, sessions *auth.Service) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		q, err := url.ParseQuery(req.RawQueryString)
		if err != nil {
			return errorPage(oauth.ReasonMalformedRequest)
		}
		ar, err := oauth.AuthorizeRequestFromQuery(q)
		var checked oauth.Checked
		if err == nil {
			checked, err = svc.Check(ctx, ar)
		}
		var pe *oauth.PageError
		var oe *switchboard.OAuthError
		switch {
		case errors.As(err, &pe):
			return errorPage(pe.Reason)
		case errors.As(err, &oe):
			if checked.App.Listed() || oauth.TrustsRedirect(checked.App, viewer(ctx, sessions, req)) {
				return redirect(svc.RedirectWithError(ar.RedirectURI, ar.State, oe))
			}
			return errorPage(oe.Code)
		case err != nil:
			return apigw.Response{}, err
		}
		return redirect("/#/consent?" + q.Encode())
	}
}

// errorPage sends the browser to the site's OAuth error page with a reason
// code, which the page maps to a fixed text: nothing of the request is
// shown back.
func errorPage(reason string) (apigw.Response, error) {
	return redirect("/#/oauth-error?" + url.Values{"reason": {reason}}.Encode())
}

// viewer is who is signed in on the site, or nil. A failure to read the
// session counts as nobody: the error page is the safe side.
func viewer(ctx context.Context, sessions *auth.Service, req apigw.Request) *switchboard.Principal {
	cookie := apigw.Cookie(req, SessionCookie)
	if cookie == "" {
		return nil
	}
	p, err := sessions.Authenticate(ctx, cookie, false, "")
	if err != nil {
		if code := switchboard.ErrorCode(err); code != switchboard.EUnauthorized {
			platform.Logger(ctx).Warn("session not read; authorisation errors go to the error page", "error", err)
		}
		return nil
	}
	return &p
}

// consentBody is what the consent page posts.
type consentBody struct {
	oauth.Decision
}

// Decide serves POST /oauth2/v1/authorize, the consent page's answer. It
// returns where the browser goes next, since a script cannot follow a
// cross-origin redirect.
func Decide(svc *oauth.Service, sessions *auth.Service) apigw.HandlerFunc {
	return RequireSession(sessions, func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		var d consentBody
		if err := apigw.DecodeJSON(req, &d, 8192); err != nil {
			return apigw.Response{}, err
		}
		d.ResponseType = valueOr(d.ResponseType, "code")
		to, err := svc.Decide(ctx, p, d.Decision)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, map[string]string{"redirectTo": to})
	})
}

// oauthJSON writes RFC 6749 §5.1 and §5.2 bodies, never cached.
func oauthJSON(status int, v any) (apigw.Response, error) {
	resp, err := apigw.JSON(status, v)
	resp.Headers["Pragma"] = "no-cache"
	return resp, err
}

// oauthFailure writes an *switchboard.OAuthError in the RFC's shape; other
// errors go to the usual JSON error writer.
func oauthFailure(err error) (apigw.Response, error) {
	var oe *switchboard.OAuthError
	if !errors.As(err, &oe) {
		return apigw.Response{}, err
	}
	status := http.StatusBadRequest
	if oe.Code == switchboard.OAuthInvalidClient {
		status = http.StatusUnauthorized
	}
	resp, _ := oauthJSON(status, map[string]string{"error": oe.Code, "error_description": oe.Description}) // strings always marshal
	if status == http.StatusUnauthorized {
		resp.Headers["WWW-Authenticate"] = `Basic realm="switchboard"`
	}
	return resp, nil
}

// readForm parses an application/x-www-form-urlencoded body and the client
// credentials, from HTTP Basic (RFC 6749 §2.3.1) or the form.
func readForm(req apigw.Request) (url.Values, string, string, error) {
	ct := strings.ToLower(req.Headers["content-type"])
	if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return nil, "", "", &switchboard.OAuthError{Code: switchboard.OAuthInvalidRequest, Description: "the body must be application/x-www-form-urlencoded"}
	}
	body := req.Body
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, "", "", &switchboard.OAuthError{Code: switchboard.OAuthInvalidRequest, Description: "the body is not valid base64"}
		}
		body = string(b)
	}
	form, err := url.ParseQuery(body)
	if err != nil || len(body) > 16384 {
		return nil, "", "", &switchboard.OAuthError{Code: switchboard.OAuthInvalidRequest, Description: "the form is malformed"}
	}
	for k, v := range form {
		if len(v) > 1 {
			return nil, "", "", &switchboard.OAuthError{Code: switchboard.OAuthInvalidRequest, Description: "parameter " + k + " is repeated"}
		}
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if h := req.Headers["authorization"]; h != "" {
		raw, ok := strings.CutPrefix(h, "Basic ")
		dec, err := base64.StdEncoding.DecodeString(raw)
		user, pass, found := strings.Cut(string(dec), ":")
		if !ok || err != nil || !found {
			return nil, "", "", &switchboard.OAuthError{Code: switchboard.OAuthInvalidClient, Description: "malformed Basic credentials"}
		}
		uid, err1 := url.QueryUnescape(user)
		pw, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || (id != "" && id != uid) || secret != "" {
			return nil, "", "", &switchboard.OAuthError{Code: switchboard.OAuthInvalidRequest, Description: "use one client authentication method"}
		}
		id, secret = uid, pw
	}
	return form, id, secret, nil
}

// Token serves POST /oauth2/v1/token.
func Token(svc *oauth.Service) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		form, id, secret, err := readForm(req)
		if err != nil {
			return oauthFailure(err)
		}
		resp, err := svc.Exchange(ctx, oauth.TokenRequest{
			GrantType: form.Get("grant_type"), Code: form.Get("code"), RedirectURI: form.Get("redirect_uri"),
			ClientID: id, ClientSecret: secret, CodeVerifier: form.Get("code_verifier"),
		})
		if err != nil {
			return oauthFailure(err)
		}
		return oauthJSON(http.StatusOK, resp)
	}
}

// Revoke serves POST /oauth2/v1/revoke (RFC 7009): 200 whether or not the
// token existed.
func Revoke(svc *oauth.Service) apigw.HandlerFunc {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		form, id, secret, err := readForm(req)
		if err != nil {
			return oauthFailure(err)
		}
		if form.Get("token") == "" {
			return oauthFailure(&switchboard.OAuthError{Code: switchboard.OAuthInvalidRequest, Description: "token is required"})
		}
		if err := svc.Revoke(ctx, id, secret, form.Get("token")); err != nil {
			return oauthFailure(err)
		}
		return apigw.Response{StatusCode: http.StatusOK, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
	}
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func oauthService(env *platform.Env) (*oauth.Service, *dynamo.Store) {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	return oauthOn(env, store), store
}

func oauthOn(env *platform.Env, store *dynamo.Store) *oauth.Service {
	return &oauth.Service{Apps: store, Accounts: store, Connections: store, Tokens: store,
		Callbacks: callbacksOn(env, store), Issuer: env.Config.OAuthIssuer, Now: time.Now}
}

// AuthorizeFunction is AuthorizeFunction in template.yaml.
func AuthorizeFunction(env *platform.Env) apigw.LambdaHandler {
	// One store, one client: errors of a private app need the session.
	sessions, store := authService(env)
	return apigw.Handle(env.Logger, Authorize(oauthOn(env, store), sessions))
}

// DecideFunction is DecideFunction in template.yaml.
func DecideFunction(env *platform.Env) apigw.LambdaHandler {
	// One store, one client: the consent needs both the OAuth server and
	// the session check.
	sessions, store := authService(env)
	return apigw.Handle(env.Logger, Decide(oauthOn(env, store), sessions))
}

// TokenFunction is TokenFunction in template.yaml.
func TokenFunction(env *platform.Env) apigw.LambdaHandler {
	svc, _ := oauthService(env)
	return apigw.Handle(env.Logger, Token(svc))
}

// RevokeFunction is RevokeFunction in template.yaml.
func RevokeFunction(env *platform.Env) apigw.LambdaHandler {
	svc, _ := oauthService(env)
	return apigw.Handle(env.Logger, Revoke(svc))
}
