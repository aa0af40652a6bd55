package switchboard

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLastClosedPeriod(t *testing.T) {
	tests := []struct {
		name     string
		f        Frequency
		zone     string
		at       string
		from, to string
	}{
		{"hourly UTC on the hour", Hourly, "UTC", "2026-11-24T14:00:00Z", "2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z"},
		{"hourly UTC mid-hour", Hourly, "UTC", "2026-11-24T14:59:59Z", "2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z"},
		{"hourly half-hour zone", Hourly, "Asia/Kolkata", "2026-11-24T14:00:00Z", "2026-11-24T12:30:00Z", "2026-11-24T13:30:00Z"},
		{"hourly 45-minute zone", Hourly, "Asia/Kathmandu", "2026-11-24T14:00:00Z", "2026-11-24T12:15:00Z", "2026-11-24T13:15:00Z"},
		{"hourly, first 1 a.m. of a fall-back night", Hourly, "America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z"},
		{"hourly, second 1 a.m. of a fall-back night", Hourly, "America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z"},
		{"hourly across Lord Howe's 30-minute jump", Hourly, "Australia/Lord_Howe", "2026-10-03T16:10:00Z", "2026-10-03T14:30:00Z", "2026-10-03T16:00:00Z"},

		{"daily UTC", Daily, "UTC", "2026-11-24T00:00:00Z", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"},
		{"daily Paris", Daily, "Europe/Paris", "2026-11-24T00:00:00Z", "2026-11-22T23:00:00Z", "2026-11-23T23:00:00Z"},
		{"daily Tokyo, 9 a.m. local", Daily, "Asia/Tokyo", "2026-11-24T00:00:00Z", "2026-11-22T15:00:00Z", "2026-11-23T15:00:00Z"},
		{"a 25-hour day (DST ends)", Daily, "America/New_York", "2026-11-02T05:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"},
		{"a 23-hour day (DST starts)", Daily, "America/New_York", "2026-03-09T04:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"},
		{"a day without midnight", Daily, "America/Santiago", "2026-09-07T03:00:00Z", "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"},

		{"weekly UTC on Monday", Weekly, "UTC", "2026-11-23T00:00:00Z", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"},
		{"weekly Paris on a Tuesday", Weekly, "Europe/Paris", "2026-11-24T12:00:00Z", "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z"},
		{"weekly across DST end", Weekly, "Europe/Paris", "2026-10-26T00:00:00Z", "2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z"},

		{"monthly UTC", Monthly, "UTC", "2026-03-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"},
		{"monthly Paris across DST end", Monthly, "Europe/Paris", "2026-11-01T00:00:00Z", "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z"},
		{"monthly Los Angeles, still the 31st locally", Monthly, "America/Los_Angeles", "2026-01-01T00:00:00Z", "2025-11-01T07:00:00Z", "2025-12-01T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := LastClosedPeriod(tt.f, utc(tt.at), mustZone(t, tt.zone))
			if got, want := p.From.Format(time.RFC3339)+" "+p.To.Format(time.RFC3339), tt.from+" "+tt.to; got != want {
				t.Errorf("period %s, want %s", got, want)
			}
		})
	}
}

// TestDuePeriodsChain simulates a year of hourly runs for each frequency in
// zones with DST, odd offsets and skipped midnights: every period is due in
// exactly one run, and consecutive periods chain with neither gap nor
// overlap, so every instant (and so every event) belongs to exactly one
// digest.
func TestDuePeriodsChain(t *testing.T) {
	zones := []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "Pacific/Kiritimati"}
	start, end := utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z")
	for _, zone := range zones {
		loc := mustZone(t, zone)
		for _, f := range Frequencies {
			t.Run(zone+"/"+string(f), func(t *testing.T) {
				var prev Period
				seen := map[string]bool{}
				n := 0
				for run := start; run.Before(end); run = run.Add(time.Hour) {
					for _, p := range DuePeriods(f, run, loc) {
						n++
						if !p.From.Before(p.To) || p.To.After(run) || !p.To.After(run.Add(-DigestWindow)) {
							t.Fatalf("run %s: period %v is not one that closed in the run's hour", run, p)
						}
						if seen[p.Key()] {
							t.Fatalf("run %s: period %v due twice", run, p)
						}
						seen[p.Key()] = true
						if !prev.To.IsZero() && !prev.To.Equal(p.From) {
							t.Fatalf("run %s: period %v does not follow %v", run, p, prev)
						}
						prev = p
						// Every instant of the period starts it, or lies in it.
						if got := LastClosedPeriod(f, p.To, loc); got != p {
							t.Fatalf("LastClosedPeriod(%s) = %v, want %v", p.To, got, p)
						}
					}
				}
				min := map[Frequency]int{Hourly: 8700, Daily: 364, Weekly: 52, Monthly: 12}[f]
				if n < min {
					t.Errorf("%d periods in a year, want at least %d", n, min)
				}
			})
		}
	}
}

