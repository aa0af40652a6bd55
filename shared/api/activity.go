package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/eventbridge"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// ActivityStore is what the activity, overview and roll-up handlers read.
type ActivityStore interface {
	switchboard.ConnectionStore
	switchboard.AccountStore
	switchboard.RollUpStore
	switchboard.HealthSummaryStore
	switchboard.RateCounter
	GetDeveloperApp(ctx context.Context, appID string) (switchboard.DeveloperApp, error)
	ListDeliveries(ctx context.Context, accountID string, f switchboard.DeliveryFilter, p switchboard.PageRequest) (switchboard.DeliveryPage, error)
}

// GetConnectionActivity serves GET /admin/v1/connections/{connectionId}/activity?days=30:
// one zero-filled point per day of the account's time zone, the last 48
// hours by hour, and the scopes used in the last 30 days. It reads roll-ups
// only, never the call log, and of those only what the chart shows
// (switchboard.PlanActivity): the UTC days, the last 48 hours, and the few
// hours that shift UTC days onto the account's days. Two round trips: the
// account (for its zone), then the connection and the three reads at once;
// the roll-up partitions are the caller's account's, so reading them
// before the connection is found shows nothing of another tenant.
func GetConnectionActivity(store ActivityStore, now func() time.Time) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		days, err := apigw.QueryInt(req, "days", 30)
		if err != nil {
			return apigw.Response{}, err
		}
		if days < 1 || days > switchboard.MaxActivityDays {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "days must be between 1 and %d", switchboard.MaxActivityDays)
		}
		id := req.PathParameters["connectionId"]
		account, err := store.GetAccount(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		t := now()
		plan := switchboard.PlanActivity(switchboard.LoadZone(account.TimeZone), t, days)
		var (
			c                 switchboard.Connection
			dayRolls, lastHrs []switchboard.RollUp
			keyedHrs          []switchboard.RollUp
			connErr, readErr  error
			dayErr, keyedErr  error
			wg                sync.WaitGroup
		)
		wg.Go(func() { c, connErr = store.GetConnection(ctx, p.AccountID, id) })
		wg.Go(func() {
			dayRolls, dayErr = store.DayRollUps(ctx, p.AccountID, id, plan.FirstDay, plan.LastDay.Add(24*time.Hour))
		})
		wg.Go(func() {
			lastHrs, readErr = store.HourRollUps(ctx, p.AccountID, id, plan.FirstHour, plan.LastHour.Add(time.Hour))
		})
		wg.Go(func() { keyedHrs, keyedErr = store.HourRollUpsAt(ctx, p.AccountID, id, plan.Hours) })
		wg.Wait()
		if connErr != nil {
			return apigw.Response{}, connErr
		}
		if err := errors.Join(dayErr, readErr, keyedErr); err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, plan.Build(c.ID, dayRolls, append(lastHrs, keyedHrs...)))
	}
}

// healthInput gathers what the health rules need for one connection from
// its roll-ups: two small queries, whatever its history. The roll-up's
// erroring check uses it for the few connections that just failed; the
// overview reads the health summaries instead.
func healthInput(ctx context.Context, store switchboard.RollUpStore, c switchboard.Connection, now time.Time) (switchboard.HealthInput, error) {
	hours, err := store.HourRollUps(ctx, c.AccountID, c.ID, switchboard.HourStart(now).Add(-23*time.Hour), now.Add(time.Hour))
	if err != nil {
		return switchboard.HealthInput{Connection: c}, err
	}
	n := switchboard.SilentDays + switchboard.BaselineDays
	days, err := store.DayRollUps(ctx, c.AccountID, c.ID, switchboard.DayStart(now).AddDate(0, 0, -(n-1)), now.Add(24*time.Hour))
	if err != nil {
		return switchboard.HealthInput{Connection: c}, err
	}
	return switchboard.NewHealthInput(c, hours, days, now), nil
}

// callbackFailures counts, per connection, the callback attempts of the last
// 24 hours that failed. Retries of one event run for about a day, so the
// events of the last two days hold every such attempt; they are read a page
// at a time, at most maxDeliveryPages pages (lifecycle events are rare).
func callbackFailures(ctx context.Context, store ActivityStore, accountID string, now time.Time) (map[string]int, error) {
	const maxDeliveryPages = 20
	out := map[string]int{}
	page := switchboard.PageRequest{Limit: switchboard.MaxPageSize}
	f := switchboard.DeliveryFilter{From: now.Add(-48 * time.Hour), To: now.Add(time.Minute)}
	for range maxDeliveryPages {
		p, err := store.ListDeliveries(ctx, accountID, f, page)
		if err != nil {
			return nil, fmt.Errorf("callback deliveries: %w", err)
		}
		for _, d := range p.Deliveries {
			for _, a := range d.Attempts {
				if !a.Succeeded() && now.Sub(a.At) < 24*time.Hour {
					out[d.ConnectionID]++
				}
			}
		}
		if p.NextCursor == "" {
			break
		}
		page.Cursor = p.NextCursor
	}
	return out, nil
}

