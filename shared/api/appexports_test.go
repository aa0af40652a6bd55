package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// mustLogAppCalls records n calls of appID, alternating between the demo
// account's Bastille and the other account's location, with a call of
// another app between them, through the door's write path; bodies for two
// calls in three, the older half's archived to S3; then closes their
// minutes with the roll-up so the app's index lists them. It returns the
// app's calls by request id.
func mustLogAppCalls(tb *testing.T, env *platform.Env, appID string, n int) map[string]switchboard.Call {
	tb.Helper()
	ctx := context.Background()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	archive := store.WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket))
	now := time.Now().UTC().Truncate(time.Second)
	out := map[string]switchboard.Call{}
	for i := range n + 1 {
		account, location, app := demo.Account.ID, "loc-bastille", appID
		if i%2 == 1 {
			account, location = "acc-other", "loc-other"
		}
		if i == n {
			app = "orderline-pos" // another app's call: never in this app's export
		}
		at := now.Add(-30*time.Minute + time.Duration(i)*time.Minute) // within the first roll-up's reach
		c := switchboard.Call{RequestID: fmt.Sprintf("req_appexp_%s_%03d", appID, i), AccountID: account, ConnectionID: "con_appexp_" + account,
			AppID: app, LocationID: location, At: at, LoggedAt: at.Add(time.Second), Resource: "orders", Method: http.MethodPost,
			Path: "/v1/locations/" + location + "/orders", Status: http.StatusCreated, LatencyMs: int64(3 + i), RequestBytes: 20, ResponseBytes: 12}
		if i%5 == 2 {
			c.Status, c.Error, c.Query = http.StatusForbidden, "insufficient_scope", "=1+1"
		}
		if i%3 != 0 {
			c.BodiesArchived = true
			mustDo(tb, "bodies", store.KeepBodies(ctx, c, switchboard.CallBodies{
				Request:  switchboard.ArchivedBody{Method: c.Method, Path: c.Path, Body: fmt.Sprintf(`{"n":%d}`, i)},
				Response: switchboard.ArchivedBody{Status: c.Status, Body: `{"ok":true}`}}))
		}
		mustDo(tb, "call", store.RecordCall(ctx, c))
		if c.BodiesArchived && i < n/2 {
			if _, err := archive.ArchiveBodies(ctx, c.LoggedAt.Truncate(time.Minute)); err != nil {
				tb.Fatal(err)
			}
		}
		if app == appID {
			out[c.RequestID] = c
		}
	}
	if _, err := store.WithClock(func() time.Time { return now.Add(5 * time.Minute) }).RollUp(ctx, 1000); err != nil {
		tb.Fatal(err)
	}
	return out
}

// mustListAppCalls pages the developer's listing route to its end.
func mustListAppCalls(t *testing.T, env *platform.Env, s signedIn, appID string) []api.AppCall {
	t.Helper()
	var out []api.AppCall
	for cursor := ""; ; {
		req := s.get("/admin/v1/developer/apps/" + appID + "/calls")
		req.PathParameters = map[string]string{"appId": appID}
		req.QueryStringParameters = map[string]string{"limit": "7"}
		if cursor != "" {
			req.QueryStringParameters["cursor"] = cursor
		}
		resp, err := api.ListAppCallsFunction(env)(context.Background(), req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("list app calls: %d %v %s", resp.StatusCode, err, resp.Body)
		}
		page := mustDecode[api.AppCallPage](t, resp)
		out = append(out, page.Calls...)
		if cursor = page.NextCursor; cursor == "" {
			return out
		}
	}
}

func appExportsCall(t *testing.T, env *platform.Env, s signedIn, method, appID, body string) apigw.Response {
	t.Helper()
	h := api.ListAppExportsFunction(env)
	var b any
	if method == http.MethodPost {
		h, b = api.CreateAppExportFunction(env), json.RawMessage(body)
	}
	return s.call(t, h, method, "/admin/v1/developer/apps/"+appID+"/exports", map[string]string{"appId": appID}, b)
}

