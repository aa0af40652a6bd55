package api

import (
	"context"
	"net/http"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// recordSecurity writes e to the account's security log. A failure is
// logged as an error, not returned: the change it records is made, and
// undoing it for want of a log entry would be worse.
func recordSecurity(ctx context.Context, log switchboard.SecurityLog, e switchboard.SecurityEvent) {
	if log == nil {
		return
	}
	if err := log.RecordSecurityEvent(ctx, e); err != nil {
		platform.Logger(ctx).Error("security log entry not written", "type", e.Type, "accountId", e.AccountID, "error", err)
	}
}

// ListSecurityLog serves GET /admin/v1/security-log?type=&userId=&cursor=&limit=:
// the account's security log, newest first, for super admins only (it
// shows who signs in and fails to, which admins and members need not see).
func ListSecurityLog(log switchboard.SecurityLog) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if p.Role != switchboard.RoleSuperAdmin {
			return apigw.Response{}, switchboard.Errorf(switchboard.EForbidden, "Only super admins can read the security log.")
		}
		limit, err := apigw.QueryInt(req, "limit", switchboard.DefaultPageSize)
		if err != nil {
			return apigw.Response{}, err
		}
		if limit < 1 || limit > switchboard.MaxPageSize {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "limit must be between 1 and %d", switchboard.MaxPageSize)
		}
		q := req.QueryStringParameters
		f := switchboard.SecurityFilter{Type: switchboard.SecurityEventType(q["type"]), UserID: q["userId"]}
		if f.UserID != "" && !idParamPattern.MatchString(f.UserID) {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "userId is not a user id")
		}
		page, err := log.ListSecurityEvents(ctx, p.AccountID, f, switchboard.PageRequest{Limit: limit, Cursor: q["cursor"]})
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, page)
	}
}

// ListSecurityLogFunction is ListSecurityLogFunction in template.yaml.
func ListSecurityLogFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListSecurityLog(s) })
}
