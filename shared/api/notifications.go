package api

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Notification rules are read by every role (members see them read-only)
// and written by admins. Every route reads the rule through the caller's
// account, so another account's rule is not found; members are refused
// before any lookup.

// ruleInput is the body of create and replace. Version is required on
// replace: it is the version the editor read, so that two admins editing
// the same rule cannot overwrite each other unknowingly.
type ruleInput struct {
	Name       string                 `json:"name"`
	Type       switchboard.RuleType   `json:"type"`
	Frequency  switchboard.Frequency  `json:"frequency"`
	AllApps    bool                   `json:"allApps"`
	AppIDs     []string               `json:"appIds"`
	Recipients switchboard.Recipients `json:"recipients"`
	Version    int                    `json:"version"`
}

func (in ruleInput) rule(accountID, ruleID string) switchboard.NotificationRule {
	return switchboard.NotificationRule{
		ID: ruleID, AccountID: accountID, Name: in.Name, Type: in.Type, Frequency: in.Frequency,
		AllApps: in.AllApps, AppIDs: in.AppIDs, Recipients: in.Recipients, Version: in.Version,
	}
}

// maxRuleBody fits a rule with every list at its limit.
const maxRuleBody = 32 << 10

// ListNotificationRules serves GET /admin/v1/notifications: the account's
// rules, the address digests come from, and whether the caller may edit.
func ListNotificationRules(rules switchboard.NotificationRuleStore, sender string) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, _ apigw.Request) (apigw.Response, error) {
		list, err := rules.ListRules(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, map[string]any{"rules": list, "senderAddress": sender, "canManage": p.Role.CanManage()})
	}
}

// GetNotificationRule serves GET /admin/v1/notifications/{ruleId}.
func GetNotificationRule(rules switchboard.NotificationRuleStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		ruleID, err := idParam(req, "ruleId", "notification rule")
		if err != nil {
			return apigw.Response{}, err
		}
		r, err := rules.GetRule(ctx, p.AccountID, ruleID)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, r)
	}
}

// CreateNotificationRule serves POST /admin/v1/notifications.
func CreateNotificationRule(rules switchboard.NotificationRuleStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		var in ruleInput
		if err := apigw.DecodeJSON(req, &in, maxRuleBody); err != nil {
			return apigw.Response{}, err
		}
		r := in.rule(p.AccountID, generateID("rule-"))
		r.CreatedBy, r.CreatedAt = p.UserID, time.Now().UTC()
		saved, err := rules.CreateRule(ctx, r)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusCreated, saved)
	}
}

// UpdateNotificationRule serves PUT /admin/v1/notifications/{ruleId}: the
// whole rule, with the version read.
func UpdateNotificationRule(rules switchboard.NotificationRuleStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		ruleID, err := idParam(req, "ruleId", "notification rule")
		if err != nil {
			return apigw.Response{}, err
		}
		var in ruleInput
		if err := apigw.DecodeJSON(req, &in, maxRuleBody); err != nil {
			return apigw.Response{}, err
		}
		if in.Version < 1 {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "version is required: send back the version you read")
		}
		saved, err := rules.UpdateRule(ctx, in.rule(p.AccountID, ruleID))
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, saved)
	}
}

// DeleteNotificationRule serves DELETE /admin/v1/notifications/{ruleId}.
func DeleteNotificationRule(rules switchboard.NotificationRuleStore) AuthedHandler {
	return managerDelete("ruleId", "notification rule", rules.DeleteRule)
}

func ruleRoute(env *platform.Env, build func(switchboard.NotificationRuleStore) AuthedHandler) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, RequireSession(svc, build(store)))
}

// ListNotificationRulesFunction is ListNotificationRulesFunction in template.yaml.
func ListNotificationRulesFunction(env *platform.Env) apigw.LambdaHandler {
	return ruleRoute(env, func(s switchboard.NotificationRuleStore) AuthedHandler {
		return ListNotificationRules(s, env.Config.SenderAddress)
	})
}

// GetNotificationRuleFunction is GetNotificationRuleFunction in template.yaml.
func GetNotificationRuleFunction(env *platform.Env) apigw.LambdaHandler {
	return ruleRoute(env, GetNotificationRule)
}

// CreateNotificationRuleFunction is CreateNotificationRuleFunction in template.yaml.
func CreateNotificationRuleFunction(env *platform.Env) apigw.LambdaHandler {
	return ruleRoute(env, CreateNotificationRule)
}

// UpdateNotificationRuleFunction is UpdateNotificationRuleFunction in template.yaml.
func UpdateNotificationRuleFunction(env *platform.Env) apigw.LambdaHandler {
	return ruleRoute(env, UpdateNotificationRule)
}

// DeleteNotificationRuleFunction is DeleteNotificationRuleFunction in template.yaml.
func DeleteNotificationRuleFunction(env *platform.Env) apigw.LambdaHandler {
	return ruleRoute(env, DeleteNotificationRule)
}
