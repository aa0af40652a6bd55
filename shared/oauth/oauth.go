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
	Connections switchboard.ConnectionStore
	Tokens      switchboard.OAuthStore
	Log         switchboard.AppLog
	// Callbacks, when set, tells apps about installs and reinstalls.
	Callbacks switchboard.Announcer
	Now       func() time.Time
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
			return AuthorizeRequest{}, switchboard.Errorf(switchboard.EInvalid, "The parameter %s is repeated: the app that sent you here is misconfigured.", k)
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
// redirect URI is returned as an *switchboard.Error: it is shown to the
// merchant and never redirected (§4.1.2.1), since the redirect target cannot
// be trusted. Anything else is an *switchboard.OAuthError for the redirect URI.
func (s *Service) Check(ctx context.Context, r AuthorizeRequest) (Checked, error) {
	if r.ClientID == "" {
		return Checked{}, switchboard.Errorf(switchboard.EInvalid, "The request has no client_id: the app that sent you here is misconfigured.")
	}
	app, err := s.Apps.GetDeveloperApp(ctx, r.ClientID)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return Checked{}, switchboard.Errorf(switchboard.EInvalid, "No app is registered with client_id %q.", r.ClientID)
	}
	if err != nil {
		return Checked{}, err
	}
	if !slices.Contains(app.RedirectURIs, r.RedirectURI) {
		return Checked{}, switchboard.Errorf(switchboard.EInvalid, "The redirect_uri does not match any URI registered by %s.", app.Name)
	}
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
	if scope.Level == "" && len(scope.Permissions) == 0 {
		scope.Level = app.Level // profile alone still connects at the app's level
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
func RedirectWithError(redirectURI, state string, e *switchboard.OAuthError) string {
	q := url.Values{"error": {e.Code}, "error_description": {e.Description}}
	if state != "" {
		q.Set("state", state)
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
func (s *Service) Decide(ctx context.Context, p switchboard.Principal, d Decision) (string, error) {
	checked, err := s.Check(ctx, d.AuthorizeRequest)
	if oe, ok := err.(*switchboard.OAuthError); ok {
		return RedirectWithError(d.RedirectURI, d.State, oe), nil
	}
	if err != nil {
		return "", err
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
	return RedirectWithError(d.RedirectURI, d.State, oe), nil
}

// decide is Decide past the client and redirect URI checks.
func (s *Service) decide(ctx context.Context, p switchboard.Principal, d Decision, checked Checked) (string, error) {
	if !d.Approve {
		return RedirectWithError(d.RedirectURI, d.State, oauthError(switchboard.OAuthAccessDenied, "the merchant denied access")), nil
	}
	if !p.Role.CanManage() {
		return "", switchboard.Errorf(switchboard.EForbidden, "Only admins can connect apps.")
	}
	app := checked.App
	// An unpublished app is its developer's to try: other accounts cannot
	// connect it until it is listed.
	if !app.Published && app.OwnerAccountID != p.AccountID {
		return "", oauthError(switchboard.OAuthUnauthorizedClient, app.Name+" is not published yet: only its developer's account can connect it")
	}
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
	q := url.Values{"code": {code}}
	if d.State != "" {
		q.Set("state", d.State)
	}
	return appendQuery(d.RedirectURI, q), nil
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
