// Package schedule parses Amazon EventBridge schedule expressions, as they
// appear in AWS SAM Schedule events, so that a local runner can fire
// scheduled Lambda functions on the same rate or cron they would follow in
// AWS.
//
// Only the subset of the EventBridge cron syntax that can be evaluated
// without surprises is accepted: anything else (W, #, L variants other than a
// plain L in day-of-month) is rejected at parse time rather than silently
// fired at the wrong moment.
package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed EventBridge schedule expression.
type Schedule interface {
	// Next returns the first firing time strictly after after, in UTC, or
	// the zero time when the schedule never fires again (for example a cron
	// whose year field lies entirely in the past). Strictness lets a runner
	// feed each firing time back in without firing twice.
	Next(after time.Time) time.Time
}

// Parse parses an EventBridge schedule expression such as "rate(5 minutes)"
// or "cron(0 12 * * ? *)". Errors quote expr so that a runner loading many
// templates can report which schedule is wrong.
func Parse(expr string) (Schedule, error) {
	s := strings.TrimSpace(expr)
	var fn string
	switch {
	case strings.HasPrefix(s, "rate("):
		fn = "rate"
	case strings.HasPrefix(s, "cron("):
		fn = "cron"
	default:
		return nil, exprError(expr, `expected "rate(...)" or "cron(...)"`)
	}
	if !strings.HasSuffix(s, ")") || len(s) < len(fn)+2 {
		return nil, exprError(expr, `missing closing parenthesis: expression must end with ")"`)
	}
	inner := s[len(fn)+1 : len(s)-1]
	if strings.ContainsAny(inner, "()") {
		return nil, exprError(expr, "unbalanced parentheses")
	}
	inner = strings.TrimSpace(inner)
	if fn == "rate" {
		return parseRate(expr, inner)
	}
	return parseCron(expr, inner)
}

func exprError(expr, format string, args ...any) error {
	return fmt.Errorf("schedule %q: %s", expr, fmt.Sprintf(format, args...))
}

func fieldError(expr, field, format string, args ...any) error {
	return fmt.Errorf("schedule %q field %s: %s", expr, field, fmt.Sprintf(format, args...))
}

// maxRateSeconds caps rate periods far beyond anything useful (~34,000
// years) so that period arithmetic in Next can never overflow.
const maxRateSeconds = 1 << 40

// maxUnix bounds the instants rate schedules produce, leaving headroom for
// the epoch offset time.Time adds internally.
const maxUnix = 1 << 62

// rateSchedule fires every period seconds.
//
// AWS counts a rate from the moment the rule is created, which a local
// runner has no equivalent of. Aligning to multiples of the period counted
// from the Unix epoch instead makes local firing predictable and identical
// across restarts: rate(5 minutes) fires at :00, :05, :10, ...
type rateSchedule struct {
	period int64 // seconds
}

