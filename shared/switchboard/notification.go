package switchboard

import (
	"context"
	"slices"
	"strings"
	"time"
)

// RuleType is the kind of app-log event a notification rule follows.
type RuleType string

// Rule types, as the site offers them. Each follows one or more app-log
// event types (see EventTypes).
const (
	RuleInstall    RuleType = "install"    // a connection installed, reinstalled, or another instance added
	RuleDisconnect RuleType = "disconnect" // a connection blocked, or its token revoked (it lost access)
	RuleUninstall  RuleType = "uninstall"  // a connection removed
	RuleErrors     RuleType = "errors"     // a connection entered the erroring state
	RuleRateLimit  RuleType = "rate_limit" // a connection passed 80 % of a rate-limit window
)

// RuleTypes lists every rule type, in the order the site offers them.
var RuleTypes = []RuleType{RuleInstall, RuleDisconnect, RuleUninstall, RuleErrors, RuleRateLimit}

// EventTypes returns the app-log event types the rule type follows, or nil
// for an unknown type.
func (t RuleType) EventTypes() []AppEventType {
	switch t {
	case RuleInstall:
		return []AppEventType{EventInstalled, EventReinstalled, EventInstanceAdded}
	case RuleDisconnect:
		return []AppEventType{EventBlocked, EventAccessRevoked}
	case RuleUninstall:
		return []AppEventType{EventUninstalled}
	case RuleErrors:
		return []AppEventType{EventErroring}
	case RuleRateLimit:
		return []AppEventType{EventRateLimit}
	}
	return nil
}

// Frequency is how often a rule's digest is sent.
type Frequency string

// Digest frequencies. Each digest covers the period that just closed in the
// account's time zone.
const (
	Hourly  Frequency = "hourly"
	Daily   Frequency = "daily"
	Weekly  Frequency = "weekly"
	Monthly Frequency = "monthly"
)

// Frequencies lists every frequency, shortest first.
var Frequencies = []Frequency{Hourly, Daily, Weekly, Monthly}

// Valid reports whether f is a known frequency.
func (f Frequency) Valid() bool { return slices.Contains(Frequencies, f) }

// RecipientMode says who receives a rule's digests.
type RecipientMode string

// Recipient modes. Recipients are resolved when a digest is sent, so a new
// admin or team member receives the next one.
const (
	RecipientsSuperAdmins RecipientMode = "super_admins"
	RecipientsEveryone    RecipientMode = "everyone"
	RecipientsSpecific    RecipientMode = "specific"
)

// Recipients is who receives a rule's digests: UserIDs and TeamIDs are set
// only in the specific mode.
type Recipients struct {
	Mode    RecipientMode `json:"mode"`
	UserIDs []string      `json:"userIds"`
	TeamIDs []string      `json:"teamIds"`
}

// NotificationRule is an account's standing order for digest emails about
// one kind of app-log event.
type NotificationRule struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"accountId"`
	Name       string     `json:"name"`
	Type       RuleType   `json:"type"`
	Frequency  Frequency  `json:"frequency"`
	AllApps    bool       `json:"allApps"`
	AppIDs     []string   `json:"appIds"` // empty when AllApps
	Recipients Recipients `json:"recipients"`
	CreatedBy  string     `json:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	Version    int        `json:"version"` // optimistic concurrency: PUT sends back the version it read
}

// Rule limits: a name fits a list row and an email subject; the lists fit
// one item far below DynamoDB's 400 KB.
const (
	MaxRuleNameLength = 100
	MaxRuleApps       = 100
	MaxRuleUsers      = 200
	MaxRuleTeams      = 50
)