// TestAppExportRoundTrip: the app's developer exports its calls across the
// two accounts that connected it; the scheduled writer's parts hold, row
// for row, the entries the developer's listing gives (account id and
// location name, no connection), with the bodies each call's own account
// kept, as ndjson and as guarded CSV. The merchant whose calls they are
// and the developer of another app get 404 on both routes, as on the
// listing.
func TestAppExportRoundTrip(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	member := mustSignIn(t, env, "member@demo.test")
	other := mustOtherAccountAdmin(t, env)
	app := mustRegisterApp(t, env, owner, posApp(nil))
	otherApp := mustRegisterApp(t, env, other, posApp(map[string]any{"name": "Other POS"}))
	calls := mustLogAppCalls(t, env, app.ClientID, 21)
	listed := mustListAppCalls(t, env, owner, app.ClientID)
	if len(listed) != len(calls) {
		t.Fatalf("the listing holds %d calls, want %d", len(listed), len(calls))
	}
	if accounts := map[string]bool{}; func() bool {
		for _, c := range listed {
			accounts[c.AccountID+"/"+c.LocationName] = true
		}
		return len(accounts) != 2 || !accounts["acc-other/Other Bistro"] || !accounts[demo.Account.ID+"/"+demo.Locations[0].Name]
	}() {
		t.Fatalf("the listing does not span the two accounts with their location names: %v", accounts)
	}
	archive := dynamo.New(env.DynamoDB(), env.Config.TableName).WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket))
	var want []api.AppExportLine
	for _, c := range listed {
		line := api.AppExportLine{AppCall: c, BodiesUnavailable: "not_archived"}
		if c.BodiesArchived {
			req, err := archive.GetBody(context.Background(), calls[c.RequestID], switchboard.RequestBody)
			mustDo(t, "request body", err)
			resp, err := archive.GetBody(context.Background(), calls[c.RequestID], switchboard.ResponseBody)
			mustDo(t, "response body", err)
			line.Request, line.Response, line.BodiesUnavailable = &req, &resp, ""
		}
		want = append(want, line)
	}

	now := time.Now().UTC()
	body := func(format string) string { return exportBody(now.Add(-3*time.Hour), now.Add(time.Hour), format, true) }
	for _, format := range []string{"ndjson", "csv"} {
		t.Run(format, func(t *testing.T) {
			resp := appExportsCall(t, env, member, http.MethodPost, app.ClientID, body(format))
			mustStatus(t, "POST", resp, http.StatusAccepted)
			queued := mustDecode[api.ExportView](t, resp)
			if queued.Source != (switchboard.ExportSource{Kind: switchboard.ExportAppCalls, ID: app.ClientID}) || queued.AccountID != demo.Account.ID {
				t.Fatalf("queued %+v", queued)
			}
			if n, err := testWriter(env, 8).RunPending(context.Background()); err != nil || n != 3 {
				t.Fatalf("run wrote %d parts (%v), want 3 of 8, 8 and 5 entries", n, err)
			}
			list := appExportsCall(t, env, owner, http.MethodGet, app.ClientID, "")
			mustStatus(t, "GET", list, http.StatusOK)
			exports := mustDecode[api.ExportList](t, list).Exports
			i := slices.IndexFunc(exports, func(e api.ExportView) bool { return e.ID == queued.ID })
			if i < 0 || exports[i].State != switchboard.ExportDone || exports[i].Entries != len(listed) || len(exports[i].Parts) != 3 {
				t.Fatalf("exports %+v", exports)
			}
			var data []byte
			var rows [][]string
			for _, p := range exports[i].Parts {
				b := downloadPart(t, p)
				data = append(data, b...)
				if format == "csv" {
					r, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
					if err != nil || len(r)-1 != p.Entries {
						t.Fatalf("part %d: %d rows, %v; want %d after a header", p.Number, len(r)-1, err, p.Entries)
					}
					if diff := cmp.Diff(append(append([]string{}, api.AppExportCSVHeader...), api.ExportCSVBodyHeader...), r[0]); diff != "" {
						t.Errorf("header (-want +got):\n%s", diff)
					}
					rows = append(rows, r[1:]...)
				}
			}
			if strings.Contains(string(data), "con_appexp_") || strings.Contains(string(data), "connection") {
				t.Errorf("the developer's export names a connection")
			}
			if format == "csv" {
				if len(rows) != len(want) {
					t.Fatalf("%d rows, want %d", len(rows), len(want))
				}
				for i, w := range want {
					query := w.Query
					if query != "" {
						query = "'" + query // guarded as the merchant's export is
					}
					got := rows[i]
					wantRow := []string{w.At.UTC().Format(time.RFC3339Nano), w.RequestID, w.AccountID, w.LocationName, w.Resource, w.Method, w.Path, query}
					if diff := cmp.Diff(wantRow, got[:8]); diff != "" {
						t.Errorf("row %d (-want +got):\n%s", i, diff)
					}
					if w.Request != nil && got[15] != w.Request.Body || got[19] != w.BodiesUnavailable {
						t.Errorf("row %d bodies %q / %q, want %+v", i, got[15], got[19], w)
					}
				}
				return
			}
			var lines []api.AppExportLine
			for _, raw := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
				var l api.AppExportLine
				if err := json.Unmarshal(raw, &l); err != nil {
					t.Fatalf("line %q: %v", raw, err)
				}
				lines = append(lines, l)
			}
			if diff := cmp.Diff(want, lines); diff != "" {
				t.Errorf("the export's lines are not the developer's listing (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("not the developer", func(t *testing.T) {
		// acc-other is a merchant of the app (its calls are in the export)
		// and the developer of another app: neither makes it this app's.
		mustStatus(t, "merchant starts", appExportsCall(t, env, other, http.MethodPost, app.ClientID, body("csv")), http.StatusNotFound)
		mustStatus(t, "merchant lists", appExportsCall(t, env, other, http.MethodGet, app.ClientID, ""), http.StatusNotFound)
		mustStatus(t, "its own app lists", appExportsCall(t, env, other, http.MethodGet, otherApp.ClientID, ""), http.StatusOK)
		mustStatus(t, "the other developer's app", appExportsCall(t, env, owner, http.MethodPost, otherApp.ClientID, body("csv")), http.StatusNotFound)
		mustStatus(t, "an unknown app", appExportsCall(t, env, owner, http.MethodGet, "app_nosuch", ""), http.StatusNotFound)
		// The merchant's own exports do not list the developer's jobs.
		jobs, err := dynamo.New(env.DynamoDB(), env.Config.TableName).ListExports(context.Background(), "acc-other",
			switchboard.ExportSource{Kind: switchboard.ExportAppCalls, ID: app.ClientID})
		if err != nil || len(jobs) != 0 {
			t.Errorf("the merchant's account holds %d of the developer's jobs (%v)", len(jobs), err)
		}
	})
}
