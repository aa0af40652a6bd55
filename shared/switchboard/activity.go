package switchboard

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RollUpRetention is how long hour and day roll-ups are kept (13 months):
// a year of history plus the month being compared with last year's.
const RollUpRetention = 396 * 24 * time.Hour

// LatencyBoundsMs are the upper bounds of the latency histogram's buckets,
// on a rough log scale; one more bucket holds everything slower. A fixed
// histogram adds up across hours and days, which percentiles do not, so a
// day's p50 and p95 are derived from the summed buckets when read.
var LatencyBoundsMs = []int64{10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

// LatencyBuckets is the number of histogram counters, the overflow included.
var LatencyBuckets = len(LatencyBoundsMs) + 1

// LatencyBucket returns the index of the bucket that counts ms.
func LatencyBucket(ms int64) int {
	for i, b := range LatencyBoundsMs {
		if ms <= b {
			return i
		}
	}
	return len(LatencyBoundsMs)
}

// Percentile returns the upper bound of the bucket holding the p-th
// percentile (0 < p ≤ 1) of hist, or 0 for an empty histogram. The overflow
// bucket reports the last bound: "at least 10 s".
func Percentile(hist []int64, p float64) int64 {
	var total int64
	for _, n := range hist {
		total += n
	}
	if total == 0 {
		return 0
	}
	// The rank of the percentile, rounded up: p50 of 3 calls is the 2nd.
	rank := int64(p*float64(total) + 0.999999)
	rank = max(rank, 1)
	var seen int64
	for i, n := range hist {
		seen += n
		if seen >= rank {
			return LatencyBoundsMs[min(i, len(LatencyBoundsMs)-1)]
		}
	}
	return LatencyBoundsMs[len(LatencyBoundsMs)-1]
}

// Counts are a roll-up's call counters by status.
type Counts struct {
	Total int64 `json:"total"`
	S2xx  int64 `json:"s2xx"`
	S4xx  int64 `json:"s4xx"`
	S5xx  int64 `json:"s5xx"`
	S429  int64 `json:"s429"`
	S401  int64 `json:"s401"`
	// AuthFailures are the 401s refusing the token itself (invalid_token:
	// revoked or superseded), not those of a blocked connection.
	AuthFailures int64 `json:"authFailures"`
}

// AddStatus counts one call answered with status; 429 and 401 are also
// counted in 4xx.
func (c *Counts) AddStatus(status int) {
	c.Total++
	switch {
	case status >= 200 && status < 300:
		c.S2xx++
	case status >= 400 && status < 500:
		c.S4xx++
	case status >= 500 && status < 600:
		c.S5xx++
	}
	switch status {
	case 429:
		c.S429++
	case 401:
		c.S401++
	}
}

// Add adds o's counters to c.
func (c *Counts) Add(o Counts) {
	c.Total += o.Total
	c.S2xx += o.S2xx
	c.S4xx += o.S4xx
	c.S5xx += o.S5xx
	c.S429 += o.S429
	c.S401 += o.S401
	c.AuthFailures += o.AuthFailures
}

// RollUp is one connection's activity in one hour or one UTC day.
type RollUp struct {
	ConnectionID string    `json:"connectionId"`
	Start        time.Time `json:"start"` // UTC start of the hour or day
	Counts
	Latency []int64 `json:"latency"` // LatencyBuckets counters
	// Used are the permissions ("orders.read") of calls answered 2xx, and
	// Refused those of calls refused 403 insufficient_scope for lack of
	// them: day roll-ups only. A refused call did not use the permission,
	// so it is kept apart rather than counted as use.
	Used    []string `json:"used,omitempty"`
	Refused []string `json:"refused,omitempty"`
}

// AddCall counts c in r: status, latency and, for day roll-ups, the
// permission it used (answered 2xx) or was refused for lacking.
func (r *RollUp) AddCall(c Call, withUsed bool) {
	r.AddStatus(c.Status)
	if IsAuthFailure(c) {
		r.AuthFailures++
	}
	if len(r.Latency) < LatencyBuckets {
		r.Latency = append(r.Latency, make([]int64, LatencyBuckets-len(r.Latency))...)
	}
	r.Latency[LatencyBucket(c.LatencyMs)]++
	p := PermissionOf(c)
	if !withUsed || p == "" {
		return
	}
	switch {
	case c.Status >= 200 && c.Status < 300 && !slices.Contains(r.Used, p):
		r.Used = append(r.Used, p)
	case IsScopeRefusal(c) && !slices.Contains(r.Refused, p):
		r.Refused = append(r.Refused, p)
	}
}

// IsScopeRefusal reports a call refused because the token's scope lacks
// the permission it needed (403 insufficient_scope).
func IsScopeRefusal(c Call) bool { return c.Status == 403 && c.Error == EInsufficientScope }

// IsAuthFailure reports a call refused because of its token (revoked or
// superseded), which the "401 bursts after a token change" rule counts; a
// blocked connection's 401 (connection_blocked) is the merchant's doing.
func IsAuthFailure(c Call) bool { return c.Status == 401 && c.Error == EInvalidToken }

// PermissionOf maps a logged call to the permission of the scope grammar it
// needed ("orders.read" for a GET of orders, "orders.write" otherwise), or ""
// for resources behind no permission (the token's own location or account).
func PermissionOf(c Call) string {
	access := "write"
	if c.Method == "GET" || c.Method == "HEAD" {
		access = "read"
	}
	p := c.Resource + "." + access
	if !ValidPermission(p) {
		return ""
	}
	return p
}

// UsedScopes returns the sorted permissions called with a 2xx answer in any
// of rollups: the scopes an app actually used, to compare with what it was
// granted.
func UsedScopes(rollups []RollUp) []string {
	return scopesOf(rollups, func(r RollUp) []string { return r.Used })
}

// RefusedScopes returns the sorted permissions whose calls were refused for
// lack of them (403 insufficient_scope) in any of rollups.
func RefusedScopes(rollups []RollUp) []string {
	return scopesOf(rollups, func(r RollUp) []string { return r.Refused })
}

func scopesOf(rollups []RollUp, of func(RollUp) []string) []string {
	out := []string{}
	for _, r := range rollups {
		for _, p := range of(r) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// HourStart and DayStart are the UTC buckets a call time falls in.
func HourStart(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// DayStart returns the UTC midnight starting t's day.
func DayStart(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// ActivityPoint is one point of the activity chart: a day in the account's
// time zone, or an hour.
type ActivityPoint struct {
	Start time.Time `json:"start"` // in the account's zone
	Date  string    `json:"date,omitempty"`
	Counts
	P50Ms int64 `json:"p50Ms"`
	P95Ms int64 `json:"p95Ms"`
}

// Activity is what the chart shows for one connection.
type Activity struct {
	ConnectionID string          `json:"connectionId"`
	TimeZone     string          `json:"timeZone"`
	Days         []ActivityPoint `json:"days"`  // oldest first, today last
	Hours        []ActivityPoint `json:"hours"` // the last 48 hours, oldest first
	Totals       Counts          `json:"totals"`
	// UsedScopes are the permissions the app called with a 2xx answer in
	// the last 30 days; RefusedScopes those its calls were refused for lack
	// of (403 insufficient_scope).
	UsedScopes    []string `json:"usedScopes"`
	RefusedScopes []string `json:"refusedScopes"`
}

// MaxActivityDays bounds the days an activity request may ask for.
const MaxActivityDays = 90

// LoadZone returns the account's time zone, UTC when unset or unknown (an
// account saved with a zone this binary's tzdata lacks still gets a chart).
func LoadZone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// DaySpan is one calendar day in a zone, as the instants [Start, End).
type DaySpan struct {
	Date       string
	Start, End time.Time
}

// LocalDays returns the n calendar days in loc ending with now's day, oldest
// first. Days of a DST change last 23 or 25 hours.
func LocalDays(now time.Time, loc *time.Location, n int) []DaySpan {
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	out := make([]DaySpan, 0, n)
	for i := n - 1; i >= 0; i-- {
		start := today.AddDate(0, 0, -i)
		out = append(out, DaySpan{Date: start.Format("2006-01-02"), Start: start, End: start.AddDate(0, 0, 1)})
	}
	return out
}

// ActivityPlan is what the activity chart reads: each local day from the
// UTC day roll-up nearest to it, corrected by the hour roll-ups between
// the two days' bounds (the account's offset from UTC, so none in UTC, one
// or two in Paris, at most twelve), instead of every hour of every day.
// Roll-ups are exact sums (see dynamo's roll-up), so a UTC day item is the
// sum of its 24 hour items, and a local day = its UTC day + the hours it
// has that the UTC day lacks − the hours the UTC day has that it lacks.
// The answer is the all-hours chart's (BuildActivity in the tests), from a tenth of the items.
type ActivityPlan struct {
	loc   *time.Location
	now   time.Time
	spans []DaySpan
	// utcDays[i] is the UTC day that day i is computed from.
	utcDays []time.Time
	// FirstDay and LastDay bound the UTC day roll-ups to read (inclusive):
	// the days the chart uses and the last 30 for the scopes used.
	FirstDay, LastDay time.Time
	// FirstHour and LastHour bound the hour roll-ups read as one range:
	// the 48 hours of the hourly chart and the next, which may have
	// started.
	FirstHour, LastHour time.Time
	// Hours are the other hour roll-ups to read, by key: the corrections
	// of the older days. Hours after LastHour have no calls yet.
	Hours []time.Time
}

// UsedScopeDays is how many UTC days of day roll-ups give the scopes used.
const UsedScopeDays = 30

// ceilHour returns the start of the first whole hour at or after t.
func ceilHour(t time.Time) time.Time {
	h := HourStart(t)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}

// hourBounds returns the hours a local day counts, [first, end): those
// starting in it, as the all-hours chart counts them.
func hourBounds(s DaySpan) (time.Time, time.Time) { return ceilHour(s.Start), ceilHour(s.End) }

// PlanActivity says what to read for the chart of days days ending at
// now's day in loc.
func PlanActivity(loc *time.Location, now time.Time, days int) ActivityPlan {
	p := ActivityPlan{loc: loc, now: now, spans: LocalDays(now, loc, days)}
	p.LastHour = HourStart(now.Add(time.Hour - time.Nanosecond))
	p.FirstHour = HourStart(now).Add(-47 * time.Hour)
	p.FirstDay = DayStart(now).AddDate(0, 0, -(UsedScopeDays - 1))
	p.LastDay = DayStart(now.Add(24*time.Hour - time.Nanosecond))
	seen := map[int64]bool{}
	need := func(a, b time.Time) { // the hours between a and b
		from, to := a, b
		if b.Before(a) {
			from, to = b, a
		}
		// The range read holds the later ones; none after it exist yet.
		for h := from; h.Before(to) && h.Before(p.FirstHour); h = h.Add(time.Hour) {
			if !seen[h.Unix()] {
				seen[h.Unix()] = true
				p.Hours = append(p.Hours, h)
			}
		}
	}
	for _, s := range p.spans {
		first, end := hourBounds(s)
		d := DayStart(first.Add(12 * time.Hour)) // the UTC day nearest
		p.utcDays = append(p.utcDays, d)
		if d.Before(p.FirstDay) {
			p.FirstDay = d
		}
		if d.After(p.LastDay) {
			p.LastDay = d
		}
		need(first, d)
		need(end, d.Add(24*time.Hour))
	}
	slices.SortFunc(p.Hours, func(a, b time.Time) int { return a.Compare(b) })
	return p
}

// Build makes the chart from the day roll-ups of [FirstDay, LastDay] and
// the hour roll-ups of [FirstHour, LastHour] and Hours.
func (p ActivityPlan) Build(connectionID string, days, hours []RollUp) Activity {
	a := Activity{ConnectionID: connectionID, TimeZone: p.loc.String(), Days: []ActivityPoint{}, Hours: []ActivityPoint{}}
	byHour := map[int64]RollUp{}
	for _, h := range hours {
		if !h.Start.After(p.LastHour) {
			byHour[h.Start.Unix()] = h
		}
	}
	byDay := map[int64]RollUp{}
	var recent []RollUp
	for _, d := range days {
		byDay[d.Start.Unix()] = d
		if !d.Start.Before(DayStart(p.now).AddDate(0, 0, -(UsedScopeDays-1))) && !d.Start.After(p.LastDay) {
			recent = append(recent, d)
		}
	}
	a.UsedScopes, a.RefusedScopes = UsedScopes(recent), RefusedScopes(recent)
	for i, s := range p.spans {
		pt := ActivityPoint{Start: s.Start, Date: s.Date}
		hist := make([]int64, LatencyBuckets)
		apply := func(r RollUp, sign int64) {
			pt.Counts.addSigned(r.Counts, sign)
			for j := range min(len(hist), len(r.Latency)) {
				hist[j] += sign * r.Latency[j]
			}
		}
		hoursOf := func(from, to time.Time, sign int64) {
			for h := from; h.Before(to); h = h.Add(time.Hour) {
				if r, ok := byHour[h.Unix()]; ok {
					apply(r, sign)
				}
			}
		}
		first, end := hourBounds(s)
		d := p.utcDays[i]
		apply(byDay[d.Unix()], 1)
		if first.Before(d) {
			hoursOf(first, d, 1)
		} else {
			hoursOf(d, first, -1)
		}
		if dayEnd := d.Add(24 * time.Hour); end.After(dayEnd) {
			hoursOf(dayEnd, end, 1)
		} else {
			hoursOf(end, dayEnd, -1)
		}
		pt.P50Ms, pt.P95Ms = Percentile(hist, 0.5), Percentile(hist, 0.95)
		a.Totals.Add(pt.Counts)
		a.Days = append(a.Days, pt)
	}
	last := HourStart(p.now)
	for i := 47; i >= 0; i-- {
		start := last.Add(-time.Duration(i) * time.Hour)
		pt := ActivityPoint{Start: start.In(p.loc)}
		if h, ok := byHour[start.Unix()]; ok {
			pt.Counts = h.Counts
			pt.P50Ms, pt.P95Ms = Percentile(h.Latency, 0.5), Percentile(h.Latency, 0.95)
		}
		a.Hours = append(a.Hours, pt)
	}
	return a
}

// addSigned adds o's counters to c, or takes them away when sign is -1.
func (c *Counts) addSigned(o Counts, sign int64) {
	c.Total += sign * o.Total
	c.S2xx += sign * o.S2xx
	c.S4xx += sign * o.S4xx
	c.S5xx += sign * o.S5xx
	c.S429 += sign * o.S429
	c.S401 += sign * o.S401
	c.AuthFailures += sign * o.AuthFailures
}

func addHist(dst, src []int64) {
	for i := range min(len(dst), len(src)) {
		dst[i] += src[i]
	}
}

// RollUpStore reads the roll-ups the scheduled function writes. Reads never
// touch the call log.
type RollUpStore interface {
	// HourRollUps returns a connection's hour roll-ups whose start is in
	// [from, to), oldest first; expired ones are left out.
	HourRollUps(ctx context.Context, accountID, connectionID string, from, to time.Time) ([]RollUp, error)
	// DayRollUps returns a connection's UTC day roll-ups whose start is in
	// [from, to), oldest first.
	DayRollUps(ctx context.Context, accountID, connectionID string, from, to time.Time) ([]RollUp, error)
	// HourRollUpsAt returns a connection's hour roll-ups that start at
	// the given hours, read by key; hours without calls are left out.
	HourRollUpsAt(ctx context.Context, accountID, connectionID string, starts []time.Time) ([]RollUp, error)
}

// HealthReason names why a connection needs attention.
type HealthReason string

// Reasons of the overview's "needs attention" list.
const (
	ReasonErroring         HealthReason = "erroring"
	ReasonAuthFailures     HealthReason = "auth_failures" // a burst of 401s after the token changed
	ReasonCallbackFailures HealthReason = "callback_failures"
	ReasonNeedsReauth      HealthReason = "needs_reauthorisation"
	ReasonSilent           HealthReason = "silent"
)

// Thresholds of the health rules. They are deliberately simple so that a
// merchant can be told exactly why a connection is listed.
const (
	// ErrorMinCalls and ErrorMinShare: 5xx answers in the last 24 hours,
	// at least this many and this share of the calls.
	ErrorMinCalls = 5
	ErrorMinShare = 0.10
	// AuthBurstMin 401s since a token change less than 24 hours ago.
	AuthBurstMin = 5
	// CallbackFailureMin failed callback deliveries in the last 24 hours.
	CallbackFailureMin = 5
	// A connection is silent after SilentDays without a call if, in the
	// BaselineDays before, it called on at least BaselineActiveDays.
	SilentDays         = 7
	BaselineDays       = 14
	BaselineActiveDays = 12
)

// HealthInput is what the rules look at for one connection, all of it from
// roll-ups, the connection and its app: nothing reads the call log.
type HealthInput struct {
	Connection Connection
	Requested  *Scope // the app's current requested scope; nil when the app is gone
	Last24h    Counts // from hour roll-ups
	// AuthSinceChange counts calls in the hours since the token last
	// changed (TokenChangedAt), when that is less than 24 hours ago.
	AuthSinceChange Counts
	// CallbackFailures24h is the extension point for callback deliveries
	// (the delivery records of the control issue): failed deliveries in the
	// last 24 hours. It stays 0 until those records exist.
	CallbackFailures24h int
	// DailyTotals are the UTC day totals, oldest first, of the last
	// SilentDays+BaselineDays days, today last.
	DailyTotals []int64
}

// NewHealthInput gathers what the health rules need for connection c from
// its hour and day roll-ups. Only the rules' windows count: the hours from
// 23 hours before now's through the next one (the last 24 hours), and the
// SilentDays+BaselineDays UTC days ending today; callers may pass more.
// The overview passes the connection's health summary, the roll-up's
// check its roll-up queries: both answer alike because this is the one
// place that reads the windows.
func NewHealthInput(c Connection, hours, days []RollUp, now time.Time) HealthInput {
	in := HealthInput{Connection: c}
	firstHour, lastHour := HourStart(now).Add(-23*time.Hour), HourStart(now.Add(time.Hour-time.Nanosecond))
	for _, h := range hours {
		if h.Start.Before(firstHour) || h.Start.After(lastHour) {
			continue
		}
		in.Last24h.Add(h.Counts)
		if ch := c.TokenChangedAt; ch != nil && now.Sub(*ch) < 24*time.Hour && !h.Start.Before(HourStart(*ch)) {
			in.AuthSinceChange.Add(h.Counts)
		}
	}
	n := SilentDays + BaselineDays
	first := DayStart(now).AddDate(0, 0, -(n - 1))
	// A connection younger than the rule's window cannot "used to call".
	if c.ConnectedAt.After(first) {
		return in
	}
	in.DailyTotals = make([]int64, n)
	for _, d := range days {
		if i := int(d.Start.Sub(first).Hours() / 24); !d.Start.Before(first) && i < n {
			in.DailyTotals[i] = d.Total
		}
	}
	return in
}

// HealthWindowHours and HealthWindowDays bound what a health summary keeps:
// the hours and UTC days before the time it was built, with one more of each
// than the rules read, so that a summary read a little later (another
// function's clock) still holds every hour and day the rules read then.
// Nothing newer exists unless the roll-up ran since, and that rebuilt it.
const (
	HealthWindowHours = 25
	HealthWindowDays  = SilentDays + BaselineDays + 1
)

// HealthSummary is the part of a connection's roll-ups the health rules
// read, as of the last roll-up that touched the connection: its hours of
// the last day (Counts only) and its day totals of the silent rule's
// window. The roll-up keeps one per connection, so the overview reads one
// listing for the whole account instead of two queries per connection.
type HealthSummary struct {
	ConnectionID string
	Hours        []RollUp // Counts only, no latency or scopes
	Days         []RollUp // Total only
}

// HealthSummaryStore reads the health summaries the roll-up keeps.
type HealthSummaryStore interface {
	// HealthSummaries returns the summaries of an account's connections by
	// connection id, in one listing. complete is false until the account's
	// summaries were built once from the roll-ups (an account whose roll-ups
	// predate the summaries); a connection without a summary then had no
	// call in the window.
	HealthSummaries(ctx context.Context, accountID string) (summaries map[string]HealthSummary, complete bool, err error)
	// BuildHealthSummaries builds the missing summaries of an account's
	// connections from their roll-ups, then marks the account complete.
	// It never replaces a summary the roll-up wrote.
	BuildHealthSummaries(ctx context.Context, accountID string) error
}

// Attention is one entry of "needs attention": which connection, why, and
// what to do about it.
type Attention struct {
	ConnectionID  string       `json:"connectionId"`
	AppID         string       `json:"appId"`
	AppName       string       `json:"appName"`
	LocationID    string       `json:"locationId,omitempty"`
	InstanceLabel string       `json:"instanceLabel,omitempty"`
	Reason        HealthReason `json:"reason"`
	Message       string       `json:"message"`
	Action        string       `json:"action"`     // what to do, for people
	ActionCode    string       `json:"actionCode"` // view_activity, view_logs, reauthorise, contact_app
	MissingScopes []string     `json:"missingScopes,omitempty"`
}

// Assess applies the health rules to one connection. Blocked connections
// are not assessed: the merchant stopped them on purpose.
func Assess(in HealthInput, now time.Time) []Attention {
	c := in.Connection
	if c.Status == ConnectionBlocked {
		return nil
	}
	base := Attention{ConnectionID: c.ID, AppID: c.AppID, AppName: c.AppName, LocationID: c.LocationID, InstanceLabel: c.InstanceLabel}
	var out []Attention
	add := func(reason HealthReason, msg, action, code string) {
		a := base
		a.Reason, a.Message, a.Action, a.ActionCode = reason, msg, action, code
		out = append(out, a)
	}
	if l := in.Last24h; l.S5xx >= ErrorMinCalls && float64(l.S5xx) >= ErrorMinShare*float64(l.Total) {
		add(ReasonErroring, plural(l.S5xx, "server error")+" (5xx) out of "+plural(l.Total, "call")+" in the last 24 hours.",
			"Look at the failing calls in the logs; contact the app's developer if it goes on.", "view_logs")
	}
	if ch := c.TokenChangedAt; ch != nil && now.Sub(*ch) < 24*time.Hour && in.AuthSinceChange.AuthFailures >= AuthBurstMin {
		add(ReasonAuthFailures, plural(in.AuthSinceChange.AuthFailures, "call")+" refused as unauthorised (401) since the token changed "+ch.UTC().Format("2006-01-02 15:04")+" UTC.",
			"The app still uses its old token: ask it to reconnect or to refresh its token.", "contact_app")
	}
	if in.CallbackFailures24h >= CallbackFailureMin {
		add(ReasonCallbackFailures, plural(int64(in.CallbackFailures24h), "callback")+" to the app failed in the last 24 hours.",
			"Check the app's callback URL with its developer.", "contact_app")
	}
	if c.Status == ConnectionRevoked {
		a := base
		a.Reason, a.ActionCode = ReasonNeedsReauth, "reauthorise"
		a.Message = "The app's access token was revoked"
		if c.AccessRevokedAt != nil {
			a.Message += " on " + c.AccessRevokedAt.UTC().Format("2006-01-02 15:04") + " UTC"
		}
		a.Message += ": the app cannot call until it is authorised again."
		a.Action = "Re-authorise the app, or ask its developer to reconnect."
		out = append(out, a)
	} else if missing := MissingScopes(c.Scope, in.Requested); len(missing) > 0 {
		a := base
		a.Reason, a.ActionCode = ReasonNeedsReauth, "reauthorise"
		a.Message = "The app now asks for " + strings.Join(missing, ", ") + ", which this connection was not granted."
		a.Action = "Re-authorise the app to grant the missing permissions."
		a.MissingScopes = missing
		out = append(out, a)
	}
	if Silent(in.DailyTotals) {
		add(ReasonSilent, "No call in the last "+plural(SilentDays, "day")+", although the app used to call every day.",
			"Check that the app still runs, or disconnect it if it is no longer used.", "view_activity")
	}
	return out
}

// MissingScopes returns the permissions of requested that granted lacks,
// sorted; nil when the grant covers the request or either is unreadable.
func MissingScopes(granted string, requested *Scope) []string {
	if requested == nil {
		return nil
	}
	g, err := ParseScope(granted)
	if err != nil {
		return nil
	}
	var missing []string
	for _, p := range requested.Permissions {
		if !slices.Contains(g.Permissions, p) {
			missing = append(missing, p)
		}
	}
	slices.Sort(missing)
	return missing
}

// Silent applies the silent rule to daily totals, oldest first, today last.
func Silent(daily []int64) bool {
	if len(daily) < SilentDays+BaselineDays {
		return false
	}
	recent := daily[len(daily)-SilentDays:]
	baseline := daily[len(daily)-SilentDays-BaselineDays : len(daily)-SilentDays]
	for _, n := range recent {
		if n > 0 {
			return false
		}
	}
	active := 0
	for _, n := range baseline {
		if n > 0 {
			active++
		}
	}
	return active >= BaselineActiveDays
}

func plural(n int64, word string) string {
	s := strconv.FormatInt(n, 10) + " " + word
	if n != 1 {
		s += "s"
	}
	return s
}

// OverviewSection lists the connections in one state.
type OverviewSection struct {
	Count       int          `json:"count"`
	Connections []Connection `json:"connections"`
}

// Overview summarises every connection of an account.
type Overview struct {
	Connected      OverviewSection `json:"connected"`
	Blocked        OverviewSection `json:"blocked"`
	Erroring       OverviewSection `json:"erroring"`
	NeedsReauth    OverviewSection `json:"needsReauthorisation"`
	Silent         OverviewSection `json:"silent"`
	NeedsAttention []Attention     `json:"needsAttention"`
	// NearRateLimit lists the connections that passed RateWarningPercent
	// of a rate-limit window today (UTC), busiest first.
	NearRateLimit []NearRateLimit `json:"nearRateLimit"`
	GeneratedAt   time.Time       `json:"generatedAt"`
}

// Add files a connection and its attention entries under their sections.
func (o *Overview) Add(c Connection, attention []Attention) {
	add := func(s *OverviewSection) {
		s.Count++
		s.Connections = append(s.Connections, c)
	}
	if c.Status == ConnectionBlocked {
		add(&o.Blocked)
	} else {
		add(&o.Connected)
	}
	seen := map[*OverviewSection]bool{}
	for _, a := range attention {
		var s *OverviewSection
		switch a.Reason {
		case ReasonErroring, ReasonAuthFailures, ReasonCallbackFailures:
			s = &o.Erroring
		case ReasonNeedsReauth:
			s = &o.NeedsReauth
		case ReasonSilent:
			s = &o.Silent
		}
		if s != nil && !seen[s] {
			seen[s] = true
			add(s)
		}
	}
	o.NeedsAttention = append(o.NeedsAttention, attention...)
}

// NewOverview returns an empty overview whose lists marshal as [].
func NewOverview(now time.Time) Overview {
	o := Overview{NeedsAttention: []Attention{}, NearRateLimit: []NearRateLimit{}, GeneratedAt: now}
	for _, s := range []*OverviewSection{&o.Connected, &o.Blocked, &o.Erroring, &o.NeedsReauth, &o.Silent} {
		s.Connections = []Connection{}
	}
	return o
}

// IsErroring reports whether attention holds an erroring reason: the state
// whose start the roll-up function records in the app log.
func IsErroring(attention []Attention) (Attention, bool) {
	for _, a := range attention {
		if a.Reason == ReasonErroring || a.Reason == ReasonAuthFailures || a.Reason == ReasonCallbackFailures {
			return a, true
		}
	}
	return Attention{}, false
}

// ConnectionRef names a connection across accounts.
type ConnectionRef struct {
	AccountID    string `json:"accountId"`
	ConnectionID string `json:"connectionId"`
}

// RollUpReport says what one run of the roll-up function did.
type RollUpReport struct {
	Minutes int       `json:"minutes"` // feed minutes closed by this run
	Entries int       `json:"entries"` // feed entries read
	Updates int       `json:"updates"` // roll-up items written (or found already written)
	Next    time.Time `json:"next"`    // the first minute the next run reads
	// Failing are the connections with new 5xx or auth-failure 401 answers in this run:
	// the only ones that can have entered the erroring state.
	Failing []ConnectionRef `json:"failing"`
	// RateWarnings counts the calls read that passed 80 % of a rate-limit
	// window (each one's EventRateLimit is recorded by the run).
	RateWarnings int `json:"rateWarnings"`
}

// HealthState is what the roll-up function remembers of a connection, so
// that entering the erroring state is written to the app log once, even if
// the function stops between the two writes.
type HealthState struct {
	Erroring  bool      `json:"erroring"`
	EnteredAt time.Time `json:"enteredAt"` // when the current erroring episode was first seen
	CheckedAt time.Time `json:"checkedAt"` // the last check that found it erroring
	// EventPending is set with Erroring and cleared once the app-log event
	// (whose id and time derive from EnteredAt) is written.
	EventPending bool   `json:"eventPending"`
	Reason       string `json:"reason,omitempty"`
}

// ErroringEpisodeGap ends an erroring episode: a connection not seen
// erroring for this long starts a new one (and a new event) when it fails
// again.
const ErroringEpisodeGap = 24 * time.Hour
