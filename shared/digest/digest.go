// Package digest sends notification digests: for each rule of a frequency,
// the events of the period that just closed in the account's time zone, one
// email per recipient, each email once.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Stores is what a run reads and writes; dynamo.Store implements all of it.
type Stores interface {
	switchboard.NotificationRuleStore
	switchboard.DigestLedger
	switchboard.AppLog
	GetAccount(ctx context.Context, accountID string) (switchboard.Account, error)
	ListLocations(ctx context.Context, accountID string) ([]switchboard.Location, error)
	ListUsers(ctx context.Context, accountID string) ([]switchboard.DirectoryUser, error)
	ListTeams(ctx context.Context, accountID string) ([]switchboard.Team, error)
}

// Sender runs digests.
type Sender struct {
	Store      Stores
	Mailer     switchboard.Mailer
	SiteOrigin string // links in emails point here
	Logger     *slog.Logger
	Now        func() time.Time
	// Lease is how long a claimed delivery belongs to this run; a run that
	// crashed leaves it pending, and a rerun takes it over once it expires.
	Lease time.Duration
	// Concurrency is how many accounts are sent at once (at least one).
	Concurrency int
	// Backoff is the wait before each retry of a send SES could not take
	// (throttling, unavailable); its length is the number of retries.
	Backoff []time.Duration
}

// Report counts what a run did.
type Report struct {
	Rules     int // rules of the frequency
	Periods   int // (account, period) pairs read: the due ones and those caught up
	Due       int // (rule, period) pairs read
	Events    int // matching events in those periods
	Sent      int // emails SES accepted
	Skipped   int // emails already sent, or failed for good
	Leased    int // emails pending under another run's live lease
	Failed    int // emails SES refused for good
	Transient int // emails left pending after every retry
	GivenUp   int // (account, period) pairs never settled and now past DigestCatchUp
}

// accountData is read once per account per run.
type accountData struct {
	account   switchboard.Account
	loc       *time.Location
	locations map[string]string
	users     []switchboard.DirectoryUser
	teams     []switchboard.Team
	events    map[switchboard.Period][]switchboard.AppEvent
	unblocks  map[switchboard.Period][]switchboard.AppEvent // since the period began, read once
}

// Run sends the digests of frequency f for every period that closed, in
// each account's time zone, at least DigestGrace before runAt (the
// schedule's time, not the clock: a retried invocation computes the same
// periods) and after the account's mark: the end of the last period whose
// emails were all settled, at most DigestCatchUp back. So a missed or
// failed run leaves nothing unsent for good: the next run that works sends
// it, and resumes emails a crashed run left pending. Run returns an error
// only when a retry is wanted: something transient left emails unsent or a
// store failed. A permanent failure for one recipient is recorded and does
// not stop the others.
func (s *Sender) Run(ctx context.Context, f switchboard.Frequency, runAt time.Time) (Report, error) {
	var rep Report
	if !f.Valid() {
		return rep, fmt.Errorf("unknown frequency %q", f)
	}
	settled := switchboard.DigestSettled(runAt, s.Now())
	rules, err := s.Store.RulesByFrequency(ctx, f)
	if err != nil {
		return rep, err
	}
	rep.Rules = len(rules)
	// Accounts are independent: each worker takes one account's rules at
	// a time, so an account's data is read once and never shared between
	// goroutines, and SES latency overlaps across accounts.
	byAccount := map[string][]switchboard.NotificationRule{}
	var order []string
	for _, r := range rules {
		if _, ok := byAccount[r.AccountID]; !ok {
			order = append(order, r.AccountID)
		}
		byAccount[r.AccountID] = append(byAccount[r.AccountID], r)
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, max(1, s.Concurrency))
	)
	for _, accountID := range order {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			part, err := s.runAccount(ctx, f, settled, accountID, byAccount[accountID])
			mu.Lock()
			defer mu.Unlock()
			rep.add(part)
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if rep.Transient+rep.Leased > 0 {
		errs = append(errs, fmt.Errorf("%d emails could not be sent yet and %d are leased by another run", rep.Transient, rep.Leased))
	}
	return rep, errors.Join(errs...)
}

