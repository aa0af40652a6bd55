package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

const logsConnection = "con_logs0000000000000001"

// loggedCalls is what a connection's log holds in these tests.
type loggedCalls struct {
	calls  []switchboard.Call // oldest first
	bodies map[string][2]switchboard.ArchivedBody
}

// mustLogCalls creates a connection of the demo account and records calls
// on it through the stores the /v1 wrapper uses, with their bodies.
func mustLogCalls(t *testing.T, env *platform.Env) loggedCalls {
	t.Helper()
	ctx := context.Background()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	now := time.Now().UTC().Truncate(time.Second)
	err := store.CreateConnection(ctx, switchboard.Connection{ID: logsConnection, AccountID: demo.Account.ID, LocationID: "loc-bastille",
		AppID: "orderline-pos", AppName: "OrderLine POS", Level: switchboard.LevelLocation, Scope: "location[orders.read,orders.write]",
		Status: switchboard.ConnectionActive, ConnectedBy: "usr-owner", ConnectedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour), TokenHash: "h", TokenLast4: "Q7xz"})
	if err != nil {
		t.Fatal(err)
	}
	specs := []struct {
		resource, method string
		status           int
		archived         bool
		reqBody          string
	}{
		{"orders", "GET", 200, true, ""},
		{"orders", "POST", 201, true, `{"items":[{"sku":"margherita","qty":2}],"note":"<script>alert(1)</script>"}`},
		{"customers", "GET", 404, true, ""},
		{"orders", "PATCH", 429, true, "not json at all"},
		{"catalog", "GET", 500, false, ""},
	}
	logged := loggedCalls{bodies: map[string][2]switchboard.ArchivedBody{}}
	for i, sp := range specs {
		c := switchboard.Call{RequestID: "req_" + strings.Repeat(string(rune('a'+i)), 8), AccountID: demo.Account.ID, ConnectionID: logsConnection,
			At: now.Add(time.Duration(i-len(specs)) * time.Minute), Resource: sp.resource, Method: sp.method,
			Path: "/v1/locations/loc-bastille/" + sp.resource, Status: sp.status, LatencyMs: int64(10 + i),
			RequestBytes: len(sp.reqBody), ResponseBytes: 20, BodiesArchived: sp.archived,
			LoggedAt: now.Add(time.Duration(i-len(specs))*time.Minute + time.Second)}
		req := switchboard.ArchivedBody{Method: c.Method, Path: c.Path, Headers: map[string]string{"x-access-token": "[redacted]"}, Body: sp.reqBody}
		if sp.reqBody == "not json at all" {
			req.Headers["Content-Type"] = "text/csv; charset=utf-8" // as sent: downloads keep it
		}
		resp := switchboard.ArchivedBody{Status: c.Status, Headers: map[string]string{"content-type": "application/json"}, Body: `{"id":"` + c.RequestID + `","ok":true}`}
		if sp.archived {
			if err := store.KeepBodies(ctx, c, switchboard.CallBodies{Request: req, Response: resp}); err != nil {
				t.Fatal(err)
			}
			logged.bodies[c.RequestID] = [2]switchboard.ArchivedBody{req, resp}
		}
		if err := store.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		logged.calls = append(logged.calls, c)
	}
	// The first two calls' minutes are archived to S3 as the roll-up does;
	// the others are read from their feed items.
	archive := store.WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket))
	for _, c := range logged.calls[:2] {
		if _, err := archive.ArchiveBodies(ctx, c.LoggedAt); err != nil {
			t.Fatal(err)
		}
	}
	return logged
}

func logsPath(parts ...string) string {
	return "/admin/v1/connections/" + strings.Join(parts, "/")
}

func logParams(connectionID, requestID string) map[string]string {
	p := map[string]string{"connectionId": connectionID}
	if requestID != "" {
		p["requestId"] = requestID
	}
	return p
}

func mustDecode[T any](t *testing.T, resp apigw.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return v
}

func requestIDs(calls []switchboard.Call) []string {
	ids := []string{}
	for _, c := range calls {
		ids = append(ids, c.RequestID)
	}
	return ids
}

