package switchboard

import (
	"net/netip"
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
		"": true, "https://app.example/hooks": true, "https://93.184.216.34/h": true, "https://[2606:4700::1111]/h": true,
		"http://app.example/hooks": false, "ftp://app.example": false, "https://user:pw@app.example": false, "javascript:alert(1)": false, "/relative": false,
	} {
		for _, loopback := range []bool{false, true} {
			if err := ValidateCallbackURL(raw, loopback); (err == nil) != ok {
				t.Errorf("%q (loopback allowed: %v): %v", raw, loopback, err)
			}
		}
	}
}

// TestValidateCallbackURLRefusesNonGlobal: in every stage a callback URL
// naming a loopback, private, link-local, shared, reserved or embedded
// private address is refused; loopback (only) is allowed when the
// configuration allows it, as the local stack's and the tests' do.
func TestValidateCallbackURLRefusesNonGlobal(t *testing.T) {
	refused := []string{
		"https://169.254.169.254/latest/meta-data", "https://10.0.0.1/h", "https://172.16.5.4/h", "https://192.168.1.1/h",
		"https://100.64.0.1/h", "https://0.0.0.0/h", "https://0.1.2.3/h", "https://198.18.0.1/h", "https://198.19.255.1/h",
		"https://240.0.0.1/h", "https://255.255.255.255/h", "https://224.0.0.1/h", "https://192.0.0.8/h",
		"https://[fd00::1]/h", "https://[fe80::1]/h", "https://[::]/h", "https://[ff02::1]/h",
		"https://[64:ff9b::a9fe:a9fe]/h", "https://[64:ff9b::808:808]/h", "https://[2002:a00:1::]/h", "https://[2002:7f00:1::]/h",
		"https://[::ffff:169.254.169.254]/h", "https://[::ffff:8.8.8.8]/h", "https://[::127.0.0.1]/h",
		"https://app.internal/h", "https://printer.local/h", "https://2130706433/h", "https://0x7f.1/h",
		"https://[fe80::1%25eth0]/h",
	}
	for _, raw := range refused {
		if err := ValidateCallbackURL(raw, false); err == nil {
			t.Errorf("%s is accepted", raw)
		}
	}
	loopbackOnly := []string{"http://localhost:8080/h", "https://metadata.localhost/h", "http://127.0.0.1:9/h", "http://[::1]:9/h", "https://localhost/h"}
	for _, raw := range loopbackOnly {
		if err := ValidateCallbackURL(raw, false); err == nil {
			t.Errorf("%s is accepted without the loopback allowance", raw)
		}
		if err := ValidateCallbackURL(raw, true); err != nil {
			t.Errorf("%s is refused with the loopback allowance: %v", raw, err)
		}
	}
	// The allowance is for loopback only, never for the inside.
	for _, raw := range refused {
		if err := ValidateCallbackURL(raw, true); err == nil {
			t.Errorf("%s is accepted with the loopback allowance", raw)
		}
	}
	if err := ValidateCallbackURL("https://[2002:5db8:d822::1]/h", false); err != nil {
		t.Errorf("6to4 of a public address: %v", err)
	}
}

func TestGlobalIP(t *testing.T) {
	for ip, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::1111": true, "8.8.8.8": true, "2002:5db8:d822::1": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "0.255.0.1": false, "fd00::1": false, "fe80::1": false,
		"224.0.0.1": false, "198.18.3.4": false, "240.1.1.1": false, "64:ff9b::808:808": false, "64:ff9b:1::1": false,
		"2002:c0a8:101::1": false, "::ffff:93.184.216.34": false, "::": false, "ff05::1": false, "2001:db8::1": false,
	} {
		if got := GlobalIP(netip.MustParseAddr(ip)); got != want {
			t.Errorf("GlobalIP(%s) = %v, want %v", ip, got, want)
		}
	}
}
