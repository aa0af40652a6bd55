package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// FuzzConnectionExportBody sends arbitrary bodies to both POST …/exports
// routes, the merchant's connection's and the developer's app's: the
// answer is always JSON, never a 5xx, and an accepted export is a queued
// job of at most 90 days in a known format.
func FuzzConnectionExportBody(f *testing.F) {
	now := time.Now().UTC()
	for _, s := range []string{
		exportBody(now.Add(-time.Hour), now, "csv", true), exportBody(now.Add(-time.Hour), now, "ndjson", false),
		exportBody(now.Add(-91*24*time.Hour), now, "csv", false), exportBody(now, now.Add(-time.Hour), "csv", false),
		`{"from":"2026-11-24T10:00:00Z","to":"2026-11-24T10:00:00+01:00","format":"csv"}`, `{"from":"","to":"","format":""}`,
		`{"from":"2026-13-45T99:00:00Z","to":"x","format":"csv"}`, `{"from":"0001-01-01T00:00:00Z","to":"9999-12-31T23:59:59Z","format":"ndjson"}`,
		`{"format":"CSV"}`, `{"bodies":1}`, `{"bodies":null}`, `{}`, `[]`, `null`, `"x"`, `{"from":"2026-11-24T10:00:00Z","FROM":"x"}`,
		`{"format":"` + strings.Repeat("c", 2000) + `"}`,
		exportBody(now.Add(-89*24*time.Hour), now.Add(48*time.Hour), "ndjson", true), `{"from":"2026-11-24T10:00:00Z","to":"2026-11-24T11:00:00Z","format":"csv","appId":"x"}`,
		`{"from":"2026-11-24T10:00:00.999999999Z","to":"2026-11-24T10:00:01Z","format":"ndjson","bodies":false}`,
	} {
		f.Add(s)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	const conn = "con_exportfuzz0000000001"
	mustExportConnection(f, env, conn)
	app := mustRegisterApp(f, env, owner, posApp(nil))
	h, dev := api.CreateConnectionExportFunction(env), api.CreateAppExportFunction(env)
	f.Fuzz(func(t *testing.T, body string) {
		checkExportAnswer(t, body, func() (apigw.Response, error) { return h(context.Background(), exportPost(owner, conn, body)) })
		checkExportAnswer(t, body, func() (apigw.Response, error) {
			req := exportPost(owner, conn, body)
			req.PathParameters = map[string]string{"appId": app.ClientID}
			return dev(context.Background(), req)
		})
	})
}

// checkExportAnswer sends one fuzzed export body and checks the answer.
func checkExportAnswer(t *testing.T, body string, send func() (apigw.Response, error)) {
	t.Helper()
	resp, err := send()
	if err != nil || resp.StatusCode >= 500 || !json.Valid([]byte(resp.Body)) {
		t.Fatalf("body %q: %d %v %s", body, resp.StatusCode, err, resp.Body)
	}
	switch resp.StatusCode {
	case http.StatusAccepted:
		var e api.ExportView
		if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.State != "queued" || !e.From.Before(e.To) ||
			e.To.Sub(e.From) > 90*24*time.Hour || (e.Format != "csv" && e.Format != "ndjson") {
			t.Fatalf("body %q accepted as %s", body, resp.Body)
		}
	case http.StatusBadRequest, http.StatusConflict:
	default:
		t.Fatalf("body %q: status %d %s", body, resp.StatusCode, resp.Body)
	}
}
