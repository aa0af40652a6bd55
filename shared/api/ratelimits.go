package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// RateLimitStore is what the connection's rate-limit panel reads.
type RateLimitStore interface {
	GetConnection(ctx context.Context, accountID, connectionID string) (switchboard.Connection, error)
	switchboard.RateCounter
}

// ConnectionRateLimits is GET …/rate_limits' answer.
type ConnectionRateLimits struct {
	ConnectionID   string                  `json:"connectionId"`
	WarningPercent int                     `json:"warningPercent"`
	PeakDays       int                     `json:"peakDays"`
	Windows        []switchboard.RateUsage `json:"windows"`
}

// GetConnectionRateLimits serves GET
// /admin/v1/connections/{connectionId}/rate_limits: each window's limit,
// use now, and peak today and over the last 7 UTC days, from the door's
// own counter (one key read; see dynamo/ratelimits.go). The connection is
// read first, in the caller's account, so another account's id is a 404.
func GetConnectionRateLimits(store RateLimitStore, now func() time.Time) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		id := req.PathParameters["connectionId"]
		var (
			c                 switchboard.Connection
			counts            []switchboard.RateWindowCount
			connErr, countErr error
			wg                sync.WaitGroup
		)
		// Both at once; the counts are shown only if the connection is
		// the caller's.
		wg.Go(func() { c, connErr = store.GetConnection(ctx, p.AccountID, id) })
		wg.Go(func() {
			counts, countErr = store.RateWindowCounts(ctx, switchboard.RateKey(id), rateWindows(switchboard.DefaultRateLimits))
		})
		wg.Wait()
		if connErr != nil {
			return apigw.Response{}, connErr
		}
		if countErr != nil {
			return apigw.Response{}, countErr
		}
		return apigw.JSON(http.StatusOK, ConnectionRateLimits{ConnectionID: c.ID, WarningPercent: switchboard.RateWarningPercent,
			PeakDays: switchboard.RatePeakDays, Windows: switchboard.Usage(switchboard.DefaultRateLimits, counts, now())})
	}
}

// GetConnectionRateLimitsFunction is GetConnectionRateLimitsFunction in template.yaml.
func GetConnectionRateLimitsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return GetConnectionRateLimits(s, time.Now) })
}
