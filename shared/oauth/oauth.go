// Package oauth is Switchboard's OAuth 2.0 authorisation server: the
// authorisation code flow of RFC 6749 with PKCE (RFC 7636), token revocation
// (RFC 7009), and the connections the flow creates or re-authorises.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Service runs the flow over the stores.
type Service struct {
	Apps        switchboard.DeveloperAppStore
	Accounts    switchboard.AccountStore
	Connections switchboard.ConnectionLifecycleStore
	Tokens      switchboard.OAuthStore
	// Callbacks, when set, announces installs and reinstalls to apps.
	Callbacks switchboard.Announcer
	// Issuer is the server's issuer identifier (RFC 9207), the site origin
	// that serves /oauth2/*: every authorisation response carries it as
	// iss, so a client that talks to several servers can tell which one
	// answered (mix-up attacks, RFC 9700 §4.4). Empty leaves iss out.
	Issuer string
	Now    func() time.Time
}

// Reasons the site's OAuth error page maps to fixed texts. The page never
// shows text from its URL: a link to it could otherwise put words in
// Switchboard's mouth. OAuth error codes (invalid_request, invalid_scope…)
// are reasons too, for an app whose redirect URI is not trusted.
const (
	ReasonMalformedRequest    = "malformed_request"
	ReasonMissingClientID     = "missing_client_id"
	ReasonUnknownClient       = "unknown_client"
	ReasonRedirectURIMismatch = "redirect_uri_mismatch"
	ReasonRepeatedParameter   = "repeated_parameter"
)

// PageError is a failure shown to the merchant on the error page, never
// redirected to the client: the client or its redirect URI is in doubt.
// It unwraps to an EInvalid *switchboard.Error, which the consent page's
// JSON answer shows.
type PageError struct {
	Reason string // a Reason… constant
	Err    *switchboard.Error
}

func (e *PageError) Error() string { return e.Err.Error() }
func (e *PageError) Unwrap() error { return e.Err }

func pageError(reason, format string, args ...any) *PageError {
	return &PageError{Reason: reason, Err: switchboard.Errorf(switchboard.EInvalid, format, args...)}
}

// TrustsRedirect reports whether errors about app may be sent to its
// redirect URI rather than shown on Switchboard's error page (RFC 9700
// §4.11.2: no open redirector). Any merchant admin can register an app with
// any https redirect URI, so the URI is trusted only for a listed app, or
// for the developer's own account trying its private app. viewer is nil
// when nobody is signed in.
func TrustsRedirect(app switchboard.DeveloperApp, viewer *switchboard.Principal) bool {
	return app.Listed() || (viewer != nil && viewer.AccountID == app.OwnerAccountID)
}

// notListed refuses another account the consent of a private app, on the
// consent page.
func notListed(app switchboard.DeveloperApp) error {
	return switchboard.Errorf(switchboard.EForbidden, "%s is not listed yet: only its developer's account can connect it.", app.Name)
}

// AuthorizeRequest is the query of GET /oauth2/v1/authorize.
type AuthorizeRequest struct {
	ClientID            string `json:"client_id"`
	RedirectURI         string `json:"redirect_uri"`
	ResponseType        string `json:"response_type"`
	Scope               string `json:"scope"`
	State               string `json:"state"`
	CodeChallenge       string `json:"code_challenge"`
	CodeChallengeMethod string `json:"code_challenge_method"`
	DeviceID            string `json:"device_id"` // HubRise's name for the instance label
	// Repeated names a parameter sent more than once (RFC 6749 §3.1):
	// Check reports it to the client once the client and redirect URI are
	// known good.
	Repeated string `json:"-"`
}

// AuthorizeRequestFromQuery reads the parameters. A repeated client_id or
// redirect_uri is an error for the merchant (the redirect target is in
// doubt); any other repeated parameter is left for Check to redirect.
func AuthorizeRequestFromQuery(q url.Values) (AuthorizeRequest, error) {
	repeated := ""
	for k, v := range q {
		if len(v) <= 1 {
			continue
		}
		if k == "client_id" || k == "redirect_uri" {
			return AuthorizeRequest{}, pageError(ReasonRepeatedParameter, "The parameter %s is repeated: the app that sent you here is misconfigured.", k)
		}
		if repeated == "" || k < repeated {
			repeated = k
		}
	}
	return AuthorizeRequest{Repeated: repeated,
		ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), ResponseType: q.Get("response_type"),
		Scope: q.Get("scope"), State: q.Get("state"), CodeChallenge: q.Get("code_challenge"),
		CodeChallengeMethod: q.Get("code_challenge_method"), DeviceID: q.Get("device_id"),
	}, nil
}

// Checked is a request that may be shown to the merchant for consent.
type Checked struct {
	App   switchboard.DeveloperApp
	Scope switchboard.Scope
}

