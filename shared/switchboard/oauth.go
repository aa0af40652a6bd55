package switchboard

import (
	"context"
	"time"
)

// OAuth error codes of RFC 6749 §4.1.2.1 and §5.2 and RFC 7009. OAuth
// endpoints answer with these, in the RFC's shape, not with Error codes.
const (
	OAuthInvalidRequest          = "invalid_request"
	OAuthUnauthorizedClient      = "unauthorized_client"
	OAuthAccessDenied            = "access_denied"
	OAuthUnsupportedResponseType = "unsupported_response_type"
	OAuthInvalidScope            = ScopeError
	OAuthServerError             = "server_error"
	OAuthTemporarilyUnavailable  = "temporarily_unavailable"
	OAuthInvalidClient           = "invalid_client"
	OAuthInvalidGrant            = "invalid_grant"
	OAuthUnsupportedGrantType    = "unsupported_grant_type"
)

// OAuthError is an error an OAuth endpoint reports to the client.
type OAuthError struct {
	Code        string
	Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

// CodeLifetime is how long an authorisation code may be exchanged (HubRise:
// 10 minutes; RFC 6749 §4.1.2 recommends at most 10).
const CodeLifetime = 10 * time.Minute

// AuthorizationCode is a merchant's approval, waiting to be exchanged. Only
// its hash is stored.
type AuthorizationCode struct {
	Hash          string
	AppID         string
	RedirectURI   string
	Scope         string // canonical, as approved
	AccountID     string
	LocationID    string
	InstanceLabel string
	UserID        string
	CodeChallenge string // S256 challenge, or "" without PKCE
	ExpiresAt     time.Time
	Used          bool
	TokenHash     string // the token it was exchanged for, revoked if the code is replayed
}

// AccessToken is a connection's bearer token, stored only as its hash.
type AccessToken struct {
	Hash         string
	ConnectionID string
	AccountID    string
	LocationID   string
	AppID        string
	Scope        string
	IssuedAt     time.Time
	Revoked      bool
}

// OAuthStore keeps codes and tokens by hash.
type OAuthStore interface {
	// SaveCode stores a new code.
	SaveCode(ctx context.Context, c AuthorizationCode) error
	// GetCode returns a code, used or not, without using it up; an unknown
	// or expired code is ENotFound. The token endpoint checks the client
	// and the code's binding with it before RedeemCode.
	GetCode(ctx context.Context, hash string, now time.Time) (AuthorizationCode, error)
	// RedeemCode marks the code used and returns it. An unknown or expired
	// code is ENotFound; a code used before is EConflict, returned with the
	// code so the caller can revoke what it issued.
	RedeemCode(ctx context.Context, hash string, now time.Time) (AuthorizationCode, error)
	// SetCodeToken records the token a code was exchanged for.
	SetCodeToken(ctx context.Context, codeHash, tokenHash string) error
	// SaveToken stores a new token.
	SaveToken(ctx context.Context, t AccessToken) error
	// GetToken returns a token by hash, revoked or not, or ENotFound.
	GetToken(ctx context.Context, hash string) (AccessToken, error)
	// RevokeToken marks a token revoked; revoking twice is not an error.
	RevokeToken(ctx context.Context, hash string) error
}
