package dynamo_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func mustDirectoryUser(tb testing.TB, store *dynamo.Store, accountID, userID string) switchboard.DirectoryUser {
	tb.Helper()
	u, err := store.GetDirectoryUser(context.Background(), accountID, userID)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func changeRole(r switchboard.Role) switchboard.UserChanges { return switchboard.UserChanges{Role: &r} }

func TestListAndUpdateUsers(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	mustAccount(t, store, "acc-a", map[string]switchboard.Role{"s1": switchboard.RoleSuperAdmin, "a1": switchboard.RoleAdmin, "m1": switchboard.RoleMember})
	mustAccount(t, store, "acc-b", map[string]switchboard.Role{"b1": switchboard.RoleSuperAdmin})

	users, err := store.ListUsers(ctx, "acc-a")
	if err != nil || len(users) != 3 || users[0].ID != "a1" || users[2].ID != "s1" || users[1].Status != switchboard.UserActive {
		t.Fatalf("ListUsers = %+v, %v", users, err)
	}
	if _, err := store.GetDirectoryUser(ctx, "acc-b", "m1"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("a user read through another account: %v", err)
	}

	m1 := mustDirectoryUser(t, store, "acc-a", "m1")
	updated, err := store.UpdateUser(ctx, "acc-a", m1, changeRole(switchboard.RoleAdmin))
	if err != nil || updated.Role != switchboard.RoleAdmin || !updated.Active || updated.Email != m1.Email {
		t.Errorf("promote m1: %+v, %v", updated, err)
	}
	if _, err := store.UpdateUser(ctx, "acc-a", m1, changeRole(switchboard.RoleMember)); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Errorf("a write from a stale read: %v, want conflict", err)
	}
	off := false
	if _, err := store.UpdateUser(ctx, "acc-b", m1, switchboard.UserChanges{Active: &off}); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("a change through another account: %v, want not_found", err)
	}
	if _, err := store.UpdateUser(ctx, "acc-a", mustDirectoryUser(t, store, "acc-a", "a1"), changeRole("owner")); switchboard.ErrorCode(err) != switchboard.EInvalid {
		t.Errorf("unknown role: %v", err)
	}

	s1 := mustDirectoryUser(t, store, "acc-a", "s1")
	if _, err := store.UpdateUser(ctx, "acc-a", s1, switchboard.UserChanges{Active: &off}); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Errorf("deactivating the last super admin: %v, want conflict", err)
	}
	if got := mustDirectoryUser(t, store, "acc-a", "s1"); got.Role != switchboard.RoleSuperAdmin || !got.Active {
		t.Errorf("the last super admin changed anyway: %+v", got)
	}
	if _, err := store.UpdateUser(ctx, "acc-a", mustDirectoryUser(t, store, "acc-a", "a1"), changeRole(switchboard.RoleSuperAdmin)); err != nil {
		t.Fatal(err)
	}
	if got, err := store.UpdateUser(ctx, "acc-a", s1, switchboard.UserChanges{Active: &off}); err != nil || got.Status != switchboard.UserDeactivated {
		t.Errorf("deactivating one of two super admins: %+v, %v", got, err)
	}
	if _, err := store.UpdateUser(ctx, "acc-a", mustDirectoryUser(t, store, "acc-a", "a1"), changeRole(switchboard.RoleMember)); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Errorf("demoting the remaining super admin (the other is inactive): %v, want conflict", err)
	}
}

