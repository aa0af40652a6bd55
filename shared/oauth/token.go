package oauth

import (
	"context"
	"fmt"

	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TokenRequest is the form of POST /oauth2/v1/token.
type TokenRequest struct {
	GrantType    string
	Code         string
	RedirectURI  string
	ClientID     string
	ClientSecret string // from the form or HTTP Basic
	CodeVerifier string
}

// TokenResponse is RFC 6749 §5.1's answer, with the connection's target.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	AccountID    string `json:"account_id"`
	LocationID   string `json:"location_id,omitempty"`
	ConnectionID string `json:"connection_id"`
}

// authenticateClient authenticates the client (RFC 6749 §3.2.1). Public
// clients have no secret and must not send one; confidential clients must
// always send theirs: PKCE is on top of it, never instead (RFC 9700 §2.1.1),
// since a code_verifier only proves the same party started the flow, not
// which client it is.
func (s *Service) authenticateClient(ctx context.Context, clientID, secret string) (switchboard.DeveloperApp, error) {
	invalid := oauthError(switchboard.OAuthInvalidClient, "client authentication failed")
	if clientID == "" {
		return switchboard.DeveloperApp{}, invalid
	}
	app, err := s.Apps.GetDeveloperApp(ctx, clientID)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return switchboard.DeveloperApp{}, invalid
	}
	if err != nil {
		return switchboard.DeveloperApp{}, err
	}
	if app.PublicClient {
		if secret != "" {
			return switchboard.DeveloperApp{}, invalid
		}
		return app, nil
	}
	if secret == "" {
		return switchboard.DeveloperApp{}, oauthError(switchboard.OAuthInvalidClient, "confidential clients authenticate with their client secret")
	}
	hash, err := s.Apps.AppSecretHash(ctx, clientID)
	if err != nil {
		return switchboard.DeveloperApp{}, err
	}
	if !equalSecret(auth.HashToken(secret), hash) {
		return switchboard.DeveloperApp{}, invalid
	}
	return app, nil
}

// Exchange trades a code for an access token and creates or re-authorises
// the connection. The client is authenticated and the code's binding
// checked before anything changes (RFC 9700 §4.2.4): a failed exchange
// leaves the code usable, and only the client the code was issued to, with
// the right redirect_uri and verifier, can use it up. A replay by that
// client revokes the token the code issued (RFC 6749 §4.1.2): the code may
// have been stolen.
func (s *Service) Exchange(ctx context.Context, r TokenRequest) (TokenResponse, error) {
	switch r.GrantType {
	case "authorization_code":
	case "":
		return TokenResponse{}, oauthError(switchboard.OAuthInvalidRequest, "grant_type is required")
	default:
		return TokenResponse{}, oauthError(switchboard.OAuthUnsupportedGrantType, "grant_type must be authorization_code")
	}
	app, err := s.authenticateClient(ctx, r.ClientID, r.ClientSecret)
	if err != nil {
		return TokenResponse{}, err
	}
	if r.Code == "" {
		return TokenResponse{}, oauthError(switchboard.OAuthInvalidRequest, "code is required")
	}
	codeHash := auth.HashToken(r.Code)
	code, err := s.Tokens.GetCode(ctx, codeHash, s.Now())
	switch switchboard.ErrorCode(err) {
	case "":
	case switchboard.ENotFound:
		return TokenResponse{}, oauthError(switchboard.OAuthInvalidGrant, "the code is invalid or expired")
	default:
		return TokenResponse{}, err
	}
	if err := checkBinding(app, code, r); err != nil {
		return TokenResponse{}, err
	}
	if code.Used {
		return TokenResponse{}, s.replayed(ctx, code)
	}
	code, err = s.Tokens.RedeemCode(ctx, codeHash, s.Now())
	switch switchboard.ErrorCode(err) {
	case "":
	case switchboard.ENotFound: // expired since it was read
		return TokenResponse{}, oauthError(switchboard.OAuthInvalidGrant, "the code is invalid or expired")
	case switchboard.EConflict: // a concurrent exchange used it first
		return TokenResponse{}, s.replayed(ctx, code)
	default:
		return TokenResponse{}, err
	}

	token, tokenHash := newSecret("sbt_")
	conn, err := s.grant(ctx, app, code, tokenHash, token[len(token)-4:])
	if err != nil {
		return TokenResponse{}, err
	}
	if err := s.Tokens.SaveToken(ctx, switchboard.AccessToken{
		Hash: tokenHash, ConnectionID: conn.ID, AccountID: conn.AccountID, LocationID: conn.LocationID,
		AppID: app.ID, Scope: conn.Scope, IssuedAt: s.Now().UTC(),
	}); err != nil {
		return TokenResponse{}, err
	}
	if err := s.Tokens.SetCodeToken(ctx, codeHash, tokenHash); err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: token, TokenType: "Bearer", Scope: conn.Scope,
		AccountID: conn.AccountID, LocationID: conn.LocationID, ConnectionID: conn.ID}, nil
}

