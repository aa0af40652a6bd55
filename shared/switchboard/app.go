package switchboard

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Level says what an app connects to: the whole account or one location.
// The Connect action is offered only at the app's level.
type Level string

// The levels an app may connect at.
const (
	LevelAccount  Level = "account"
	LevelLocation Level = "location"
)

// Categories group the catalog the way merchants look for apps.
var Categories = []string{
	"pos", "online_ordering", "delivery", "marketing", "loyalty", "bi", "inventory", "other",
}

// App is a third-party application listed in the catalog: an API consumer
// that merchants can connect to their account or to one of their locations.
type App struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Category    string   `json:"category"`
	Level       Level    `json:"level"`
	Scopes      []string `json:"scopes"` // permissions requested at consent, at the app's level, e.g. "orders.write"
	IconURL     string   `json:"iconUrl"`
	Developer   string   `json:"developer"`
	Website     string   `json:"website"`
	OpenURL     string   `json:"openUrl"` // the app's own page, opened from a connection
	// MultipleInstances lets one location connect the app more than once,
	// each instance with its own label (HubRise's device_id, done properly).
	MultipleInstances bool      `json:"multipleInstances"`
	CreatedAt         time.Time `json:"createdAt"`
}

// RequestedScope is the scope an app asks for at consent: its permissions at
// its level. Apps validated by Validate always have one.
func (a App) RequestedScope() Scope {
	s := Scope{Level: a.Level, Permissions: slices.Clone(a.Scopes)}
	slices.Sort(s.Permissions)
	return s
}

// Length limits keep catalog cards readable and items far below DynamoDB's
// 400 KB ceiling.
const (
	MaxAppNameLength        = 80
	MaxAppDescriptionLength = 1000
	MaxAppScopes            = 50
)

var (
	appIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)
)

// Validate reports the first problem with a, as an EInvalid error naming the
// field.
func (a App) Validate() error {
	if !appIDPattern.MatchString(a.ID) {
		return Errorf(EInvalid, "id must be 3 to 64 lowercase letters, digits or dashes, not starting or ending with a dash")
	}
	if err := nameProblem("name", a.Name, MaxAppNameLength); err != nil {
		return err
	}
	switch {
	case utf8.RuneCountInString(a.Description) > MaxAppDescriptionLength:
		return Errorf(EInvalid, "description must be at most %d characters", MaxAppDescriptionLength)
	case !slices.Contains(Categories, a.Category):
		return Errorf(EInvalid, "category must be one of %s", strings.Join(Categories, ", "))
	case a.Level != LevelAccount && a.Level != LevelLocation:
		return Errorf(EInvalid, "level must be %q or %q", LevelAccount, LevelLocation)
	case len(a.Scopes) == 0:
		return Errorf(EInvalid, "scopes must list at least one permission")
	case len(a.Scopes) > MaxAppScopes:
		return Errorf(EInvalid, "scopes must list at most %d permissions", MaxAppScopes)
	case strings.TrimSpace(a.Developer) == "":
		return Errorf(EInvalid, "developer is required")
	}
	for _, s := range a.Scopes {
		if !ValidPermission(s) {
			return Errorf(EInvalid, "scope %q must be one of %s each .read or .write", s, strings.Join(Resources, ", "))
		}
	}
	if err := validateWebURL("iconUrl", a.IconURL); err != nil {
		return err
	}
	// The website is where Connect sends a merchant to start from the app:
	// like the page the app opens on, it is the app's own, and may run on
	// this machine while developed (the local stack's sample app does).
	if err := validateAppPageURL("website", a.Website); err != nil {
		return err
	}
	return validateAppPageURL("openUrl", a.OpenURL)
}

// validateAppPageURL accepts what validateWebURL does and, like the redirect
// URIs (ValidateRedirectURI), http on a loopback host: the page an app is
// opened on is the app's own, and while it is developed it runs beside the
// redirect URI on this machine.
func validateAppPageURL(field, raw string) error {
	if u, err := url.Parse(raw); err == nil && u.Scheme == "http" && u.User == nil && u.Fragment == "" && isLoopbackHost(u.Hostname()) {
		return nil
	}
	if err := validateWebURL(field, raw); err != nil {
		return Errorf(EInvalid, "%s must be an absolute https URL (http only on localhost)", field)
	}
	return nil
}

// validateWebURL accepts an empty value or an absolute https URL: the site
// renders these as links and images, so nothing else (javascript:, data:) may
// get through.
func validateWebURL(field, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return Errorf(EInvalid, "%s must be an absolute https URL", field)
	}
	return nil
}

// DefaultPageSize and MaxPageSize bound every listing, as HubRise does (100).
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// AppFilter selects a page of the catalog.
type AppFilter struct {
	Category string // empty for every category
	Search   string // part of the name, any case; empty for all
	Limit    int    // 1..MaxPageSize; 0 means DefaultPageSize
	Cursor   string // opaque, from the previous page's NextCursor
}

// MaxSearchLength bounds the search text.
const MaxSearchLength = 80

// Validate checks the filter's own fields; the cursor is checked by the store
// that issued it.
func (f AppFilter) Validate() error {
	if f.Category != "" && !slices.Contains(Categories, f.Category) {
		return Errorf(EInvalid, "category must be one of %s", strings.Join(Categories, ", "))
	}
	if utf8.RuneCountInString(f.Search) > MaxSearchLength {
		return Errorf(EInvalid, "search must be at most %d characters", MaxSearchLength)
	}
	if f.Limit < 0 || f.Limit > MaxPageSize {
		return Errorf(EInvalid, "limit must be between 1 and %d", MaxPageSize)
	}
	return nil
}

// AppPage is one page of the catalog, ordered by category then name.
type AppPage struct {
	Apps       []App  `json:"apps"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// AppCatalog is the published apps merchants can connect.
type AppCatalog interface {
	// ListApps returns one page of the catalog. Returns EInvalid for a bad
	// filter or a cursor it did not issue.
	ListApps(ctx context.Context, filter AppFilter) (AppPage, error)
	// GetApp returns a published app, or ENotFound.
	GetApp(ctx context.Context, appID string) (App, error)
}