// TestLastSuperAdminRace: two super admins demote each other at the same
// time; exactly one of them succeeds, every round.
func TestLastSuperAdminRace(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	mustAccount(t, store, "acc-a", map[string]switchboard.Role{"s1": switchboard.RoleSuperAdmin, "s2": switchboard.RoleSuperAdmin})
	for round := range 6 {
		for _, id := range []string{"s1", "s2"} {
			if u := mustDirectoryUser(t, store, "acc-a", id); u.Role != switchboard.RoleSuperAdmin {
				if _, err := store.UpdateUser(ctx, "acc-a", u, changeRole(switchboard.RoleSuperAdmin)); err != nil {
					t.Fatal(err)
				}
			}
		}
		seen := []switchboard.DirectoryUser{mustDirectoryUser(t, store, "acc-a", "s1"), mustDirectoryUser(t, store, "acc-a", "s2")}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range seen {
			wg.Go(func() { _, errs[i] = store.UpdateUser(ctx, "acc-a", seen[i], changeRole(switchboard.RoleAdmin)) })
		}
		wg.Wait()
		succeeded := 0
		for _, err := range errs {
			switch switchboard.ErrorCode(err) {
			case "":
				succeeded++
			case switchboard.EConflict:
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		users, err := store.ListUsers(ctx, "acc-a")
		if err != nil {
			t.Fatal(err)
		}
		supers := 0
		for _, u := range users {
			if u.Role == switchboard.RoleSuperAdmin && u.Active {
				supers++
			}
		}
		if succeeded != 1 || supers != 1 {
			t.Fatalf("round %d: %d demotions succeeded, %d super admins left; want 1 and 1 (%v)", round, succeeded, supers, errs)
		}
	}
}

func TestInvitations(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	mustAccount(t, store, "acc-a", map[string]switchboard.Role{"s1": switchboard.RoleSuperAdmin})
	now := time.Now().UTC()
	invite := func(userID, email, tokenHash string) error {
		u := switchboard.User{ID: userID, AccountID: "acc-a", Email: email, Name: "New " + userID, Role: switchboard.RoleMember}
		inv := switchboard.Invitation{TokenHash: tokenHash, AccountID: "acc-a", UserID: userID, Email: email, InvitedBy: "s1",
			CreatedAt: now, ExpiresAt: now.Add(switchboard.InvitationLifetime)}
		return store.InviteUser(ctx, u, "placeholder-hash", inv)
	}
	if err := invite("n1", "New.One@Example.com", "th-1"); err != nil {
		t.Fatal(err)
	}
	n1 := mustDirectoryUser(t, store, "acc-a", "n1")
	if n1.Status != switchboard.UserInvited || n1.Active || n1.Email != "new.one@example.com" {
		t.Errorf("invited user %+v", n1)
	}
	if got := switchboard.ErrorCode(invite("n2", "s1@acc-a.test", "th-2")); got != switchboard.EConflict {
		t.Errorf("inviting a taken email: %q, want conflict", got)
	}
	if _, err := store.GetUser(ctx, "acc-a", "n2"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("a refused invitation left its user: %v", err)
	}
	if got := switchboard.ErrorCode(invite("n3", "three@example.com", "th-1")); got != switchboard.EConflict {
		t.Errorf("a token hash used twice: %q, want conflict", got)
	}
	if err := invite("n3", "three@example.com", "th-3"); err != nil {
		t.Errorf("a failed invitation left its email or user behind: %v", err)
	}

	if inv, err := store.PendingInvitation(ctx, "th-1"); err != nil || inv.UserID != "n1" || inv.AccountID != "acc-a" {
		t.Errorf("PendingInvitation = %+v, %v", inv, err)
	}
	if _, err := store.PendingInvitation(ctx, "th-unknown"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("unknown invitation: %v", err)
	}
	expired := store.WithClock(func() time.Time { return now.Add(switchboard.InvitationLifetime + time.Second) })
	if _, err := expired.PendingInvitation(ctx, "th-1"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("expired invitation: %v", err)
	}
	if _, err := expired.AcceptInvitation(ctx, "th-1", "real-hash"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("accepting an expired invitation: %v", err)
	}

	// An admin may change an invited user's role; they stay invited.
	if got, err := store.UpdateUser(ctx, "acc-a", n1, changeRole(switchboard.RoleAdmin)); err != nil || got.Status != switchboard.UserInvited {
		t.Errorf("role of an invited user: %+v, %v", got, err)
	}

	// Accepted once, whatever the concurrency.
	results := make([]error, 5)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { _, results[i] = store.AcceptInvitation(ctx, "th-1", "real-hash") })
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else if switchboard.ErrorCode(err) != switchboard.ENotFound {
			t.Errorf("accept: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d acceptances of one invitation succeeded, want 1", ok)
	}
	u, hash, err := store.UserByEmail(ctx, "new.one@example.com")
	if err != nil || !u.Active || hash != "real-hash" || u.Role != switchboard.RoleAdmin {
		t.Errorf("after acceptance: %+v %q %v", u, hash, err)
	}
	if got := mustDirectoryUser(t, store, "acc-a", "n1"); got.Status != switchboard.UserActive {
		t.Errorf("status after acceptance %q", got.Status)
	}
	if _, err := store.AcceptInvitation(ctx, "th-1", "other-hash"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("reusing an invitation: %v", err)
	}
}