// checkBinding checks that the code was issued to this client, for this
// redirect URI, with this PKCE verifier. A verifier sent for a code issued
// without a challenge is refused (RFC 9700 §2.1.1): otherwise an attacker
// who strips code_challenge from the authorisation request downgrades the
// flow while the client believes it uses PKCE. A stored scope that grants
// nothing (codes issued before such scopes were refused) is refused too,
// so it never replaces a working one.
func checkBinding(app switchboard.DeveloperApp, code switchboard.AuthorizationCode, r TokenRequest) error {
	switch {
	case code.AppID != app.ID:
		return oauthError(switchboard.OAuthInvalidGrant, "the code was issued to another client")
	case code.RedirectURI != r.RedirectURI:
		return oauthError(switchboard.OAuthInvalidGrant, "redirect_uri differs from the authorisation request's")
	case code.CodeChallenge == "" && r.CodeVerifier != "":
		return oauthError(switchboard.OAuthInvalidGrant, "code_verifier sent for a code issued without code_challenge")
	case code.CodeChallenge != "" && (!pkceValue.MatchString(r.CodeVerifier) || !equalSecret(s256(r.CodeVerifier), code.CodeChallenge)):
		return oauthError(switchboard.OAuthInvalidGrant, "code_verifier does not match the code_challenge")
	}
	if scope, err := switchboard.ParseScope(code.Scope); err != nil || len(scope.Permissions) == 0 {
		return oauthError(switchboard.OAuthInvalidGrant, "the code grants no permission")
	}
	return nil
}

// replayed answers a second use of a code by the client it was issued to,
// and revokes the token the first use got.
func (s *Service) replayed(ctx context.Context, code switchboard.AuthorizationCode) error {
	if code.TokenHash != "" {
		if err := s.revoke(ctx, code.TokenHash, switchboard.ActorSystem,
			"The app's authorisation code was used twice, so the token it issued was revoked as a precaution."); err != nil {
			return err
		}
	}
	return oauthError(switchboard.OAuthInvalidGrant, "the code was already used; the token it issued is revoked")
}

// grant creates the connection of the code's app instance, or re-authorises
// the existing one: new scope and token, old token revoked.
func (s *Service) grant(ctx context.Context, app switchboard.DeveloperApp, code switchboard.AuthorizationCode, tokenHash, tokenLast4 string) (switchboard.Connection, error) {
	now := s.Now().UTC()
	for attempt := 0; attempt < 3; attempt++ {
		existing, err := s.Connections.FindConnection(ctx, code.AccountID, code.LocationID, app.ID, code.InstanceLabel)
		if switchboard.ErrorCode(err) == switchboard.ENotFound {
			// The first instance of the app at this target is installed;
			// another one is an added instance.
			siblings, err := s.Connections.ListConnections(ctx, code.AccountID, switchboard.ConnectionFilter{LocationID: code.LocationID, AppID: app.ID})
			if err != nil {
				return switchboard.Connection{}, err
			}
			typ := switchboard.EventInstalled
			if len(siblings) > 0 {
				typ = switchboard.EventInstanceAdded
			}
			c := switchboard.Connection{
				ID: newID("con_"), AccountID: code.AccountID, LocationID: code.LocationID, AppID: app.ID, AppName: app.Name,
				Level: app.Level, InstanceLabel: code.InstanceLabel, Scope: code.Scope, Status: switchboard.ConnectionActive,
				ConnectedBy: code.UserID, ConnectedAt: now, UpdatedAt: now, TokenHash: tokenHash, TokenLast4: tokenLast4,
			}
			err = s.change(ctx, switchboard.ConnectionChange{After: &c, Create: true,
				Event: s.event(typ, switchboard.ActorUser, code.UserID, "", nil, &c)})
			if switchboard.ErrorCode(err) == switchboard.EConflict {
				continue // another exchange created it meanwhile: re-authorise that one
			}
			if err != nil {
				return switchboard.Connection{}, err
			}
			c.Version = 1
			return c, nil
		}
		if err != nil {
			return switchboard.Connection{}, err
		}
		updated := existing
		updated.Scope, updated.TokenHash, updated.TokenLast4, updated.UpdatedAt, updated.ConnectedBy = code.Scope, tokenHash, tokenLast4, now, code.UserID
		updated.TokenChangedAt = &now
		// A new token ends a revocation; a block stays the merchant's.
		updated.AccessRevokedAt = nil
		if updated.Status == switchboard.ConnectionRevoked {
			updated.Status = switchboard.ConnectionActive
		}
		ch := switchboard.ConnectionChange{Before: existing, After: &updated,
			Event: s.event(switchboard.EventReinstalled, switchboard.ActorUser, code.UserID, "", &existing, &updated)}
		if existing.Scope != updated.Scope {
			ch.Also = []switchboard.AppEvent{s.event(switchboard.EventScopesUpdated, switchboard.ActorUser, code.UserID, "", &existing, &updated)}
		}
		err = s.change(ctx, ch)
		if code := switchboard.ErrorCode(err); code == switchboard.EConflict || code == switchboard.ENotFound {
			continue // changed, or disconnected, meanwhile: look again
		}
		if err != nil {
			return switchboard.Connection{}, err
		}
		// The old token no longer matches the connection's, so it is dead
		// already; revoking it marks it so, and a crash here loses nothing.
		if existing.TokenHash != "" {
			if err := s.Tokens.RevokeToken(ctx, existing.TokenHash); err != nil {
				return switchboard.Connection{}, err
			}
		}
		updated.Version = existing.Version + 1
		return updated, nil
	}
	return switchboard.Connection{}, fmt.Errorf("connection of %s kept changing during re-authorisation", app.ID)
}