// runAccount sends one account's digests of frequency f for the periods
// that closed after its mark and by settled, oldest first, then moves the
// mark past the periods that are settled: every email sent or refused for
// good. A period left with a pending email (SES unavailable, another run's
// lease, a crash, a store failure) stops the mark there, so the next run
// comes back to it; the periods after it are sent meanwhile.
func (s *Sender) runAccount(ctx context.Context, f switchboard.Frequency, settled time.Time, accountID string, rules []switchboard.NotificationRule) (Report, error) {
	var rep Report
	acc, err := s.loadAccount(ctx, accountID)
	if err != nil {
		return rep, fmt.Errorf("account %s: %w", accountID, err)
	}
	mark, err := s.Store.DigestMark(ctx, accountID, f)
	if err != nil {
		return rep, fmt.Errorf("account %s: %w", accountID, err)
	}
	after := settled.Add(-switchboard.DigestCatchUp)
	var through time.Time // the end of the settled (or given up) periods so far
	if !mark.IsZero() && mark.Before(after) {
		through = s.giveUp(f, acc, rules, mark, after, &rep)
	}
	if mark.After(after) {
		after = mark
	}
	periods := switchboard.ClosedPeriods(f, after, settled, acc.loc)
	if len(periods) > 0 && mark.After(periods[0].From) {
		// The account's zone changed since the mark: the events before the
		// mark were in a settled period of the old zone.
		periods[0].From = mark
	}
	var errs []error
	settledSoFar := true
	for _, period := range periods {
		rep.Periods++
		before := rep
		ok := true
		for _, rule := range rules {
			if !period.To.After(rule.CreatedAt) {
				continue // closed before the rule existed: it promised nothing
			}
			rep.Due++
			if err := s.sendRule(ctx, rule, period, acc, &rep); err != nil {
				errs = append(errs, fmt.Errorf("rule %s period %s: %w", rule.ID, period.Key(), err))
				ok = false
			}
			if ctx.Err() != nil {
				break
			}
		}
		if ctx.Err() != nil {
			break
		}
		ok = ok && rep.Transient == before.Transient && rep.Leased == before.Leased
		settledSoFar = settledSoFar && ok
		if settledSoFar {
			through = period.To
		}
	}
	if !through.IsZero() {
		if err := s.Store.AdvanceDigestMark(ctx, accountID, f, through); err != nil {
			errs = append(errs, fmt.Errorf("account %s: %w", accountID, err))
		}
	}
	return rep, errors.Join(errs...)
}

// giveUp reports the periods between the mark and the catch-up bound that
// some rule was waiting for: they were never settled, and are no longer
// retried. It returns the end of the last of them, where the mark may move
// so that the next run does not report them again.
func (s *Sender) giveUp(f switchboard.Frequency, acc *accountData, rules []switchboard.NotificationRule, mark, after time.Time, rep *Report) time.Time {
	var end time.Time
	for _, p := range switchboard.ClosedPeriods(f, mark, after, acc.loc) {
		end = p.To
		for _, r := range rules {
			if p.To.After(r.CreatedAt) {
				rep.GivenUp++
				s.Logger.Error("digest period given up: unsettled for longer than the catch-up", "account", acc.account.ID,
					"frequency", f, "period", p.Key(), "catchUp", switchboard.DigestCatchUp)
				break
			}
		}
	}
	return end
}

func (r *Report) add(o Report) {
	r.Periods += o.Periods
	r.GivenUp += o.GivenUp
	r.Due += o.Due
	r.Events += o.Events
	r.Sent += o.Sent
	r.Skipped += o.Skipped
	r.Leased += o.Leased
	r.Failed += o.Failed
	r.Transient += o.Transient
}

func (s *Sender) loadAccount(ctx context.Context, accountID string) (*accountData, error) {
	a, err := s.Store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	loc := time.UTC
	if a.TimeZone != "" {
		if l, err := time.LoadLocation(a.TimeZone); err == nil {
			loc = l
		} else {
			s.Logger.Warn("unknown account time zone; using UTC", "account", accountID, "timeZone", a.TimeZone)
		}
	}
	return &accountData{account: a, loc: loc}, nil
}

// details reads what the email shows beyond the events, only for accounts
// with something to send.
func (s *Sender) details(ctx context.Context, acc *accountData) error {
	if acc.users != nil {
		return nil
	}
	locs, err := s.Store.ListLocations(ctx, acc.account.ID)
	if err != nil {
		return err
	}
	acc.locations = map[string]string{}
	for _, l := range locs {
		acc.locations[l.ID] = l.Name
	}
	if acc.teams, err = s.Store.ListTeams(ctx, acc.account.ID); err != nil {
		return err
	}
	users, err := s.Store.ListUsers(ctx, acc.account.ID)
	if err != nil {
		return err
	}
	acc.users = append([]switchboard.DirectoryUser{}, users...)
	return nil
}