func parseRate(expr, inner string) (Schedule, error) {
	parts := strings.Fields(inner)
	if len(parts) != 2 {
		return nil, exprError(expr, "rate needs a value and a unit, e.g. rate(5 minutes)")
	}
	value, unit := parts[0], parts[1]
	if !isDigits(value) {
		return nil, exprError(expr, "rate value %q must be a positive integer", value)
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n > maxRateSeconds {
		return nil, exprError(expr, "rate value %q is too large", value)
	}
	if n == 0 {
		return nil, exprError(expr, "rate value %q must be a positive integer", value)
	}
	var unitSeconds int64
	switch unit {
	case "minute", "minutes":
		unitSeconds = 60
	case "hour", "hours":
		unitSeconds = 3600
	case "day", "days":
		unitSeconds = 86400
	default:
		return nil, exprError(expr, "rate unit %q is not one of minute(s), hour(s), day(s)", unit)
	}
	// AWS rejects "1 minutes" and "5 minute"; matching that keeps templates
	// that work locally deployable.
	singular := strings.TrimSuffix(unit, "s")
	if n == 1 && unit != singular {
		return nil, exprError(expr, "rate value 1 needs the singular unit %q", singular)
	}
	if n != 1 && unit == singular {
		return nil, exprError(expr, "rate value %d needs the plural unit %q", n, singular+"s")
	}
	if n > maxRateSeconds/unitSeconds {
		return nil, exprError(expr, "rate value %q is too large", value)
	}
	return rateSchedule{period: n * unitSeconds}, nil
}

// Next implements Schedule; see rateSchedule for the epoch alignment.
func (r rateSchedule) Next(after time.Time) time.Time {
	secs := after.Unix() // floors, so sub-second parts never land on a multiple
	if secs > maxUnix-r.period || secs < -maxUnix {
		return time.Time{}
	}
	q := secs / r.period
	if secs%r.period < 0 {
		q-- // floor division for instants before the epoch
	}
	return time.Unix((q+1)*r.period, 0).UTC()
}

// Year bounds come from EventBridge; the upper one also bounds the search
// in Next so that an unsatisfiable cron terminates.
const (
	minYear = 1970
	maxYear = 2199
)

// valueSet is a bitset over one cron field; bit i stands for value min+i.
// 256 bits cover the widest field (230 years).
type valueSet struct {
	bits [4]uint64
	min  int
}

func (s *valueSet) add(v int) {
	i := v - s.min
	s.bits[i/64] |= 1 << (i % 64)
}

func (s *valueSet) has(v int) bool {
	i := v - s.min
	if i < 0 || i >= 256 {
		return false
	}
	return s.bits[i/64]&(1<<(i%64)) != 0
}

// next returns the smallest value >= v in the set, letting Next jump
// straight to the next candidate instead of stepping one unit at a time.
func (s *valueSet) next(v int) (int, bool) {
	i := max(v-s.min, 0)
	for i < 256 {
		w := s.bits[i/64] >> (i % 64)
		if w != 0 {
			return s.min + i + bits.TrailingZeros64(w), true
		}
		i = (i/64 + 1) * 64
	}
	return 0, false
}

type fieldSpec struct {
	name     string
	min, max int
	names    []string // names[i] is an alias for min+i
}

var (
	minutesField = fieldSpec{name: "minutes", min: 0, max: 59}
	hoursField   = fieldSpec{name: "hours", min: 0, max: 23}
	domField     = fieldSpec{name: "day-of-month", min: 1, max: 31}
	monthField   = fieldSpec{name: "month", min: 1, max: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	// AWS numbers days of the week 1=SUN ... 7=SAT, unlike Unix cron.
	dowField  = fieldSpec{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearField = fieldSpec{name: "year", min: minYear, max: maxYear}
)

// cronSchedule is an EventBridge cron evaluated in UTC, which is how
// EventBridge rules (as opposed to EventBridge Scheduler) interpret cron.
type cronSchedule struct {
	minute, hour, dom, month, dow, year valueSet

	useDOW  bool // day-of-month is "?"; otherwise day-of-week is
	lastDOM bool // day-of-month is "L"
}

func parseCron(expr, inner string) (Schedule, error) {
	f := strings.Fields(inner)
	if len(f) != 6 {
		return nil, exprError(expr, "cron needs 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(f))
	}
	domQ, dowQ := f[2] == "?", f[4] == "?"
	switch {
	case domQ && dowQ:
		return nil, exprError(expr, `day-of-month and day-of-week are both "?"; exactly one of them must be "?"`)
	case !domQ && !dowQ:
		return nil, exprError(expr, `exactly one of day-of-month and day-of-week must be "?" (the other one restricts the day)`)
	}
	c := &cronSchedule{useDOW: domQ}
	var err error
	if c.minute, err = parseField(expr, minutesField, f[0]); err != nil {
		return nil, err
	}
	if c.hour, err = parseField(expr, hoursField, f[1]); err != nil {
		return nil, err
	}
	if !domQ {
		if strings.EqualFold(f[2], "L") {
			c.lastDOM = true
			c.dom = valueSet{min: domField.min}
		} else {
			if tok := findToken(f[2], "LW"); tok != "" {
				return nil, unsupported(expr, domField, tok)
			}
			if c.dom, err = parseField(expr, domField, f[2]); err != nil {
				return nil, err
			}
		}
	}
	if c.month, err = parseField(expr, monthField, f[3]); err != nil {
		return nil, err
	}
	if !dowQ {
		if tok := findToken(f[4], "L#"); tok != "" {
			return nil, unsupported(expr, dowField, tok)
		}
		if c.dow, err = parseField(expr, dowField, f[4]); err != nil {
			return nil, err
		}
	}
	if c.year, err = parseField(expr, yearField, f[5]); err != nil {
		return nil, err
	}
	return c, nil
}

// findToken returns the list element of field that contains any of chars
// (case-insensitively), so the error can point at exactly what is refused.
func findToken(field, chars string) string {
	for item := range strings.SplitSeq(field, ",") {
		if strings.ContainsAny(strings.ToUpper(item), chars) {
			return item
		}
	}
	return ""
}

func unsupported(expr string, spec fieldSpec, tok string) error {
	return fieldError(expr, spec.name,
		"token %q is not supported locally (W, # and L other than a plain L in day-of-month are not implemented)", tok)
}

// parseField parses a comma-separated list of *, values, ranges and steps.
func parseField(expr string, spec fieldSpec, field string) (valueSet, error) {
	set := valueSet{min: spec.min}
	if field == "?" {
		return set, fieldError(expr, spec.name, `"?" is only allowed in day-of-month or day-of-week`)
	}
	width := spec.max - spec.min + 1
	for item := range strings.SplitSeq(field, ",") {
		if item == "" {
			return set, fieldError(expr, spec.name, "empty element in list %q", field)
		}
		if item == "?" {
			return set, fieldError(expr, spec.name, `"?" must be the whole field, not part of a list`)
		}
		rng, stepText, hasStep := strings.Cut(item, "/")
		lo, hi := spec.min, spec.max
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = parseValue(expr, spec, a); err != nil {
				return set, err
			}
			switch {
			case isRange:
				if hi, err = parseValue(expr, spec, b); err != nil {
					return set, err
				}
				if lo > hi {
					// Quartz-style wrap-around ranges are ambiguous enough
					// that refusing them beats guessing.
					return set, fieldError(expr, spec.name, "range %q: start %d is greater than end %d", rng, lo, hi)
				}
			case !hasStep:
				hi = lo
			}
		}
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if !isDigits(stepText) || err != nil || n < 1 || n > width {
				return set, fieldError(expr, spec.name, "step %q in %q must be an integer in range 1-%d", stepText, item, width)
			}
			step = n
		}
		for v := lo; v <= hi; v += step {
			set.add(v)
		}
	}
	return set, nil
}

func parseValue(expr string, spec fieldSpec, text string) (int, error) {
	if isDigits(text) {
		v, err := strconv.Atoi(text)
		if err != nil || v < spec.min || v > spec.max {
			return 0, fieldError(expr, spec.name, "value %s out of range %d-%d", text, spec.min, spec.max)
		}
		return v, nil
	}
	for i, name := range spec.names {
		if strings.EqualFold(text, name) {
			return spec.min + i, nil
		}
	}
	if len(spec.names) > 0 {
		return 0, fieldError(expr, spec.name, "invalid value %q (want %d-%d or %s-%s)",
			text, spec.min, spec.max, spec.names[0], spec.names[len(spec.names)-1])
	}
	return 0, fieldError(expr, spec.name, "invalid value %q (want %d-%d)", text, spec.min, spec.max)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Next implements Schedule. Like robfig/cron it advances by the largest unit
// that does not match (year, month, day, hour, minute) and restarts the
// checks from the top whenever a larger unit rolls over, so even an
// unsatisfiable cron such as cron(0 0 30 2 ? *) finishes in a few thousand
// steps before giving up after maxYear.
func (c *cronSchedule) Next(after time.Time) time.Time {
	after = after.UTC()
	if after.Year() > maxYear {
		return time.Time{}
	}
	// Firing happens on whole minutes, strictly after `after`.
	t := time.Date(after.Year(), after.Month(), after.Day(), after.Hour(), after.Minute()+1, 0, 0, time.UTC)
	for {
		y := t.Year()
		ny, ok := c.year.next(y)
		if !ok {
			return time.Time{}
		}
		if ny != y {
			t = time.Date(ny, time.January, 1, 0, 0, 0, 0, time.UTC)
		}

		m := int(t.Month())
		nm, ok := c.month.next(m)
		if !ok {
			t = time.Date(t.Year()+1, time.January, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if nm != m {
			t = time.Date(t.Year(), time.Month(nm), 1, 0, 0, 0, 0, time.UTC)
		}

		if d, ok := c.nextDay(t); !ok {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		} else if d != t.Day() {
			t = time.Date(t.Year(), t.Month(), d, 0, 0, 0, 0, time.UTC)
		}

		h := t.Hour()
		nh, ok := c.hour.next(h)
		if !ok {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if nh != h {
			t = time.Date(t.Year(), t.Month(), t.Day(), nh, 0, 0, 0, time.UTC)
		}

		nmin, ok := c.minute.next(t.Minute())
		if !ok {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
			continue
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), nmin, 0, 0, time.UTC)
	}
}

// nextDay returns the first matching day of t's month on or after t's day.
func (c *cronSchedule) nextDay(t time.Time) (int, bool) {
	last := daysIn(t.Year(), t.Month())
	switch {
	case c.useDOW:
		wd := int(t.Weekday())
		for d := t.Day(); d <= last; d, wd = d+1, (wd+1)%7 {
			if c.dow.has(wd + 1) {
				return d, true
			}
		}
		return 0, false
	case c.lastDOM:
		return last, true
	default:
		d, ok := c.dom.next(t.Day())
		return d, ok && d <= last
	}
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