// Check validates a request in RFC 6749's two tiers. A bad client or
// redirect URI is returned as a *PageError: it is shown to the merchant and
// never redirected (§4.1.2.1), since the redirect target cannot be trusted.
// Anything else is an *switchboard.OAuthError, returned with the app: the
// caller sends it to the redirect URI only if TrustsRedirect says so.
func (s *Service) Check(ctx context.Context, r AuthorizeRequest) (Checked, error) {
	if r.ClientID == "" {
		return Checked{}, pageError(ReasonMissingClientID, "The request has no client_id: the app that sent you here is misconfigured.")
	}
	app, err := s.Apps.GetDeveloperApp(ctx, r.ClientID)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return Checked{}, pageError(ReasonUnknownClient, "No app is registered with client_id %q.", r.ClientID)
	}
	if err != nil {
		return Checked{}, err
	}
	if !slices.Contains(app.RedirectURIs, r.RedirectURI) {
		return Checked{}, pageError(ReasonRedirectURIMismatch, "The redirect_uri does not match any URI registered by %s.", app.Name)
	}
	checked, err := checkParameters(app, r)
	if err != nil {
		return Checked{App: app}, err
	}
	return checked, nil
}

// checkParameters is Check once the client and redirect URI are known.
func checkParameters(app switchboard.DeveloperApp, r AuthorizeRequest) (Checked, error) {
	if r.Repeated != "" {
		return Checked{}, oauthError(switchboard.OAuthInvalidRequest, "parameter "+r.Repeated+" is repeated")
	}
	if r.ResponseType != "code" {
		return Checked{}, oauthError(switchboard.OAuthUnsupportedResponseType, "response_type must be code")
	}
	scope, err := switchboard.ParseScope(r.Scope)
	if err != nil {
		return Checked{}, oauthError(switchboard.OAuthInvalidScope, switchboard.ErrorMessage(err))
	}
	limit := app.RequestedScope()
	limit.Profile = true // any app may ask for the user's profile
	if !scope.Within(limit) {
		return Checked{}, oauthError(switchboard.OAuthInvalidScope, fmt.Sprintf("the scope must be within %s", limit.String()))
	}
	if len(scope.Permissions) == 0 {
		// profile alone grants nothing the platform API serves: stored, it
		// would make a connection every call refuses, and a
		// re-authorisation would overwrite a working scope with it.
		return Checked{}, oauthError(switchboard.OAuthInvalidScope, "the scope grants no permission: ask for location[…] or account[…] with at least one")
	}
	switch {
	case r.CodeChallenge == "" && r.CodeChallengeMethod != "":
		return Checked{}, oauthError(switchboard.OAuthInvalidRequest, "code_challenge_method without code_challenge")
	case r.CodeChallenge == "" && app.PublicClient:
		return Checked{}, oauthError(switchboard.OAuthInvalidRequest, "public clients must use PKCE (code_challenge with S256)")
	case r.CodeChallenge != "" && r.CodeChallengeMethod != "S256":
		return Checked{}, oauthError(switchboard.OAuthInvalidRequest, "code_challenge_method must be S256")
	case r.CodeChallenge != "" && !pkceValue.MatchString(r.CodeChallenge):
		return Checked{}, oauthError(switchboard.OAuthInvalidRequest, "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]")
	case len(r.State) > 500:
		return Checked{}, oauthError(switchboard.OAuthInvalidRequest, "state is too long")
	}
	if _, err := switchboard.NormalizeInstanceLabel(r.DeviceID); err != nil {
		return Checked{}, oauthError(switchboard.OAuthInvalidRequest, switchboard.ErrorMessage(err))
	}
	return Checked{App: app, Scope: scope}, nil
}

// pkceValue is the verifier and challenge alphabet and length (RFC 7636 §4.1).
var pkceValue = regexp.MustCompile(`^[A-Za-z0-9\-._~]{43,128}$`)

func oauthError(code, description string) *switchboard.OAuthError {
	return &switchboard.OAuthError{Code: code, Description: description}
}

// RedirectWithError builds the redirect of an OAuth error to the client.
func (s *Service) RedirectWithError(redirectURI, state string, e *switchboard.OAuthError) string {
	return s.respond(redirectURI, state, url.Values{"error": {e.Code}, "error_description": {e.Description}})
}

// respond builds an authorisation response: q, the state, and the issuer
// (RFC 9207 §2, on success and error alike).
func (s *Service) respond(redirectURI, state string, q url.Values) string {
	if state != "" {
		q.Set("state", state)
	}
	if s.Issuer != "" {
		q.Set("iss", s.Issuer)
	}
	return appendQuery(redirectURI, q)
}

func appendQuery(uri string, q url.Values) string {
	u, err := url.Parse(uri) // registered URIs were validated at registration
	if err != nil {
		return uri
	}
	existing := u.Query()
	for k, v := range q {
		existing[k] = v
	}
	u.RawQuery = existing.Encode()
	return u.String()
}

