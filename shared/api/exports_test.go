package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
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

// mustExportConnection creates a connection of the demo account for an
// export test.
func mustExportConnection(tb testing.TB, env *platform.Env, id string) {
	tb.Helper()
	now := time.Now().UTC()
	err := dynamo.New(env.DynamoDB(), env.Config.TableName).CreateConnection(context.Background(), switchboard.Connection{ID: id,
		AccountID: demo.Account.ID, LocationID: "loc-bastille", AppID: "orderline-pos", AppName: "OrderLine POS", InstanceLabel: id,
		Level: switchboard.LevelLocation, Scope: "location[orders.read,orders.write]", Status: switchboard.ConnectionActive,
		ConnectedBy: "usr-owner", ConnectedAt: now.Add(-48 * time.Hour), UpdatedAt: now.Add(-48 * time.Hour), TokenHash: "h-" + id})
	if err != nil {
		tb.Fatal(err)
	}
}

// exportCall is the i-th call of an export test's log: one in three
// without bodies, the others with bodies whose text a spreadsheet would
// run as a formula every fifth time.
func exportCall(connectionID string, i int, at time.Time) (switchboard.Call, *switchboard.CallBodies) {
	c := switchboard.Call{RequestID: fmt.Sprintf("req_%s_%05d", connectionID, i), AccountID: demo.Account.ID, ConnectionID: connectionID,
		At: at, Resource: "orders", Method: http.MethodPost, Path: "/v1/locations/loc-bastille/orders", Status: http.StatusCreated,
		LatencyMs: int64(5 + i%40), RequestBytes: 60, ResponseBytes: 30, LoggedAt: at.Add(time.Second)}
	if i%7 == 3 {
		c.Status, c.Error, c.Query = http.StatusForbidden, "insufficient_scope", "-2+3"
	}
	if i%3 == 0 {
		return c, nil
	}
	note := fmt.Sprintf("order %d", i)
	if i%5 == 0 {
		note = "=HYPERLINK(\"http://evil.example\")"
	}
	c.BodiesArchived = true
	return c, &switchboard.CallBodies{
		Request:  switchboard.ArchivedBody{Method: c.Method, Path: c.Path, Headers: map[string]string{"authorization": "[redacted]"}, Body: `{"note":"` + strings.ReplaceAll(note, `"`, `\"`) + `"}`},
		Response: switchboard.ArchivedBody{Status: c.Status, Headers: map[string]string{"content-type": "application/json"}, Body: fmt.Sprintf(`{"id":"ord_%d"}`, i)},
	}
}

