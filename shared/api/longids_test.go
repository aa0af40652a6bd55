package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// TestOversizedIDs: an id longer than DynamoDB's key limit (2 KiB for a
// partition key, 1 KiB for a sort key) in any path parameter or query
// value of any route is answered 400 or 404 by the edge, never 500.
func TestOversizedIDs(t *testing.T) {
	env := testenv.MustEnv(t)
	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	w := mustWorld(t, env)
	long := strings.Repeat("x", 3000)
	tried := 0
	for _, fn := range fns {
		for _, r := range fn.Routes {
			key := r.Method + " " + r.Path
			a, ok := accessTables[key]
			if !ok || !strings.Contains(r.Path, "{") && len(a.query) == 0 {
				continue
			}
			construct, ok := constructors[fn.LogicalID]
			if !ok {
				continue
			}
			handler, ok := construct(env).(apigw.LambdaHandler)
			if !ok {
				continue
			}
			for _, who := range []identity{superAdminA, tokenA} {
				req := w.request(t, samtemplateRoute{Method: r.Method, Path: r.Path}, who, a)
				for k := range req.PathParameters {
					req.PathParameters[k] = long
				}
				for k := range req.QueryStringParameters {
					if strings.HasSuffix(strings.ToLower(k), "id") || k == "app" || k == "connection" || k == "location" || k == "cursor" {
						req.QueryStringParameters[k] = long
					}
				}
				resp, err := handler(context.Background(), req)
				tried++
				if err != nil || resp.StatusCode >= 500 {
					t.Errorf("%s as %s: %d %v %s", key, who, resp.StatusCode, err, resp.Body)
				}
				// The ids were swapped after the path was built, so the
				// operation is named by its template, not found from the path.
				if err := openapicheck.CheckRoute(r.Method, r.Path, resp.StatusCode, resp.Headers, resp.Body); err != nil {
					t.Errorf("%s as %s: answer %d not as site/openapi.json documents: %v\nbody: %.300s", key, who, resp.StatusCode, err, resp.Body)
				}
				if len(req.PathParameters) > 0 && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest &&
					resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s as %s: status %d, want 404 or 400", key, who, resp.StatusCode)
				}
			}
		}
	}
	if tried == 0 {
		t.Fatal("no route tried")
	}
}
