package switchboard

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLatencyBucketAndPercentile(t *testing.T) {
	for _, tt := range []struct {
		ms   int64
		want int
	}{{0, 0}, {10, 0}, {11, 1}, {100, 3}, {101, 4}, {10000, 9}, {10001, 10}, {1 << 40, 10}} {
		if got := LatencyBucket(tt.ms); got != tt.want {
			t.Errorf("LatencyBucket(%d) = %d, want %d", tt.ms, got, tt.want)
		}
	}
	hist := make([]int64, LatencyBuckets)
	if got := Percentile(hist, 0.5); got != 0 {
		t.Errorf("empty p50 = %d", got)
	}
	// 90 calls under 10 ms, 10 calls at 300 ms: p50 10, p95 500 (300's bucket).
	hist[0], hist[LatencyBucket(300)] = 90, 10
	if p50, p95 := Percentile(hist, 0.5), Percentile(hist, 0.95); p50 != 10 || p95 != 500 {
		t.Errorf("p50 %d p95 %d, want 10 and 500", p50, p95)
	}
	hist = make([]int64, LatencyBuckets)
	hist[LatencyBuckets-1] = 1
	if got := Percentile(hist, 0.95); got != 10000 {
		t.Errorf("overflow p95 = %d, want the last bound", got)
	}
}

func TestCountsByStatus(t *testing.T) {
	var c Counts
	for _, s := range []int{200, 201, 204, 301, 400, 401, 404, 429, 429, 500, 503} {
		c.AddStatus(s)
	}
	want := Counts{Total: 11, S2xx: 3, S4xx: 5, S5xx: 2, S429: 2, S401: 1}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Error(diff)
	}
}

func TestAuthFailuresCountTokenRefusalsOnly(t *testing.T) {
	var r RollUp
	for _, c := range []Call{
		{Status: 401, Error: EInvalidToken}, {Status: 401, Error: EConnectionBlocked}, {Status: 401}, {Status: 200}, {Status: 401, Error: EInvalidToken},
	} {
		r.AddCall(c, false)
	}
	if r.S401 != 4 || r.AuthFailures != 2 {
		t.Errorf("S401 %d AuthFailures %d, want 4 and 2", r.S401, r.AuthFailures)
	}
}

func TestPermissionOfAndUsedScopes(t *testing.T) {
	for _, tt := range []struct {
		resource, method, want string
	}{
		{"orders", "GET", "orders.read"}, {"orders", "POST", "orders.write"}, {"customers", "PATCH", "customers.write"},
		{"catalog", "HEAD", "catalog.read"}, {"location", "GET", ""}, {"account", "GET", ""}, {"", "GET", ""},
	} {
		if got := PermissionOf(Call{Resource: tt.resource, Method: tt.method}); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.method, tt.resource, got, tt.want)
		}
	}
	var day RollUp
	day.AddCall(Call{Resource: "orders", Method: "GET", Status: 200}, true)
	day.AddCall(Call{Resource: "orders", Method: "GET", Status: 200}, true)
	day.AddCall(Call{Resource: "location", Method: "GET", Status: 200}, true)
	other := RollUp{Used: []string{"catalog.read", "orders.read"}}
	if got := UsedScopes([]RollUp{day, other}); !slices.Equal(got, []string{"catalog.read", "orders.read"}) {
		t.Errorf("used %v", got)
	}
	if got := UsedScopes(nil); got == nil || len(got) != 0 {
		t.Errorf("no roll-ups: %#v, want an empty list", got)
	}
}

