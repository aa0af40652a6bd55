package switchboard

import (
	"strings"
	"testing"
	"time"
)

func TestDeliveryRecordSchedule(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	d := Delivery{State: DeliveryPending}
	var total time.Duration
	for i := 0; i < 1+len(RetryDelays); i++ {
		if d.State != DeliveryPending {
			t.Fatalf("attempt %d: state %s before the last attempt", i+1, d.State)
		}
		d.Record(DeliveryAttempt{At: at.Add(total), Status: 500, Trigger: "retry"})
		if d.NextAttemptAt != nil {
			total = d.NextAttemptAt.Sub(at)
		}
	}
	if d.State != DeliveryFailed || d.NextAttemptAt != nil || d.AttemptCount != 10 {
		t.Errorf("after 10 failures: %s next %v count %d", d.State, d.NextAttemptAt, d.AttemptCount)
	}
	if total < 23*time.Hour || total > 25*time.Hour {
		t.Errorf("the last attempt comes %s after the first, want about a day", total)
	}

	ok := Delivery{State: DeliveryPending}
	ok.Record(DeliveryAttempt{At: at, Status: 500, Trigger: "first"})
	ok.Record(DeliveryAttempt{At: at.Add(time.Minute), Status: 204, Trigger: "retry"})
	if ok.State != DeliverySucceeded || ok.NextAttemptAt != nil || len(ok.Attempts) != 2 {
		t.Errorf("success: %+v", ok)
	}
	// A manual redelivery of a failed delivery leaves it failed, unscheduled.
	d.Record(DeliveryAttempt{At: at.Add(48 * time.Hour), Status: 0, Error: "refused", Trigger: "redeliver"})
	if d.State != DeliveryFailed || d.NextAttemptAt != nil {
		t.Errorf("failed redelivery: %s %v", d.State, d.NextAttemptAt)
	}
}

func TestBlockInputNormalize(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		in   BlockInput
		fail bool
	}{
		{BlockInput{}, false},
		{BlockInput{Reason: "  spam  ", Until: at(time.Hour)}, false},
		{BlockInput{Until: at(0)}, true},
		{BlockInput{Until: at(-time.Hour)}, true},
		{BlockInput{Until: at(400 * 24 * time.Hour)}, true},
		{BlockInput{Reason: strings.Repeat("x", 501)}, true},
		{BlockInput{Reason: "bell\a"}, true},
		{BlockInput{Reason: "two\nlines"}, false},
	}
	for _, tt := range tests {
		got, err := tt.in.Normalize(now)
		if (err != nil) != tt.fail {
			t.Errorf("%+v: err %v", tt.in, err)
		}
		if err == nil && got.Reason != strings.TrimSpace(tt.in.Reason) {
			t.Errorf("reason %q", got.Reason)
		}
	}
}

func TestEventIDsSortByTime(t *testing.T) {
	a := time.Date(2026, 11, 24, 10, 0, 0, 1, time.UTC)
	idA, idB := NewEventID(a), NewEventID(a.Add(time.Nanosecond))
	if idA >= idB {
		t.Errorf("%s should sort before %s", idA, idB)
	}
	if got, ok := EventTime(idA); !ok || !got.Equal(a) {
		t.Errorf("EventTime(%s) = %v %v", idA, got, ok)
	}
	lo, hi := EventIDRange(a, a.Add(time.Nanosecond))
	if !(lo <= idA && idA < hi) || idB < hi {
		t.Errorf("range [%s, %s) vs %s, %s", lo, hi, idA, idB)
	}
	for _, bad := range []string{"", "evt_", "evt_zz00000000000000", "con_0000000000000000", "evt_ffffffffffffffff"} {
		if _, ok := EventTime(bad); ok {
			t.Errorf("EventTime(%q) accepted", bad)
		}
	}
}

func TestValidateCallbackURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"": true, "https://app.example/hooks": true, "http://127.0.0.1:8080/h": true, "http://localhost/h": true,
		"http://app.example/hooks": false, "ftp://app.example": false, "https://user:pw@app.example": false, "javascript:alert(1)": false, "/relative": false,
	} {
		if err := ValidateCallbackURL(raw); (err == nil) != ok {
			t.Errorf("%q: %v", raw, err)
		}
	}
}