func TestConnectionLogsList(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test") // any role reads logs
	logged := mustLogCalls(t, env)
	h := api.ListConnectionLogsFunction(env)
	c := logged.calls
	at := func(i int) string { return url.QueryEscape(c[i].At.Format(time.RFC3339)) }

	resp := member.call(t, h, http.MethodGet, logsPath(logsConnection, "logs"), logParams(logsConnection, ""), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, resp.Body)
	}
	page := mustDecode[api.LogPage](t, resp)
	// The scope grants neither catalogs nor customers: the demo account's
	// catalog and customer list are out of its reach.
	wantHeader := api.LogHeader{ConnectionID: logsConnection, AppID: "orderline-pos", AppName: "OrderLine POS", Token: "sbt_••••Q7xz",
		Scope: "location[orders.read,orders.write]", AccountID: demo.Account.ID, LocationID: "loc-bastille", Status: switchboard.ConnectionActive,
		CatalogIDs: []string{}, CustomerListIDs: []string{}}
	if diff := cmp.Diff(wantHeader, page.Connection); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	newestFirst := []switchboard.Call{c[4], c[3], c[2], c[1], c[0]}
	if diff := cmp.Diff(newestFirst, page.Calls, notInAPI); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if page.NextCursor != "" {
		t.Errorf("one page holds every call, yet nextCursor = %q", page.NextCursor)
	}

	tests := []struct {
		query      string
		wantStatus int
		wantIDs    []string
	}{
		{"resource=orders", 200, requestIDs([]switchboard.Call{c[3], c[1], c[0]})},
		{"resource=orders&method=GET", 200, requestIDs([]switchboard.Call{c[0]})},
		{"status=2xx", 200, requestIDs([]switchboard.Call{c[1], c[0]})},
		{"status=4xx&resource=orders", 200, requestIDs([]switchboard.Call{c[3]})},
		{"status=5xx", 200, requestIDs([]switchboard.Call{c[4]})},
		{"status=404", 200, requestIDs([]switchboard.Call{c[2]})},
		{"from=" + at(1) + "&to=" + at(3), 200, requestIDs([]switchboard.Call{c[2], c[1]})},
		{"from=" + at(3), 200, requestIDs([]switchboard.Call{c[4], c[3]})},
		// Several values of a filter, comma-separated as API Gateway joins
		// a repeated parameter: any of them.
		{"resource=orders,customers&method=GET", 200, requestIDs([]switchboard.Call{c[2], c[0]})},
		{"method=POST,PATCH", 200, requestIDs([]switchboard.Call{c[3], c[1]})},
		{"status=4xx,5xx", 200, requestIDs([]switchboard.Call{c[4], c[3], c[2]})},
		{"status=2xx,404&resource=orders,customers", 200, requestIDs([]switchboard.Call{c[2], c[1], c[0]})},
		{"status=429,404", 200, requestIDs([]switchboard.Call{c[3], c[2]})},
		{"method=GET,,GET,", 200, requestIDs([]switchboard.Call{c[4], c[2], c[0]})},
		{"method=GET,get", 400, nil},
		{"resource=orders,a,b,c,d,e,f,g,h,i,j", 400, nil},
		{"status=4xx,7xx", 400, nil},
		{"from=yesterday", 400, nil},
		{"to=2026-13-01T00:00:00Z", 400, nil},
		{"from=" + at(3) + "&to=" + at(1), 400, nil},
		{"status=3x", 400, nil},
		{"status=600", 400, nil},
		{"method=get", 400, nil},
		{"limit=0", 400, nil},
		{"limit=101", 400, nil},
		{"limit=two", 400, nil},
		{"cursor=garbage", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := member.call(t, h, http.MethodGet, logsPath(logsConnection, "logs")+"?"+tt.query, logParams(logsConnection, ""), nil)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if tt.wantStatus != 200 {
				if code := mustDecode[struct{ Error struct{ Code string } }](t, resp).Error.Code; code != "invalid" {
					t.Errorf("error code %q, want invalid", code)
				}
				return
			}
			if got := requestIDs(mustDecode[api.LogPage](t, resp).Calls); !cmp.Equal(got, tt.wantIDs) {
				t.Errorf("calls %v, want %v", got, tt.wantIDs)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var got []string
		cursor := ""
		for range 10 {
			q := url.Values{"limit": {"2"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			resp := member.call(t, h, http.MethodGet, logsPath(logsConnection, "logs")+"?"+q.Encode(), logParams(logsConnection, ""), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("page: %d %s", resp.StatusCode, resp.Body)
			}
			page := mustDecode[api.LogPage](t, resp)
			if len(page.Calls) > 2 {
				t.Fatalf("page of %d calls for limit=2", len(page.Calls))
			}
			got = append(got, requestIDs(page.Calls)...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if want := requestIDs(newestFirst); !cmp.Equal(got, want) {
			t.Errorf("paged calls %v, want %v", got, want)
		}
	})
}

func TestConnectionLogEntry(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	logged := mustLogCalls(t, env)
	h := api.GetConnectionLogFunction(env)
	get := func(requestID string) api.LogEntry {
		t.Helper()
		resp := member.call(t, h, http.MethodGet, logsPath(logsConnection, "logs", requestID), logParams(logsConnection, requestID), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("entry %s: %d %s", requestID, resp.StatusCode, resp.Body)
		}
		return mustDecode[api.LogEntry](t, resp)
	}

	posted := logged.calls[1]
	entry := get(posted.RequestID)
	if diff := cmp.Diff(posted, entry.Call, notInAPI); diff != "" {
		t.Errorf("call (-want +got):\n%s", diff)
	}
	wantReq := "{\n  \"items\": [\n    {\n      \"sku\": \"margherita\",\n      \"qty\": 2\n    }\n  ],\n  \"note\": \"<script>alert(1)</script>\"\n}"
	if !entry.BodiesAvailable || entry.BodiesUnavailable != "" || entry.Request == nil || entry.Response == nil {
		t.Fatalf("archived bodies missing: %+v", entry)
	}
	if entry.Request.Body != wantReq || !entry.Request.IsJSON || entry.Request.Method != "POST" || entry.Request.Headers["x-access-token"] != "[redacted]" {
		t.Errorf("request %+v, want pretty-printed JSON %q", entry.Request, wantReq)
	}
	if !entry.Response.IsJSON || entry.Response.Status != 201 || !strings.Contains(entry.Response.Body, "\n  \"ok\": true") {
		t.Errorf("response %+v", entry.Response)
	}

	text := get(logged.calls[3].RequestID)
	if text.Request == nil || text.Request.Body != "not json at all" || text.Request.IsJSON {
		t.Errorf("a text body is shown as it was sent: %+v", text.Request)
	}
	empty := get(logged.calls[0].RequestID)
	if empty.Request == nil || empty.Request.Body != "" || empty.Request.IsJSON {
		t.Errorf("an empty body stays empty: %+v", empty.Request)
	}

	missing := get(logged.calls[4].RequestID)
	if missing.BodiesAvailable || missing.BodiesUnavailable != "not_archived" || missing.Request != nil || missing.Response != nil {
		t.Errorf("bodies not archived: %+v, want them marked unavailable", missing)
	}
	if diff := cmp.Diff(logged.calls[4], missing.Call, notInAPI); diff != "" {
		t.Errorf("call without bodies (-want +got):\n%s", diff)
	}

	resp := member.call(t, h, http.MethodGet, logsPath(logsConnection, "logs", "req_nosuch"), logParams(logsConnection, "req_nosuch"), nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown request id: %d %s", resp.StatusCode, resp.Body)
	}
}

// notInAPI leaves out of a comparison what the API does not show of a call.
var notInAPI = cmpopts.IgnoreFields(switchboard.Call{}, "LoggedAt")

// download asks the route for a body, as the site's download button does.
func download(t *testing.T, s signedIn, h apigw.LambdaHandler, requestID string, kind switchboard.BodyKind) apigw.Response {
	t.Helper()
	path := logsPath(logsConnection, "logs", requestID, string(kind))
	return s.call(t, h, http.MethodGet, path, logParams(logsConnection, requestID), nil)
}

// TestConnectionLogDownloads: each side of a call downloads as a JSON file
// attachment named <requestId>-<kind>.json, served by the route itself
// (bodies are archived many to an S3 object, which a presigned URL cannot
// slice), whether the body is still in the roll-up feed or already in its
// S3 batch; bodies not archived or gone are a 404 JSON answer saying why.
func TestConnectionLogDownloads(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	logged := mustLogCalls(t, env)
	h := api.DownloadLogBodyFunction(env)
	for _, c := range logged.calls[:4] {
		for i, kind := range []switchboard.BodyKind{switchboard.RequestBody, switchboard.ResponseBody} {
			t.Run(c.RequestID+"/"+string(kind), func(t *testing.T) {
				resp := download(t, member, h, c.RequestID, kind)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("download: %d %s, want 200", resp.StatusCode, resp.Body)
				}
				// The body itself: JSON pretty-printed as .json, anything
				// else as archived with its own content type.
				archived := logged.bodies[c.RequestID][i]
				wantType, wantExt, wantBody := "text/plain; charset=utf-8", "txt", archived.Body
				var indented bytes.Buffer
				if json.Indent(&indented, []byte(archived.Body), "", "  ") == nil {
					wantType, wantExt, wantBody = "application/json; charset=utf-8", "json", indented.String()
				} else if ct := archived.Headers["Content-Type"]; ct != "" {
					wantType, wantExt = ct, "csv"
				}
				if resp.Headers["Cache-Control"] != "no-store" || resp.Headers["Content-Type"] != wantType {
					t.Errorf("headers %v, want Content-Type %q", resp.Headers, wantType)
				}
				if cd := resp.Headers["Content-Disposition"]; cd != `attachment; filename="`+c.RequestID+"-"+string(kind)+"."+wantExt+`"` {
					t.Errorf("Content-Disposition %q, want an attachment .%s", cd, wantExt)
				}
				if resp.Body != wantBody {
					t.Errorf("downloaded %s:\n%s\nwant the body itself:\n%s", kind, resp.Body, wantBody)
				}
				if strings.Contains(resp.Body, `"headers"`) {
					t.Errorf("the download is wrapped with its headers: %s", resp.Body)
				}
			})
		}
	}
	t.Run("not archived", func(t *testing.T) {
		for _, kind := range []switchboard.BodyKind{switchboard.RequestBody, switchboard.ResponseBody} {
			wantBodyGone(t, download(t, member, h, logged.calls[4].RequestID, kind), "not archived")
		}
	})
	t.Run("expired", func(t *testing.T) {
		// The lifecycle rule deletes batch objects and TTL the feed items:
		// delete the S3 batch of the first call's minute (its feed item
		// goes too, as TTL would remove it by then).
		expired := logged.calls[0]
		ctx := context.Background()
		out, err := env.S3().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(env.Config.ArchiveBucket),
			Prefix: aws.String("bodies/" + expired.AccountID + "/")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 2 {
			t.Fatalf("%d batch objects under the account's prefix, want one per archived minute (2)", len(out.Contents))
		}
		minute := expired.LoggedAt.UTC().Format("2006/01/02/1504")
		deleted := 0
		for _, o := range out.Contents {
			if strings.Contains(*o.Key, minute) {
				if _, err := env.S3().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(env.Config.ArchiveBucket), Key: o.Key}); err != nil {
					t.Fatal(err)
				}
				deleted++
			}
		}
		if deleted != 1 {
			t.Fatalf("deleted %d batches of %s, want 1", deleted, minute)
		}
		if _, err := env.DynamoDB().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(env.Config.TableName), Key: dynamo.FeedItemKey(expired)}); err != nil {
			t.Fatal(err)
		}
		wantBodyGone(t, download(t, member, h, expired.RequestID, switchboard.ResponseBody), "expired")
		// Another minute's batch still downloads.
		if resp := download(t, member, h, logged.calls[1].RequestID, switchboard.RequestBody); resp.StatusCode != http.StatusOK {
			t.Errorf("a body of another minute: %d %s", resp.StatusCode, resp.Body)
		}
	})
}

