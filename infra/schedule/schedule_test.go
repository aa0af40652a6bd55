package schedule

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// validExprs and invalidExprs are shared by the table tests and the fuzz
// seed corpus.
var validExprs = []string{
	"rate(1 minute)",
	"rate(5 minutes)",
	"rate(1 hour)",
	"rate(2 hours)",
	"rate(1 day)",
	"rate(3 days)",
	" rate( 5 minutes ) ",
	"rate(\t1 day\t)",
	"cron(0 * * * ? *)",
	"cron(0 0 * * ? *)",
	"cron(0 0 ? * MON *)",
	"cron(0 0 ? * * *)",
	"cron(0 0 1 * ? *)",
	"cron(0 12 L * ? *)",
	"cron(0 12 l * ? *)",
	"cron(0/15 9-17 ? * MON-FRI *)",
	"cron(5,35 */6 * * ? *)",
	"cron(0 8-20/4 * * ? *)",
	"cron(0 0 1 JAN,jul ? 2020-2030)",
	"cron( 0 12 * * ? * )",
	"cron(0 0 1 1 ? 2020)",
	"cron(0 0 30 2 ? *)",
	"cron(0-59/1 0-23 1-31 1-12 ? 1970-2199)",
	"cron(0 0 ? * SUN-SAT/2 *)",
}

var invalidExprs = []struct {
	expr, wantErr string
}{
	{"", `expected "rate(...)" or "cron(...)"`},
	{"every(5 minutes)", `expected "rate(...)" or "cron(...)"`},
	{"rate (5 minutes)", `expected "rate(...)" or "cron(...)"`},
	{"rate(5 minutes", "missing closing parenthesis"},
	{"cron(0 0 1 * ? *) extra", "missing closing parenthesis"},
	{"rate(5 minutes))", "unbalanced parentheses"},
	{"rate(5)", "rate needs a value and a unit"},
	{"rate()", "rate needs a value and a unit"},
	{"rate(0 minutes)", `rate value "0" must be a positive integer`},
	{"rate(-1 minutes)", `rate value "-1" must be a positive integer`},
	{"rate(+5 minutes)", `rate value "+5" must be a positive integer`},
	{"rate(1.5 hours)", `rate value "1.5" must be a positive integer`},
	{"rate(99999999999999999999 days)", "too large"},
	{"rate(1 minutes)", `rate value 1 needs the singular unit "minute"`},
	{"rate(5 minute)", `rate value 5 needs the plural unit "minutes"`},
	{"rate(5 weeks)", `rate unit "weeks" is not one of`},
	{"cron(0 * * * ?)", "cron needs 6 fields (minutes hours day-of-month month day-of-week year), got 5"},
	{"cron(0 * * * ? * *)", "got 7"},
	{"cron(0 0 * * * *)", `exactly one of day-of-month and day-of-week must be "?"`},
	{"cron(0 0 1 * MON *)", `exactly one of day-of-month and day-of-week must be "?"`},
	{"cron(0 0 ? * ? *)", `both "?"`},
	{"cron(60 * * * ? *)", "field minutes: value 60 out of range 0-59"},
	{"cron(0 24 * * ? *)", "field hours: value 24 out of range 0-23"},
	{"cron(0 0 32 * ? *)", "field day-of-month: value 32 out of range 1-31"},
	{"cron(0 0 ? 13 MON *)", "field month: value 13 out of range 1-12"},
	{"cron(0 0 ? * 9 *)", "field day-of-week: value 9 out of range 1-7"},
	{"cron(0 0 ? * 0 *)", "field day-of-week: value 0 out of range 1-7"},
	{"cron(0 0 1 1 ? 1969)", "field year: value 1969 out of range 1970-2199"},
	{"cron(0 0 1 1 ? 2200)", "field year: value 2200 out of range 1970-2199"},
	{"cron(0 0 15W * ? *)", `field day-of-month: token "15W" is not supported locally`},
	{"cron(0 0 LW * ? *)", `token "LW" is not supported locally`},
	{"cron(0 0 L-2 * ? *)", `token "L-2" is not supported locally`},
	{"cron(0 0 1,L * ? *)", `token "L" is not supported locally`},
	{"cron(0 0 ? * 3#2 *)", `field day-of-week: token "3#2" is not supported locally`},
	{"cron(0 0 ? * 6L *)", `token "6L" is not supported locally`},
	{"cron(0 0 ? * L *)", `token "L" is not supported locally`},
	{"cron(0 0 1 FOO ? *)", `field month: invalid value "FOO" (want 1-12 or JAN-DEC)`},
	{"cron(0 0 ? * MONDAY *)", `field day-of-week: invalid value "MONDAY"`},
	{"cron(x 0 1 * ? *)", `field minutes: invalid value "x" (want 0-59)`},
	{"cron(0 */0 * * ? *)", `field hours: step "0" in "*/0" must be an integer in range 1-24`},
	{"cron(*/61 * * * ? *)", `step "61"`},
	{"cron(0 5-2 * * ? *)", `field hours: range "5-2": start 5 is greater than end 2`},
	{"cron(0 0 1,,2 * ? *)", `field day-of-month: empty element in list "1,,2"`},
	{"cron(? 0 1 * ? *)", `field minutes: "?" is only allowed in day-of-month or day-of-week`},
	{"cron(0 0 1,? * ? *)", `"?" must be the whole field`},
}

