package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// mustAccount creates an account and active users with the given roles,
// whose IDs are the keys of roles.
func mustAccount(tb testing.TB, store *dynamo.Store, accountID string, roles map[string]switchboard.Role) {
	tb.Helper()
	ctx := context.Background()
	if err := store.CreateAccount(ctx, switchboard.Account{ID: accountID, Name: accountID}, nil); err != nil {
		tb.Fatal(err)
	}
	for id, r := range roles {
		u := switchboard.User{ID: id, AccountID: accountID, Email: id + "@" + accountID + ".test", Name: "User " + id, Role: r, Active: true}
		if err := store.CreateUser(ctx, u, "hash-"+id); err != nil {
			tb.Fatal(err)
		}
	}
}

func members(t switchboard.Team) string { return strings.Join(t.MemberIDs, ",") }

func TestTeams(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	mustAccount(t, store, "acc-a", map[string]switchboard.Role{"u1": switchboard.RoleMember, "u2": switchboard.RoleAdmin})
	mustAccount(t, store, "acc-b", map[string]switchboard.Role{"ub": switchboard.RoleAdmin})

	code := switchboard.ErrorCode
	kitchen := switchboard.Team{ID: "t-kitchen", AccountID: "acc-a", Name: "Kitchen", MemberIDs: []string{"u1", "u1"}}
	if err := store.CreateTeam(ctx, kitchen); err != nil {
		t.Fatal(err)
	}
	if got := code(store.CreateTeam(ctx, switchboard.Team{ID: "t-2", AccountID: "acc-a", Name: " KITCHEN "})); got != switchboard.EConflict {
		t.Errorf("same name, other case: %q, want conflict", got)
	}
	if got := code(store.CreateTeam(ctx, switchboard.Team{ID: "t-3", AccountID: "acc-a", Name: "Bar", MemberIDs: []string{"ub"}})); got != switchboard.ENotFound {
		t.Errorf("a member from another account: %q, want not_found", got)
	}
	if got := code(store.CreateTeam(ctx, switchboard.Team{ID: "t-kitchen", AccountID: "acc-a", Name: "Bar"})); got != switchboard.EConflict {
		t.Errorf("taken id: %q, want conflict", got)
	}
	// The failed create above must have released "Bar".
	if err := store.CreateTeam(ctx, switchboard.Team{ID: "t-bar", AccountID: "acc-a", Name: "Bar"}); err != nil {
		t.Errorf("name left claimed by a failed create: %v", err)
	}
	if err := store.CreateTeam(ctx, switchboard.Team{ID: "t-kitchen-b", AccountID: "acc-b", Name: "Kitchen"}); err != nil {
		t.Errorf("names are unique per account only: %v", err)
	}
	if got := code(store.CreateTeam(ctx, switchboard.Team{ID: "t-4", AccountID: "acc-a", Name: strings.Repeat("x", 61)})); got != switchboard.EInvalid {
		t.Errorf("long name: %q, want invalid", got)
	}

	teams, err := store.ListTeams(ctx, "acc-a")
	if err != nil || len(teams) != 2 || teams[0].Name != "Bar" || teams[1].Name != "Kitchen" || members(teams[1]) != "u1" || teams[0].MemberIDs == nil {
		t.Fatalf("ListTeams = %+v, %v", teams, err)
	}
	if _, err := store.GetTeam(ctx, "acc-b", "t-kitchen"); code(err) != switchboard.ENotFound {
		t.Errorf("a team read through another account: %v", err)
	}

	team, err := store.AddTeamMember(ctx, "acc-a", "t-kitchen", "u2")
	if err != nil || members(team) != "u1,u2" {
		t.Errorf("add u2: %+v, %v", team, err)
	}
	if team, err = store.AddTeamMember(ctx, "acc-a", "t-kitchen", "u2"); err != nil || members(team) != "u1,u2" {
		t.Errorf("add u2 again: %+v, %v", team, err)
	}
	for _, tt := range []struct{ acc, team, user string }{
		{"acc-a", "t-kitchen", "ub"},      // user of another account
		{"acc-a", "t-kitchen-b", "u1"},    // team of another account
		{"acc-b", "t-kitchen", "ub"},      // reaching acc-a's team from acc-b
		{"acc-a", "t-missing", "u1"},      // no such team
		{"acc-a", "t-kitchen", "u-ghost"}, // no such user
	} {
		if _, err := store.AddTeamMember(ctx, tt.acc, tt.team, tt.user); code(err) != switchboard.ENotFound {
			t.Errorf("add %s to %s/%s: %v, want not_found", tt.user, tt.acc, tt.team, err)
		}
	}
	if team, err = store.RemoveTeamMember(ctx, "acc-a", "t-kitchen", "u1"); err != nil || members(team) != "u2" {
		t.Errorf("remove u1: %+v, %v", team, err)
	}
	if _, err = store.RemoveTeamMember(ctx, "acc-a", "t-kitchen", "u1"); code(err) != switchboard.ENotFound {
		t.Errorf("remove a non-member: %v", err)
	}
	if _, err = store.RemoveTeamMember(ctx, "acc-b", "t-kitchen", "u2"); code(err) != switchboard.ENotFound {
		t.Errorf("remove through another account: %v", err)
	}
	if team, err = store.RemoveTeamMember(ctx, "acc-a", "t-kitchen", "u2"); err != nil || team.MemberIDs == nil || len(team.MemberIDs) != 0 {
		t.Errorf("remove the last member: %+v, %v", team, err)
	}

	if team, err = store.RenameTeam(ctx, "acc-a", "t-kitchen", "  Line   cooks "); err != nil || team.Name != "Line cooks" {
		t.Errorf("rename: %+v, %v", team, err)
	}
	if err := store.CreateTeam(ctx, switchboard.Team{ID: "t-5", AccountID: "acc-a", Name: "kitchen"}); err != nil {
		t.Errorf("the old name was not released by the rename: %v", err)
	}
	if _, err = store.RenameTeam(ctx, "acc-a", "t-kitchen", "BAR"); code(err) != switchboard.EConflict {
		t.Errorf("rename to a taken name: %v", err)
	}
	if team, err = store.RenameTeam(ctx, "acc-a", "t-kitchen", "LINE COOKS"); err != nil || team.Name != "LINE COOKS" {
		t.Errorf("rename to the same name in capitals: %+v, %v", team, err)
	}
	if _, err = store.RenameTeam(ctx, "acc-b", "t-kitchen", "Stolen"); code(err) != switchboard.ENotFound {
		t.Errorf("rename through another account: %v", err)
	}
	if _, err = store.RenameTeam(ctx, "acc-a", "t-kitchen", ""); code(err) != switchboard.EInvalid {
		t.Errorf("rename to nothing: %v", err)
	}

	if err := store.DeleteTeam(ctx, "acc-b", "t-kitchen"); code(err) != switchboard.ENotFound {
		t.Errorf("delete through another account: %v", err)
	}
	if err := store.DeleteTeam(ctx, "acc-a", "t-kitchen"); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteTeam(ctx, "acc-a", "t-kitchen"); code(err) != switchboard.ENotFound {
		t.Errorf("delete twice: %v", err)
	}
	if err := store.CreateTeam(ctx, switchboard.Team{ID: "t-6", AccountID: "acc-a", Name: "Line Cooks"}); err != nil {
		t.Errorf("the name of a deleted team is not free: %v", err)
	}
}

