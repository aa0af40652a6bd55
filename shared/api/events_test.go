package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/functions"
	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// constructors is functions/registry.go by logical ID, so that the tests
// build every handler exactly as the bootstrap binary does in Lambda.
var constructors = func() map[string]func(*platform.Env) any {
	m := map[string]func(*platform.Env) any{}
	for _, f := range functions.All() {
		m[f.ID] = f.New
	}
	return m
}()

// TestEventsReplay sends every events/*.json fixture through
// lambda.NewHandler(...).Invoke, the exact JSON path of the Lambda runtime,
// so a fixture or a handler signature that drifted from API Gateway's v2.0
// payload fails here rather than after deploy.
func TestEventsReplay(t *testing.T) {
	root := testenv.MustRoot(t)
	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	byFixture := map[string]string{}
	scheduled := map[string]bool{}
	for _, fn := range fns {
		_, invoked := samtemplate.InvokedOnly[fn.LogicalID]
		scheduled[fn.LogicalID] = len(fn.Schedules) > 0 || invoked
		if _, ok := constructors[fn.LogicalID]; !ok {
			t.Errorf("%s is not in functions/registry.go", fn.LogicalID)
		}
		byFixture[samtemplate.FolderName(fn.LogicalID)+".json"] = fn.LogicalID
	}
	fixtures, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures in events/: %v", err)
	}
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = "https://switchboard.example" // as deployed: sign-up needs it for its link
	mustSeedDemo(t, env)
	wantStatus := map[string]int{"health.json": 200,
		// Accounts: the sample sign-up is new; its sample link was never sent.
		"signup.json": 202, "verify-signup.json": 400,
		"request-password-reset.json": 202, "confirm-password-reset.json": 400, "change-password.json": 401,
		"list-locations.json": 401, "create-location.json": 401, "update-location.json": 401, "list-security-log.json": 401, "create-session.json": 201, "get-me.json": 401, "list-apps.json": 401, "delete-session.json": 401,
		// Users and teams: the sample session is not live; the sample
		// invitation token was never issued.
		"list-users.json": 401, "invite-user.json": 401, "update-user.json": 401, "accept-invitation.json": 400, "revoke-invitation.json": 401,
		"list-teams.json": 401, "create-team.json": 401, "rename-team.json": 401, "delete-team.json": 401,
		"add-team-member.json": 401, "remove-team-member.json": 401,
		// The sample client is not registered: the merchant is shown why
		// (302 to the site), and the token endpoints refuse the client.
		"authorize.json": 302, "get-location.json": 401, "get-account.json": 401, "token.json": 401, "revoke.json": 401,
		"decide.json": 401, "get-app.json": 401, "list-connections.json": 401, "get-connection.json": 401,
		"list-connection-logs.json": 401, "get-connection-log.json": 401, "download-log-body.json": 401,
		"list-app-log.json": 401, "export-app-log.json": 401,
		"list-developer-apps.json": 401, "register-app.json": 401, "get-developer-app.json": 401,
		"update-developer-app.json": 401, "rotate-app-secret.json": 401,
		// Platform resources: the fixtures' sample token was never issued.
		"list-orders.json": 401, "create-order.json": 401, "get-order.json": 401, "update-order.json": 401,
		"list-customers.json": 401, "create-customer.json": 401, "get-customer.json": 401, "update-customer.json": 401,
		"get-catalog.json": 401, "list-products.json": 401, "create-product.json": 401,
		"list-notification-rules.json": 401, "create-notification-rule.json": 401, "get-notification-rule.json": 401,
		"update-notification-rule.json": 401, "delete-notification-rule.json": 401,
		// Lifecycle: the sample session is not live.
		"block-connection.json": 401, "unblock-connection.json": 401, "disconnect-connection.json": 401,
		"list-connection-deliveries.json": 401, "redeliver-connection.json": 401, "list-app-deliveries.json": 401,
		"redeliver-app.json":           401,
		"get-connection-activity.json": 401, "get-overview.json": 401}
	for _, path := range fixtures {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			fn, ok := byFixture[name]
			if !ok {
				t.Fatalf("fixture %s matches no function of template.yaml", name)
			}
			payload, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, err := lambda.NewHandler(constructors[fn](env)).Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			if scheduled[fn] {
				// A scheduled or directly invoked function gets no HTTP
				// answer: a nil error with nothing or a JSON report.
				if !json.Valid(out) || strings.Contains(string(out), `"statusCode"`) {
					t.Errorf("scheduled function answered %s", out)
				}
				return
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatalf("response is not an API Gateway v2 response: %v", err)
			}
			// Fixtures replay against the demo data; their sample cookies
			// are not live sessions, so admin routes answer 401 there.
			if resp.StatusCode >= 500 || resp.StatusCode < 200 || (resp.Body != "" && !json.Valid([]byte(resp.Body))) {
				t.Errorf("status %d body %s, want a non-5xx answer with a JSON body", resp.StatusCode, resp.Body)
			}
			if want, ok := wantStatus[name]; ok && resp.StatusCode != want {
				t.Errorf("status %d, want %d; body %s", resp.StatusCode, want, resp.Body)
			}
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(payload, &req); err != nil {
				t.Fatal(err)
			}
			// A fixture's answer is one its operation documents, as a route
			// test's is.
			openapicheck.Response(t, req.RequestContext.HTTP.Method, req.RawPath, req.RawQueryString, resp.StatusCode, resp.Headers, resp.Body)
			if got := resp.Headers["X-Request-Id"]; got == "" || !strings.EqualFold(got, req.RequestContext.RequestID) {
				t.Errorf("X-Request-Id %q, want the fixture's request id", got)
			}
		})
	}
}
