package api_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
)

// FuzzAppCallsQuery feeds arbitrary query strings to the developer's
// listing of an app it owns (so the query is parsed, not refused first),
// and arbitrary request ids to the merchant's and the developer's
// lookups: bad input is a JSON 4xx, never a 5xx.
func FuzzAppCallsQuery(f *testing.F) {
	for _, seed := range []struct{ query, requestID string }{
		{"", "req_1"}, {"status=5xx&method=GET", "JKJc06XmvHcEMZi="}, {"status=7xx", ""}, {"from=2026-11-24T10:00:00Z&to=2026-11-23T10:00:00Z", "%%%"},
		{"limit=0", "a/b"}, {"limit=101", "../../etc"}, {"cursor=%%%", "\x00"}, {"cursor=eyJzayI6Ik1JTiMiLCJza2lwIjo5OTk5fQ", "REQ#x"},
		{"cursor=eyJzayI6IkFQUCMiLCJza2lwIjoxfQ", "é"}, {"resource=orders,customers&method=GET,POST", "x"},
	} {
		f.Add(seed.query, seed.requestID)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	app := mustRegisterApp(f, env, owner, posApp(nil))
	list, get, find := api.ListAppCallsFunction(env), api.GetAppCallFunction(env), api.FindCallFunction(env)
	f.Fuzz(func(t *testing.T, rawQuery, requestID string) {
		req := owner.get("/admin/v1/developer/apps/" + app.ClientID + "/calls?" + rawQuery)
		req.PathParameters = map[string]string{"appId": app.ClientID}
		if q, err := url.ParseQuery(rawQuery); err == nil {
			req.QueryStringParameters = map[string]string{}
			for k, v := range q {
				req.QueryStringParameters[k] = v[0]
			}
		}
		if resp := fuzzSend(t, list, "/admin/v1/developer/apps/{appId}/calls", req); !json.Valid([]byte(resp.Body)) {
			t.Fatalf("list, query %q: %d %s", rawQuery, resp.StatusCode, resp.Body)
		}
		g := owner.get("/admin/v1/developer/apps/" + app.ClientID + "/calls/x")
		g.PathParameters = map[string]string{"appId": app.ClientID, "requestId": requestID}
		if resp := fuzzSend(t, get, "/admin/v1/developer/apps/{appId}/calls/{requestId}", g); !json.Valid([]byte(resp.Body)) {
			t.Fatalf("developer's lookup, request id %q: %d %s", requestID, resp.StatusCode, resp.Body)
		}
		g = owner.get("/admin/v1/calls/x")
		g.PathParameters = map[string]string{"requestId": requestID}
		if resp := fuzzSend(t, find, "/admin/v1/calls/{requestId}", g); !json.Valid([]byte(resp.Body)) {
			t.Fatalf("merchant's lookup, request id %q: %d %s", requestID, resp.StatusCode, resp.Body)
		}
	})
}
