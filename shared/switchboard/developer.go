package switchboard

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// DeveloperApp is an app as its developer registers it: the catalog entry
// plus what only the developer and the OAuth server see. Its ID is also its
// OAuth client_id.
type DeveloperApp struct {
	App
	OwnerAccountID string   `json:"ownerAccountId"`
	RedirectURIs   []string `json:"redirectUris"` // matched exactly (RFC 6749 §3.1.2, no partial or pattern match)
	CallbackURL    string   `json:"callbackUrl"`  // receives signed lifecycle events
	// PublicClient apps (mobile, single-page) cannot keep a secret: they
	// must use PKCE and never authenticate with the secret.
	PublicClient bool `json:"publicClient"`
	// Published is the developer's request to be in the catalog; the app
	// is listed only once an operator approved it (see Listing).
	Published bool `json:"published"`
	// Listing is where the publication request stands; ListingReason is
	// the operator's reason for a rejection, shown to the developer.
	Listing         ListingStatus `json:"listingStatus,omitempty"`
	ListingReason   string        `json:"listingReason,omitempty"`
	SecretRotatedAt time.Time     `json:"secretRotatedAt"`
	UpdatedAt       time.Time     `json:"updatedAt"`
	// SigningSecretRotatedAt is when the callback signing secret was last
	// made; zero for an app registered before signing secrets existed,
	// whose callbacks fail until its developer rotates one.
	SigningSecretRotatedAt time.Time `json:"signingSecretRotatedAt,omitzero"`
	// PreviousSigningSecretExpiresAt ends the grace period of the secret a
	// rotation replaced: until then callbacks carry both signatures.
	PreviousSigningSecretExpiresAt *time.Time `json:"previousSigningSecretExpiresAt,omitempty"`
}

// SigningSecretGrace is how long a rotated signing secret keeps signing
// callbacks beside its successor by default, so an app can deploy the new
// one without refusing callbacks meanwhile (as Standard Webhooks advises).
const SigningSecretGrace = 24 * time.Hour

// MaxSigningSecretGrace bounds the grace period a developer may ask for.
const MaxSigningSecretGrace = 7 * 24 * time.Hour

// SigningSecrets are an app's callback signing secrets as stored: sealed
// (encrypted under a key kept outside the table), never in clear.
type SigningSecrets struct {
	Current       string
	Previous      string    // "" when none
	PreviousUntil time.Time // the previous secret signs until then
}

// ListingStatus is where an app's request to be in the public catalog
// stands. Until an operator approves it, the app is private: usable only in
// its developer's own account (as Shopify's custom apps).
type ListingStatus string

// Listing statuses; "" is a private app that asked for nothing.
const (
	ListingPrivate  ListingStatus = ""
	ListingPending  ListingStatus = "pending"
	ListingApproved ListingStatus = "approved"
	ListingRejected ListingStatus = "rejected"
)

// MaxListingReasonLength bounds an operator's rejection reason.
const MaxListingReasonLength = 500

// Listed reports whether the app is in the public catalog, which is what
// lets any merchant connect it and what makes the server trust its redirect
// URIs with errors from anyone (see shared/oauth). It is the one place that
// decides it: the developer asked for it and an operator approved it.
func (d DeveloperApp) Listed() bool { return d.Published && d.Listing == ListingApproved }

// RequestListing sets the listing status after a developer's change from
// prev (the zero app at registration): publishing asks for a review;
// unpublishing makes the app private; a listed app stays listed only while
// what a merchant recognises it by (name, developer, website) is what the
// operator approved, and any other change to an unlisted published app is
// a new request.
func (d *DeveloperApp) RequestListing(prev DeveloperApp) {
	switch {
	case !d.Published:
		d.Listing, d.ListingReason = ListingPrivate, ""
	case prev.Listed() && NameKey(prev.Name) == NameKey(d.Name) && prev.Developer == d.Developer && prev.Website == d.Website:
		d.Listing, d.ListingReason = ListingApproved, ""
	default:
		d.Listing, d.ListingReason = ListingPending, ""
	}
}

// ListingReview is an operator's decision on a pending listing request.
type ListingReview struct {
	Approve bool
	Reason  string // required for a rejection
}

