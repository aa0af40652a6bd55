package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/eventbridge"
	"github.com/switchboard-hq/switchboard/shared/lifecycle"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// BlockConnection serves POST /admin/v1/connections/{connectionId}/block
// {"reason","until"} (both optional, the body too). Admins only; another
// account's connection is not found.
func BlockConnection(svc *lifecycle.Service) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		var in switchboard.BlockInput
		if req.Body != "" {
			if err := apigw.DecodeJSON(req, &in, 4096); err != nil {
				return apigw.Response{}, err
			}
		}
		c, err := svc.Block(ctx, p, req.PathParameters["connectionId"], in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, c)
	}
}

// UnblockConnection serves POST /admin/v1/connections/{connectionId}/unblock.
func UnblockConnection(svc *lifecycle.Service) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		c, err := svc.Unblock(ctx, p, req.PathParameters["connectionId"])
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, c)
	}
}

// DisconnectConnection serves DELETE /admin/v1/connections/{connectionId}.
func DisconnectConnection(svc *lifecycle.Service) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		if err := svc.Disconnect(ctx, p, req.PathParameters["connectionId"]); err != nil {
			return apigw.Response{}, err
		}
		return apigw.Response{StatusCode: http.StatusNoContent}, nil
	}
}

// deliveryQuery reads a delivery listing's query string.
func deliveryQuery(req apigw.Request) (switchboard.DeliveryFilter, switchboard.PageRequest, error) {
	q := req.QueryStringParameters
	limit, err := apigw.QueryInt(req, "limit", 0)
	if err != nil {
		return switchboard.DeliveryFilter{}, switchboard.PageRequest{}, err
	}
	if _, set := q["limit"]; set && limit < 1 {
		return switchboard.DeliveryFilter{}, switchboard.PageRequest{}, switchboard.Errorf(switchboard.EInvalid, "limit must be between 1 and %d", switchboard.MaxPageSize)
	}
	f := switchboard.DeliveryFilter{State: switchboard.DeliveryState(q["state"])}
	if err := parseRange(q["from"], q["to"], &f.From, &f.To); err != nil {
		return switchboard.DeliveryFilter{}, switchboard.PageRequest{}, err
	}
	p := switchboard.PageRequest{Limit: limit, Cursor: q["cursor"]}
	if err := p.Validate(); err != nil {
		return switchboard.DeliveryFilter{}, switchboard.PageRequest{}, err
	}
	return f, p, f.Validate()
}

func parseRange(from, to string, dstFrom, dstTo *time.Time) error {
	for name, v := range map[string]struct {
		raw string
		dst *time.Time
	}{"from": {from, dstFrom}, "to": {to, dstTo}} {
		if v.raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v.raw)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			return switchboard.Errorf(switchboard.EInvalid, "%s must be an RFC 3339 time such as 2026-11-24T10:00:00Z", name)
		}
		*v.dst = t
	}
	return nil
}

