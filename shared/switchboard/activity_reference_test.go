package switchboard

import (
	"slices"
	"time"
)

// BuildActivity is the chart as the activity route built it before
// PlanActivity: from every hour roll-up of the chart. It stays as the
// reference the plan is checked against (TestActivityPlanMatchesHourlyBuild).
//
// BuildActivity zero-fills the chart from hour roll-ups. Each UTC hour is
// given to the local day its start falls in: exact for zones a whole number
// of hours from UTC; in half- or quarter-hour zones (India, Nepal, parts of
// Australia) a "day" runs from 00:30 (or 00:15/00:45) to the same time the next
// day, because hour roll-ups cannot be split. days30 are the day roll-ups of
// the last 30 days, for the scopes used.
func BuildActivity(connectionID string, loc *time.Location, now time.Time, days int, hours []RollUp, days30 []RollUp) Activity {
	a := Activity{ConnectionID: connectionID, TimeZone: loc.String(), Days: []ActivityPoint{}, Hours: []ActivityPoint{}, UsedScopes: UsedScopes(days30), RefusedScopes: RefusedScopes(days30)}
	spans := LocalDays(now, loc, days)
	hists := make([][]int64, len(spans))
	for i, s := range spans {
		a.Days = append(a.Days, ActivityPoint{Start: s.Start, Date: s.Date})
		hists[i] = make([]int64, LatencyBuckets)
	}
	byHour := map[int64]RollUp{}
	for _, h := range hours {
		byHour[h.Start.Unix()] = h
		i, ok := slices.BinarySearchFunc(spans, h.Start, func(s DaySpan, t time.Time) int {
			switch {
			case !t.Before(s.End):
				return -1
			case t.Before(s.Start):
				return 1
			}
			return 0
		})
		if !ok {
			continue
		}
		a.Days[i].Add(h.Counts)
		a.Totals.Add(h.Counts)
		addHist(hists[i], h.Latency)
	}
	for i := range a.Days {
		a.Days[i].P50Ms, a.Days[i].P95Ms = Percentile(hists[i], 0.5), Percentile(hists[i], 0.95)
	}
	last := HourStart(now)
	for i := 47; i >= 0; i-- {
		start := last.Add(-time.Duration(i) * time.Hour)
		p := ActivityPoint{Start: start.In(loc)}
		if h, ok := byHour[start.Unix()]; ok {
			p.Counts = h.Counts
			p.P50Ms, p.P95Ms = Percentile(h.Latency, 0.5), Percentile(h.Latency, 0.95)
		}
		a.Hours = append(a.Hours, p)
	}
	return a
}