// Validate checks that a rejection says why, in a name-safe text.
func (r ListingReview) Validate() error {
	if r.Approve {
		return nil
	}
	if strings.TrimSpace(r.Reason) == "" {
		return Errorf(EInvalid, "a rejection needs a reason, shown to the developer")
	}
	return nameProblem("reason", r.Reason, MaxListingReasonLength)
}

// MaxRedirectURIs keeps exact matching cheap and the list reviewable.
const MaxRedirectURIs = 10

// Validate checks the catalog fields and the developer settings.
func (d DeveloperApp) Validate() error {
	if err := d.App.Validate(); err != nil {
		return err
	}
	if d.OwnerAccountID == "" {
		return Errorf(EInvalid, "the app needs an owner account")
	}
	if len(d.RedirectURIs) == 0 || len(d.RedirectURIs) > MaxRedirectURIs {
		return Errorf(EInvalid, "redirectUris must list 1 to %d URIs", MaxRedirectURIs)
	}
	for _, r := range d.RedirectURIs {
		if err := ValidateRedirectURI(r); err != nil {
			return err
		}
	}
	// Whether loopback may receive is the caller's configuration: the
	// API handlers check CallbackURL again with it (see ValidateCallbackURL).
	return ValidateCallbackURL(d.CallbackURL, true)
}

// ValidateRedirectURI accepts absolute https URIs without fragments
// (RFC 6749 §3.1.2), and http only on loopback hosts for development
// (RFC 8252 §7.3).
func ValidateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	bad := Errorf(EInvalid, "redirect URI %q must be an absolute https URL without a fragment (http only on localhost)", raw)
	if err != nil || u.Host == "" || u.Fragment != "" || strings.Contains(raw, "#") || len(raw) > 2000 {
		return bad
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
	}
	return bad
}

// isLoopbackHost reports whether host (as url.URL.Hostname gives it) is the
// loopback names RFC 8252 §7.3 allows http on.
func isLoopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// DeveloperAppStore keeps registered apps and the hashes of their secrets.
type DeveloperAppStore interface {
	// RegisterApp stores a new app with its client secret's hash and, in
	// the same write, its sealed callback signing secret ("" for none), so
	// no app exists without the secret its callbacks are signed with.
	// Returns EInvalid and EConflict (the ID exists).
	RegisterApp(ctx context.Context, app DeveloperApp, secretHash, sealedSigningSecret string) error
	// GetDeveloperApp returns any app, published or not, or ENotFound.
	// Callers check the owner before showing it to an account.
	GetDeveloperApp(ctx context.Context, appID string) (DeveloperApp, error)
	// ListDeveloperApps returns the apps an account registered, by name.
	ListDeveloperApps(ctx context.Context, ownerAccountID string) ([]DeveloperApp, error)
	// UpdateDeveloperApp replaces the app's fields, keeping its secret and
	// owner. Returns EInvalid, ENotFound and EConflict (changed meanwhile).
	UpdateDeveloperApp(ctx context.Context, app DeveloperApp) error
	// ReviewListing approves or rejects a pending listing request. An
	// approval claims the app's NameKey among listed apps in the same
	// write. Returns EInvalid, ENotFound, and EConflict (not pending, or
	// the name is held by another listed app).
	ReviewListing(ctx context.Context, appID string, review ListingReview) error
	// ListListings returns the apps whose listing is status (pending,
	// rejected or approved), oldest request first.
	ListListings(ctx context.Context, status ListingStatus) ([]DeveloperApp, error)
	// SetAppSecret replaces the secret's hash. Returns ENotFound.
	SetAppSecret(ctx context.Context, appID, secretHash string, at time.Time) error
	// AppSecretHash returns the stored hash of the app's secret, or ENotFound.
	AppSecretHash(ctx context.Context, appID string) (string, error)
	// SetSigningSecret makes sealed the app's signing secret; the one it
	// replaces keeps signing until previousUntil (none when it is not
	// after at). Returns ENotFound.
	SetSigningSecret(ctx context.Context, appID, sealed string, at, previousUntil time.Time) error
	// AppSigningSecrets returns the app's sealed signing secrets, or
	// ENotFound.
	AppSigningSecrets(ctx context.Context, appID string) (SigningSecrets, error)
}