// wantBodyGone checks a download of a body that is not there is answered
// by the API as a 404 not_found JSON error whose message says why, not as
// a file.
func wantBodyGone(t *testing.T, resp apigw.Response, why string) {
	t.Helper()
	if resp.StatusCode != http.StatusNotFound || resp.Headers["Content-Disposition"] != "" {
		t.Fatalf("download of a missing body: %d %v %s, want a 404 JSON answer", resp.StatusCode, resp.Headers, resp.Body)
	}
	e := mustDecode[struct {
		Error struct{ Code, Message string }
	}](t, resp).Error
	if e.Code != "not_found" || !strings.Contains(e.Message, why) {
		t.Errorf("error %+v, want not_found saying %q", e, why)
	}
}

// TestConnectionLogsOtherAccount: another merchant cannot tell whether the
// connection or its calls exist, and is never handed a download URL.
func TestConnectionLogsOtherAccount(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSignIn(t, env, "member@demo.test")
	logged := mustLogCalls(t, env)
	other := mustOtherAccountAdmin(t, env)
	requestID := logged.calls[1].RequestID
	routes := []struct {
		name   string
		h      apigw.LambdaHandler
		path   string
		params map[string]string
	}{
		{"logs", api.ListConnectionLogsFunction(env), logsPath(logsConnection, "logs"), logParams(logsConnection, "")},
		{"entry", api.GetConnectionLogFunction(env), logsPath(logsConnection, "logs", requestID), logParams(logsConnection, requestID)},
		{"request", api.DownloadLogBodyFunction(env), logsPath(logsConnection, "logs", requestID, "request"), logParams(logsConnection, requestID)},
		{"response", api.DownloadLogBodyFunction(env), logsPath(logsConnection, "logs", requestID, "response"), logParams(logsConnection, requestID)},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			resp := other.call(t, r.h, http.MethodGet, r.path, r.params, nil)
			if resp.StatusCode != http.StatusNotFound || resp.Headers["Location"] != "" {
				t.Errorf("other account: %d %v %s, want 404", resp.StatusCode, resp.Headers, resp.Body)
			}
			if code := mustDecode[struct{ Error struct{ Code string } }](t, resp).Error.Code; code != "not_found" {
				t.Errorf("error code %q, want not_found", code)
			}
			anon := get(r.path)
			anon.PathParameters = r.params
			if resp := send(t, r.h, anon); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("without a session: %d, want 401", resp.StatusCode)
			}
		})
	}
}