// change writes an install's or re-authorisation's change with its app-log
// events and the announcement of its main event in one transaction
// (ConnectionChange), before the token is answered: either the connection
// exists and its event is logged and on its way to the app, or nothing
// happened and the app, without a token, authorises again.
func (s *Service) change(ctx context.Context, ch switchboard.ConnectionChange) error {
	if s.Callbacks != nil {
		announced := ch.Event
		if announced.Type == switchboard.EventInstanceAdded {
			// To the app, another instance is a new connection like any
			// other: it is told connection.installed, under the same event id.
			announced.Type = switchboard.EventInstalled
		}
		d, err := s.Callbacks.Announcement(ctx, announced)
		if err != nil {
			return err
		}
		ch.Delivery = d
	}
	return s.Connections.ChangeConnection(ctx, ch)
}

// event builds an app-log event of the connection after (or before, when
// it is gone).
func (s *Service) event(typ switchboard.AppEventType, actorType switchboard.ActorType, actor, reason string, before, after *switchboard.Connection) switchboard.AppEvent {
	c := after
	if c == nil {
		c = before
	}
	now := s.Now().UTC()
	return switchboard.AppEvent{
		ID: switchboard.NewEventID(now), AccountID: c.AccountID, Type: typ, ConnectionID: c.ID, AppID: c.AppID,
		LocationID: c.LocationID, ActorType: actorType, ActorUserID: actor, Reason: reason, At: now, Before: before, After: after,
	}
}

// revoke revokes a token and, when it was its connection's current one,
// records that the connection lost access: it stays listed, but the app
// cannot call until it is authorised again. Revoking a token already
// revoked, or one a re-authorisation superseded, changes nothing.
func (s *Service) revoke(ctx context.Context, tokenHash string, actorType switchboard.ActorType, reason string) error {
	t, err := s.Tokens.GetToken(ctx, tokenHash)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.Tokens.RevokeToken(ctx, tokenHash); err != nil {
		return err
	}
	if t.Revoked {
		return nil
	}
	for attempt := 0; attempt < 3; attempt++ {
		conn, err := s.Connections.GetConnection(ctx, t.AccountID, t.ConnectionID)
		if switchboard.ErrorCode(err) == switchboard.ENotFound {
			return nil // disconnected meanwhile: nothing lost access
		}
		if err != nil {
			return err
		}
		if conn.TokenHash != tokenHash {
			return nil // superseded: the connection's current token still works
		}
		now := s.Now().UTC()
		updated := conn
		updated.UpdatedAt, updated.TokenChangedAt, updated.AccessRevokedAt = now, &now, &now
		// A blocked connection stays blocked (the merchant's decision) and
		// becomes revoked when unblocked (UnblockedStatus).
		if updated.Status == switchboard.ConnectionActive {
			updated.Status = switchboard.ConnectionRevoked
		}
		// The connection's change and its access_revoked event are one
		// transaction (not announced: the app revoked, or its code leaked).
		err = s.Connections.ChangeConnection(ctx, switchboard.ConnectionChange{Before: conn, After: &updated,
			Event: s.event(switchboard.EventAccessRevoked, actorType, "", reason, &conn, &updated)})
		if code := switchboard.ErrorCode(err); code == switchboard.EConflict || code == switchboard.ENotFound {
			continue // changed meanwhile (a call touched it): look again
		}
		return err
	}
	return fmt.Errorf("connection %s kept changing while its token was revoked", t.ConnectionID)
}

// Revoke implements RFC 7009: the client's own token is revoked; an unknown
// token, or another client's, is answered the same way, so nothing leaks.
func (s *Service) Revoke(ctx context.Context, clientID, secret, token string) error {
	app, err := s.authenticateClient(ctx, clientID, secret)
	if err != nil {
		return err
	}
	t, err := s.Tokens.GetToken(ctx, auth.HashToken(token))
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if t.AppID != app.ID {
		return nil
	}
	return s.revoke(ctx, t.Hash, switchboard.ActorApp, "The app revoked its access token.")
}
