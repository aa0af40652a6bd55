package switchboard

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// RateLimit is one window of a connection's allowance: at most Max calls
// in each fixed, UTC-aligned window of length Window.
type RateLimit struct {
	Window time.Duration
	Max    int
}

// DefaultRateLimits are HubRise's: 500 a minute, 2,500 an hour, 10,000 a day.
var DefaultRateLimits = []RateLimit{{time.Minute, 500}, {time.Hour, 2500}, {24 * time.Hour, 10000}}

// RateWarningPercent is the share of a window's limit past which a
// connection is "near its limit": the overview lists it, the app log
// records it (EventRateLimit) and "rate limit" rules send a digest.
const RateWarningPercent = 80

// RatePeakDays is how many UTC days (today included) a window's peak
// covers.
const RatePeakDays = 7

// WarningThreshold is the count at which a window reaches
// RateWarningPercent of max: the one call whose count equals it is the
// call that passed the threshold, since each count is given out once.
func WarningThreshold(max int) int {
	return (max*RateWarningPercent + 99) / 100
}

// WindowName names a window the way the API and the site do.
func WindowName(d time.Duration) string {
	switch d {
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	}
	return d.String()
}

// RateWindowCount is what the door's counter holds of one window: the
// window it last counted in, its count, and, per UTC day, the highest final
// count of the windows that turned over that day (Peaks, day number since
// 1970 → count). The window in progress is not in Peaks yet.
type RateWindowCount struct {
	Window time.Duration
	Start  time.Time
	Count  int
	Peaks  map[int64]int
}

// RateUsage is one window's use as the merchant and the app see it.
type RateUsage struct {
	Window    string    `json:"window"`    // minute, hour or day
	Limit     int       `json:"limit"`     // calls allowed per window
	Used      int       `json:"used"`      // calls counted in the current window
	Remaining int       `json:"remaining"` // Limit - Used, never below zero
	ResetAt   time.Time `json:"resetAt"`   // when the current window ends
	// PeakToday and Peak7Days are the highest count of any window of this
	// length that started today (UTC) or in the RatePeakDays UTC days up
	// to today, the current window included.
	PeakToday int `json:"peakToday"`
	Peak7Days int `json:"peak7Days"`
}

// Near reports whether the window passed RateWarningPercent of its limit
// today.
func (u RateUsage) Near() bool { return u.PeakToday >= WarningThreshold(u.Limit) }

// DayNumber is t's UTC day counted from 1970-01-01.
func DayNumber(t time.Time) int64 { return t.Unix() / 86400 }

// Usage combines the limits with what the counter holds (counts[i] is
// limits[i]'s window; a missing count is an unused window) at now.
func Usage(limits []RateLimit, counts []RateWindowCount, now time.Time) []RateUsage {
	today := DayNumber(now)
	out := make([]RateUsage, len(limits))
	for i, l := range limits {
		start := now.Truncate(l.Window)
		u := RateUsage{Window: WindowName(l.Window), Limit: l.Max, ResetAt: start.Add(l.Window).UTC()}
		if i < len(counts) {
			c := counts[i]
			if c.Start.Equal(start) {
				u.Used = c.Count
			}
			peak := func(day int64, n int) {
				if day == today {
					u.PeakToday = max(u.PeakToday, n)
				}
				if day > today-RatePeakDays && day <= today {
					u.Peak7Days = max(u.Peak7Days, n)
				}
			}
			for day, n := range c.Peaks {
				peak(day, n)
			}
			if !c.Start.IsZero() {
				peak(DayNumber(c.Start), c.Count)
			}
		}
		u.Remaining = max(0, l.Max-u.Used)
		out[i] = u
	}
	return out
}

// RateCounter reads what the door's rate counter holds of a key's windows
// (the door counts under "rate:" + the connection id).
type RateCounter interface {
	// RateWindowCounts returns one RateWindowCount per window, zero
	// for a key never counted.
	RateWindowCounts(ctx context.Context, key string, windows []time.Duration) ([]RateWindowCount, error)
	// RateWindowCountsMany is RateWindowCounts for many keys in few
	// reads (the overview's), by key.
	RateWindowCountsMany(ctx context.Context, keys []string, windows []time.Duration) (map[string][]RateWindowCount, error)
}

// RateKey is the door's counter key of a connection.
func RateKey(connectionID string) string { return "rate:" + connectionID }

// RateWarning is a call that passed RateWarningPercent of one of its
// connection's windows (see WarningThreshold): the roll-up turns it into
// an EventRateLimit, at most one per connection, window and UTC hour.
type RateWarning struct {
	AccountID    string
	ConnectionID string
	Window       string // minute, hour or day
	At           time.Time
}

// NearRateLimit is a connection the overview lists for passing
// RateWarningPercent of a window today: its windows that did.
type NearRateLimit struct {
	ConnectionID  string      `json:"connectionId"`
	AppID         string      `json:"appId"`
	AppName       string      `json:"appName"`
	InstanceLabel string      `json:"instanceLabel,omitempty"`
	LocationID    string      `json:"locationId,omitempty"`
	Windows       []RateUsage `json:"windows"`
}

// NearLimits picks the connections whose counts passed the warning
// threshold of a window today, the highest share first. counts is by
// RateKey of the connection.
func NearLimits(conns []Connection, limits []RateLimit, counts map[string][]RateWindowCount, now time.Time) []NearRateLimit {
	out := []NearRateLimit{}
	share := map[string]float64{}
	for _, c := range conns {
		var near []RateUsage
		for _, u := range Usage(limits, counts[RateKey(c.ID)], now) {
			if u.Near() {
				near = append(near, u)
				share[c.ID] = max(share[c.ID], float64(u.PeakToday)/float64(u.Limit))
			}
		}
		if len(near) > 0 {
			out = append(out, NearRateLimit{ConnectionID: c.ID, AppID: c.AppID, AppName: c.AppName, InstanceLabel: c.InstanceLabel,
				LocationID: c.LocationID, Windows: near})
		}
	}
	slices.SortStableFunc(out, func(a, b NearRateLimit) int {
		return cmp.Or(cmp.Compare(share[b.ConnectionID], share[a.ConnectionID]), cmp.Compare(a.ConnectionID, b.ConnectionID))
	})
	return out
}