func TestParseValid(t *testing.T) {
	for _, expr := range validExprs {
		t.Run(expr, func(t *testing.T) {
			got, err := Parse(expr)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want nil", expr, err)
			}
			if got == nil {
				t.Fatalf("Parse(%q) = nil Schedule, want non-nil", expr)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	for _, tc := range invalidExprs {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := Parse(tc.expr)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, nil; want error containing %q", tc.expr, got, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tc.expr, err, tc.wantErr)
			}
			if want := "schedule " + strconv.Quote(tc.expr); !strings.Contains(err.Error(), want) {
				t.Errorf("Parse(%q) error = %q, want it to name the expression (%s)", tc.expr, err, want)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	_, err := Parse("cron(0 0 ? * 9 *)")
	want := `schedule "cron(0 0 ? * 9 *)" field day-of-week: value 9 out of range 1-7`
	if err == nil || err.Error() != want {
		t.Errorf("Parse error = %v, want %q", err, want)
	}
}

func utc(year int, month time.Month, day, hour, minute, sec, nsec int) time.Time {
	return time.Date(year, month, day, hour, minute, sec, nsec, time.UTC)
}

type nextCase struct {
	name  string
	expr  string
	after time.Time
	want  time.Time
}

func runNextCases(t *testing.T, cases []nextCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.expr)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tc.expr, err)
			}
			got := s.Next(tc.after)
			if !got.Equal(tc.want) {
				t.Errorf("Parse(%q).Next(%v) = %v, want %v", tc.expr, tc.after, got, tc.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("Parse(%q).Next(%v) location = %v, want UTC", tc.expr, tc.after, got.Location())
			}
		})
	}
}