// BuildOverview assesses every connection of an account from three reads
// made at once, whatever its size: the connections, their health summaries
// (kept by the roll-up), and the callback deliveries of the last two days;
// then one read per app the connections use, also at once. An account
// whose summaries were never built (roll-ups older than the summaries)
// gets them built first, once.
func BuildOverview(ctx context.Context, store ActivityStore, accountID string, now time.Time) (switchboard.Overview, error) {
	var (
		conns                       []switchboard.Connection
		summaries                   map[string]switchboard.HealthSummary
		complete                    bool
		failures                    map[string]int
		connErr, sumErr, failureErr error
		wg                          sync.WaitGroup
	)
	wg.Go(func() { conns, connErr = store.ListConnections(ctx, accountID, switchboard.ConnectionFilter{}) })
	wg.Go(func() { summaries, complete, sumErr = store.HealthSummaries(ctx, accountID) })
	wg.Go(func() { failures, failureErr = callbackFailures(ctx, store, accountID, now) })
	wg.Wait()
	if err := errors.Join(connErr, sumErr, failureErr); err != nil {
		return switchboard.Overview{}, err
	}
	if !complete {
		if err := store.BuildHealthSummaries(ctx, accountID); err != nil {
			return switchboard.Overview{}, err
		}
		var err error
		if summaries, _, err = store.HealthSummaries(ctx, accountID); err != nil {
			return switchboard.Overview{}, err
		}
	}
	var (
		requested         map[string]*switchboard.Scope
		counts            map[string][]switchboard.RateWindowCount
		scopeErr, rateErr error
	)
	wg.Go(func() { requested, scopeErr = requestedScopes(ctx, store, conns) })
	wg.Go(func() { counts, rateErr = rateCounts(ctx, store, conns) })
	wg.Wait()
	if err := errors.Join(scopeErr, rateErr); err != nil {
		return switchboard.Overview{}, err
	}
	o := switchboard.NewOverview(now)
	for _, c := range conns {
		sum := summaries[c.ID]
		in := switchboard.NewHealthInput(c, sum.Hours, sum.Days, now)
		in.Requested = requested[c.AppID]
		in.CallbackFailures24h = failures[c.ID]
		o.Add(c, switchboard.Assess(in, now))
	}
	o.NearRateLimit = switchboard.NearLimits(conns, switchboard.DefaultRateLimits, counts, now)
	return o, nil
}

// rateCounts reads the door's counters of the live connections, 100 a
// read, all at once.
func rateCounts(ctx context.Context, store switchboard.RateCounter, conns []switchboard.Connection) (map[string][]switchboard.RateWindowCount, error) {
	if len(conns) == 0 {
		return map[string][]switchboard.RateWindowCount{}, nil
	}
	keys := make([]string, len(conns))
	for i, c := range conns {
		keys[i] = switchboard.RateKey(c.ID)
	}
	return store.RateWindowCountsMany(ctx, keys, rateWindows(switchboard.DefaultRateLimits))
}

func rateWindows(limits []switchboard.RateLimit) []time.Duration {
	out := make([]time.Duration, len(limits))
	for i, l := range limits {
		out[i] = l.Window
	}
	return out
}

// requestedScopes reads, all at once, the scope each app of conns now asks
// for; nil for an app that is gone.
func requestedScopes(ctx context.Context, store ActivityStore, conns []switchboard.Connection) (map[string]*switchboard.Scope, error) {
	var apps []string
	for _, c := range conns {
		if !slices.Contains(apps, c.AppID) {
			apps = append(apps, c.AppID)
		}
	}
	scopes := make([]*switchboard.Scope, len(apps))
	errs := make([]error, len(apps))
	sem := make(chan struct{}, overviewParallelism)
	var wg sync.WaitGroup
	for i, id := range apps {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			app, err := store.GetDeveloperApp(ctx, id)
			switch {
			case switchboard.ErrorCode(err) == switchboard.ENotFound:
			case err != nil:
				errs[i] = err
			default:
				s := app.RequestedScope()
				scopes[i] = &s
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	requested := map[string]*switchboard.Scope{}
	for i, id := range apps {
		requested[id] = scopes[i]
	}
	return requested, nil
}

// overviewParallelism bounds the app reads in flight for one overview.
const overviewParallelism = 8

// GetOverview serves GET /admin/v1/overview for the caller's account.
func GetOverview(store ActivityStore, now func() time.Time) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, _ apigw.Request) (apigw.Response, error) {
		o, err := BuildOverview(ctx, store, p.AccountID, now())
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, o)
	}
}

