package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/digest"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestDemoPagesAgree seeds the demo as `make run` does and reads it back
// through the routes the site calls: the overview's "N server errors out
// of M calls in the last 24 hours", the activity chart's hours and each
// logged day (demo.LoggedDays), the logs listing (all, and status 5xx as "View failing calls"
// opens it), the rate-limit panel's use of the day and the connection's
// last activity must all tell the same story, and the scheduled roll-up
// must find work on the fresh seed.
func TestDemoPagesAgree(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	ctx := context.Background()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket))
	if _, err := demo.SeedActivity(ctx, store, time.Now()); err != nil {
		t.Fatal(err)
	}
	// `make invoke FN=RollUpCallsFunction` right after start: the function
	// as Lambda builds it finds the seed's last calls.
	rep, err := api.RollUpCallsFunction(env)(ctx, events.CloudWatchEvent{})
	if err != nil || rep.Entries == 0 {
		t.Fatalf("roll-up on the fresh seed: %+v, %v; want entries to roll up", rep, err)
	}

	// `make invoke FN=SendHourlyDigestsFunction` right after start: the
	// seeded rule has SpeedyDrop's erroring event, recorded by the seed's
	// roll-up in an hour already closed, to send.
	if digests, err := digest.SendHourlyDigestsFunction(env)(ctx, events.CloudWatchEvent{Time: time.Now()}); err != nil || digests.Events == 0 || digests.Sent == 0 {
		t.Errorf("hourly digest on the fresh seed: %+v, %v; want an event sent", digests, err)
	}

	overview := decode[switchboard.Overview](t, owner.call(t, api.GetOverviewFunction(env), http.MethodGet, "/admin/v1/overview", nil, nil))
	dayStart := overview.GeneratedAt.Truncate(time.Hour).Add(-23 * time.Hour) // the overview's 24 hours
	erroring := 0
	for _, a := range overview.NeedsAttention {
		if a.Reason != switchboard.ReasonErroring {
			continue
		}
		erroring++
		m := regexp.MustCompile(`^([\d,]+) server errors? \(5xx\) out of ([\d,]+) calls? in the last 24 hours`).FindStringSubmatch(a.Message)
		if m == nil {
			t.Fatalf("erroring message %q", a.Message)
		}
		failing, total := atoi(t, m[1]), atoi(t, m[2])
		if got := countLogs(t, env, owner, a.ConnectionID, "status=5xx&from="+rfc3339(dayStart)); got != failing {
			t.Errorf("%s: overview says %d server errors in 24 hours, View failing calls lists %d", a.ConnectionID, failing, got)
		}
		if got := countLogs(t, env, owner, a.ConnectionID, "from="+rfc3339(dayStart)); got != total {
			t.Errorf("%s: overview says %d calls in 24 hours, the logs list %d", a.ConnectionID, total, got)
		}
	}
	if erroring != 1 {
		t.Errorf("%d erroring connections in the overview, want SpeedyDrop's", erroring)
	}

	for _, c := range demo.Connections {
		params := map[string]string{"connectionId": c.ID}
		activity := decode[switchboard.Activity](t, owner.call(t, api.GetConnectionActivityFunction(env), http.MethodGet,
			"/admin/v1/connections/"+c.ID+"/activity?days=30", params, nil))
		// Every day of the daily chart the seed logs (its last
		// demo.LoggedDays, the account's days) totals its log entries, and
		// its server errors are what View failing calls lists for it.
		if len(activity.Days) != 30 || demo.LoggedDays < 3 || demo.LoggedDays > len(activity.Days) {
			t.Fatalf("%s: %d chart days, %d logged", c.ID, len(activity.Days), demo.LoggedDays)
		}
		firstLogged := len(activity.Days) - demo.LoggedDays
		for i, d := range activity.Days[firstLogged:] {
			window := "from=" + rfc3339(d.Start)
			if i := firstLogged + i + 1; i < len(activity.Days) {
				window += "&to=" + rfc3339(activity.Days[i].Start)
			}
			if d.Total == 0 && i < demo.LoggedDays-1 {
				t.Errorf("%s: no calls on %s in the chart", c.ID, d.Start)
			}
			if got := countLogs(t, env, owner, c.ID, window); int64(got) != d.Total {
				t.Errorf("%s: the daily chart counts %d calls on %s, the logs list %d", c.ID, d.Total, d.Start, got)
			}
			if got := countLogs(t, env, owner, c.ID, "status=5xx&"+window); int64(got) != d.S5xx {
				t.Errorf("%s: the daily chart counts %d server errors on %s, View failing calls lists %d", c.ID, d.S5xx, d.Start, got)
			}
		}

		// The hourly chart (48 hours) and the daily chart's today and
		// yesterday are logged in full.
		var hours, days switchboard.Counts
		for _, p := range activity.Hours {
			hours.Add(p.Counts)
		}
		recent := activity.Days[len(activity.Days)-2:]
		for _, p := range recent {
			days.Add(p.Counts)
		}
		for _, w := range []struct {
			name   string
			from   time.Time
			counts switchboard.Counts
		}{{"hourly chart", activity.Hours[0].Start, hours}, {"daily chart's today and yesterday", recent[0].Start, days}} {
			if w.counts.Total == 0 {
				t.Errorf("%s: %s is empty", c.ID, w.name)
			}
			if got := countLogs(t, env, owner, c.ID, "from="+rfc3339(w.from)); int64(got) != w.counts.Total {
				t.Errorf("%s: the %s counts %d calls since %s, the logs list %d", c.ID, w.name, w.counts.Total, w.from, got)
			}
			if got := countLogs(t, env, owner, c.ID, "status=5xx&from="+rfc3339(w.from)); int64(got) != w.counts.S5xx {
				t.Errorf("%s: the %s counts %d server errors since %s, View failing calls lists %d", c.ID, w.name, w.counts.S5xx, w.from, got)
			}
		}

		// The rate-limit panel's "used" of each current window (the day's
		// above all) is that window's calls as the door counted them: the
		// logs of the window. Its start is read from the panel's reset
		// time, so a window that turns during the test still compares.
		rates := decode[api.ConnectionRateLimits](t, owner.call(t, api.GetConnectionRateLimitsFunction(env), http.MethodGet,
			"/admin/v1/connections/"+c.ID+"/rate_limits", params, nil))
		lengths := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
		seen := 0
		for _, w := range rates.Windows {
			length, ok := lengths[w.Window]
			if !ok {
				t.Errorf("%s: unknown window %q", c.ID, w.Window)
				continue
			}
			seen++
			from := w.ResetAt.Add(-length)
			got := countLogs(t, env, owner, c.ID, "from="+rfc3339(from)+"&to="+rfc3339(w.ResetAt))
			if w.Used != got {
				t.Errorf("%s: the rate-limit panel says %d calls used this %s (since %s), the logs list %d", c.ID, w.Used, w.Window, from, got)
			}
			// The day's calls are there but in its first minutes (the
			// seed's last calls are minutes old): else the test proves nothing.
			if w.Window == "day" && got == 0 && time.Since(from) > time.Hour {
				t.Errorf("%s: no call logged today since %s", c.ID, from)
			}
			if w.PeakToday < w.Used {
				t.Errorf("%s: today's %s peak %d is below its use now %d", c.ID, w.Window, w.PeakToday, w.Used)
			}
		}
		if seen != len(lengths) {
			t.Errorf("%s: %d windows in %+v", c.ID, seen, rates)
		}

		// Last activity is the newest entry's time.
		conn := decode[switchboard.Connection](t, owner.call(t, api.GetConnectionFunction(env), http.MethodGet, "/admin/v1/connections/"+c.ID, params, nil))
		page := decode[api.LogPage](t, owner.call(t, api.ListConnectionLogsFunction(env), http.MethodGet, "/admin/v1/connections/"+c.ID+"/logs?limit=1", params, nil))
		if len(page.Calls) != 1 || conn.LastUsedAt == nil || !conn.LastUsedAt.Equal(page.Calls[0].At) {
			t.Errorf("%s: last activity %v, newest entry %+v", c.ID, conn.LastUsedAt, page.Calls)
			continue
		}

		// Bodies are there, credentials redacted as the door does, for
		// the newest call and for one of the oldest logged day, archived
		// by the seed.
		first := activity.Days[firstLogged].Start
		oldest := decode[api.LogPage](t, owner.call(t, api.ListConnectionLogsFunction(env), http.MethodGet,
			"/admin/v1/connections/"+c.ID+"/logs?limit=1&from="+rfc3339(first)+"&to="+rfc3339(activity.Days[firstLogged+1].Start), params, nil))
		if len(oldest.Calls) != 1 {
			t.Errorf("%s: no call logged on %s", c.ID, first)
		}
		for _, call := range append(page.Calls, oldest.Calls...) {
			entryParams := map[string]string{"connectionId": c.ID, "requestId": call.RequestID}
			entry := decode[api.LogEntry](t, owner.call(t, api.GetConnectionLogFunction(env), http.MethodGet,
				"/admin/v1/connections/"+c.ID+"/logs/"+url.PathEscape(call.RequestID), entryParams, nil))
			if !entry.BodiesAvailable || entry.Request.Headers["authorization"] != "[redacted]" || entry.Response.Status != call.Status {
				t.Errorf("%s %s: bodies %+v", c.ID, call.RequestID, entry)
			}
		}
	}
}

// countLogs counts the entries a logs listing with query returns, page by
// page as the site reads them.
func countLogs(t *testing.T, env *platform.Env, s signedIn, connectionID, query string) int {
	t.Helper()
	params := map[string]string{"connectionId": connectionID}
	n, cursor := 0, ""
	for range 100 {
		path := "/admin/v1/connections/" + connectionID + "/logs?limit=100&" + query
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		page := decode[api.LogPage](t, s.call(t, api.ListConnectionLogsFunction(env), http.MethodGet, path, params, nil))
		n += len(page.Calls)
		if cursor = page.NextCursor; cursor == "" {
			return n
		}
	}
	t.Fatalf("%s %s: more than 100 pages", connectionID, query)
	return n
}

func rfc3339(t time.Time) string { return url.QueryEscape(t.UTC().Format(time.RFC3339)) }

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		t.Fatal(fmt.Errorf("number %q: %w", s, err))
	}
	return n
}