// TestRefusedCallsAreNotUse: a call refused 403 insufficient_scope did not
// use its permission; it is recorded as refused, apart. Other failures use
// nothing either.
func TestRefusedCallsAreNotUse(t *testing.T) {
	var day RollUp
	day.AddCall(Call{Resource: "orders", Method: "GET", Status: 200}, true)
	day.AddCall(Call{Resource: "orders", Method: "POST", Status: 403, Error: EInsufficientScope}, true)
	day.AddCall(Call{Resource: "customers", Method: "GET", Status: 403, Error: EInsufficientScope}, true)
	day.AddCall(Call{Resource: "catalog", Method: "GET", Status: 500}, true)
	day.AddCall(Call{Resource: "catalog", Method: "PUT", Status: 401, Error: EInvalidToken}, true)
	var hour RollUp
	hour.AddCall(Call{Resource: "customers", Method: "GET", Status: 403, Error: EInsufficientScope}, false)
	if got := UsedScopes([]RollUp{day, hour}); !slices.Equal(got, []string{"orders.read"}) {
		t.Errorf("used %v, want only the 2xx call's orders.read", got)
	}
	if got := RefusedScopes([]RollUp{day, hour}); !slices.Equal(got, []string{"customers.read", "orders.write"}) {
		t.Errorf("refused %v", got)
	}
}

