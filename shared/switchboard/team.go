package switchboard

import (
	"context"
	"strings"
	"time"
)

// Team groups some of an account's users, such as "Kitchen" or "Marketing".
type Team struct {
	ID        string    `json:"id"`
	AccountID string    `json:"accountId"`
	Name      string    `json:"name"`
	MemberIDs []string  `json:"memberIds"` // user IDs of the same account, sorted
	CreatedAt time.Time `json:"createdAt"`
}

// Team limits: names stay readable in lists, and a team's members fit in
// one item far below DynamoDB's 400 KB.
const (
	MaxTeamNameLength = 60
	MaxTeamMembers    = 500
)

// NormalizeTeamName trims a team name and collapses inner runs of spaces,
// then checks it is 1 to MaxTeamNameLength characters without control
// characters. Errors are EInvalid.
func NormalizeTeamName(raw string) (string, error) {
	return NormalizeName("name", raw, MaxTeamNameLength)
}

// TeamNameKey is the form under which names are unique in an account:
// "Kitchen" and "KITCHEN" are one name.
func TeamNameKey(name string) string { return strings.ToLower(name) }

// Validate reports the first problem with t. Its name must already be
// normalized.
func (t Team) Validate() error {
	if t.ID == "" || t.AccountID == "" {
		return Errorf(EInvalid, "team needs an id and an account")
	}
	if n, err := NormalizeTeamName(t.Name); err != nil {
		return err
	} else if n != t.Name {
		return Errorf(EInvalid, "name must be trimmed, with single spaces")
	}
	if len(t.MemberIDs) > MaxTeamMembers {
		return Errorf(EInvalid, "a team has at most %d members", MaxTeamMembers)
	}
	return nil
}

// TeamStore keeps an account's teams. Every method is scoped to accountID:
// another account's team is ENotFound, never EForbidden.
type TeamStore interface {
	// CreateTeam stores t with its initial members. Returns EInvalid for a
	// bad team, ENotFound when a member is not a user of the account, and
	// EConflict when the account has a team of that name (case-insensitive)
	// or the ID is taken.
	CreateTeam(ctx context.Context, t Team) error
	// GetTeam returns ENotFound for a team that is not in the account.
	GetTeam(ctx context.Context, accountID, teamID string) (Team, error)
	// ListTeams returns the account's teams by name.
	ListTeams(ctx context.Context, accountID string) ([]Team, error)
	// RenameTeam returns the renamed team. Returns EInvalid for a bad name,
	// ENotFound for an unknown team and EConflict when another team has the
	// name or the team changed meanwhile.
	RenameTeam(ctx context.Context, accountID, teamID, name string) (Team, error)
	// DeleteTeam returns ENotFound for an unknown team.
	DeleteTeam(ctx context.Context, accountID, teamID string) error
	// AddTeamMember adds a user of the same account; adding a member again
	// changes nothing. Returns ENotFound for an unknown team or user, and
	// EConflict when the team is full.
	AddTeamMember(ctx context.Context, accountID, teamID, userID string) (Team, error)
	// RemoveTeamMember returns ENotFound for an unknown team or a user who
	// is not a member.
	RemoveTeamMember(ctx context.Context, accountID, teamID, userID string) (Team, error)
}
