package demo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Connections are demo connections with 30 days of activity, seeded by
// SeedActivity for `make run` (and so the browser tests), not by Seed: unit
// tests count the demo account's connections. Nobody holds their tokens.
// All are location-level: an account-level group on the Connections page
// would be one more element labelled "…locations…" for the browser tests.
//   - StockWise calls steadily: a healthy chart, catalog.write granted but unused.
//   - SpeedyDrop answers many 5xx since yesterday: erroring.
//   - ClickEat was granted less than it now asks for: needs re-authorisation.
var Connections = []switchboard.Connection{
	{ID: "con_demo_stockwise", AppID: "stockwise", AppName: "StockWise", Level: switchboard.LevelLocation, LocationID: "loc-bastille", Scope: "location[catalog.read,catalog.write,orders.read]"},
	{ID: "con_demo_speedydrop", AppID: "speedydrop", AppName: "SpeedyDrop Delivery", Level: switchboard.LevelLocation, LocationID: "loc-canal", Scope: "location[orders.read,orders.write]"},
	{ID: "con_demo_clickeat", AppID: "clickeat", AppName: "ClickEat Online Ordering", Level: switchboard.LevelLocation, LocationID: "loc-canal", Scope: "location[catalog.read,orders.write]"},
}

// ActivityStore is what SeedActivity writes to: the store the door and the
// roll-up use, with its body batches (the archive bucket).
type ActivityStore = *dynamo.Store

// activityDays is how much history a demo connection gets.
const activityDays = 30

// The demo's history, oldest first:
//
//   - Calls of the daily chart's days before its last LoggedDays are in
//     the roll-ups only, summed with the roll-up's own
//     switchboard.RollUp.AddCall: logging a call costs the emulator two
//     writes, and a month of them (about 6,800 calls) takes 20-30 s on a
//     busy 2-core machine, the seed's budget being about 12 s.
//   - Later calls, from the account's midnight LoggedDays-1 days ago, are
//     logged as the door logs them (appapi.Door.Replay, logParallelism at
//     once): entries, bodies, the roll-up feed, the last-used time, so each
//     of those chart days totals its log entries. Those of the current day
//     are also counted in the door's rate-limit counter (countCalls), as
//     the door counts a call before answering it. Those whose feed minute
//     is before the last feedWindow are summed too, written whole and
//     marked as holding those feed minutes (SeedRollUpThrough), so no
//     roll-up counts them again, and their bodies archived as the roll-up
//     archives them (ArchiveCallBodies): reading days of feed minute by
//     minute would take minutes.
//   - The last feedWindow is rolled up by the scheduled roll-up's handler
//     (api.RollUpCalls), replayed every rollUpEvery of it at the time that
//     run would have had: it reads the feed minute by minute (about a
//     second per hour of feed on DynamoDB Local), finds SpeedyDrop
//     erroring and records that event in an hour already closed, which the
//     hourly digest then has to send.
//   - The last rolledUpLag stays in the feed, so `make invoke
//     FN=RollUpCallsFunction` right after start has work, as the next
//     scheduled run would in production.
const (
	feedWindow  = 2 * time.Hour
	rollUpEvery = 30 * time.Minute
	rolledUpLag = 4 * time.Minute
)

// LoggedDays are the daily chart's last days, today included, whose calls
// are in the call log: at least 3, so the hourly chart's 48 hours and the
// overview's 24 are logged too. Calls older than the feed's three days
// are written as the door writes them all the same: their feed items are
// born expired (TTL removes them), read once, at seed time, to archive
// their bodies, and never rolled up, their minutes being summed.
const LoggedDays = 10

// loggedFrom is the start of the first logged day: the account's midnight,
// so that a chart day is logged whole or not at all.
func loggedFrom(now time.Time) time.Time {
	t := now.In(switchboard.LoadZone(Account.TimeZone))
	return time.Date(t.Year(), t.Month(), t.Day()-(LoggedDays-1), 0, 0, 0, 0, t.Location())
}

// logParallelism bounds the calls logged at once: the emulator answers
// each in a few milliseconds, and the seed runs before the stack serves.
// More than 8 gains nothing on two cores, where the emulator's CPU is the
// limit.
const logParallelism = 8

