// Package functions is the one table from a function's logical ID in
// template.yaml to the constructor that builds its handler. Every function
// runs the same binary (functions/bootstrap); Lambda tells it which one it
// is through the function's Handler, which template.yaml sets to the logical
// ID. The local stack and the tests read this table too, so a function
// cannot exist in one place and be missing in another.
package functions

import (
	"slices"

	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/digest"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// registry lists every function, sorted by logical ID. One call per line,
// not a map literal: gofmt aligns a map's values, so one long key added on a
// branch would realign its neighbours and make merges conflict.
var registry = []Function{
	of("AcceptInvitationFunction", api.AcceptInvitationFunction),
	of("AddTeamMemberFunction", api.AddTeamMemberFunction),
	of("ApproveListingFunction", api.ApproveListingFunction),
	of("AuthorizeFunction", api.AuthorizeFunction),
	of("BlockConnectionFunction", api.BlockConnectionFunction),
	of("BootstrapOperatorFunction", api.BootstrapOperatorFunction),
	of("ChangePasswordFunction", api.ChangePasswordFunction),
	of("ConfirmPasswordResetFunction", api.ConfirmPasswordResetFunction),
	of("CreateAppExportFunction", api.CreateAppExportFunction),
	of("CreateConnectionExportFunction", api.CreateConnectionExportFunction),
	of("CreateCustomerFunction", api.CreateCustomerFunction),
	of("CreateLocationFunction", api.CreateLocationFunction),
	of("CreateNotificationRuleFunction", api.CreateNotificationRuleFunction),
	of("CreateOrderFunction", api.CreateOrderFunction),
	of("CreateProductFunction", api.CreateProductFunction),
	of("CreateSessionFunction", api.CreateSessionFunction),
	of("CreateTeamFunction", api.CreateTeamFunction),
	of("DecideFunction", api.DecideFunction),
	of("DeleteNotificationRuleFunction", api.DeleteNotificationRuleFunction),
	of("DeleteSessionFunction", api.DeleteSessionFunction),
	of("DeleteTeamFunction", api.DeleteTeamFunction),
	of("DisconnectConnectionFunction", api.DisconnectConnectionFunction),
	of("DownloadAppCallBodyFunction", api.DownloadAppCallBodyFunction),
	of("DownloadLogBodyFunction", api.DownloadLogBodyFunction),
	of("EnableCallbackEndpointFunction", api.EnableCallbackEndpointFunction),
	of("ExportAppLogFunction", api.ExportAppLogFunction),
	of("FindCallFunction", api.FindCallFunction),
	of("GetAccountFunction", api.GetAccountFunction),
	of("GetAppCallFunction", api.GetAppCallFunction),
	of("GetAppFunction", api.GetAppFunction),
	of("GetCatalogFunction", api.GetCatalogFunction),
	of("GetConnectionActivityFunction", api.GetConnectionActivityFunction),
	of("GetConnectionFunction", api.GetConnectionFunction),
	of("GetConnectionLogFunction", api.GetConnectionLogFunction),
	of("GetConnectionRateLimitsFunction", api.GetConnectionRateLimitsFunction),
	of("GetCustomerFunction", api.GetCustomerFunction),
	of("GetDeveloperAppFunction", api.GetDeveloperAppFunction),
	of("GetLocationFunction", api.GetLocationFunction),
	of("GetMeFunction", api.GetMeFunction),
	of("GetNotificationRuleFunction", api.GetNotificationRuleFunction),
	of("GetOrderFunction", api.GetOrderFunction),
	of("GetOverviewFunction", api.GetOverviewFunction),
	of("GetRateLimitsFunction", api.GetRateLimitsFunction),
	of("HealthFunction", api.HealthFunction),
	of("InviteUserFunction", api.InviteUserFunction),
	of("ListAppCallsFunction", api.ListAppCallsFunction),
	of("ListAppDeliveriesFunction", api.ListAppDeliveriesFunction),
	of("ListAppExportsFunction", api.ListAppExportsFunction),
	of("ListAppLogFunction", api.ListAppLogFunction),
	of("ListAppsFunction", api.ListAppsFunction),
	of("ListConnectedAppDeliveriesFunction", api.ListConnectedAppDeliveriesFunction),
	of("ListConnectionDeliveriesFunction", api.ListConnectionDeliveriesFunction),
	of("ListConnectionExportsFunction", api.ListConnectionExportsFunction),
	of("ListConnectionLogsFunction", api.ListConnectionLogsFunction),
	of("ListConnectionsFunction", api.ListConnectionsFunction),
	of("ListCustomersFunction", api.ListCustomersFunction),
	of("ListDeveloperAppsFunction", api.ListDeveloperAppsFunction),
	of("ListListingsFunction", api.ListListingsFunction),
	of("ListLocationsFunction", api.ListLocationsFunction),
	of("ListNotificationRulesFunction", api.ListNotificationRulesFunction),
	of("ListOrdersFunction", api.ListOrdersFunction),
	of("ListProductsFunction", api.ListProductsFunction),
	of("ListSecurityLogFunction", api.ListSecurityLogFunction),
	of("ListTeamsFunction", api.ListTeamsFunction),
	of("ListUsersFunction", api.ListUsersFunction),
	of("RedeliverAppFunction", api.RedeliverAppFunction),
	of("RedeliverConnectedAppFunction", api.RedeliverConnectedAppFunction),
	of("RedeliverConnectionFunction", api.RedeliverConnectionFunction),
	of("RegisterAppFunction", api.RegisterAppFunction),
	of("RejectListingFunction", api.RejectListingFunction),
	of("RemoveTeamMemberFunction", api.RemoveTeamMemberFunction),
	of("RenameTeamFunction", api.RenameTeamFunction),
	of("RequestPasswordResetFunction", api.RequestPasswordResetFunction),
	of("RetryDeliveriesFunction", api.RetryDeliveriesFunction),
	of("RevokeFunction", api.RevokeFunction),
	of("RevokeInvitationFunction", api.RevokeInvitationFunction),
	of("RollUpCallsFunction", api.RollUpCallsFunction),
	of("RotateAppSecretFunction", api.RotateAppSecretFunction),
	of("RotateSigningSecretFunction", api.RotateSigningSecretFunction),
	of("RunExportsFunction", api.RunExportsFunction),
	of("SendDailyDigestsFunction", digest.SendDailyDigestsFunction),
	of("SendHourlyDigestsFunction", digest.SendHourlyDigestsFunction),
	of("SendMonthlyDigestsFunction", digest.SendMonthlyDigestsFunction),
	of("SendWeeklyDigestsFunction", digest.SendWeeklyDigestsFunction),
	of("SignupFunction", api.SignupFunction),
	of("TokenFunction", api.TokenFunction),
	of("UnblockConnectionFunction", api.UnblockConnectionFunction),
	of("UnblockExpiredFunction", api.UnblockExpiredFunction),
	of("UpdateCustomerFunction", api.UpdateCustomerFunction),
	of("UpdateDeveloperAppFunction", api.UpdateDeveloperAppFunction),
	of("UpdateLocationFunction", api.UpdateLocationFunction),
	of("UpdateNotificationRuleFunction", api.UpdateNotificationRuleFunction),
	of("UpdateOrderFunction", api.UpdateOrderFunction),
	of("UpdateUserFunction", api.UpdateUserFunction),
	of("VerifySignupFunction", api.VerifySignupFunction),
}

// Function is one entry of the registry.
type Function struct {
	// ID is the logical ID in template.yaml, which is also its Handler.
	ID string
	// New builds the handler lambda.Start receives, once per cold start.
	New func(*platform.Env) any
}

// of keeps each entry to one line whatever the handler's type.
func of[H any](id string, construct func(*platform.Env) H) Function {
	return Function{ID: id, New: func(env *platform.Env) any { return construct(env) }}
}

// Lookup returns the constructor registered for id.
func Lookup(id string) (func(*platform.Env) any, bool) {
	i := slices.IndexFunc(registry, func(f Function) bool { return f.ID == id })
	if i < 0 {
		return nil, false
	}
	return registry[i].New, true
}

// All returns every registered function, sorted by ID.
func All() []Function { return slices.Clone(registry) }