// redeliverInput asks for one event again, or for every failed event of a
// time range.
type redeliverInput struct {
	EventID string `json:"eventId"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// read checks that the input names one event or a complete range.
func (in redeliverInput) read() (switchboard.DeliveryFilter, error) {
	f := switchboard.DeliveryFilter{State: switchboard.DeliveryFailed}
	switch {
	case in.EventID != "" && (in.From != "" || in.To != ""):
		return f, switchboard.Errorf(switchboard.EInvalid, "send either eventId or from and to")
	case in.EventID != "":
		if _, ok := switchboard.EventTime(in.EventID); !ok || len(in.EventID) > 64 {
			return f, switchboard.Errorf(switchboard.EInvalid, "eventId is not an event id")
		}
		return f, nil
	case in.From == "" || in.To == "":
		return f, switchboard.Errorf(switchboard.EInvalid, "send eventId, or from and to")
	}
	if err := parseRange(in.From, in.To, &f.From, &f.To); err != nil {
		return f, err
	}
	return f, f.Validate()
}

// maxRangeRedeliveries bounds one range redelivery; a larger backlog is
// redelivered in several ranges.
const maxRangeRedeliveries = 500

// collect pages through list until it has every delivery or the bound.
func collect(ctx context.Context, list func(switchboard.PageRequest) (switchboard.DeliveryPage, error)) ([]switchboard.Delivery, error) {
	var all []switchboard.Delivery
	p := switchboard.PageRequest{Limit: switchboard.MaxPageSize}
	for len(all) < maxRangeRedeliveries {
		page, err := list(p)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Deliveries...)
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	return all, ctx.Err()
}

// redeliveryResult answers a redelivery: the delivery after its new
// attempt, or how many failed events were queued again.
type redeliveryResult struct {
	Delivery any  `json:"delivery,omitempty"` // *switchboard.Delivery, or its merchant view
	Queued   *int `json:"queued,omitempty"`
}

// ListConnectionDeliveries serves GET
// /admin/v1/connections/{connectionId}/deliveries. The log stays after a
// disconnect, inside the account's partition, which is the tenant check.
func ListConnectionDeliveries(store switchboard.DeliveryStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		f, page, err := deliveryQuery(req)
		if err != nil {
			return apigw.Response{}, err
		}
		f.ConnectionID = req.PathParameters["connectionId"]
		out, err := store.ListDeliveries(ctx, p.AccountID, f, page)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, out.ForMerchant())
	}
}

// RedeliverConnection serves POST
// /admin/v1/connections/{connectionId}/deliveries/redeliver, admins only.
func RedeliverConnection(store switchboard.DeliveryStore, cb *lifecycle.Callbacks) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		return redeliverInAccount(ctx, store, cb, p, req, switchboard.DeliveryFilter{ConnectionID: req.PathParameters["connectionId"]})
	}
}

// redeliverInAccount redelivers, for a manager, one event or every failed
// one of a range among the account's deliveries that scope matches: an
// event outside the scope is not found.
func redeliverInAccount(ctx context.Context, store switchboard.DeliveryStore, cb *lifecycle.Callbacks, p switchboard.Principal, req apigw.Request, scope switchboard.DeliveryFilter) (apigw.Response, error) {
	if err := requireManager(p); err != nil {
		return apigw.Response{}, err
	}
	var in redeliverInput
	if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
		return apigw.Response{}, err
	}
	f, err := in.read()
	if err != nil {
		return apigw.Response{}, err
	}
	if in.EventID != "" {
		d, err := store.GetDelivery(ctx, p.AccountID, in.EventID)
		if err == nil && !scope.Matches(d) {
			err = switchboard.Errorf(switchboard.ENotFound, "delivery not found")
		}
		if err != nil {
			return apigw.Response{}, err
		}
		return redeliverOne(ctx, cb, d, true)
	}
	f.ConnectionID, f.AppID = scope.ConnectionID, scope.AppID
	ds, err := collect(ctx, func(pr switchboard.PageRequest) (switchboard.DeliveryPage, error) {
		return store.ListDeliveries(ctx, p.AccountID, f, pr)
	})
	if err != nil {
		return apigw.Response{}, err
	}
	return redeliverFailed(ctx, cb, ds)
}

// connectedAppScope is the deliveries of the path's app in the caller's
// account, optionally of one of its connections (?connectionId=).
func connectedAppScope(req apigw.Request) (switchboard.DeliveryFilter, error) {
	appID := req.PathParameters["appId"]
	if appID == "" || len(appID) > 128 {
		return switchboard.DeliveryFilter{}, switchboard.Errorf(switchboard.ENotFound, "app not found")
	}
	return switchboard.DeliveryFilter{AppID: appID, ConnectionID: req.QueryStringParameters["connectionId"]}, nil
}

// ListConnectedAppDeliveries serves GET /admin/v1/apps/{appId}/deliveries:
// the callbacks sent to an app about this account, newest first, from
// every connection of the app, including those removed by a disconnect
// (whose own rows are gone from the Connections page). It reads the
// caller's account partition only, which is the tenant check: another
// account's app id lists nothing.
func ListConnectedAppDeliveries(store switchboard.DeliveryStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		scope, err := connectedAppScope(req)
		if err != nil {
			return apigw.Response{}, err
		}
		f, page, err := deliveryQuery(req)
		if err != nil {
			return apigw.Response{}, err
		}
		f.AppID, f.ConnectionID = scope.AppID, scope.ConnectionID
		out, err := store.ListDeliveries(ctx, p.AccountID, f, page)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, out.ForMerchant())
	}
}

// RedeliverConnectedApp serves POST /admin/v1/apps/{appId}/deliveries/redeliver,
// admins only: one event, or every failed one of a range, among the app's
// deliveries in this account.
func RedeliverConnectedApp(store switchboard.DeliveryStore, cb *lifecycle.Callbacks) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		scope, err := connectedAppScope(req)
		if err != nil {
			return apigw.Response{}, err
		}
		return redeliverInAccount(ctx, store, cb, p, req, scope)
	}
}

// redeliverOne posts d again and answers with it: to a merchant, as a
// merchant sees it.
func redeliverOne(ctx context.Context, cb *lifecycle.Callbacks, d switchboard.Delivery, merchant bool) (apigw.Response, error) {
	d, err := cb.Redeliver(ctx, d)
	if err != nil {
		return apigw.Response{}, err
	}
	if merchant {
		return apigw.JSON(http.StatusOK, redeliveryResult{Delivery: d.ForMerchant()})
	}
	return apigw.JSON(http.StatusOK, redeliveryResult{Delivery: &d})
}

func redeliverFailed(ctx context.Context, cb *lifecycle.Callbacks, ds []switchboard.Delivery) (apigw.Response, error) {
	n, err := cb.RedeliverFailed(ctx, ds)
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.JSON(http.StatusOK, redeliveryResult{Queued: &n})
}

// ListAppDeliveries serves GET /admin/v1/developer/apps/{appId}/deliveries:
// the developer's view, across the accounts that connected the app.
func ListAppDeliveries(apps switchboard.DeveloperAppStore, store switchboard.DeliveryStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := ownedApp(ctx, apps, p, req.PathParameters["appId"])
		if err != nil {
			return apigw.Response{}, err
		}
		f, page, err := deliveryQuery(req)
		if err != nil {
			return apigw.Response{}, err
		}
		f.ConnectionID = req.QueryStringParameters["connectionId"]
		out, err := store.ListAppDeliveries(ctx, app.ID, f, page)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, out)
	}
}

// RedeliverApp serves POST /admin/v1/developer/apps/{appId}/deliveries/redeliver
// for an admin of the app's owner account.
func RedeliverApp(apps switchboard.DeveloperAppStore, store switchboard.DeliveryStore, cb *lifecycle.Callbacks) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := managedApp(ctx, apps, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		var in redeliverInput
		if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
			return apigw.Response{}, err
		}
		f, err := in.read()
		if err != nil {
			return apigw.Response{}, err
		}
		if in.EventID != "" {
			// The id holds its time: one key of the app's log finds it.
			at, _ := switchboard.EventTime(in.EventID)
			page, err := store.ListAppDeliveries(ctx, app.ID, switchboard.DeliveryFilter{From: at, To: at.Add(time.Nanosecond)}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
			if err != nil {
				return apigw.Response{}, err
			}
			for _, d := range page.Deliveries {
				if d.EventID == in.EventID {
					fresh, err := store.GetDelivery(ctx, d.AccountID, d.EventID) // the index may lag
					if err != nil {
						return apigw.Response{}, err
					}
					return redeliverOne(ctx, cb, fresh, false)
				}
			}
			return apigw.Response{}, switchboard.Errorf(switchboard.ENotFound, "delivery not found")
		}
		ds, err := collect(ctx, func(pr switchboard.PageRequest) (switchboard.DeliveryPage, error) {
			return store.ListAppDeliveries(ctx, app.ID, f, pr)
		})
		if err != nil {
			return apigw.Response{}, err
		}
		return redeliverFailed(ctx, cb, ds)
	}
}

// callbacksOn builds the callback sender over store. Loopback addresses
// are allowed only when the configuration says so (the local stack and the
// tests, never a deployed stage: see platform.Config.LoopbackCallbacks).
func callbacksOn(env *platform.Env, store *dynamo.Store) *lifecycle.Callbacks {
	return &lifecycle.Callbacks{Apps: store, Deliveries: store, Sealer: SealerOf(env),
		Loopback: env.Config.LoopbackCallbacks, Client: lifecycle.NewHTTPClient(env.Config.LoopbackCallbacks), Now: time.Now,
		Endpoints: store, DisableAfter: time.Duration(env.Config.CallbackDisableAfterDays) * 24 * time.Hour}
}

// LifecycleOn builds the lifecycle service over store.
func LifecycleOn(env *platform.Env, store *dynamo.Store) *lifecycle.Service {
	return &lifecycle.Service{Connections: store, Tokens: store, Log: store, Callbacks: callbacksOn(env, store), Now: time.Now}
}

func lifecycleRoute(env *platform.Env, build func(*dynamo.Store) AuthedHandler) apigw.LambdaHandler {
	// A disconnect keeps what the connection was for as long as its call
	// log lasts (LOG_RETENTION_DAYS), so the logs stay readable.
	retention := time.Duration(env.Config.LogRetentionDays) * 24 * time.Hour
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return build(s.WithCallRetention(retention)) })
}

// BlockConnectionFunction is BlockConnectionFunction in template.yaml.
func BlockConnectionFunction(env *platform.Env) apigw.LambdaHandler {
	return lifecycleRoute(env, func(s *dynamo.Store) AuthedHandler { return BlockConnection(LifecycleOn(env, s)) })
}

// UnblockConnectionFunction is UnblockConnectionFunction in template.yaml.
func UnblockConnectionFunction(env *platform.Env) apigw.LambdaHandler {
	return lifecycleRoute(env, func(s *dynamo.Store) AuthedHandler { return UnblockConnection(LifecycleOn(env, s)) })
}

// DisconnectConnectionFunction is DisconnectConnectionFunction in template.yaml.
func DisconnectConnectionFunction(env *platform.Env) apigw.LambdaHandler {
	return lifecycleRoute(env, func(s *dynamo.Store) AuthedHandler { return DisconnectConnection(LifecycleOn(env, s)) })
}

// ListConnectionDeliveriesFunction is ListConnectionDeliveriesFunction in template.yaml.
func ListConnectionDeliveriesFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListConnectionDeliveries(s) })
}

// RedeliverConnectionFunction is RedeliverConnectionFunction in template.yaml.
func RedeliverConnectionFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return RedeliverConnection(s, callbacksOn(env, s)) })
}

// ListConnectedAppDeliveriesFunction is ListConnectedAppDeliveriesFunction in template.yaml.
func ListConnectedAppDeliveriesFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListConnectedAppDeliveries(s) })
}

// RedeliverConnectedAppFunction is RedeliverConnectedAppFunction in template.yaml.
func RedeliverConnectedAppFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return RedeliverConnectedApp(s, callbacksOn(env, s)) })
}

// ListAppDeliveriesFunction is ListAppDeliveriesFunction in template.yaml.
func ListAppDeliveriesFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListAppDeliveries(s, s) })
}

// RedeliverAppFunction is RedeliverAppFunction in template.yaml.
func RedeliverAppFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return RedeliverApp(s, s, callbacksOn(env, s)) })
}

// ScheduledHandler is the lifecycle jobs' eventbridge.Handler.
type ScheduledHandler = eventbridge.Handler[ScheduledResult]

// ScheduledResult says what a scheduled run did, for its log and `make invoke`.
type ScheduledResult struct {
	Done int `json:"done"`
}

// UnblockExpired unblocks the timed blocks that are due. An error fails the
// run, so EventBridge's retry and the function's error metric see it.
func UnblockExpired(svc *lifecycle.Service, logger *slog.Logger) ScheduledHandler {
	return func(ctx context.Context, _ events.CloudWatchEvent) (ScheduledResult, error) {
		ctx = platform.WithLogger(ctx, logger)
		n, err := svc.UnblockExpired(ctx)
		logger.Info("timed blocks ended", "unblocked", n, "error", err)
		return ScheduledResult{Done: n}, err
	}
}

// RetryDeliveries sends the callbacks that are due, then the endpoint
// notices (emails to developers) their outcomes called for; notices nil
// sends none.
func RetryDeliveries(cb *lifecycle.Callbacks, notices *lifecycle.Notices, logger *slog.Logger) ScheduledHandler {
	return func(ctx context.Context, _ events.CloudWatchEvent) (ScheduledResult, error) {
		ctx = platform.WithLogger(ctx, logger)
		n, err := cb.RetryDue(ctx)
		logger.Info("callbacks retried", "attempts", n, "error", err)
		if notices != nil {
			sent, nerr := notices.Send(ctx)
			logger.Info("endpoint notices sent", "emails", sent, "error", nerr)
			err = errors.Join(err, nerr)
		}
		return ScheduledResult{Done: n}, err
	}
}

// UnblockExpiredFunction is UnblockExpiredFunction in template.yaml, run
// every minute: a timed block ends at most a minute late.
func UnblockExpiredFunction(env *platform.Env) ScheduledHandler {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	return UnblockExpired(LifecycleOn(env, store), env.Logger)
}

// RetryDeliveriesFunction is RetryDeliveriesFunction in template.yaml, run
// every minute.
func RetryDeliveriesFunction(env *platform.Env) ScheduledHandler {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	notices := &lifecycle.Notices{Endpoints: store, Apps: store, Users: store, Mailer: sesmail.New(env.SESv2(), env.Config.SenderAddress),
		SiteOrigin: env.Config.SiteOrigin, Now: time.Now}
	return RetryDeliveries(callbacksOn(env, store), notices, env.Logger)
}