func TestRuleNormalize(t *testing.T) {
	base := NotificationRule{ID: "rule-1", AccountID: "acc-1", Name: " New   installs ", Type: RuleInstall, Frequency: Daily,
		AppIDs: []string{"b", "a", "b"}, Recipients: Recipients{Mode: RecipientsSpecific, UserIDs: []string{"u2", "u1", "u2"}, TeamIDs: []string{"t1"}}}
	r, err := base.Normalize()
	if err != nil || r.Name != "New installs" || len(r.AppIDs) != 2 || r.AppIDs[0] != "a" || len(r.Recipients.UserIDs) != 2 {
		t.Fatalf("normalized %+v, %v", r, err)
	}
	all := base
	all.AllApps, all.Recipients.Mode = true, RecipientsEveryone
	if r, err := all.Normalize(); err != nil || len(r.AppIDs) != 0 || len(r.Recipients.UserIDs)+len(r.Recipients.TeamIDs) != 0 {
		t.Errorf("all apps, everyone: %+v, %v", r, err)
	}
	bad := map[string]func(*NotificationRule){
		"no name":           func(r *NotificationRule) { r.Name = " " },
		"long name":         func(r *NotificationRule) { r.Name = string(make([]rune, 101)) },
		"control character": func(r *NotificationRule) { r.Name = "a\u202eb" },
		"type":              func(r *NotificationRule) { r.Type = "scopes_updated" },
		"frequency":         func(r *NotificationRule) { r.Frequency = "yearly" },
		"no apps":           func(r *NotificationRule) { r.AppIDs = nil },
		"no recipients":     func(r *NotificationRule) { r.Recipients.UserIDs, r.Recipients.TeamIDs = nil, nil },
		"mode":              func(r *NotificationRule) { r.Recipients.Mode = "" },
		"empty id":          func(r *NotificationRule) { r.AppIDs = []string{""} },
	}
	for name, change := range bad {
		r := base
		change(&r)
		if _, err := r.Normalize(); ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestResolveRecipients(t *testing.T) {
	user := func(id string, role Role, status UserStatus) DirectoryUser {
		return DirectoryUser{User: User{ID: id, AccountID: "acc-1", Email: id + "@x.test", Role: role, Active: status == UserActive}, Status: status}
	}
	users := []DirectoryUser{
		user("owner", RoleSuperAdmin, UserActive), user("owner2", RoleSuperAdmin, UserDeactivated),
		user("admin", RoleAdmin, UserActive), user("member", RoleMember, UserActive),
		user("invited", RoleMember, UserInvited), user("cook", RoleMember, UserActive),
	}
	teams := []Team{{ID: "kitchen", MemberIDs: []string{"cook", "member", "invited"}}, {ID: "bar", MemberIDs: []string{"member", "owner2"}}}
	tests := []struct {
		name string
		r    Recipients
		want string
	}{
		{"super admins, active only", Recipients{Mode: RecipientsSuperAdmins}, "owner"},
		{"everyone active", Recipients{Mode: RecipientsEveryone}, "admin cook member owner"},
		{"users and teams, once each", Recipients{Mode: RecipientsSpecific, UserIDs: []string{"member", "admin", "owner2"}, TeamIDs: []string{"kitchen", "bar"}}, "admin cook member"},
		{"a deleted team adds nobody", Recipients{Mode: RecipientsSpecific, TeamIDs: []string{"gone"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, u := range (NotificationRule{AccountID: "acc-1", Recipients: tt.r}).ResolveRecipients(users, teams) {
				got = append(got, u.ID)
			}
			if s := joinIDs(got); s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}

func joinIDs(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += " "
		}
		s += id
	}
	return s
}

func TestDigestSettled(t *testing.T) {
	for _, tt := range []struct{ runAt, now, want string }{
		{"2026-11-24T11:05:00Z", "2026-11-24T11:05:03Z", "2026-11-24T11:00:00Z"}, // on time: the hour that closed at 11:00
		{"2026-11-24T11:05:00Z", "2026-11-24T11:40:00Z", "2026-11-24T11:00:00Z"}, // a late retry reads what its schedule read
		{"2026-11-24T11:05:00Z", "2026-11-24T11:02:00Z", "2026-11-24T10:57:00Z"}, // invoked early: not the unsettled hour
	} {
		if got := DigestSettled(utc(tt.runAt), utc(tt.now)); !got.Equal(utc(tt.want)) {
			t.Errorf("DigestSettled(%s, %s) = %s, want %s", tt.runAt, tt.now, got, tt.want)
		}
	}
}

// TestClosedPeriodsCatchUp replays three months of hourly runs that skip
// runs (one in five, and a whole day), each starting where the last one
// that ran ended: the periods still chain, each once, with no gap, and
// the last run has sent every period closed by then.
func TestClosedPeriodsCatchUp(t *testing.T) {
	start, end := utc("2026-09-01T00:05:00Z"), utc("2026-12-01T00:05:00Z")
	outage := func(run time.Time) bool {
		return run.Hour()%5 == 0 || (run.After(utc("2026-10-24T23:00:00Z")) && run.Before(utc("2026-10-26T01:00:00Z")))
	}
	for _, zone := range []string{"UTC", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago"} {
		loc := mustZone(t, zone)
		for _, f := range Frequencies {
			t.Run(zone+"/"+string(f), func(t *testing.T) {
				mark := DigestSettled(start, start)
				var prev Period
				n := 0
				for run := start; !run.After(end); run = run.Add(time.Hour) {
					if outage(run) && !run.Equal(end) {
						continue
					}
					settled := DigestSettled(run, run.Add(time.Second))
					for _, p := range ClosedPeriods(f, mark, settled, loc) {
						n++
						if p.To.After(settled) || !p.From.Before(p.To) {
							t.Fatalf("run %s: period %v is not closed and settled", run, p)
						}
						if !prev.To.IsZero() && !prev.To.Equal(p.From) {
							t.Fatalf("run %s: period %v does not follow %v", run, p, prev)
						}
						prev, mark = p, p.To
					}
				}
				// The last run, after the outages, has sent everything closed.
				if last := LastClosedPeriod(f, DigestSettled(end, end), loc); prev != last {
					t.Errorf("the last period sent is %v, want %v", prev, last)
				}
				if min := map[Frequency]int{Hourly: 2180, Daily: 90, Weekly: 12, Monthly: 2}[f]; n < min {
					t.Errorf("%d periods in three months, want at least %d", n, min)
				}
			})
		}
	}
}
