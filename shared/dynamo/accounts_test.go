package dynamo_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestUsersAndEmailClaims(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	for _, id := range []string{"acc-a", "acc-b"} {
		if err := store.CreateAccount(ctx, switchboard.Account{ID: id, Name: id}, []switchboard.Location{{ID: "l2", Name: "Zeta"}, {ID: "l1", Name: "Alpha"}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := switchboard.ErrorCode(store.CreateAccount(ctx, switchboard.Account{ID: "acc-a", Name: "again"}, nil)); got != switchboard.EConflict {
		t.Errorf("second account with one id: %q, want conflict", got)
	}
	if got := switchboard.ErrorCode(store.CreateAccount(ctx, switchboard.Account{ID: "acc-c", Name: "c", TimeZone: "Mars/Olympus"}, nil)); got != switchboard.EInvalid {
		t.Errorf("bad time zone: %q, want invalid", got)
	}
	locs, err := store.ListLocations(ctx, "acc-a")
	if err != nil || len(locs) != 2 || locs[0].Name != "Alpha" || locs[0].AccountID != "acc-a" {
		t.Errorf("locations %+v, %v", locs, err)
	}

	u := switchboard.User{ID: "u1", AccountID: "acc-a", Email: "Ann@Example.com", Name: "Ann", Role: switchboard.RoleAdmin, Active: true}
	if err := store.CreateUser(ctx, u, "hash-1"); err != nil {
		t.Fatal(err)
	}
	clash := switchboard.User{ID: "u2", AccountID: "acc-b", Email: "ann@example.com", Name: "Ann B", Role: switchboard.RoleMember, Active: true}
	if got := switchboard.ErrorCode(store.CreateUser(ctx, clash, "hash-2")); got != switchboard.EConflict {
		t.Errorf("same email in another account: %q, want conflict", got)
	}
	got, hash, err := store.UserByEmail(ctx, " ANN@example.com")
	if err != nil || got.ID != "u1" || got.Email != "ann@example.com" || hash != "hash-1" {
		t.Errorf("UserByEmail = %+v %q %v", got, hash, err)
	}
	if _, _, err := store.UserByEmail(ctx, "bob@example.com"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("unknown email: %v", err)
	}
	if _, err := store.GetUser(ctx, "acc-b", "u1"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("a user read through another account: %v, want not_found", err)
	}
	bad := u
	bad.ID, bad.Email, bad.Role = "u3", "c@example.com", "owner"
	if got := switchboard.ErrorCode(store.CreateUser(ctx, bad, "h")); got != switchboard.EInvalid {
		t.Errorf("bad role: %q", got)
	}
	// The invalid user must not have claimed its address.
	bad.Role = switchboard.RoleMember
	if err := store.CreateUser(ctx, bad, "h"); err != nil {
		t.Errorf("address left claimed by a rejected user: %v", err)
	}
}

func TestSessionsExpire(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := store.WithClock(clock)
	sess := switchboard.Session{TokenHash: "h1", AccountID: "a", UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionByTokenHash(ctx, "h1"); err != nil || got.UserID != "u" {
		t.Fatalf("live session: %+v %v", got, err)
	}
	later := store.WithClock(func() time.Time { return now.Add(time.Hour) })
	if _, err := later.SessionByTokenHash(ctx, "h1"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("expired session still readable: %v", err)
	}
	if err := s.DeleteSession(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByTokenHash(ctx, "h1"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("deleted session still readable: %v", err)
	}
}

func TestLimiterWindows(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 10, 14, 0, 0, time.UTC)
	s := store.WithClock(func() time.Time { return now })
	for want := 1; want <= 3; want++ {
		if n, err := s.Count(ctx, "k", 15*time.Minute); err != nil || n != want {
			t.Fatalf("count %d: %d %v", want, n, err)
		}
	}
	if n, _ := s.Peek(ctx, "k", 15*time.Minute); n != 3 {
		t.Errorf("peek = %d, want 3", n)
	}
	if n, _ := s.Peek(ctx, "other", 15*time.Minute); n != 0 {
		t.Errorf("peek of an unused key = %d", n)
	}
	next := store.WithClock(func() time.Time { return now.Add(time.Minute) }) // 10:15, a new window
	if n, _ := next.Peek(ctx, "k", 15*time.Minute); n != 0 {
		t.Errorf("the next window starts at %d, want 0", n)
	}
}

// TestCountWindowsOneWriteAndRollover: the rate windows of a key are one
// item, counted with one conditional write per call; when a window turns,
// only that window restarts, the longer ones keep counting, and racing
// callers lose no count.
func TestCountWindowsOneWriteAndRollover(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 10, 14, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	s := store.WithClock(func() time.Time { return clock() })
	windows := []time.Duration{time.Minute, time.Hour, 24 * time.Hour}
	for want := 1; want <= 3; want++ {
		got, err := s.CountWindows(ctx, "rate:k", windows)
		if err != nil || !slices.Equal(got, []int{want, want, want}) {
			t.Fatalf("call %d: %v %v", want, got, err)
		}
	}
	clock = func() time.Time { return now.Add(time.Minute) } // 10:15: a new minute, same hour and day
	if got, err := s.CountWindows(ctx, "rate:k", windows); err != nil || !slices.Equal(got, []int{1, 4, 4}) {
		t.Fatalf("after the minute turned: %v %v, want [1 4 4]", got, err)
	}
	clock = func() time.Time { return now.Add(time.Hour) } // 11:14: minute and hour turn
	if got, err := s.CountWindows(ctx, "rate:k", windows); err != nil || !slices.Equal(got, []int{1, 1, 5}) {
		t.Fatalf("after the hour turned: %v %v, want [1 1 5]", got, err)
	}
	var wg sync.WaitGroup
	clock = func() time.Time { return now.Add(2 * time.Hour) } // everyone races over the turn
	for range 8 {
		wg.Go(func() {
			if _, err := s.CountWindows(ctx, "rate:k", windows); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := s.CountWindows(ctx, "rate:k", windows); err != nil || !slices.Equal(got, []int{9, 9, 14}) {
		t.Fatalf("after 8 racing calls and one more: %v %v, want [9 9 14]", got, err)
	}
	if got, err := s.CountWindows(ctx, "rate:other", windows); err != nil || !slices.Equal(got, []int{1, 1, 1}) {
		t.Fatalf("another key: %v %v", got, err)
	}
}