// Decision is the merchant's answer on the consent page.
type Decision struct {
	AuthorizeRequest
	LocationID    string `json:"location_id"`
	InstanceLabel string `json:"instance_label"`
	Approve       bool   `json:"approve"`
}

// Decide turns a consent into a redirect: a code on approval, access_denied
// otherwise. Wrong targets and roles are refused with EInvalid and
// EForbidden before any redirect, for the consent page to show: the
// merchant can correct them. Once client and redirect URI are valid, every
// other failure goes to the client (RFC 6749 §4.1.2.1): server_error for an
// internal one, temporarily_unavailable when throttled or unreachable.
//
// Another account's answer about a private app is refused on the page
// (EForbidden), approval and denial alike: its redirect URI is not trusted
// (TrustsRedirect).
func (s *Service) Decide(ctx context.Context, p switchboard.Principal, d Decision) (string, error) {
	checked, err := s.Check(ctx, d.AuthorizeRequest)
	if oe, ok := err.(*switchboard.OAuthError); ok {
		if !TrustsRedirect(checked.App, &p) {
			return "", notListed(checked.App)
		}
		return s.RedirectWithError(d.RedirectURI, d.State, oe), nil
	}
	if err != nil {
		return "", err
	}
	if !TrustsRedirect(checked.App, &p) {
		return "", notListed(checked.App)
	}
	to, err := s.decide(ctx, p, d, checked)
	var oe *switchboard.OAuthError
	switch code := switchboard.ErrorCode(err); {
	case err == nil:
		return to, nil
	case errors.As(err, &oe):
	case code == switchboard.ERateLimited || code == switchboard.EUnavailable:
		oe = oauthError(switchboard.OAuthTemporarilyUnavailable, "the authorisation server is busy; try again shortly")
	case code == switchboard.EInternal:
		platform.Logger(ctx).Error("authorisation failed; the client is told server_error", "clientId", d.ClientID, "error", err)
		oe = oauthError(switchboard.OAuthServerError, "the authorisation server failed; try again")
	default:
		return "", err
	}
	return s.RedirectWithError(d.RedirectURI, d.State, oe), nil
}

// decide is Decide past the client and redirect URI checks.
func (s *Service) decide(ctx context.Context, p switchboard.Principal, d Decision, checked Checked) (string, error) {
	if !d.Approve {
		return s.RedirectWithError(d.RedirectURI, d.State, oauthError(switchboard.OAuthAccessDenied, "the merchant denied access")), nil
	}
	if !p.Role.CanManage() {
		return "", switchboard.Errorf(switchboard.EForbidden, "Only admins can connect apps.")
	}
	app := checked.App
	switch app.Level {
	case switchboard.LevelLocation:
		if d.LocationID == "" {
			return "", switchboard.Errorf(switchboard.EInvalid, "%s connects to a location: choose one.", app.Name)
		}
		locs, err := s.Accounts.ListLocations(ctx, p.AccountID)
		if err != nil {
			return "", err
		}
		if !slices.ContainsFunc(locs, func(l switchboard.Location) bool { return l.ID == d.LocationID }) {
			return "", switchboard.Errorf(switchboard.EInvalid, "The location is not one of this account's.")
		}
	case switchboard.LevelAccount:
		if d.LocationID != "" {
			return "", switchboard.Errorf(switchboard.EInvalid, "%s connects to the whole account, not to one location.", app.Name)
		}
	}
	label, err := switchboard.NormalizeInstanceLabel(d.InstanceLabel)
	if err != nil {
		return "", err
	}
	if !app.MultipleInstances && label != "" {
		return "", switchboard.Errorf(switchboard.EInvalid, "%s allows one instance per target: leave the instance label empty.", app.Name)
	}
	code, hash := newSecret("sbc_")
	err = s.Tokens.SaveCode(ctx, switchboard.AuthorizationCode{
		Hash: hash, AppID: app.ID, RedirectURI: d.RedirectURI, Scope: checked.Scope.String(),
		AccountID: p.AccountID, LocationID: d.LocationID, InstanceLabel: label, UserID: p.UserID,
		CodeChallenge: d.CodeChallenge, ExpiresAt: s.Now().Add(switchboard.CodeLifetime),
	})
	if err != nil {
		return "", err
	}
	return s.respond(d.RedirectURI, d.State, url.Values{"code": {code}}), nil
}

// newSecret returns a prefixed 256-bit token and its stored hash. The prefix
// tells a leaked value's kind at a glance (and to secret scanners).
func newSecret(prefix string) (token, hash string) {
	t, _ := auth.NewToken()
	token = prefix + t
	return token, auth.HashToken(token)
}

// NewClientSecret returns a new client secret and its hash.
func NewClientSecret() (secret, hash string) { return newSecret("sbs_") }

// newID returns a random identifier with a kind prefix.
func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}

// NewAppID returns a fresh client id for a registered app.
func NewAppID() string { return newID("app-") }

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