// rollUpMaxMinutes bounds one run: two hours of feed, so that a run after
// an outage stays within its timeout and the next ones catch up.
const rollUpMaxMinutes = 120

// RollUpJobStore is what the scheduled roll-up reads and writes; the
// domain's switchboard.RollUpStore is only the reads of its results.
type RollUpJobStore interface {
	switchboard.ConnectionStore
	switchboard.RollUpStore
	switchboard.AppLog
	RollUp(ctx context.Context, maxMinutes int) (switchboard.RollUpReport, error)
	HealthState(ctx context.Context, accountID, connectionID string) (switchboard.HealthState, error)
	PutHealthState(ctx context.Context, accountID, connectionID string, st switchboard.HealthState) error
}

// RollUpCalls is the scheduled roll-up: it closes the new feed minutes, then
// checks the connections that got new 5xx or 401 answers, and writes an
// `erroring` app-log event when one enters that state. An error makes
// EventBridge's run fail and the next run retry from the watermark.
func RollUpCalls(store RollUpJobStore, now func() time.Time) eventbridge.Handler[switchboard.RollUpReport] {
	return func(ctx context.Context, _ events.CloudWatchEvent) (switchboard.RollUpReport, error) {
		rep, err := store.RollUp(ctx, rollUpMaxMinutes)
		if err != nil {
			return rep, err
		}
		for _, ref := range rep.Failing {
			if err := checkErroring(ctx, store, ref, now()); err != nil {
				return rep, err
			}
		}
		platform.Logger(ctx).Info("rolled up", "minutes", rep.Minutes, "entries", rep.Entries, "updates", rep.Updates, "failing", len(rep.Failing))
		return rep, nil
	}
}

// checkErroring records a connection entering or leaving the erroring
// state. The state is written before the event, with the event's time and
// id derived from it, so a run that stops in between writes the same event
// on the next check instead of none or two.
func checkErroring(ctx context.Context, store RollUpJobStore, ref switchboard.ConnectionRef, now time.Time) error {
	c, err := store.GetConnection(ctx, ref.AccountID, ref.ConnectionID)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return nil // disconnected since
	}
	if err != nil {
		return err
	}
	in, err := healthInput(ctx, store, c, now)
	if err != nil {
		return err
	}
	st, err := store.HealthState(ctx, c.AccountID, c.ID)
	if err != nil {
		return err
	}
	a, erroring := switchboard.IsErroring(switchboard.Assess(in, now))
	switch {
	case !erroring && st.Erroring:
		return store.PutHealthState(ctx, c.AccountID, c.ID, switchboard.HealthState{CheckedAt: now})
	case !erroring:
		return nil
	case !st.Erroring || now.Sub(st.CheckedAt) > switchboard.ErroringEpisodeGap:
		st = switchboard.HealthState{Erroring: true, EnteredAt: now, CheckedAt: now, EventPending: true, Reason: a.Message}
	default:
		st.CheckedAt = now
	}
	if err := store.PutHealthState(ctx, c.AccountID, c.ID, st); err != nil {
		return err
	}
	if !st.EventPending {
		return nil
	}
	after := c
	after.TokenHash = "" // the log keeps states, never credentials
	err = store.RecordEvent(ctx, switchboard.AppEvent{
		ID:        "evt_erroring_" + c.ID + "_" + strconv.FormatInt(st.EnteredAt.Unix(), 10),
		AccountID: c.AccountID, Type: switchboard.EventErroring, ConnectionID: c.ID, AppID: c.AppID, LocationID: c.LocationID,
		ActorType: switchboard.ActorSystem, Reason: st.Reason, At: st.EnteredAt, After: &after,
	})
	if err != nil {
		return fmt.Errorf("record erroring event: %w", err)
	}
	st.EventPending = false
	return store.PutHealthState(ctx, c.AccountID, c.ID, st)
}

// GetConnectionActivityFunction is GetConnectionActivityFunction in template.yaml.
func GetConnectionActivityFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return GetConnectionActivity(s, time.Now) })
}

// GetOverviewFunction is GetOverviewFunction in template.yaml.
func GetOverviewFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return GetOverview(s, time.Now) })
}

// RollUpCallsFunction is RollUpCallsFunction in template.yaml, run every
// five minutes by EventBridge.
func RollUpCallsFunction(env *platform.Env) eventbridge.Handler[switchboard.RollUpReport] {
	return eventbridge.Handle(env.Logger, "RollUpCallsFunction", RollUpCalls(dynamo.New(env.DynamoDB(), env.Config.TableName).
		WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket)), time.Now))
}