func TestNextRate(t *testing.T) {
	runNextCases(t, []nextCase{
		{"1 minute mid-minute", "rate(1 minute)", utc(2024, 5, 1, 10, 0, 30, 0), utc(2024, 5, 1, 10, 1, 0, 0)},
		{"1 minute on boundary", "rate(1 minute)", utc(2024, 5, 1, 10, 0, 0, 0), utc(2024, 5, 1, 10, 1, 0, 0)},
		{"5 minutes aligned to :05", "rate(5 minutes)", utc(2024, 5, 1, 10, 3, 0, 0), utc(2024, 5, 1, 10, 5, 0, 0)},
		{"5 minutes on boundary", "rate(5 minutes)", utc(2024, 5, 1, 10, 5, 0, 0), utc(2024, 5, 1, 10, 10, 0, 0)},
		{"5 minutes 1ns past boundary", "rate(5 minutes)", utc(2024, 5, 1, 10, 5, 0, 1), utc(2024, 5, 1, 10, 10, 0, 0)},
		{"5 minutes 1ns before boundary", "rate(5 minutes)", utc(2024, 5, 1, 10, 4, 59, 999999999), utc(2024, 5, 1, 10, 5, 0, 0)},
		{"1 hour", "rate(1 hour)", utc(2024, 5, 1, 10, 59, 59, 0), utc(2024, 5, 1, 11, 0, 0, 0)},
		{"2 hours on odd hour", "rate(2 hours)", utc(2024, 5, 1, 11, 0, 0, 0), utc(2024, 5, 1, 12, 0, 0, 0)},
		{"2 hours on boundary", "rate(2 hours)", utc(2024, 5, 1, 10, 0, 0, 0), utc(2024, 5, 1, 12, 0, 0, 0)},
		{"1 day into leap day", "rate(1 day)", utc(2024, 2, 28, 23, 59, 0, 0), utc(2024, 2, 29, 0, 0, 0, 0)},
		{"1 day across year end", "rate(1 day)", utc(2024, 12, 31, 0, 0, 0, 0), utc(2025, 1, 1, 0, 0, 0, 0)},
		// 2023-12-31 is day 19722 since the epoch, a multiple of 3.
		{"3 days counted from epoch", "rate(3 days)", utc(2024, 1, 1, 0, 0, 0, 0), utc(2024, 1, 3, 0, 0, 0, 0)},
		{"3 days on boundary", "rate(3 days)", utc(2023, 12, 31, 0, 0, 0, 0), utc(2024, 1, 3, 0, 0, 0, 0)},
		{"before the epoch", "rate(1 hour)", utc(1969, 12, 31, 22, 30, 0, 0), utc(1969, 12, 31, 23, 0, 0, 0)},
		{"at the epoch", "rate(1 day)", utc(1970, 1, 1, 0, 0, 0, 0), utc(1970, 1, 2, 0, 0, 0, 0)},
		{"non-UTC input", "rate(1 hour)", time.Date(2024, 5, 1, 12, 30, 0, 0, time.FixedZone("CEST", 2*3600)), utc(2024, 5, 1, 11, 0, 0, 0)},
	})
}