// SeedActivity creates the demo connections and, for each one created now,
// the 30 days of calls before now: the last LoggedDays logged as the door
// logs them (entries, bodies with credentials redacted, last-used time,
// roll-up feed), all rolled up as the roll-up does, so that the overview,
// the charts, the logs and the health summaries agree (see above); and the
// demo's notification rules. Connections that exist are left alone, so
// restarts add nothing.
func SeedActivity(ctx context.Context, store ActivityStore, now time.Time) (created int, err error) {
	since := now.AddDate(0, 0, -activityDays-5)
	var fresh []switchboard.Connection
	for i, c := range Connections {
		c.AccountID, c.Status, c.ConnectedBy, c.ConnectedAt, c.UpdatedAt = Account.ID, switchboard.ConnectionActive, "usr-owner", since, since
		c.TokenHash = fmt.Sprintf("demo-unusable-token-%d", i)
		ok, err := createdOrExists(store.CreateConnection(ctx, c))
		if err != nil {
			return created, fmt.Errorf("seed connection %s: %w", c.ID, err)
		}
		if ok {
			created++
			fresh = append(fresh, c)
		}
	}
	if len(fresh) == 0 {
		return created, nil
	}
	if err := seedRules(ctx, store, since); err != nil {
		return created, err
	}
	from := loggedFrom(now)
	var calls []demoCall
	for _, c := range fresh {
		for _, call := range connectionCalls(c, now) {
			call.logged = !call.at.Before(from)
			calls = append(calls, call)
		}
	}
	return created, seedCalls(ctx, store, calls, now, now.Add(-feedWindow-rolledUpLag))
}

// Rules are the demo account's notification rules: SpeedyDrop's erroring
// event, which the seed's roll-up records, gives each digest function work
// (`make invoke FN=Send…DigestsFunction TIME=…`, see the README). Seeded
// with the connections, so a rule deleted in the site stays deleted.
var Rules = []switchboard.NotificationRule{
	{ID: "rule-demo-failing-hourly", Name: "Failing apps, every hour", Frequency: switchboard.Hourly,
		Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}},
	{ID: "rule-demo-failing-daily", Name: "Failing apps, daily", Frequency: switchboard.Daily,
		Recipients: switchboard.Recipients{Mode: switchboard.RecipientsEveryone}},
	{ID: "rule-demo-failing-weekly", Name: "Failing apps, weekly", Frequency: switchboard.Weekly,
		Recipients: switchboard.Recipients{Mode: switchboard.RecipientsEveryone}},
	{ID: "rule-demo-failing-monthly", Name: "Failing apps, monthly", Frequency: switchboard.Monthly,
		Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins}},
}

func seedRules(ctx context.Context, store ActivityStore, since time.Time) error {
	for _, r := range Rules {
		r.AccountID, r.Type, r.AllApps, r.CreatedBy, r.CreatedAt = Account.ID, switchboard.RuleErrors, true, "usr-owner", since
		if _, err := store.CreateRule(ctx, r); err != nil && switchboard.ErrorCode(err) != switchboard.EConflict {
			return fmt.Errorf("seed rule %s: %w", r.ID, err)
		}
	}
	return nil
}