// mustLogExportCalls records n calls, one a minute back from an hour ago,
// through the write path the /v1 door uses (KeepBodies, then RecordCall),
// several at a time; the minutes of every other call are archived to S3 as
// the roll-up does for the newer half, the older half's bodies are read
// from their feed items. It returns the
// calls newest first, as the log lists them.
func mustLogExportCalls(tb testing.TB, env *platform.Env, connectionID string, n int) []switchboard.Call {
	tb.Helper()
	ctx := context.Background()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	archive := store.WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket))
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	calls := make([]switchboard.Call, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		c, bodies := exportCall(connectionID, i, start.Add(-time.Duration(i)*time.Second*7))
		calls[i] = c
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if bodies != nil {
				if err := store.KeepBodies(ctx, c, *bodies); err != nil {
					errs <- err
					return
				}
			}
			errs <- store.RecordCall(ctx, c)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	archived := map[time.Time]bool{}
	for i, c := range calls {
		m := c.LoggedAt.Truncate(time.Minute)
		if i < n/2 && c.BodiesArchived && !archived[m] {
			archived[m] = true
			if _, err := archive.ArchiveBodies(ctx, m); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return calls
}

func exportPost(s signedIn, connectionID, body string) apigw.Request {
	req := s.get(logsPath(connectionID, "exports"))
	req.RequestContext.HTTP.Method = http.MethodPost
	req.Headers = map[string]string{"content-type": "application/json", "x-csrf-token": s.csrf, "host": "localhost"}
	req.Body = body
	req.PathParameters = map[string]string{"connectionId": connectionID}
	return req
}

func exportBody(from, to time.Time, format string, bodies bool) string {
	return fmt.Sprintf(`{"from":%q,"to":%q,"format":%q,"bodies":%t}`, from.Format(time.RFC3339), to.Format(time.RFC3339), format, bodies)
}

// testWriter is the production writer with small parts.
func testWriter(env *platform.Env, partEntries int) *api.ExportWriter {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	w := api.NewExportWriter(store, s3store.New(env.S3(), env.Config.ArchiveBucket), s3store.NewExports(env.S3(), env.Config.ArchiveBucket), env.Logger)
	w.PartEntries = partEntries
	return w
}

func mustListExports(t *testing.T, env *platform.Env, s signedIn, connectionID string) []api.ExportView {
	t.Helper()
	req := s.get(logsPath(connectionID, "exports"))
	req.PathParameters = map[string]string{"connectionId": connectionID}
	resp, err := api.ListConnectionExportsFunction(env)(context.Background(), req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list exports: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	return mustDecode[api.ExportList](t, resp).Exports
}

// downloadPart GETs a part's presigned URL as a browser would.
func downloadPart(t *testing.T, part api.ExportPartView) []byte {
	t.Helper()
	resp, err := http.Get(part.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("download part %d: %d %v %s", part.Number, resp.StatusCode, err, b)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+part.Filename+`"` {
		t.Errorf("part %d Content-Disposition %q, want the filename %q", part.Number, cd, part.Filename)
	}
	return b
}

// wantLine is the ndjson line the log's entry must give: the call as the
// logs API shows it, its bodies read through the same archive.
func wantLines(t *testing.T, env *platform.Env, calls []switchboard.Call) []api.ExportLine {
	t.Helper()
	archive := dynamo.New(env.DynamoDB(), env.Config.TableName).WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket))
	var out []api.ExportLine
	for _, c := range calls {
		line := api.ExportLine{Call: c}
		if !c.BodiesArchived {
			line.BodiesUnavailable = "not_archived"
		} else {
			req, err := archive.GetBody(context.Background(), c, switchboard.RequestBody)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := archive.GetBody(context.Background(), c, switchboard.ResponseBody)
			if err != nil {
				t.Fatal(err)
			}
			line.Request, line.Response = &req, &resp
		}
		line.LoggedAt = time.Time{} // not part of the API
		out = append(out, line)
	}
	return out
}

func readNDJSON(t *testing.T, data []byte) []api.ExportLine {
	t.Helper()
	var out []api.ExportLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l api.ExportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// TestConnectionExportRoundTrip: an export asked through the route, worked
// by the scheduled function's writer, listed with links whose downloads
// hold exactly the log's entries in its order, in complete parts: ndjson
// with bodies, and CSV with every cell guarded.
func TestConnectionExportRoundTrip(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	const conn = "con_export000000000000001"
	mustExportConnection(t, env, conn)
	calls := mustLogExportCalls(t, env, conn, 45)
	// The log as its API pages it, newest first: what the export must hold.
	var logged []switchboard.Call
	for cursor := ""; ; {
		page, err := dynamo.New(env.DynamoDB(), env.Config.TableName).ListCalls(context.Background(), demo.Account.ID, conn, switchboard.CallFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		logged = append(logged, page.Calls...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(logged) != len(calls) {
		t.Fatalf("the log holds %d calls, want %d", len(logged), len(calls))
	}
	now := time.Now().UTC()
	from, to := now.Add(-3*time.Hour), now.Add(time.Hour) // to is cut to now
	for _, format := range []string{"ndjson", "csv"} {
		t.Run(format, func(t *testing.T) {
			resp, err := api.CreateConnectionExportFunction(env)(context.Background(), exportPost(member, conn, exportBody(from, to, format, true)))
			if err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("POST: %d %v %s", resp.StatusCode, err, resp.Body)
			}
			queued := mustDecode[api.ExportView](t, resp)
			if queued.State != switchboard.ExportQueued || queued.To.After(time.Now()) || len(queued.Parts) != 0 {
				t.Errorf("queued export %+v", queued)
			}
			n, err := testWriter(env, 20).RunPending(context.Background())
			if err != nil || n != 3 {
				t.Fatalf("run wrote %d parts (%v), want 3 of 20, 20 and 5 entries", n, err)
			}
			var got api.ExportView
			for _, e := range mustListExports(t, env, member, conn) {
				if e.ID == queued.ID {
					got = e
				}
			}
			if got.State != switchboard.ExportDone || got.Entries != len(calls) || len(got.Parts) != 3 || got.ExpiresAt.Sub(got.CreatedAt) > 7*24*time.Hour || got.ExpiresAt.Sub(got.CreatedAt) <= 7*24*time.Hour-time.Second {
				t.Fatalf("export %+v", got)
			}
			if got.Format == "csv" {
				var rows [][]string
				for _, p := range got.Parts {
					r, err := csv.NewReader(bytes.NewReader(downloadPart(t, p))).ReadAll()
					if err != nil {
						t.Fatalf("part %d is not a complete CSV file: %v", p.Number, err)
					}
					if len(r)-1 != p.Entries || r[0][0] != "at" || r[0][len(r[0])-1] != "bodies_unavailable" {
						t.Errorf("part %d: %d rows, header %v; want %d entries after a header", p.Number, len(r)-1, r[0], p.Entries)
					}
					rows = append(rows, r[1:]...)
				}
				for i, c := range logged {
					row := rows[i]
					if row[1] != c.RequestID || row[0] != c.At.UTC().Format(time.RFC3339Nano) || row[5] != c.Path {
						t.Errorf("row %d %v, want call %+v", i, row[:6], c)
					}
					if c.Query != "" && row[6] != "'"+c.Query {
						t.Errorf("row %d query %q: a cell starting with - must be guarded", i, row[6])
					}
					if strings.Contains(row[14], "HYPERLINK") != strings.Contains(row[14], `"=HYPERLINK`) {
						t.Errorf("row %d body %q", i, row[14])
					}
				}
				return
			}
			var lines []api.ExportLine
			for _, p := range got.Parts {
				part := readNDJSON(t, downloadPart(t, p))
				if len(part) != p.Entries {
					t.Errorf("part %d holds %d lines, says %d", p.Number, len(part), p.Entries)
				}
				lines = append(lines, part...)
			}
			if diff := cmp.Diff(wantLines(t, env, logged), lines); diff != "" {
				t.Errorf("the export's lines are not the log (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExportCSVCellsGuarded: every cell a spreadsheet would run as a
// formula is prefixed with a quote, as the app-log export's are.
func TestExportCSVCellsGuarded(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	const conn = "con_exportcsv00000000001"
	mustExportConnection(t, env, conn)
	ctx := context.Background()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	at := time.Now().UTC().Add(-10 * time.Minute)
	c := switchboard.Call{RequestID: "req_csv_formula", AccountID: demo.Account.ID, ConnectionID: conn, At: at, LoggedAt: at,
		Resource: "orders", Method: "POST", Path: "/v1/orders", Query: "@SUM(1)", Status: 201, BodiesArchived: true}
	mustDo(t, "bodies", store.KeepBodies(ctx, c, switchboard.CallBodies{
		Request:  switchboard.ArchivedBody{Body: "=1+1"},
		Response: switchboard.ArchivedBody{Status: 201, Body: "+cmd|' /C calc'!A0"}}))
	mustDo(t, "call", store.RecordCall(ctx, c))
	resp, err := api.CreateConnectionExportFunction(env)(ctx, exportPost(owner, conn, exportBody(at.Add(-time.Minute), at.Add(time.Minute), "csv", true)))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	if _, err := testWriter(env, 100).RunPending(ctx); err != nil {
		t.Fatal(err)
	}
	exports := mustListExports(t, env, owner, conn)
	rows, err := csv.NewReader(bytes.NewReader(downloadPart(t, exports[0].Parts[0]))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %v %v", rows, err)
	}
	for col, want := range map[int]string{6: "'@SUM(1)", 14: "'=1+1", 17: "'+cmd|' /C calc'!A0"} {
		if rows[1][col] != want {
			t.Errorf("column %s: %q, want %q", rows[0][col], rows[1][col], want)
		}
	}
}

// TestConnectionExportValidation: bad requests are JSON errors with a
// stable code and a message naming the problem, never a 5xx; another
// account's or an unknown connection is a 404.
func TestConnectionExportValidation(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	const conn = "con_exportval00000000001"
	mustExportConnection(t, env, conn)
	now := time.Now().UTC()
	tests := []struct {
		name, conn, body string
		status           int
		code, message    string
	}{
		{"a to in the future is cut to now", conn, exportBody(now.Add(-89*24*time.Hour), now.Add(2*24*time.Hour+time.Hour), "csv", false), http.StatusAccepted, "", ""},
		{"91 days", conn, exportBody(now.Add(-95*24*time.Hour), now.Add(-3*24*time.Hour), "csv", false), http.StatusBadRequest, "invalid", "at most 90 days"},
		{"before the retention", conn, exportBody(now.Add(-100*24*time.Hour), now.Add(-30*24*time.Hour), "csv", false), http.StatusBadRequest, "invalid", "retention of 90 days"},
		{"from after to", conn, exportBody(now.Add(-time.Hour), now.Add(-2*time.Hour), "ndjson", false), http.StatusBadRequest, "invalid", "from must be before to"},
		{"from equals to", conn, exportBody(now.Add(-time.Hour), now.Add(-time.Hour), "ndjson", false), http.StatusBadRequest, "invalid", "from must be before to"},
		{"from in the future", conn, exportBody(now.Add(time.Hour), now.Add(2*time.Hour), "ndjson", false), http.StatusBadRequest, "invalid", "from must be before to"},
		{"unknown format", conn, exportBody(now.Add(-time.Hour), now, "xlsx", false), http.StatusBadRequest, "invalid", "format must be ndjson or csv"},
		{"no from", conn, `{"to":"2026-11-24T10:00:00Z","format":"csv"}`, http.StatusBadRequest, "invalid", "from and to are required"},
		{"malformed time", conn, `{"from":"yesterday","to":"2026-11-24T10:00:00Z","format":"csv"}`, http.StatusBadRequest, "invalid", "from must be an RFC 3339 time"},
		{"unknown field", conn, `{"from":"2026-11-24T10:00:00Z","to":"2026-11-24T11:00:00Z","format":"csv","filter":"x"}`, http.StatusBadRequest, "invalid", "unknown field"},
		{"bodies not a boolean", conn, `{"from":"2026-11-24T10:00:00Z","to":"2026-11-24T11:00:00Z","format":"csv","bodies":"yes"}`, http.StatusBadRequest, "invalid", "wrong type"},
		{"unknown connection", "con_nothere", exportBody(now.Add(-time.Hour), now, "csv", false), http.StatusNotFound, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := api.CreateConnectionExportFunction(env)(context.Background(), exportPost(member, tt.conn, tt.body))
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("%d %v %s, want %d", resp.StatusCode, err, resp.Body, tt.status)
			}
			if tt.code == "" {
				return
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Error.Code != tt.code || !strings.Contains(e.Error.Message, tt.message) {
				t.Errorf("body %s, want code %q and a message saying %q", resp.Body, tt.code, tt.message)
			}
		})
	}
	t.Run("at most three unfinished", func(t *testing.T) {
		const busy = "con_exportbusy0000000001"
		mustExportConnection(t, env, busy)
		for i := range 4 {
			resp, err := api.CreateConnectionExportFunction(env)(context.Background(), exportPost(member, busy, exportBody(now.Add(-time.Hour), now, "csv", false)))
			want := http.StatusAccepted
			if i == 3 {
				want = http.StatusConflict
			}
			if err != nil || resp.StatusCode != want {
				t.Errorf("export %d: %d %v %s, want %d", i+1, resp.StatusCode, err, resp.Body, want)
			}
		}
	})
}

// TestDisconnectedConnectionExport: a disconnected connection's log stays
// exportable while it is kept, as it stays readable.
func TestDisconnectedConnectionExport(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	const conn = "con_exportgone0000000001"
	mustExportConnection(t, env, conn)
	calls := mustLogExportCalls(t, env, conn, 3)
	disconnect := owner.get(logsPath(conn))
	disconnect.RequestContext.HTTP.Method = http.MethodDelete
	disconnect.Headers = map[string]string{"x-csrf-token": owner.csrf, "host": "localhost"}
	disconnect.PathParameters = map[string]string{"connectionId": conn}
	if resp, err := api.DisconnectConnectionFunction(env)(context.Background(), disconnect); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("disconnect: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	now := time.Now().UTC()
	resp, err := api.CreateConnectionExportFunction(env)(context.Background(), exportPost(owner, conn, exportBody(now.Add(-2*time.Hour), now, "ndjson", false)))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	if _, err := testWriter(env, 100).RunPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	exports := mustListExports(t, env, owner, conn)
	if len(exports) != 1 || exports[0].State != switchboard.ExportDone || exports[0].Entries != len(calls) {
		t.Fatalf("exports %+v", exports)
	}
}

// flakyFiles lets the first `ok` puts through to S3, then fails once: a
// run that dies after writing a part but before its checkpoint (afterPut),
// or while writing it.
type flakyFiles struct {
	switchboard.ExportFiles
	mu       sync.Mutex
	ok       int
	afterPut bool
	always   bool // every put after the first ok fails
	puts     int
}

var errCrash = errors.New("the run died here")

func (f *flakyFiles) PutPart(ctx context.Context, key, contentType, filename string, body []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts++
	if f.puts <= f.ok || (f.puts > f.ok+1 && !f.always) {
		return f.ExportFiles.PutPart(ctx, key, contentType, filename, body)
	}
	if f.afterPut {
		if err := f.ExportFiles.PutPart(ctx, key, contentType, filename, body); err != nil {
			return err
		}
	}
	return errCrash
}

// TestExportResumesAfterCrash: a run that dies mid-export leaves the job
// at its last checkpoint; the next run goes on from there and the export
// holds every entry once, whether the run died before or after writing
// the part it was on. A job another run holds is left alone.
func TestExportResumesAfterCrash(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	for i, afterPut := range []bool{false, true} {
		t.Run(fmt.Sprintf("died after the put: %t", afterPut), func(t *testing.T) {
			conn := fmt.Sprintf("con_exportcrash000000000%d", i)
			mustExportConnection(t, env, conn)
			mustLogExportCalls(t, env, conn, 25)
			now := time.Now().UTC()
			resp, err := api.CreateConnectionExportFunction(env)(context.Background(), exportPost(owner, conn, exportBody(now.Add(-3*time.Hour), now, "ndjson", false)))
			if err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("POST: %d %v %s", resp.StatusCode, err, resp.Body)
			}
			w := testWriter(env, 10)
			w.Files = &flakyFiles{ExportFiles: w.Files, ok: 1, afterPut: afterPut}
			if n, err := w.RunPending(context.Background()); err != nil || n != 1 {
				t.Fatalf("first run: %d parts, %v; want 1 then the crash", n, err)
			}
			mid := mustListExports(t, env, owner, conn)[0]
			if mid.State != switchboard.ExportRunning || mid.Entries != 10 || len(mid.Parts) != 1 {
				t.Fatalf("after the crash: %+v", mid)
			}
			// Another run holding the lease keeps this one off the job.
			held := testWriter(env, 10)
			held.Now = func() time.Time { return time.Now().Add(-time.Hour) }
			if n, _ := held.RunPending(context.Background()); n != 0 {
				t.Errorf("a run wrote %d parts of a job whose lease it did not hold", n)
			}
			if n, err := testWriter(env, 10).RunPending(context.Background()); err != nil || n != 2 {
				t.Fatalf("second run: %d parts, %v; want 2", n, err)
			}
			done := mustListExports(t, env, owner, conn)[0]
			if done.State != switchboard.ExportDone || done.Entries != 25 || len(done.Parts) != 3 {
				t.Fatalf("done: %+v", done)
			}
			seen := map[string]bool{}
			for _, p := range done.Parts {
				for _, l := range readNDJSON(t, downloadPart(t, p)) {
					if seen[l.RequestID] {
						t.Errorf("%s exported twice", l.RequestID)
					}
					seen[l.RequestID] = true
				}
			}
			if len(seen) != 25 {
				t.Errorf("%d entries exported, want 25", len(seen))
			}
		})
	}
	t.Run("fails after the attempts", func(t *testing.T) {
		const conn = "con_exportfail0000000001"
		mustExportConnection(t, env, conn)
		mustLogExportCalls(t, env, conn, 2)
		now := time.Now().UTC()
		if resp, err := api.CreateConnectionExportFunction(env)(context.Background(), exportPost(owner, conn, exportBody(now.Add(-3*time.Hour), now, "csv", false))); err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST: %d %v %s", resp.StatusCode, err, resp.Body)
		}
		w := testWriter(env, 10)
		w.Files = &flakyFiles{ExportFiles: w.Files, always: true} // every put fails
		for range switchboard.MaxExportAttempts {
			_, _ = w.RunPending(context.Background())
		}
		got := mustListExports(t, env, owner, conn)[0]
		if got.State != switchboard.ExportFailed || got.Error == "" || strings.Contains(got.Error, errCrash.Error()) {
			t.Errorf("after %d failed runs: %+v", switchboard.MaxExportAttempts, got)
		}
	})
}

// RunExportsFunction's IAM case: a queued export with bodies over calls
// whose bodies are in the archive and in the feed, and a developer's
// export of an app's calls (the app's index, the accounts' locations).
var _ = func() bool {
	scheduledCases["RunExportsFunction"] = scheduledCase{
		seed: func(t *testing.T, w scheduledWorld) {
			mustSeedDemo(t, w.env)
			mustExportConnection(t, w.env, "con_iamexport")
			mustLogExportCalls(t, w.env, "con_iamexport", 20) // the older calls' bodies are in the feed (GetItem)
			now := time.Now().UTC()
			mustDo(t, "export", w.store.CreateExport(context.Background(), switchboard.Export{ID: switchboard.NewExportID(now), AccountID: demo.Account.ID,
				Source: switchboard.ExportSource{Kind: switchboard.ExportConnectionLog, ID: "con_iamexport"}, From: now.Add(-3 * time.Hour), To: now,
				Format: switchboard.ExportCSV, Bodies: true, State: switchboard.ExportQueued, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(switchboard.ExportLifetime), Version: 1}))
			mustLogAppCalls(t, w.env, "app-iamexport", 4)
			mustDo(t, "app export", w.store.CreateExport(context.Background(), switchboard.Export{ID: switchboard.NewExportID(now.Add(time.Millisecond)), AccountID: demo.Account.ID,
				Source: switchboard.ExportSource{Kind: switchboard.ExportAppCalls, ID: "app-iamexport"}, From: now.Add(-3 * time.Hour), To: now,
				Format: switchboard.ExportNDJSON, Bodies: true, State: switchboard.ExportQueued, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(switchboard.ExportLifetime), Version: 1}))
		},
		check: func(t *testing.T, w scheduledWorld, out []byte) {
			wantDone(t, out, 2)
			apps, err := w.store.ListExports(context.Background(), demo.Account.ID, switchboard.ExportSource{Kind: switchboard.ExportAppCalls, ID: "app-iamexport"})
			if err != nil || len(apps) != 1 || apps[0].State != switchboard.ExportDone || apps[0].Entries != 4 {
				t.Errorf("app exports %+v %v", apps, err)
			}
			exports, err := w.store.ListExports(context.Background(), demo.Account.ID, switchboard.ExportSource{Kind: switchboard.ExportConnectionLog, ID: "con_iamexport"})
			if err != nil || len(exports) != 1 || exports[0].State != switchboard.ExportDone || exports[0].Entries != 20 {
				t.Errorf("exports %+v %v", exports, err)
			}
		},
	}
	return true
}()