func TestNextCron(t *testing.T) {
	runNextCases(t, []nextCase{
		{"hourly", "cron(0 * * * ? *)", utc(2024, 5, 1, 10, 0, 0, 0), utc(2024, 5, 1, 11, 0, 0, 0)},
		{"hourly just before", "cron(0 * * * ? *)", utc(2024, 5, 1, 10, 59, 59, 999), utc(2024, 5, 1, 11, 0, 0, 0)},
		{"hourly across year end", "cron(0 * * * ? *)", utc(2024, 12, 31, 23, 30, 0, 0), utc(2025, 1, 1, 0, 0, 0, 0)},
		{"daily", "cron(0 0 * * ? *)", utc(2024, 2, 28, 0, 0, 0, 0), utc(2024, 2, 29, 0, 0, 0, 0)},
		{"daily at noon from morning", "cron(0 12 * * ? *)", utc(2024, 2, 28, 9, 15, 0, 0), utc(2024, 2, 28, 12, 0, 0, 0)},
		{"daily dow star", "cron(0 0 ? * * *)", utc(2024, 2, 28, 0, 0, 0, 0), utc(2024, 2, 29, 0, 0, 0, 0)},
		// 2024-01-01 is a Monday; AWS numbers MON as 2.
		{"weekly Monday from Monday", "cron(0 0 ? * MON *)", utc(2024, 1, 1, 0, 0, 0, 0), utc(2024, 1, 8, 0, 0, 0, 0)},
		{"weekly Monday from Sunday", "cron(0 0 ? * MON *)", utc(2023, 12, 31, 12, 0, 0, 0), utc(2024, 1, 1, 0, 0, 0, 0)},
		{"weekly Monday numeric 2", "cron(0 0 ? * 2 *)", utc(2024, 1, 3, 0, 0, 0, 0), utc(2024, 1, 8, 0, 0, 0, 0)},
		{"Sunday is 1", "cron(0 0 ? * 1 *)", utc(2024, 1, 1, 0, 0, 0, 0), utc(2024, 1, 7, 0, 0, 0, 0)},
		{"Saturday is 7", "cron(0 0 ? * 7 *)", utc(2024, 1, 1, 0, 0, 0, 0), utc(2024, 1, 6, 0, 0, 0, 0)},
		{"monthly on 1st", "cron(0 0 1 * ? *)", utc(2024, 1, 15, 0, 0, 0, 0), utc(2024, 2, 1, 0, 0, 0, 0)},
		{"monthly on 1st on boundary", "cron(0 0 1 * ? *)", utc(2024, 12, 1, 0, 0, 0, 0), utc(2025, 1, 1, 0, 0, 0, 0)},
		{"31st skips short months", "cron(0 0 31 * ? *)", utc(2024, 4, 1, 0, 0, 0, 0), utc(2024, 5, 31, 0, 0, 0, 0)},
		{"last day Feb leap year", "cron(0 12 L * ? *)", utc(2024, 2, 1, 0, 0, 0, 0), utc(2024, 2, 29, 12, 0, 0, 0)},
		{"last day Feb non-leap year", "cron(0 12 L * ? *)", utc(2023, 2, 1, 0, 0, 0, 0), utc(2023, 2, 28, 12, 0, 0, 0)},
		{"last day Feb 2000 (leap century)", "cron(0 12 L * ? *)", utc(2000, 2, 1, 0, 0, 0, 0), utc(2000, 2, 29, 12, 0, 0, 0)},
		{"last day Feb 2100 (non-leap century)", "cron(0 12 L * ? *)", utc(2100, 2, 1, 0, 0, 0, 0), utc(2100, 2, 28, 12, 0, 0, 0)},
		{"last day after firing", "cron(0 12 L * ? *)", utc(2024, 2, 29, 12, 0, 0, 0), utc(2024, 3, 31, 12, 0, 0, 0)},
		{"last day of 30-day month", "cron(0 12 L * ? *)", utc(2024, 4, 30, 11, 0, 0, 0), utc(2024, 4, 30, 12, 0, 0, 0)},
		{"step in range, same hour", "cron(0/15 9-17 ? * MON-FRI *)", utc(2024, 1, 5, 10, 7, 0, 0), utc(2024, 1, 5, 10, 15, 0, 0)},
		{"step in range, over weekend", "cron(0/15 9-17 ? * MON-FRI *)", utc(2024, 1, 5, 17, 45, 0, 0), utc(2024, 1, 8, 9, 0, 0, 0)},
		{"list with star step", "cron(5,35 */6 * * ? *)", utc(2024, 1, 1, 6, 35, 0, 0), utc(2024, 1, 1, 12, 5, 0, 0)},
		{"list same hour", "cron(5,35 */6 * * ? *)", utc(2024, 1, 1, 6, 5, 0, 0), utc(2024, 1, 1, 6, 35, 0, 0)},
		{"range with step rolls day", "cron(0 8-20/4 * * ? *)", utc(2024, 1, 1, 20, 0, 0, 0), utc(2024, 1, 2, 8, 0, 0, 0)},
		{"range with step mid", "cron(0 8-20/4 * * ? *)", utc(2024, 1, 1, 12, 1, 0, 0), utc(2024, 1, 1, 16, 0, 0, 0)},
		{"a/n starts at a", "cron(1/10 * * * ? *)", utc(2024, 1, 1, 0, 31, 0, 0), utc(2024, 1, 1, 0, 41, 0, 0)},
		{"dow names list", "cron(30 2 ? * SUN,SAT *)", utc(2024, 1, 1, 0, 0, 0, 0), utc(2024, 1, 6, 2, 30, 0, 0)},
		{"month names", "cron(0 0 1 JAN,JUL ? *)", utc(2024, 2, 1, 0, 0, 0, 0), utc(2024, 7, 1, 0, 0, 0, 0)},
		{"lowercase name range", "cron(0 0 ? mar-may sun 2025)", utc(2024, 6, 1, 0, 0, 0, 0), utc(2025, 3, 2, 0, 0, 0, 0)},
		{"year range", "cron(0 0 1 1 ? 2020-2022)", utc(2021, 6, 1, 0, 0, 0, 0), utc(2022, 1, 1, 0, 0, 0, 0)},
		{"year in the past", "cron(0 0 1 1 ? 2020)", utc(2024, 1, 1, 0, 0, 0, 0), time.Time{}},
		{"year range exhausted", "cron(0 0 1 1 ? 2020-2022)", utc(2022, 1, 1, 0, 0, 0, 0), time.Time{}},
		{"after the last year", "cron(0 0 * * ? *)", utc(2199, 12, 31, 0, 0, 0, 0), time.Time{}},
		{"far future", "cron(0 0 * * ? *)", utc(3000, 1, 1, 0, 0, 0, 0), time.Time{}},
		{"never (Feb 30)", "cron(0 0 30 2 ? *)", utc(2024, 1, 1, 0, 0, 0, 0), time.Time{}},
		{"before 1970", "cron(0 0 1 1 ? *)", utc(1900, 5, 1, 0, 0, 0, 0), utc(1970, 1, 1, 0, 0, 0, 0)},
		{"non-UTC input", "cron(0 12 * * ? *)", time.Date(2024, 5, 1, 13, 30, 0, 0, time.FixedZone("CEST", 2*3600)), utc(2024, 5, 1, 12, 0, 0, 0)}, // 11:30 UTC
	})
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// yields firing times that are strictly increasing and self-consistent.
func FuzzParse(f *testing.F) {
	seedTime := utc(2024, 2, 28, 23, 59, 30, 0).Unix()
	for _, expr := range validExprs {
		f.Add(expr, seedTime)
	}
	for _, tc := range invalidExprs {
		f.Add(tc.expr, seedTime)
	}
	f.Add("cron(0 0 1 1 ? 2199)", utc(2199, 1, 1, 0, 0, 0, 0).Unix())
	f.Add("rate(1 minute)", int64(-1))

	// Keep instants within years 1-9999 so time arithmetic stays exact.
	const lo, hi = -62135596800, 253402300799
	f.Fuzz(func(t *testing.T, expr string, sec int64) {
		s, err := Parse(expr)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse(%q) returned both a Schedule and error %v", expr, err)
			}
			if !strings.Contains(err.Error(), strconv.Quote(expr)) {
				t.Fatalf("Parse(%q) error %q does not name the expression", expr, err)
			}
			return
		}
		if sec < lo || sec > hi {
			sec = lo + int64(uint64(sec)%uint64(hi-lo+1))
		}
		after := time.Unix(sec, 0).UTC()
		next := s.Next(after)
		if next.IsZero() {
			return
		}
		if !next.After(after) {
			t.Fatalf("Parse(%q).Next(%v) = %v, want strictly after", expr, after, next)
		}
		if next.Location() != time.UTC {
			t.Fatalf("Parse(%q).Next(%v) location = %v, want UTC", expr, after, next.Location())
		}
		if again := s.Next(next.Add(-time.Second)); !again.Equal(next) {
			t.Fatalf("Parse(%q).Next(%v) = %v, but Next(%v) = %v", expr, after, next, next.Add(-time.Second), again)
		}
	})
}

func BenchmarkNextCron(b *testing.B) {
	for _, expr := range []string{
		"cron(0/15 9-17 ? * MON-FRI *)",
		"cron(0 12 L * ? *)",
		"cron(0 0 30 2 ? *)", // never fires: worst case, scans to maxYear
	} {
		s, err := Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		after := utc(2024, 1, 5, 17, 45, 0, 0)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				s.Next(after)
			}
		})
	}
}