// seedCalls logs calls through the door's logging (appapi.Door.Replay),
// then rolls up those whose feed minute is before rolledUpBefore by summing
// them, and the rest up to now-rolledUpLag with the scheduled roll-up's
// handler.
func seedCalls(ctx context.Context, store ActivityStore, calls []demoCall, now, rolledUpBefore time.Time) error {
	var logged []demoCall
	for _, c := range calls {
		if c.logged {
			logged = append(logged, c)
		}
	}
	if err := logCalls(ctx, store, logged); err != nil {
		return err
	}
	if err := countCalls(ctx, store, calls, now); err != nil {
		return err
	}
	w := rolledUpBefore.UTC().Truncate(time.Minute)
	if err := seedRollUps(ctx, store, calls, now, w); err != nil {
		return err
	}
	// The roll-up starts where the sums end. A watermark already earlier
	// (a stack stopped for a while) stays: the summed items say they hold
	// those minutes, so catching up skips them.
	if err := store.RewindRollUp(ctx, w); err != nil {
		return err
	}
	// The scheduled runs, replayed every rollUpEvery at their own times, so
	// the erroring event is recorded when that run would have seen it. The
	// last is rolledUpLag back: a run closes minutes RollUpGrace after
	// they end, so the last minutes stay in the feed for the next run.
	last := now.Add(-rolledUpLag)
	for at := w.Add(rollUpEvery); ; at = at.Add(rollUpEvery) {
		if at.After(last) {
			at = last
		}
		clock := func() time.Time { return at }
		if _, err := api.RollUpCalls(store.WithClock(clock), clock)(ctx, events.CloudWatchEvent{Time: at}); err != nil {
			return fmt.Errorf("roll up demo calls at %s: %w", at, err)
		}
		if !at.Before(last) {
			return nil
		}
	}
}

// logCalls logs every call as the door does after answering it. The
// connection's last-used time ends at each connection's last call, as if
// the door had touched it along the way: earlier touches would be
// overwritten, so only the last call of each connection writes it.
func logCalls(ctx context.Context, store ActivityStore, calls []demoCall) error {
	last := map[string]time.Time{}
	for _, c := range calls {
		if c.at.After(last[c.conn.ID]) {
			last[c.conn.ID] = c.at
		}
	}
	door := &appapi.Door{Calls: store, Bodies: store, Connections: store}
	err := parallel(calls, logParallelism, func(c demoCall) error {
		caller := appapi.Caller{Connection: c.conn}
		if !c.at.Equal(last[c.conn.ID]) {
			used := c.at // "used this minute": the door skips the write
			caller.Connection.LastUsedAt = &used
		}
		req, resp := c.exchange()
		return door.Replay(ctx, caller, c.resource, req, resp, c.errCode, c.at, c.end())
	})
	if err != nil {
		return fmt.Errorf("log demo calls: %w", err)
	}
	return nil
}