// TestLocalDays checks day boundaries as instants in several zones,
// including a DST change (23- and 25-hour days).
func TestLocalDays(t *testing.T) {
	tests := []struct {
		zone      string
		now       string
		n         int
		wantFirst DaySpan
		wantHours []float64
	}{
		{"UTC", "2026-11-24T13:00:00Z", 2, DaySpan{"2026-11-23", ts("2026-11-23T00:00:00Z"), ts("2026-11-24T00:00:00Z")}, []float64{24, 24}},
		// 23:30 UTC is already the 25th in Paris (UTC+1 in winter).
		{"Europe/Paris", "2026-11-24T23:30:00Z", 1, DaySpan{"2026-11-25", ts("2026-11-24T23:00:00Z"), ts("2026-11-25T23:00:00Z")}, []float64{24}},
		// Paris goes to summer time on 2026-03-29: that day lasts 23 hours.
		{"Europe/Paris", "2026-03-30T12:00:00Z", 3, DaySpan{"2026-03-28", ts("2026-03-27T23:00:00Z"), ts("2026-03-28T23:00:00Z")}, []float64{24, 23, 24}},
		// New York leaves summer time on 2026-11-01: 25 hours.
		{"America/New_York", "2026-11-01T20:00:00Z", 1, DaySpan{"2026-11-01", ts("2026-11-01T04:00:00Z"), ts("2026-11-02T05:00:00Z")}, []float64{25}},
		{"Asia/Kolkata", "2026-11-24T20:00:00Z", 1, DaySpan{"2026-11-25", ts("2026-11-24T18:30:00Z"), ts("2026-11-25T18:30:00Z")}, []float64{24}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.now, func(t *testing.T) {
			got := LocalDays(ts(tt.now), mustZone(t, tt.zone), tt.n)
			if len(got) != tt.n {
				t.Fatalf("%d days, want %d", len(got), tt.n)
			}
			if got[0].Date != tt.wantFirst.Date || !got[0].Start.Equal(tt.wantFirst.Start) || !got[0].End.Equal(tt.wantFirst.End) {
				t.Errorf("first day %+v, want %+v", got[0], tt.wantFirst)
			}
			for i, d := range got {
				if h := d.End.Sub(d.Start).Hours(); h != tt.wantHours[i] {
					t.Errorf("day %s lasts %v hours, want %v", d.Date, h, tt.wantHours[i])
				}
				if i > 0 && !got[i-1].End.Equal(d.Start) {
					t.Errorf("day %s does not start where the day before ends", d.Date)
				}
			}
		})
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func hourRollUp(at string, total int64, status int) RollUp {
	r := RollUp{Start: ts(at)}
	for range total {
		r.AddCall(Call{Status: status, LatencyMs: 40}, false)
	}
	return r
}

// TestBuildActivityZeroFillsInZone places hour roll-ups on the account's
// days: in Paris the UTC hour 23:00 of the 22nd is the 23rd's first hour.
func TestBuildActivityZeroFillsInZone(t *testing.T) {
	now := ts("2026-11-24T13:20:00Z")
	hours := []RollUp{
		hourRollUp("2026-10-20T10:00:00Z", 7, 200), // before the window
		hourRollUp("2026-11-22T22:00:00Z", 3, 200), // 23:00 in Paris, the 22nd
		hourRollUp("2026-11-22T23:00:00Z", 2, 500), // 00:00 in Paris, the 23rd
		hourRollUp("2026-11-24T13:00:00Z", 4, 429), // this hour
	}
	a := BuildActivity("con_1", mustZone(t, "Europe/Paris"), now, 30, hours, nil)
	if len(a.Days) != 30 || len(a.Hours) != 48 {
		t.Fatalf("%d days and %d hours, want 30 and 48", len(a.Days), len(a.Hours))
	}
	if a.Days[29].Date != "2026-11-24" || a.Days[0].Date != "2026-10-26" {
		t.Errorf("days run %s..%s", a.Days[0].Date, a.Days[29].Date)
	}
	byDate := map[string]ActivityPoint{}
	for _, d := range a.Days {
		byDate[d.Date] = d
	}
	if d := byDate["2026-11-22"]; d.Total != 3 || d.S2xx != 3 || d.P50Ms != 50 {
		t.Errorf("22nd %+v", d)
	}
	if d := byDate["2026-11-23"]; d.Total != 2 || d.S5xx != 2 {
		t.Errorf("23rd %+v", d)
	}
	if d := byDate["2026-11-24"]; d.Total != 4 || d.S429 != 4 || d.S4xx != 4 {
		t.Errorf("24th %+v", d)
	}
	if a.Totals.Total != 9 {
		t.Errorf("total %d, want 9 (the October hour is outside)", a.Totals.Total)
	}
	zero := 0
	for _, d := range a.Days {
		if d.Total == 0 {
			zero++
		}
	}
	if zero != 27 {
		t.Errorf("%d empty days, want 27 zero-filled", zero)
	}
	lastHour := a.Hours[47]
	if !lastHour.Start.Equal(ts("2026-11-24T13:00:00Z")) || lastHour.Total != 4 {
		t.Errorf("last hour %+v", lastHour)
	}
	if !a.Hours[0].Start.Equal(ts("2026-11-22T14:00:00Z")) || a.Hours[0].Total != 0 {
		t.Errorf("first hour %+v", a.Hours[0])
	}
	if got := a.Hours[33]; !got.Start.Equal(ts("2026-11-23T23:00:00Z")) || got.Total != 0 {
		t.Errorf("hour 33 %+v", got)
	}
}

// TestBuildActivityHalfHourZone documents the half-hour approximation: in
// Kolkata (UTC+5:30) the UTC hour 18:00-19:00 starts at 23:30 local, so it
// counts for the day it starts in.
func TestBuildActivityHalfHourZone(t *testing.T) {
	now := ts("2026-11-24T20:00:00Z") // 01:30 on the 25th in Kolkata
	hours := []RollUp{hourRollUp("2026-11-24T18:00:00Z", 5, 200), hourRollUp("2026-11-24T19:00:00Z", 1, 200)}
	a := BuildActivity("con_1", mustZone(t, "Asia/Kolkata"), now, 2, hours, nil)
	if a.Days[0].Date != "2026-11-24" || a.Days[0].Total != 5 || a.Days[1].Total != 1 {
		t.Errorf("days %+v", a.Days)
	}
}

func TestAssess(t *testing.T) {
	now := ts("2026-11-24T12:00:00Z")
	conn := Connection{ID: "con_1", AppID: "pos", AppName: "POS", Scope: "location[orders.read]", Status: ConnectionActive,
		ConnectedAt: now.Add(-30 * 24 * time.Hour), UpdatedAt: now.Add(-30 * 24 * time.Hour)}
	daily := func(recent, baseline int64) []int64 {
		var d []int64
		for range BaselineDays {
			d = append(d, baseline)
		}
		for range SilentDays {
			d = append(d, recent)
		}
		return d
	}
	reqScope := func(perms ...string) *Scope { return &Scope{Level: LevelLocation, Permissions: perms} }
	tests := []struct {
		name string
		in   HealthInput
		want []HealthReason
	}{
		{"healthy", HealthInput{Connection: conn, Requested: reqScope("orders.read"), Last24h: Counts{Total: 100, S2xx: 96, S5xx: 4}, DailyTotals: daily(10, 10)}, nil},
		{"erroring", HealthInput{Connection: conn, Last24h: Counts{Total: 40, S2xx: 34, S5xx: 6}}, []HealthReason{ReasonErroring}},
		{"many 5xx but a small share", HealthInput{Connection: conn, Last24h: Counts{Total: 1000, S2xx: 990, S5xx: 10}}, nil},
		{"needs reauthorisation", HealthInput{Connection: conn, Requested: reqScope("orders.read", "orders.write")}, []HealthReason{ReasonNeedsReauth}},
		{"silent", HealthInput{Connection: conn, DailyTotals: daily(0, 10)}, []HealthReason{ReasonSilent}},
		{"quiet but never daily", HealthInput{Connection: conn, DailyTotals: daily(0, 0)}, nil},
		{"callback failures", HealthInput{Connection: conn, CallbackFailures24h: 9}, []HealthReason{ReasonCallbackFailures}},
		{"blocked is not assessed", HealthInput{Connection: Connection{ID: "b", Status: ConnectionBlocked}, Last24h: Counts{Total: 10, S5xx: 10}}, nil},
	}
	changedAt, longAgo := now.Add(-2*time.Hour), now.Add(-25*time.Hour)
	changed := conn
	changed.TokenChangedAt = &changedAt
	// Block and unblock move UpdatedAt, never TokenChangedAt.
	unblocked := conn
	unblocked.UpdatedAt = changedAt
	stale := conn
	stale.TokenChangedAt = &longAgo
	burst := Counts{Total: 8, S4xx: 8, S401: 8, AuthFailures: 8}
	type tc = struct {
		name string
		in   HealthInput
		want []HealthReason
	}
	tests = append(tests,
		tc{"401 burst after a token change", HealthInput{Connection: changed, AuthSinceChange: burst}, []HealthReason{ReasonAuthFailures}},
		tc{"401s without a token change", HealthInput{Connection: conn, AuthSinceChange: burst}, nil},
		tc{"401s after an unblock", HealthInput{Connection: unblocked, AuthSinceChange: burst}, nil},
		tc{"token changed over a day ago", HealthInput{Connection: stale, AuthSinceChange: burst}, nil},
		tc{"blocked 401s are no auth failures", HealthInput{Connection: changed, AuthSinceChange: Counts{Total: 8, S4xx: 8, S401: 8}}, nil},
		tc{"one auth failure short", HealthInput{Connection: changed, AuthSinceChange: Counts{Total: 8, S4xx: 8, S401: 8, AuthFailures: AuthBurstMin - 1}}, nil},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []HealthReason
			for _, a := range Assess(tt.in, now) {
				got = append(got, a.Reason)
				if a.Message == "" || a.Action == "" || a.ActionCode == "" {
					t.Errorf("attention %+v lacks a message or action", a)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
	missing := Assess(HealthInput{Connection: conn, Requested: reqScope("catalog.read", "orders.read", "orders.write")}, now)
	if len(missing) != 1 || !slices.Equal(missing[0].MissingScopes, []string{"catalog.read", "orders.write"}) {
		t.Errorf("missing scopes %+v", missing)
	}
}

func TestOverviewAdd(t *testing.T) {
	o := NewOverview(time.Time{})
	o.Add(Connection{ID: "a", Status: ConnectionActive}, []Attention{{Reason: ReasonErroring}, {Reason: ReasonAuthFailures}})
	o.Add(Connection{ID: "b", Status: ConnectionBlocked}, nil)
	o.Add(Connection{ID: "c", Status: ConnectionActive}, []Attention{{Reason: ReasonSilent}, {Reason: ReasonNeedsReauth}})
	if o.Connected.Count != 2 || o.Blocked.Count != 1 || o.Erroring.Count != 1 || o.Silent.Count != 1 || o.NeedsReauth.Count != 1 || len(o.NeedsAttention) != 4 {
		t.Errorf("overview %+v", o)
	}
}

// TestActivityPlanMatchesHourlyBuild: the chart built from day roll-ups
// corrected by the boundary hours equals the one built from every hour,
// in zones whole, half and quarter hours from UTC, either side of the date
// line, across DST changes (Lord Howe's is half an hour), for 1 to 90
// days; and in Paris it reads at most two hours per day besides the last
// 48.
func TestActivityPlanMatchesHourlyBuild(t *testing.T) {
	zones := []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Tongatapu",
		"Pacific/Kiritimati", "Etc/GMT+12", "Australia/Lord_Howe", "America/St_Johns"}
	nows := []string{"2026-11-24T13:20:00Z", "2026-03-29T00:30:00Z", "2026-10-25T23:59:00Z", "2026-11-01T06:10:00Z", "2026-04-05T15:45:00Z", "2026-01-01T00:00:00Z"}
	rng := rand.New(rand.NewPCG(1, 2))
	perms := []string{"orders.read", "orders.write", "catalog.read", "customers.write"}
	for _, now := range nows {
		at := ts(now)
		// Consistent roll-ups, as the roll-up writes them: each day the
		// exact sum of its hours, over the 100 days before now.
		var hours []RollUp
		days := map[int64]*RollUp{}
		for h := HourStart(at).Add(-100 * 24 * time.Hour); !h.After(at); h = h.Add(time.Hour) {
			if rng.IntN(5) == 0 {
				continue // an hour without calls has no item
			}
			r := RollUp{Start: h}
			for range rng.IntN(9) + 1 {
				c := Call{Status: []int{200, 201, 401, 404, 429, 500, 503}[rng.IntN(7)], LatencyMs: int64(rng.IntN(3000)), Resource: "orders", Method: "GET"}
				r.AddCall(c, false)
				d := DayStart(h).Unix()
				if days[d] == nil {
					days[d] = &RollUp{Start: DayStart(h)}
				}
				days[d].AddCall(c, false)
			}
			if p := perms[rng.IntN(len(perms))]; !slices.Contains(days[DayStart(h).Unix()].Used, p) && rng.IntN(10) == 0 {
				days[DayStart(h).Unix()].Used = append(days[DayStart(h).Unix()].Used, p)
			}
			if p := perms[rng.IntN(len(perms))]; !slices.Contains(days[DayStart(h).Unix()].Refused, p) && rng.IntN(20) == 0 {
				days[DayStart(h).Unix()].Refused = append(days[DayStart(h).Unix()].Refused, p)
			}
			hours = append(hours, r)
		}
		hoursIn := func(from, to time.Time) (out []RollUp) { // inclusive
			for _, h := range hours {
				if !h.Start.Before(from) && !h.Start.After(to) {
					out = append(out, h)
				}
			}
			return out
		}
		daysIn := func(from, to time.Time) (out []RollUp) {
			for _, d := range days {
				if !d.Start.Before(from) && !d.Start.After(to) {
					out = append(out, *d)
				}
			}
			return out
		}
		for _, zone := range zones {
			loc := mustZone(t, zone)
			for _, n := range []int{1, 2, 30, 90} {
				// What the route read before: every hour of the chart, and
				// the day roll-ups of the last 30 days for the scopes.
				spans := LocalDays(at, loc, n)
				from := min(spans[0].Start.Unix(), HourStart(at).Add(-47*time.Hour).Unix())
				want := BuildActivity("con_1", loc, at, n, hoursIn(time.Unix(from, 0).Add(time.Hour-time.Nanosecond).Truncate(time.Hour), HourStart(at.Add(time.Hour-time.Nanosecond))),
					daysIn(DayStart(at).AddDate(0, 0, -29), DayStart(at.Add(24*time.Hour-time.Nanosecond))))
				p := PlanActivity(loc, at, n)
				read := hoursIn(p.FirstHour, p.LastHour)
				for _, h := range p.Hours {
					read = append(read, hoursIn(h, h)...)
				}
				got := p.Build("con_1", daysIn(p.FirstDay, p.LastDay), read)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s, %s, %d days (-hourly +plan):\n%s", zone, now, n, diff)
				}
				if zone == "Europe/Paris" && len(p.Hours) > 2*n {
					t.Errorf("Paris, %d days: %d hours read by key", n, len(p.Hours))
				}
			}
		}
	}
}
