package switchboard

import (
	"context"
	"slices"
	"time"
)

// Period is one digest period: From inclusive, To exclusive, so that
// consecutive periods share no instant and an event at a boundary belongs to
// exactly one of them.
type Period struct {
	From, To time.Time
}

// Key names the period in delivery records; it is its start in UTC, which
// is unique for a rule (a rule has one frequency).
func (p Period) Key() string { return p.From.UTC().Format(time.RFC3339) }

// periodStart returns the start of the period of frequency f that holds t,
// in loc: the latest boundary at or before t. Boundaries come from the local
// calendar and clock, so a day is 23 or 25 hours on DST changes and an hour
// in a half-hour zone starts at :30 UTC. It is idempotent (a boundary is its
// own start) and monotonic, which is what makes periods chain without gaps
// or overlaps.
func periodStart(f Frequency, t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	switch f {
	case Hourly:
		// Step back by the local minutes and seconds until the local clock
		// reads a whole hour: once, except across an offset change of
		// less than an hour (Lord Howe's 30-minute DST), where time.Date
		// would have to guess.
		c := t
		for i := 0; i < 4; i++ {
			l := c.In(loc)
			back := time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
			if back == 0 {
				return c
			}
			c = c.Add(-back)
		}
		return c
	case Daily:
		return dayStart(l.Year(), l.Month(), l.Day(), t, loc)
	case Weekly:
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		return dayStart(l.Year(), l.Month(), l.Day()-back, t, loc)
	case Monthly:
		return dayStart(l.Year(), l.Month(), 1, t, loc)
	}
	return time.Time{}
}

// dayStart is local midnight of the date, or the first instant of the date
// where a DST jump skips midnight (America/Santiago): time.Date then reads
// midnight with the new offset, which is an instant of the previous day.
func dayStart(y int, m time.Month, d int, t time.Time, loc *time.Location) time.Time {
	s := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if want := time.Date(y, m, d, 12, 0, 0, 0, loc); s.In(loc).Day() != want.In(loc).Day() {
		// Midnight fell in a gap and was read with the new offset, which
		// lands on the previous day; the day starts when the clocks jump,
		// which is midnight read with the old offset.
		_, before := s.Zone()
		_, after := want.Zone()
		s = s.Add(time.Duration(after-before) * time.Second)
	}
	if s.After(t) {
		return t
	}
	return s
}

// LastClosedPeriod returns the latest period of frequency f, in loc, that
// ended at or before t.
func LastClosedPeriod(f Frequency, t time.Time, loc *time.Location) Period {
	to := periodStart(f, t, loc)
	from := periodStart(f, to.Add(-time.Nanosecond), loc)
	return Period{From: from.UTC(), To: to.UTC()}
}

// DigestWindow is how often each digest function runs: every hour, for every
// frequency, because a day, week or month ends at a different UTC hour in
// each time zone.
const DigestWindow = time.Hour

// DigestGrace is how long after a period closes it is first read. An
// app-log event is stamped before it is written, at most a Lambda timeout
// earlier: the longest among the functions that write events is the
// roll-up's (120 s, for the erroring event). Five minutes leave room for
// that and a retried write, so a run never reads a period that events
// stamped inside it can still reach. The schedules fire DigestGrace past
// the hour (cron(5 * * * ? *)): a period ending at 10:00 goes out at 10:05.
const DigestGrace = 5 * time.Minute

// DigestCatchUp bounds how far back a run looks for closed periods that were
// never fully sent (a missed or failed invocation, a crash): a day of
// failed runs is caught up by the first that works; older periods are
// given up, and the run says so.
const DigestCatchUp = 24 * time.Hour

// DigestSettled is the latest instant a run scheduled at runAt may read up
// to when the clock reads now: DigestGrace before the earlier of the two,
// so a run invoked ahead of its time reads no unsettled period either.
func DigestSettled(runAt, now time.Time) time.Time {
	if now.Before(runAt) {
		runAt = now
	}
	return runAt.Add(-DigestGrace)
}

// ClosedPeriods returns the periods of frequency f, in loc, that closed in
// (after, through], oldest first. Consecutive calls whose ranges chain
// (the next after is the last through) return chaining periods, each once.
func ClosedPeriods(f Frequency, after, through time.Time, loc *time.Location) []Period {
	var out []Period
	p := LastClosedPeriod(f, through, loc)
	for p.To.After(after) && p.From.Before(p.To) {
		out = append(out, p)
		p = LastClosedPeriod(f, p.From, loc)
	}
	slices.Reverse(out)
	return out
}

// DuePeriods returns the periods of frequency f that closed in loc during
// (runAt-DigestWindow, runAt], oldest first: usually none or one, two where
// an offset change squeezes two hourly boundaries into one hour.
func DuePeriods(f Frequency, runAt time.Time, loc *time.Location) []Period {
	return ClosedPeriods(f, runAt.Add(-DigestWindow), runAt, loc)
}

// DigestState is where one digest email stands.
type DigestState string

// A delivery is claimed (pending) before the email is sent, and marked sent
// after SES accepted it, or failed when SES refused it for good.
const (
	DigestPending DigestState = "pending"
	DigestSent    DigestState = "sent"
	DigestFailed  DigestState = "failed"
)

// DigestDelivery records one digest email: one rule, one period, one recipient.
type DigestDelivery struct {
	AccountID string
	RuleID    string
	PeriodKey string
	UserID    string
	Email     string
	State     DigestState
	Attempts  int
	Detail    string // why it failed
	UpdatedAt time.Time
}

// Claim is what ClaimDigest found.
type Claim string

// Outcomes of a claim: the caller may send (Claimed), the email is settled
// (Settled: sent, or refused for good), or another run holds a live lease on
// it (Leased: try again after the lease).
const (
	Claimed Claim = "claimed"
	Settled Claim = "settled"
	Leased  Claim = "leased"
)

// DigestLedger makes each digest email go out once.
type DigestLedger interface {
	// ClaimDigest records d as pending, leased to the caller until
	// leaseUntil, if no record exists, or takes over a pending record
	// whose lease has expired (a run that crashed).
	ClaimDigest(ctx context.Context, d DigestDelivery, now, leaseUntil time.Time) (Claim, error)
	// FinishDigest marks a claimed delivery sent or failed.
	FinishDigest(ctx context.Context, d DigestDelivery) error
	// GetDigestDelivery returns ENotFound when there is no record.
	GetDigestDelivery(ctx context.Context, accountID, ruleID, periodKey, userID string) (DigestDelivery, error)
	// DigestMark returns the end of the last period of frequency f whose
	// digests were all settled for the account (the zero time when none
	// was), read consistently: a run starts after it.
	DigestMark(ctx context.Context, accountID string, f Frequency) (time.Time, error)
	// AdvanceDigestMark moves the mark forward to through; a mark already
	// at or past it (a faster concurrent run) is left alone.
	AdvanceDigestMark(ctx context.Context, accountID string, f Frequency, through time.Time) error
}
