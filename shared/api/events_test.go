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

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/digest"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// constructors maps each function of template.yaml to what its main passes
// to lambda.Start. A function missing here fails TestEventsReplay.
var constructors = map[string]func(*platform.Env) any{
	"HealthFunction":             func(e *platform.Env) any { return api.HealthFunction(e) },
	"ListAppsFunction":           func(e *platform.Env) any { return api.ListAppsFunction(e) },
	"CreateSessionFunction":      func(e *platform.Env) any { return api.CreateSessionFunction(e) },
	"DeleteSessionFunction":      func(e *platform.Env) any { return api.DeleteSessionFunction(e) },
	"GetLocationFunction":        func(e *platform.Env) any { return api.GetLocationFunction(e) },
	"GetAccountFunction":         func(e *platform.Env) any { return api.GetAccountFunction(e) },
	"GetMeFunction":              func(e *platform.Env) any { return api.GetMeFunction(e) },
	"ListUsersFunction":          func(e *platform.Env) any { return api.ListUsersFunction(e) },
	"InviteUserFunction":         func(e *platform.Env) any { return api.InviteUserFunction(e) },
	"UpdateUserFunction":         func(e *platform.Env) any { return api.UpdateUserFunction(e) },
	"AcceptInvitationFunction":   func(e *platform.Env) any { return api.AcceptInvitationFunction(e) },
	"RevokeInvitationFunction":   func(e *platform.Env) any { return api.RevokeInvitationFunction(e) },
	"ListTeamsFunction":          func(e *platform.Env) any { return api.ListTeamsFunction(e) },
	"CreateTeamFunction":         func(e *platform.Env) any { return api.CreateTeamFunction(e) },
	"RenameTeamFunction":         func(e *platform.Env) any { return api.RenameTeamFunction(e) },
	"DeleteTeamFunction":         func(e *platform.Env) any { return api.DeleteTeamFunction(e) },
	"AddTeamMemberFunction":      func(e *platform.Env) any { return api.AddTeamMemberFunction(e) },
	"RemoveTeamMemberFunction":   func(e *platform.Env) any { return api.RemoveTeamMemberFunction(e) },
	"AuthorizeFunction":          func(e *platform.Env) any { return api.AuthorizeFunction(e) },
	"DecideFunction":             func(e *platform.Env) any { return api.DecideFunction(e) },
	"TokenFunction":              func(e *platform.Env) any { return api.TokenFunction(e) },
	"RevokeFunction":             func(e *platform.Env) any { return api.RevokeFunction(e) },
	"GetAppFunction":             func(e *platform.Env) any { return api.GetAppFunction(e) },
	"ListConnectionsFunction":    func(e *platform.Env) any { return api.ListConnectionsFunction(e) },
	"GetConnectionFunction":      func(e *platform.Env) any { return api.GetConnectionFunction(e) },
	"ListConnectionLogsFunction": func(e *platform.Env) any { return api.ListConnectionLogsFunction(e) },
	"GetConnectionLogFunction":   func(e *platform.Env) any { return api.GetConnectionLogFunction(e) },
	"DownloadLogBodyFunction":    func(e *platform.Env) any { return api.DownloadLogBodyFunction(e) },
	"ListAppLogFunction":         func(e *platform.Env) any { return api.ListAppLogFunction(e) },
	"ExportAppLogFunction":       func(e *platform.Env) any { return api.ExportAppLogFunction(e) },
	"ListDeveloperAppsFunction":  func(e *platform.Env) any { return api.ListDeveloperAppsFunction(e) },
	"RegisterAppFunction":        func(e *platform.Env) any { return api.RegisterAppFunction(e) },
	"GetDeveloperAppFunction":    func(e *platform.Env) any { return api.GetDeveloperAppFunction(e) },
	"UpdateDeveloperAppFunction": func(e *platform.Env) any { return api.UpdateDeveloperAppFunction(e) },
	"RotateAppSecretFunction":    func(e *platform.Env) any { return api.RotateAppSecretFunction(e) },
	"ListOrdersFunction":         func(e *platform.Env) any { return api.ListOrdersFunction(e) },
	"CreateOrderFunction":        func(e *platform.Env) any { return api.CreateOrderFunction(e) },
	"GetOrderFunction":           func(e *platform.Env) any { return api.GetOrderFunction(e) },
	"UpdateOrderFunction":        func(e *platform.Env) any { return api.UpdateOrderFunction(e) },
	"ListCustomersFunction":      func(e *platform.Env) any { return api.ListCustomersFunction(e) },
	"CreateCustomerFunction":     func(e *platform.Env) any { return api.CreateCustomerFunction(e) },
	"GetCustomerFunction":        func(e *platform.Env) any { return api.GetCustomerFunction(e) },
	"UpdateCustomerFunction":     func(e *platform.Env) any { return api.UpdateCustomerFunction(e) },
	"GetCatalogFunction":         func(e *platform.Env) any { return api.GetCatalogFunction(e) },
	"ListProductsFunction":       func(e *platform.Env) any { return api.ListProductsFunction(e) },
	"CreateProductFunction":      func(e *platform.Env) any { return api.CreateProductFunction(e) },

	"ListNotificationRulesFunction":      func(e *platform.Env) any { return api.ListNotificationRulesFunction(e) },
	"CreateNotificationRuleFunction":     func(e *platform.Env) any { return api.CreateNotificationRuleFunction(e) },
	"GetNotificationRuleFunction":        func(e *platform.Env) any { return api.GetNotificationRuleFunction(e) },
	"UpdateNotificationRuleFunction":     func(e *platform.Env) any { return api.UpdateNotificationRuleFunction(e) },
	"DeleteNotificationRuleFunction":     func(e *platform.Env) any { return api.DeleteNotificationRuleFunction(e) },
	"SendHourlyDigestsFunction":          func(e *platform.Env) any { return digest.SendHourlyDigestsFunction(e) },
	"SendDailyDigestsFunction":           func(e *platform.Env) any { return digest.SendDailyDigestsFunction(e) },
	"SendWeeklyDigestsFunction":          func(e *platform.Env) any { return digest.SendWeeklyDigestsFunction(e) },
	"SendMonthlyDigestsFunction":         func(e *platform.Env) any { return digest.SendMonthlyDigestsFunction(e) },
	"BlockConnectionFunction":            func(e *platform.Env) any { return api.BlockConnectionFunction(e) },
	"UnblockConnectionFunction":          func(e *platform.Env) any { return api.UnblockConnectionFunction(e) },
	"DisconnectConnectionFunction":       func(e *platform.Env) any { return api.DisconnectConnectionFunction(e) },
	"ListConnectionDeliveriesFunction":   func(e *platform.Env) any { return api.ListConnectionDeliveriesFunction(e) },
	"RedeliverConnectionFunction":        func(e *platform.Env) any { return api.RedeliverConnectionFunction(e) },
	"ListConnectedAppDeliveriesFunction": func(e *platform.Env) any { return api.ListConnectedAppDeliveriesFunction(e) },
	"RedeliverConnectedAppFunction":      func(e *platform.Env) any { return api.RedeliverConnectedAppFunction(e) },
	"ListAppDeliveriesFunction":          func(e *platform.Env) any { return api.ListAppDeliveriesFunction(e) },
	"RedeliverAppFunction":               func(e *platform.Env) any { return api.RedeliverAppFunction(e) },
	"UnblockExpiredFunction":             func(e *platform.Env) any { return api.UnblockExpiredFunction(e) },
	"RetryDeliveriesFunction":            func(e *platform.Env) any { return api.RetryDeliveriesFunction(e) },
	"GetConnectionActivityFunction":      func(e *platform.Env) any { return api.GetConnectionActivityFunction(e) },
	"GetOverviewFunction":                func(e *platform.Env) any { return api.GetOverviewFunction(e) },
	"RollUpCallsFunction":                func(e *platform.Env) any { return api.RollUpCallsFunction(e) },
}

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
		scheduled[fn.LogicalID] = len(fn.Schedules) > 0
		if _, ok := constructors[fn.LogicalID]; !ok {
			t.Errorf("%s has no constructor in this test", fn.LogicalID)
		}
		byFixture[samtemplate.FolderName(fn.LogicalID)+".json"] = fn.LogicalID
	}
	fixtures, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures in events/: %v", err)
	}
	env := testenv.MustEnv(t)
	mustSeedDemo(t, env)
	wantStatus := map[string]int{"health.json": 200, "create-session.json": 201, "get-me.json": 401, "list-apps.json": 401, "delete-session.json": 401,
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
				// A scheduled event gets no HTTP answer: a nil error (no
				// retry wanted) with nothing or a JSON run report.
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
			if got := resp.Headers["X-Request-Id"]; got == "" || !strings.EqualFold(got, req.RequestContext.RequestID) {
				t.Errorf("X-Request-Id %q, want the fixture's request id", got)
			}
		})
	}
}
