package dynamo_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestSecurityLogKeptOneYear: entries carry a TTL a year after they
// happened, and sign-in counts add up under concurrency.
func TestSecurityLogKeptOneYear(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	if err := store.RecordSecurityEvent(ctx, switchboard.SecurityEvent{ID: "sec_1", AccountID: "acc-1", Type: switchboard.SecurityPasswordReset, UserID: "usr-1", At: at}); err != nil {
		t.Fatal(err)
	}
	exp, found, err := store.SecurityExpiry(ctx, "acc-1", at, "sec_1")
	if err != nil || !found || !exp.Equal(at.Add(switchboard.SecurityLogRetention)) {
		t.Errorf("expiry %v found %v err %v, want %v", exp, found, err, at.Add(switchboard.SecurityLogRetention))
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if err := store.CountSignIn(ctx, "acc-1", "usr-1", "u@x.test", at.Add(time.Duration(i)*time.Minute), i%3 != 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	page, err := store.ListSecurityEvents(ctx, "acc-1", switchboard.SecurityFilter{Type: switchboard.SecuritySignIns}, switchboard.PageRequest{})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("%+v %v", page, err)
	}
	if e := page.Events[0]; e.Succeeded != 6 || e.Failed != 4 || e.UserID != "usr-1" || !e.At.Equal(at.Truncate(24*time.Hour)) {
		t.Errorf("sign-in counts %+v", e)
	}
	if _, err := store.ListSecurityEvents(ctx, "acc-1", switchboard.SecurityFilter{Type: "nonsense"}, switchboard.PageRequest{}); switchboard.ErrorCode(err) != switchboard.EInvalid {
		t.Errorf("unknown type: %v", err)
	}
	other, err := store.ListSecurityEvents(ctx, "acc-2", switchboard.SecurityFilter{}, switchboard.PageRequest{})
	if err != nil || len(other.Events) != 0 {
		t.Errorf("another account's log: %+v %v", other, err)
	}
}
