package switchboard

import (
	"context"
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
// in loc. Starts are computed from the local calendar and clock, so that a
// day is 23 or 25 hours on DST changes and an hour in a half-hour zone
// starts at :30 UTC.
func periodStart(f Frequency, t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	var s time.Time
	switch f {
	case Hourly:
		// Subtracting the local minutes and seconds keeps the instant on the
		// right side of a repeated hour at the end of DST, which
		// time.Date would have to guess.
		s = l.Add(-time.Duration(l.Minute())*time.Minute - time.Duration(l.Second())*time.Second - time.Duration(l.Nanosecond()))
	case Daily:
		s = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	case Weekly:
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		s = time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, loc)
	case Monthly:
		s = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	default:
		return time.Time{}
	}
	// Where midnight does not exist (a DST jump at 00:00), time.Date may
	// land after t; the period then starts at the jump, which is before t.
	if s.After(t) {
		s = t
	}
	return s
}

// LastClosedPeriod returns the latest period of frequency f, in loc, that
// ended at or before t. Its From is the start of the period holding the
// instant before its To, so periods chain without gaps or overlaps.
func LastClosedPeriod(f Frequency, t time.Time, loc *time.Location) Period {
	to := periodStart(f, t, loc)
	from := periodStart(f, to.Add(-time.Nanosecond), loc)
	return Period{From: from.UTC(), To: to.UTC()}
}

// DigestWindow is how often each digest function runs: every hour, for every
// frequency, because a day, week or month ends at a different UTC hour in
// each time zone. A run sends the periods that closed in the hour before its
// scheduled time, so each period is handled by exactly one scheduled run.
const DigestWindow = time.Hour

// DueDigestPeriod returns the period of frequency f that closed in loc
// during (runAt-DigestWindow, runAt], and whether there is one.
func DueDigestPeriod(f Frequency, runAt time.Time, loc *time.Location) (Period, bool) {
	p := LastClosedPeriod(f, runAt, loc)
	return p, p.To.After(runAt.Add(-DigestWindow))
}

// DeliveryState is where one digest email stands.
type DeliveryState string

// A delivery is claimed (pending) before the email is sent, and marked sent
// after SES accepted it, or failed when SES refused it for good.
const (
	DeliveryPending DeliveryState = "pending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"
)

// Delivery records one digest email: one rule, one period, one recipient.
type Delivery struct {
	AccountID string
	RuleID    string
	PeriodKey string
	UserID    string
	Email     string
	State     DeliveryState
	Attempts  int
	Detail    string // why it failed
	UpdatedAt time.Time
}

// DeliveryLedger makes each digest email go out once.
type DeliveryLedger interface {
	// ClaimDelivery records d as pending, leased to the caller until
	// leaseUntil, if no record exists, or takes over a pending record
	// whose lease has expired (a run that crashed). It returns false when
	// the delivery is sent, failed for good, or leased by another run.
	ClaimDelivery(ctx context.Context, d Delivery, now, leaseUntil time.Time) (bool, error)
	// FinishDelivery marks a claimed delivery sent or failed.
	FinishDelivery(ctx context.Context, d Delivery) error
	// GetDelivery returns ENotFound when there is no record.
	GetDelivery(ctx context.Context, accountID, ruleID, periodKey, userID string) (Delivery, error)
}