// periodEvents reads the account's events of the period once per run,
// oldest first, and keeps them for the account's other rules: the time
// range is the key condition, so a run's reads follow the period's events,
// not the log's history nor the number of rules.
func (s *Sender) periodEvents(ctx context.Context, acc *accountData, p switchboard.Period) ([]switchboard.AppEvent, error) {
	if events, ok := acc.events[p]; ok {
		return events, nil
	}
	var types []switchboard.AppEventType
	for _, t := range switchboard.RuleTypes {
		types = append(types, t.EventTypes()...)
	}
	// The period closed DigestGrace ago: a consistent read sees every
	// event written by then.
	filter := switchboard.AppEventFilter{Types: types, From: p.From, To: p.To, Consistent: true}
	var out []switchboard.AppEvent
	page := switchboard.PageRequest{Limit: switchboard.MaxPageSize}
	for {
		res, err := s.Store.ListEvents(ctx, acc.account.ID, filter, page)
		if err != nil {
			return nil, err
		}
		for _, e := range res.Events {
			if !e.At.Before(p.From) && e.At.Before(p.To) {
				out = append(out, e)
			}
		}
		if res.NextCursor == "" {
			break
		}
		page.Cursor = res.NextCursor
	}
	// The log lists newest first; a digest reads in order.
	slices.Reverse(out)
	if acc.events == nil {
		acc.events = map[switchboard.Period][]switchboard.AppEvent{}
	}
	acc.events[p] = out
	return out, nil
}

func (s *Sender) sendRule(ctx context.Context, rule switchboard.NotificationRule, p switchboard.Period, acc *accountData, rep *Report) error {
	all, err := s.periodEvents(ctx, acc, p)
	if err != nil {
		return err
	}
	var events []switchboard.AppEvent
	for _, e := range all {
		if rule.Follows(e) {
			events = append(events, e)
		}
	}
	if events, err = s.dropLiftedBlocks(ctx, acc, p, events); err != nil {
		return err
	}
	if rule.Type == switchboard.RuleRateLimit {
		events = onePerConnection(events)
	}
	if len(events) == 0 {
		return nil // empty periods send nothing
	}
	rep.Events += len(events)
	if err := s.details(ctx, acc); err != nil {
		return err
	}
	recipients := rule.ResolveRecipients(acc.users, acc.teams)
	for _, u := range recipients {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg, err := render(message{Rule: rule, Period: p, Account: acc, Events: events, Recipient: u, SiteOrigin: s.SiteOrigin})
		if err != nil {
			return err
		}
		if err := s.deliver(ctx, rule, p, u, msg, rep); err != nil {
			return err
		}
	}
	return nil
}

// dropLiftedBlocks leaves out the blocks lifted by the time the digest is
// sent: a digest saying an app lost access while it has it again states a
// false fact. The event log decides: a block is lifted when its connection
// has an unblocked event after it and by now (a block with an end is
// unblocked by the scheduled function, which records that event too). The
// unblocks are read once per account and period, only when a block is due.
func (s *Sender) dropLiftedBlocks(ctx context.Context, acc *accountData, p switchboard.Period, events []switchboard.AppEvent) ([]switchboard.AppEvent, error) {
	if !slices.ContainsFunc(events, func(e switchboard.AppEvent) bool { return e.Type == switchboard.EventBlocked }) {
		return events, nil
	}
	unblocks, ok := acc.unblocks[p]
	if !ok {
		now := s.Now()
		filter := switchboard.AppEventFilter{Types: []switchboard.AppEventType{switchboard.EventUnblocked}, From: p.From, To: now, Consistent: true}
		page := switchboard.PageRequest{Limit: switchboard.MaxPageSize}
		for {
			res, err := s.Store.ListEvents(ctx, acc.account.ID, filter, page)
			if err != nil {
				return nil, fmt.Errorf("unblocks since %s: %w", p.From.Format(time.RFC3339), err)
			}
			for _, e := range res.Events {
				if !e.At.After(now) {
					unblocks = append(unblocks, e)
				}
			}
			if res.NextCursor == "" {
				break
			}
			page.Cursor = res.NextCursor
		}
		if acc.unblocks == nil {
			acc.unblocks = map[switchboard.Period][]switchboard.AppEvent{}
		}
		acc.unblocks[p] = unblocks
	}
	return slices.DeleteFunc(slices.Clone(events), func(b switchboard.AppEvent) bool {
		return b.Type == switchboard.EventBlocked && slices.ContainsFunc(unblocks, func(u switchboard.AppEvent) bool {
			return u.ConnectionID == b.ConnectionID && u.At.After(b.At)
		})
	}), nil
}