// Normalize trims the name, sorts and de-duplicates the id lists, clears
// the lists the mode or AllApps make meaningless, then validates the rule's
// own fields (not whether the ids exist: that is the store's check). Errors
// are EInvalid with a message naming the field.
func (r NotificationRule) Normalize() (NotificationRule, error) {
	name, err := NormalizeName("name", r.Name, MaxRuleNameLength)
	if err != nil {
		return r, err
	}
	r.Name = name
	if r.Type.EventTypes() == nil {
		return r, Errorf(EInvalid, "type must be install, disconnect, uninstall, errors or rate_limit")
	}
	if !r.Frequency.Valid() {
		return r, Errorf(EInvalid, "frequency must be hourly, daily, weekly or monthly")
	}
	ids := func(list []string) []string { return slices.Compact(slices.Sorted(slices.Values(list))) }
	r.AppIDs = ids(r.AppIDs)
	if r.AllApps {
		r.AppIDs = []string{}
	}
	switch {
	case !r.AllApps && len(r.AppIDs) == 0:
		return r, Errorf(EInvalid, "choose at least one app, or all apps")
	case len(r.AppIDs) > MaxRuleApps:
		return r, Errorf(EInvalid, "a rule follows at most %d apps; choose all apps instead", MaxRuleApps)
	}
	r.Recipients.UserIDs, r.Recipients.TeamIDs = ids(r.Recipients.UserIDs), ids(r.Recipients.TeamIDs)
	switch r.Recipients.Mode {
	case RecipientsSuperAdmins, RecipientsEveryone:
		r.Recipients.UserIDs, r.Recipients.TeamIDs = []string{}, []string{}
	case RecipientsSpecific:
		switch {
		case len(r.Recipients.UserIDs)+len(r.Recipients.TeamIDs) == 0:
			return r, Errorf(EInvalid, "choose at least one user or team to notify")
		case len(r.Recipients.UserIDs) > MaxRuleUsers:
			return r, Errorf(EInvalid, "a rule notifies at most %d users; use a team", MaxRuleUsers)
		case len(r.Recipients.TeamIDs) > MaxRuleTeams:
			return r, Errorf(EInvalid, "a rule notifies at most %d teams", MaxRuleTeams)
		}
	default:
		return r, Errorf(EInvalid, "recipients mode must be super_admins, everyone or specific")
	}
	for _, list := range [][]string{r.AppIDs, r.Recipients.UserIDs, r.Recipients.TeamIDs} {
		for _, id := range list {
			if id == "" || len(id) > 100 {
				return r, Errorf(EInvalid, "ids must be 1 to 100 characters")
			}
		}
	}
	return r, nil
}

// Follows reports whether the rule reports e: its type and one of its apps.
func (r NotificationRule) Follows(e AppEvent) bool {
	return slices.Contains(r.Type.EventTypes(), e.Type) && (r.AllApps || slices.Contains(r.AppIDs, e.AppID))
}

// ResolveRecipients picks the users of the account who receive the rule's
// digest: the super admins, every user, or the chosen users and the members
// of the chosen teams, each once, active users only, in a stable order.
// Teams not in teams (deleted since) add nobody.
func (r NotificationRule) ResolveRecipients(users []DirectoryUser, teams []Team) []DirectoryUser {
	want := map[string]bool{}
	if r.Recipients.Mode == RecipientsSpecific {
		for _, id := range r.Recipients.UserIDs {
			want[id] = true
		}
		for _, t := range teams {
			if slices.Contains(r.Recipients.TeamIDs, t.ID) {
				for _, id := range t.MemberIDs {
					want[id] = true
				}
			}
		}
	}
	var out []DirectoryUser
	for _, u := range users {
		if u.Status != UserActive || !u.Active || u.AccountID != r.AccountID {
			continue
		}
		switch r.Recipients.Mode {
		case RecipientsSuperAdmins:
			if u.Role != RoleSuperAdmin {
				continue
			}
		case RecipientsSpecific:
			if !want[u.ID] {
				continue
			}
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b DirectoryUser) int { return strings.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b DirectoryUser) bool { return a.ID == b.ID })
}

// NotificationRuleStore keeps an account's notification rules. Every method
// is scoped to accountID: another account's rule is ENotFound.
type NotificationRuleStore interface {
	// CreateRule stores a new rule. Returns EInvalid for a bad rule or an
	// app, user or team that does not exist for the account.
	CreateRule(ctx context.Context, r NotificationRule) (NotificationRule, error)
	// GetRule returns ENotFound for a rule not in the account.
	GetRule(ctx context.Context, accountID, ruleID string) (NotificationRule, error)
	// ListRules returns the account's rules by name.
	ListRules(ctx context.Context, accountID string) ([]NotificationRule, error)
	// UpdateRule replaces the rule if r.Version is still its version, and
	// returns it with the next version. Returns EInvalid as CreateRule,
	// ENotFound, and EConflict when it changed meanwhile.
	UpdateRule(ctx context.Context, r NotificationRule) (NotificationRule, error)
	// DeleteRule returns ENotFound for an unknown rule.
	DeleteRule(ctx context.Context, accountID, ruleID string) error
	// RulesByFrequency lists every account's rules of frequency f, for the
	// digest runs, without reading anything else.
	RulesByFrequency(ctx context.Context, f Frequency) ([]NotificationRule, error)
}