// TestTeamMembersConcurrently: ADD on a string set never loses a member
// added at the same time.
func TestTeamMembersConcurrently(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	roles := map[string]switchboard.Role{}
	for i := range 12 {
		roles[fmt.Sprintf("u%02d", i)] = switchboard.RoleMember
	}
	mustAccount(t, store, "acc-a", roles)
	if err := store.CreateTeam(ctx, switchboard.Team{ID: "t-1", AccountID: "acc-a", Name: "Everyone"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for id := range roles {
		wg.Go(func() {
			if _, err := store.AddTeamMember(ctx, "acc-a", "t-1", id); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	team, err := store.GetTeam(ctx, "acc-a", "t-1")
	if err != nil || len(team.MemberIDs) != len(roles) {
		t.Errorf("after %d concurrent adds: %v, %v", len(roles), team.MemberIDs, err)
	}
}

// TestTeamNamesConcurrently: of teams created at once with one name, one
// gets it.
func TestTeamNamesConcurrently(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	mustAccount(t, store, "acc-a", nil)
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			err := store.CreateTeam(ctx, switchboard.Team{ID: fmt.Sprint("t-", i), AccountID: "acc-a", Name: []string{"Same", "SAME", "same"}[i%3]})
			mu.Lock()
			defer mu.Unlock()
			codes[switchboard.ErrorCode(err)]++
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[switchboard.EConflict] != 7 {
		t.Errorf("outcomes %v, want one success and 7 conflicts", codes)
	}
}

// TestTeamNameClaimsFollowTeams: a name is taken exactly while a team holds
// it. Renaming frees the old name and takes the new one; deleting frees it;
// a rename and a create racing for one name cannot both get it.
func TestTeamNameClaimsFollowTeams(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	mustAccount(t, store, "acc-a", nil)
	create := func(id, name string) string {
		return switchboard.ErrorCode(store.CreateTeam(ctx, switchboard.Team{ID: id, AccountID: "acc-a", Name: name}))
	}
	if got := create("t-1", "Kitchen"); got != "" {
		t.Fatal(got)
	}
	if _, err := store.RenameTeam(ctx, "acc-a", "t-1", "Bar"); err != nil {
		t.Fatal(err)
	}
	if got := create("t-2", "kitchen"); got != "" {
		t.Errorf("the old name after a rename: %q, want it free", got)
	}
	if got := create("t-3", "BAR"); got != switchboard.EConflict {
		t.Errorf("the new name after a rename: %q, want conflict", got)
	}
	if _, err := store.RenameTeam(ctx, "acc-a", "t-2", "bar"); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Errorf("renaming onto a taken name: %v, want conflict", err)
	}
	if err := store.DeleteTeam(ctx, "acc-a", "t-1"); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteTeam(ctx, "acc-a", "t-1"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("deleting twice: %v, want not found", err)
	}
	for round := range 4 {
		name := fmt.Sprint("Race ", round)
		var renameErr, createErr error
		var wg sync.WaitGroup
		wg.Go(func() { _, renameErr = store.RenameTeam(ctx, "acc-a", "t-2", name) })
		wg.Go(func() {
			createErr = store.CreateTeam(ctx, switchboard.Team{ID: fmt.Sprint("r-", round), AccountID: "acc-a", Name: name})
		})
		wg.Wait()
		if (renameErr == nil) == (createErr == nil) {
			t.Fatalf("round %d: rename %v, create %v; want exactly one to get the name", round, renameErr, createErr)
		}
		teams, err := store.ListTeams(ctx, "acc-a")
		if err != nil {
			t.Fatal(err)
		}
		holders := 0
		for _, team := range teams {
			if team.Name == name {
				holders++
			}
		}
		if holders != 1 {
			t.Fatalf("round %d: %d teams named %q", round, holders, name)
		}
	}
}
