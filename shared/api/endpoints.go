package api

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/lifecycle"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// developerAppView is an app as its developer sees it, with its callback
// endpoint's state and failure rates.
type developerAppView struct {
	registeredApp
	CallbackEndpoint switchboard.EndpointHealth `json:"callbackEndpoint"`
}

// catalogAppView is a catalog app as a merchant sees it, with its callback
// endpoint's state only.
type catalogAppView struct {
	switchboard.App
	CallbackEndpoint switchboard.EndpointStatus `json:"callbackEndpoint"`
}

func withEndpoint(ctx context.Context, endpoints switchboard.EndpointStore, app registeredApp) (developerAppView, error) {
	e, err := endpoints.GetCallbackEndpoint(ctx, app.ID)
	if err != nil {
		return developerAppView{}, err
	}
	return developerAppView{registeredApp: app, CallbackEndpoint: e.Health(time.Now())}, nil
}

// enableInput optionally asks for the failed events since a time to be
// redelivered with the enable.
type enableInput struct {
	RedeliverSince string `json:"redeliverSince"`
}

// enabledEndpoint answers an enable: the endpoint as it now stands, and
// how many failed events were queued again.
type enabledEndpoint struct {
	CallbackEndpoint switchboard.EndpointHealth `json:"callbackEndpoint"`
	Queued           int                        `json:"queued"`
}

// EnableCallbackEndpoint serves POST
// /admin/v1/developer/apps/{appId}/callback-endpoint/enable
// {"redeliverSince"} (optional, the body too), for an admin of the app's
// owner account. With redeliverSince, exactly the app's failed events
// created at or after it are queued again, due at once; the retrier sends
// them within a minute.
func EnableCallbackEndpoint(apps switchboard.DeveloperAppStore, store switchboard.DeliveryStore, cb *lifecycle.Callbacks) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := managedApp(ctx, apps, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		var in enableInput
		if req.Body != "" {
			if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
				return apigw.Response{}, err
			}
		}
		var since time.Time
		if in.RedeliverSince != "" {
			if err := parseRange(in.RedeliverSince, "", &since, nil); err != nil {
				return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "redeliverSince must be an RFC 3339 time such as 2026-11-24T10:00:00Z")
			}
			if since.After(cb.Now()) {
				return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "redeliverSince must not be in the future")
			}
		}
		e, err := cb.EnableEndpoint(ctx, app.ID)
		if err != nil {
			return apigw.Response{}, err
		}
		out := enabledEndpoint{CallbackEndpoint: e.Health(cb.Now())}
		if !since.IsZero() {
			f := switchboard.DeliveryFilter{State: switchboard.DeliveryFailed, From: since}
			ds, err := collect(ctx, func(pr switchboard.PageRequest) (switchboard.DeliveryPage, error) {
				return store.ListAppDeliveries(ctx, app.ID, f, pr)
			})
			if err != nil {
				return apigw.Response{}, err
			}
			if out.Queued, err = cb.RedeliverFailed(ctx, ds); err != nil {
				return apigw.Response{}, err
			}
		}
		return apigw.JSON(http.StatusOK, out)
	}
}

// EnableCallbackEndpointFunction is EnableCallbackEndpointFunction in template.yaml.
func EnableCallbackEndpointFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return EnableCallbackEndpoint(s, s, callbacksOn(env, s)) })
}