// onePerConnection keeps one rate-limit event per connection, the first,
// naming every window the connection passed in the period: a connection
// near its limit all afternoon is one line of the digest, not one per
// window and hour.
func onePerConnection(events []switchboard.AppEvent) []switchboard.AppEvent {
	var out []switchboard.AppEvent
	windows := map[string][]string{}
	at := map[string]int{}
	for _, e := range events {
		// The id ends in _<window>_<hour> (see dynamo.recordRateWarnings).
		parts := strings.Split(e.ID, "_")
		w := ""
		if len(parts) >= 2 {
			w = parts[len(parts)-2]
		}
		i, seen := at[e.ConnectionID]
		if !seen {
			at[e.ConnectionID] = len(out)
			out = append(out, e)
			i = len(out) - 1
		}
		if w != "" && !slices.Contains(windows[e.ConnectionID], w) {
			windows[e.ConnectionID] = append(windows[e.ConnectionID], w)
			// Shortest window first, whatever order the log keeps.
			slices.SortFunc(windows[e.ConnectionID], func(a, b string) int { return windowOrder(a) - windowOrder(b) })
		}
		limit := " rate limit."
		if len(windows[e.ConnectionID]) > 1 {
			limit = " rate limits."
		}
		out[i].Reason = fmt.Sprintf("Passed %d %% of its ", switchboard.RateWarningPercent) + strings.Join(windows[e.ConnectionID], " and ") + limit
	}
	return out
}

func windowOrder(w string) int {
	for i, name := range []string{"minute", "hour", "day"} {
		if w == name {
			return i
		}
	}
	return 3
}

// deliver sends one email once. The record is claimed before SES is
// called and marked after: if the run dies between SES accepting the email
// and the mark, the record stays pending and a rerun sends it again once
// the lease expires. SES v2 has no idempotency key, so that window (one
// API call wide) is at-least-once; every other crash point is exactly once.
func (s *Sender) deliver(ctx context.Context, rule switchboard.NotificationRule, p switchboard.Period, u switchboard.DirectoryUser, msg switchboard.Email, rep *Report) error {
	now := s.Now()
	d := switchboard.DigestDelivery{AccountID: rule.AccountID, RuleID: rule.ID, PeriodKey: p.Key(), UserID: u.ID, Email: u.Email}
	claim, err := s.Store.ClaimDigest(ctx, d, now, now.Add(s.Lease))
	switch {
	case err != nil:
		return err
	case claim == switchboard.Settled:
		rep.Skipped++
		return nil
	case claim == switchboard.Leased:
		// Another run is on it, or crashed holding it: asking for a retry
		// (after the lease) makes sure it is not skipped for good.
		rep.Leased++
		return nil
	}
	err = s.sendWithRetry(ctx, msg)
	switch switchboard.ErrorCode(err) {
	case "":
		d.State = switchboard.DigestSent
		rep.Sent++
	case switchboard.EInvalid:
		d.State, d.Detail = switchboard.DigestFailed, err.Error()
		rep.Failed++
		s.Logger.Warn("digest refused for good", "rule", rule.ID, "user", u.ID, "error", err)
	default:
		// Left pending: the lease runs out and the retried invocation
		// takes it over.
		rep.Transient++
		if errors.Is(err, switchboard.ErrSenderNotReady) {
			// Only an operator can fix this (verify the sender identity,
			// leave the SES sandbox, resume sending): say so loudly. The
			// period stays pending and is sent once that is done, within
			// DigestCatchUp.
			s.Logger.Error("digest not sent: SES refuses the sender or the account; verify the sender identity or leave the SES sandbox",
				"rule", rule.ID, "user", u.ID, "error", err)
			return nil
		}
		s.Logger.Warn("digest not sent yet", "rule", rule.ID, "user", u.ID, "error", err)
		return nil
	}
	// The mark must land even if the invocation is being cancelled: a lost
	// mark is a duplicate email later.
	if err := s.Store.FinishDigest(context.WithoutCancel(ctx), d); err != nil {
		return err
	}
	return nil
}

func (s *Sender) sendWithRetry(ctx context.Context, msg switchboard.Email) error {
	for attempt := 0; ; attempt++ {
		err := s.Mailer.SendEmail(ctx, msg)
		// A refusal of the sender holds until an operator acts: waiting a
		// few seconds does not help.
		if err == nil || switchboard.ErrorCode(err) == switchboard.EInvalid || errors.Is(err, switchboard.ErrSenderNotReady) || attempt >= len(s.Backoff) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(s.Backoff[attempt]):
		}
	}
}