// TestConnectionLogsHeaderReach: a token whose scope grants catalogs and
// customers reaches every catalog and customer list of its account, and the
// header lists their ids; its token shows only its last four characters.
func TestConnectionLogsHeaderReach(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	now := time.Now().UTC()
	const id = "con_reach000000000000001"
	if err := store.CreateConnection(ctx, switchboard.Connection{ID: id, AccountID: demo.Account.ID, AppID: "bi-tool", AppName: "BI",
		Level: switchboard.LevelAccount, Scope: "account[catalog.read,customers.write]", Status: switchboard.ConnectionActive,
		ConnectedBy: "usr-owner", ConnectedAt: now, UpdatedAt: now, TokenHash: "h2", TokenLast4: "AbC1"}); err != nil {
		t.Fatal(err)
	}
	// A second list, and another account's catalog that must not show.
	if err := store.CreateCustomerList(ctx, switchboard.CustomerList{ID: "cl-vip", AccountID: demo.Account.ID, Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateCatalog(ctx, switchboard.Catalog{ID: "cat-elsewhere", AccountID: "acc-other", Name: "Other"}); err != nil {
		t.Fatal(err)
	}
	resp := member.call(t, api.ListConnectionLogsFunction(env), http.MethodGet, logsPath(id, "logs"), logParams(id, ""), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, resp.Body)
	}
	h := mustDecode[api.LogPage](t, resp).Connection
	want := api.LogHeader{ConnectionID: id, AppID: "bi-tool", AppName: "BI", Token: "sbt_••••AbC1", Scope: "account[catalog.read,customers.write]",
		AccountID: demo.Account.ID, Status: switchboard.ConnectionActive,
		CatalogIDs: []string{demo.Catalog.ID}, CustomerListIDs: []string{demo.CustomerList.ID, "cl-vip"}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if strings.Contains(resp.Body, "h2") {
		t.Errorf("the header exposes the token hash: %s", resp.Body)
	}
}

// TestDisconnectedConnectionLogs: a disconnect keeps the connection's call
// log readable (list, detail, bodies), marked disconnected, until it
// expires, as the README and the digest's links promise; another
// account still gets 404 for it.
func TestDisconnectedConnectionLogs(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	member := mustSignIn(t, env, "member@demo.test")
	logged := mustLogCalls(t, env)
	del := owner.call(t, api.DisconnectConnectionFunction(env), http.MethodDelete, logsPath(logsConnection), logParams(logsConnection, ""), nil)
	if del.StatusCode/100 != 2 {
		t.Fatalf("disconnect: %d %s", del.StatusCode, del.Body)
	}
	if r := member.call(t, api.GetConnectionFunction(env), http.MethodGet, logsPath(logsConnection), logParams(logsConnection, ""), nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("the connection itself: %d, want 404 (it is gone)", r.StatusCode)
	}
	list := member.call(t, api.ListConnectionLogsFunction(env), http.MethodGet, logsPath(logsConnection, "logs"), logParams(logsConnection, ""), nil)
	if list.StatusCode != http.StatusOK {
		t.Fatalf("logs of a disconnected connection: %d %s", list.StatusCode, list.Body)
	}
	page := mustDecode[api.LogPage](t, list)
	if page.Connection.DisconnectedAt == nil || page.Connection.ConnectionID != logsConnection || page.Connection.AppID != "orderline-pos" {
		t.Errorf("header %+v, want the connection marked disconnected", page.Connection)
	}
	if len(page.Calls) != len(logged.calls) {
		t.Errorf("%d calls listed, want %d", len(page.Calls), len(logged.calls))
	}
	requestID := logged.calls[1].RequestID
	entry := member.call(t, api.GetConnectionLogFunction(env), http.MethodGet, logsPath(logsConnection, "logs", requestID), logParams(logsConnection, requestID), nil)
	if entry.StatusCode != http.StatusOK || !mustDecode[api.LogEntry](t, entry).BodiesAvailable {
		t.Errorf("detail: %d %s", entry.StatusCode, entry.Body)
	}
	for _, kind := range []switchboard.BodyKind{switchboard.RequestBody, switchboard.ResponseBody} {
		if r := download(t, member, api.DownloadLogBodyFunction(env), requestID, kind); r.StatusCode != http.StatusOK {
			t.Errorf("%s body: %d %s", kind, r.StatusCode, r.Body)
		}
	}
	// The tenant check is unchanged: another account's admin gets 404.
	other := mustOtherAccountAdmin(t, env)
	for name, h := range map[string]apigw.LambdaHandler{"logs": api.ListConnectionLogsFunction(env), "entry": api.GetConnectionLogFunction(env)} {
		path := logsPath(logsConnection, "logs")
		params := logParams(logsConnection, "")
		if name == "entry" {
			path, params = logsPath(logsConnection, "logs", requestID), logParams(logsConnection, requestID)
		}
		if r := other.call(t, h, http.MethodGet, path, params, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("other account, %s: %d %s, want 404", name, r.StatusCode, r.Body)
		}
	}
	if r := download(t, other, api.DownloadLogBodyFunction(env), requestID, switchboard.RequestBody); r.StatusCode != http.StatusNotFound {
		t.Errorf("other account, body: %d, want 404", r.StatusCode)
	}
	// An id never connected in the account is still a 404.
	if r := member.call(t, api.ListConnectionLogsFunction(env), http.MethodGet, logsPath("con_never", "logs"), logParams("con_never", ""), nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown connection: %d, want 404", r.StatusCode)
	}
}