// countCalls counts the calls of the door's current rate-limit windows
// (the day's, so the hour's and the minute's with it) in the door's own
// counter (dynamo.Store.CountWindows, with the door's windows), one by one
// at each call's time as the door counts it, so that the connection's
// rate-limit panel ("used now", today's peaks) agrees with the logs of the
// current windows. Older calls are not counted: their windows have ended,
// and the counter keeps no more of them than the peaks it folds when a
// window turns, which counting a month call by call (one write each) would
// only fill in for the peaks of the last days. One connection's calls go in
// order (a window turns on the first call after it); the connections in
// parallel: a few hundred writes, well under a second on the emulator.
func countCalls(ctx context.Context, store ActivityStore, calls []demoCall, now time.Time) error {
	windows := make([]time.Duration, len(appapi.DefaultLimits))
	var longest time.Duration
	for i, l := range appapi.DefaultLimits {
		windows[i] = l.Window
		longest = max(longest, l.Window)
	}
	if longest == 0 {
		return nil
	}
	from := now.Truncate(longest)
	byConn := map[string][]demoCall{}
	var order []string
	for _, c := range calls {
		if c.at.Before(from) || c.at.After(now) {
			continue
		}
		if _, ok := byConn[c.conn.ID]; !ok {
			order = append(order, c.conn.ID)
		}
		byConn[c.conn.ID] = append(byConn[c.conn.ID], c)
	}
	err := parallel(order, len(order), func(id string) error {
		mine := byConn[id]
		sort.SliceStable(mine, func(i, j int) bool { return mine[i].at.Before(mine[j].at) })
		for _, c := range mine {
			at := c.at
			if _, err := store.WithClock(func() time.Time { return at }).CountWindows(ctx, switchboard.RateKey(id), windows); err != nil {
				return fmt.Errorf("count demo call of %s at %s: %w", id, at, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count demo calls: %w", err)
	}
	return nil
}

// seedRollUps sums the calls whose feed minute is before w into hour and
// day roll-ups, with the AddCall the roll-up uses on the same fields its
// feed items carry, writes them whole, and archives those minutes' bodies.
func seedRollUps(ctx context.Context, store ActivityStore, calls []demoCall, now, w time.Time) error {
	type key struct {
		conn  switchboard.Connection
		start int64
		day   bool
	}
	sums := map[key]*switchboard.RollUp{}
	var archived []switchboard.Call
	for _, c := range calls {
		if c.logged && !c.feedMinute().Before(w) {
			continue // the roll-up reads it
		}
		if c.logged {
			archived = append(archived, switchboard.Call{RequestID: c.requestID(), AccountID: c.conn.AccountID, LoggedAt: c.end().UTC()})
		}
		call := c.call()
		for _, k := range []key{{c.conn, switchboard.HourStart(c.at).Unix(), false}, {c.conn, switchboard.DayStart(c.at).Unix(), true}} {
			if sums[k] == nil {
				sums[k] = &switchboard.RollUp{ConnectionID: c.conn.ID, Start: time.Unix(k.start, 0).UTC()}
			}
			sums[k].AddCall(call, k.day)
		}
	}
	// SeedRollUp rebuilds the connection's health summary when it writes
	// an item of the summary's window (margins added here): those items
	// go last, oldest first, so the last rebuild holds them all, one
	// connection at a time (each in parallel with the others: their
	// summaries are apart). The other items are written all at once.
	windowHour := switchboard.HourStart(now).Add(-(switchboard.HealthWindowHours + 2) * time.Hour)
	windowDay := switchboard.DayStart(now).AddDate(0, 0, -(switchboard.HealthWindowDays + 2))
	var older []key
	recent := map[string][]key{}
	for k := range sums {
		if start := time.Unix(k.start, 0); k.day && start.Before(windowDay) || !k.day && start.Before(windowHour) {
			older = append(older, k)
		} else {
			recent[k.conn.ID] = append(recent[k.conn.ID], k)
		}
	}
	seed := func(k key) error { return store.SeedRollUpThrough(ctx, k.conn.AccountID, *sums[k], k.day, w) }
	if err := parallel(older, logParallelism, seed); err != nil {
		return err
	}
	var conns [][]key
	for _, keys := range recent {
		sort.Slice(keys, func(i, j int) bool { return keys[i].start < keys[j].start })
		conns = append(conns, keys)
	}
	if err := parallel(conns, len(conns), func(keys []key) error {
		for _, k := range keys {
			if err := seed(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if _, err := store.ArchiveCallBodies(ctx, archived); err != nil {
		return fmt.Errorf("archive demo bodies: %w", err)
	}
	return nil
}

// parallel runs f on every item, at most n at once, and returns their
// errors joined.
func parallel[T any](items []T, n int, f func(T) error) error {
	sem := make(chan struct{}, max(n, 1))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(it)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// demoCall is one made-up call of a demo connection: what the app sent
// and what the door answered.
type demoCall struct {
	conn             switchboard.Connection
	at               time.Time
	latency          time.Duration
	resource, method string
	path, query      string
	status           int
	errCode          string
	reqBody          string
	respBody         string // for 2xx answers; errors answer the door's error body
	// logged calls are in the call log (LoggedDays); older ones only in
	// the roll-ups.
	logged bool
}

func (c demoCall) end() time.Time { return c.at.Add(c.latency) }

// feedMinute is the minute the door files the call under: when its log
// write began, right after the answer.
func (c demoCall) feedMinute() time.Time { return c.end().UTC().Truncate(time.Minute) }

// requestID is API Gateway's kind of id, stable for a call of the seed.
func (c demoCall) requestID() string {
	sum := sha256.Sum256([]byte(c.conn.ID + "|" + c.at.UTC().Format(time.RFC3339Nano) + "|" + c.method + c.path))
	return base64.RawStdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:])[:12]))
}

// call is what the roll-up's feed item holds of the call.
func (c demoCall) call() switchboard.Call {
	return switchboard.Call{AccountID: c.conn.AccountID, ConnectionID: c.conn.ID, At: c.at.UTC(), Status: c.status, Error: c.errCode,
		LatencyMs: c.latency.Milliseconds(), Resource: c.resource, Method: c.method}
}

// exchange is the request as API Gateway hands it to the door, with the
// app's token, and the door's answer.
func (c demoCall) exchange() (apigw.Request, apigw.Response) {
	id := c.requestID()
	req := apigw.Request{RawPath: c.path, RawQueryString: c.query, Body: c.reqBody, Headers: map[string]string{
		"authorization": "Bearer sbt_demo" + id, "user-agent": c.conn.AppName + "/2.4", "accept": "application/json",
	}}
	if c.reqBody != "" {
		req.Headers["content-type"] = "application/json"
	}
	req.RequestContext.HTTP.Method = c.method
	req.RequestContext.RequestID = id
	var resp apigw.Response
	switch c.status {
	case http.StatusOK, http.StatusCreated:
		resp = apigw.Response{StatusCode: c.status, Body: c.respBody, Headers: map[string]string{"Content-Type": "application/json"}}
	default:
		resp = apigw.ErrorResponse(context.Background(), switchboard.Errorf(c.errCode, "%s", errorMessages[c.errCode]))
	}
	resp.Headers["X-Request-Id"] = id
	switch c.status {
	case http.StatusTooManyRequests:
		resp.Headers["Retry-After"] = "17"
	case http.StatusForbidden:
		resp.Headers["WWW-Authenticate"] = `Bearer realm="` + appapi.Realm + `", error="insufficient_scope"`
	}
	return req, resp
}

var errorMessages = map[string]string{
	switchboard.EUnavailable:       "The service is busy; retry in a moment.",
	switchboard.ERateLimited:       "The connection's rate limit is reached; retry after 17 seconds.",
	switchboard.ENotFound:          "order not found",
	switchboard.EInsufficientScope: "The token's scope location[catalog.read,catalog.write,orders.read] does not grant customers.read.",
}

// connectionCalls are connection c's calls over the 30 days before now,
// oldest first, plus one in the last minutes (the roll-up's next work,
// and a fresh "last activity").
func connectionCalls(c switchboard.Connection, now time.Time) []demoCall {
	var out []demoCall
	first := switchboard.HourStart(now).Add(-activityDays * 24 * time.Hour)
	for h := first; !h.After(now); h = h.Add(time.Hour) {
		for _, call := range demoCalls(c, h, now) {
			if call.end().Before(now.Add(-rolledUpLag)) {
				out = append(out, call)
			}
		}
	}
	idx := 0
	for i, k := range Connections {
		if k.ID == c.ID {
			idx = i
		}
	}
	// Within the lag, in a minute already closed for the roll-up.
	at := now.Add(-rolledUpLag + time.Minute + time.Duration(idx*20)*time.Second).Truncate(time.Second)
	if tail := demoCalls(c, switchboard.HourStart(now.Add(-48*time.Hour)), now); len(tail) > 0 {
		last := tail[0]
		last.at = at
		if c.AppID == "speedydrop" {
			last.status, last.errCode, last.respBody = http.StatusServiceUnavailable, switchboard.EUnavailable, ""
		}
		out = append(out, last)
	}
	return out
}

// demoCalls is the made-up traffic of connection c in hour h: busier at
// lunch and dinner (UTC), a weekly rhythm, and each app's own habits,
// spread over the hour.
func demoCalls(c switchboard.Connection, h, now time.Time) []demoCall {
	hour, day := h.Hour(), h.YearDay()
	n := 1 + (day*7+hour*3)%4
	if hour >= 10 && hour <= 13 || hour >= 17 && hour <= 21 {
		n += 6
	}
	if h.Weekday() == time.Monday {
		n = max(n/2, 1) // every hour has a call: see SpeedyDrop's below
	}
	var calls []demoCall
	add := func(i int, resource, method string, status int, latency int64) *demoCall {
		// Spread over the hour: a minute per slot, a second from the call.
		offset := time.Duration(i*60/max(n, 1))*time.Minute + time.Duration((i*17+hour*7+day)%60)*time.Second
		call := demoCall{conn: c, at: h.Add(offset + time.Duration(len(calls))*time.Second), latency: time.Duration(latency) * time.Millisecond,
			resource: resource, method: method, status: status}
		switch status {
		case http.StatusServiceUnavailable:
			call.errCode = switchboard.EUnavailable
		case http.StatusTooManyRequests:
			call.errCode = switchboard.ERateLimited
		case http.StatusNotFound:
			call.errCode = switchboard.ENotFound
		case http.StatusForbidden:
			call.errCode = switchboard.EInsufficientScope
		}
		calls = append(calls, call)
		return &calls[len(calls)-1]
	}
	for i := range n {
		latency := int64(20 + (i*37+day*11+hour*5)%180)
		order := orderID(c, h, i)
		switch c.AppID {
		case "speedydrop":
			status := 200
			// Failing since yesterday, the hour's first call included:
			// a quiet hour (one call) fails too, so the seed's roll-up
			// runs, which read the last two hours, always see SpeedyDrop
			// fail in an hour that is closed by now and record its
			// erroring event there, for the hourly digest.
			if now.Sub(h) < 24*time.Hour && i%3 != 1 {
				status = 503
			} else if i == 4 && day%5 == 0 {
				status = 429
			}
			if i%2 == 0 {
				call := add(i, "orders", "GET", status, latency+300)
				call.path, call.query = "/v1/locations/"+c.LocationID+"/orders", "status=accepted"
				call.respBody = `{"data":[` + orderJSON(c, order, "accepted", h) + `]}`
			} else {
				call := add(i, "orders", "PATCH", status, latency+300)
				call.path = "/v1/orders/" + order
				call.reqBody = `{"status":"in_delivery"}`
				call.respBody = orderJSON(c, order, "in_delivery", h)
			}
		case "clickeat":
			if hour%3 == 0 && i < 2 {
				call := add(i, "orders", "POST", 201, latency)
				call.path = "/v1/locations/" + c.LocationID + "/orders"
				call.reqBody = `{"service_type":"delivery","items":[{"product_name":"Margherita","price":"11.50 EUR","quantity":2}]}`
				call.respBody = orderJSON(c, order, "new", h)
			}
		default:
			status := 200
			if i == 7 && day%4 == 0 {
				status = 404
			}
			if i%2 == 0 {
				call := add(i, "orders", "GET", status, latency)
				if status == 404 {
					call.path = "/v1/orders/" + order
				} else {
					call.path, call.query = "/v1/locations/"+c.LocationID+"/orders", "status=new"
					call.respBody = `{"data":[` + orderJSON(c, order, "new", h) + `]}`
				}
			} else {
				call := add(i, "catalog", "GET", status, latency)
				call.path = "/v1/catalogs/" + Catalog.ID + "/products"
				call.respBody = `{"data":[{"id":"prd_margherita","account_id":"` + c.AccountID + `","catalog_id":"` + Catalog.ID +
					`","name":"Margherita","category":"Pizzas","price":"11.50 EUR","created_at":"2026-11-01T09:00:00Z"}]}`
			}
			if c.AppID == "stockwise" && i == 0 && hour == 9 {
				// Once a day StockWise tries the customers it was never
				// granted: refused, which is not use (the app page's
				// "Refused for lack of it" column).
				call := add(i, "customers", "GET", 403, latency)
				call.path = "/v1/customer_lists/" + CustomerList.ID + "/customers"
			}
		}
	}
	return calls
}

func orderID(c switchboard.Connection, h time.Time, i int) string {
	return "ord_" + strconv.FormatInt(h.Unix()/3600, 36) + strconv.Itoa(i) + c.LocationID[len(c.LocationID)-3:]
}

func orderJSON(c switchboard.Connection, id, status string, h time.Time) string {
	at := h.UTC().Format(time.RFC3339)
	return `{"id":"` + id + `","account_id":"` + c.AccountID + `","location_id":"` + c.LocationID + `","status":"` + status +
		`","service_type":"delivery","items":[{"product_name":"Margherita","price":"11.50 EUR","quantity":2}],"total":"23.00 EUR","created_at":"` +
		at + `","updated_at":"` + at + `"}`
}
