// Package api holds the route handlers and the constructors that functions'
// mains call: each constructor takes the cold-start Env and returns the
// handler lambda.Start runs.
package api

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// probeTimeout keeps /health answering well inside the function's 5 s timeout
// even when a dependency hangs.
const probeTimeout = 2 * time.Second

// HealthCheck is one dependency's result in the /health body.
type HealthCheck struct {
	Status    string `json:"status"` // "ok" or "unreachable"
	LatencyMs int64  `json:"latencyMs"`
}

// HealthReport is the /health body.
type HealthReport struct {
	Status string                 `json:"status"` // "ok" or "degraded"
	Checks map[string]HealthCheck `json:"checks"`
}

// Health answers 200 when every probe passes and 503 otherwise. Probes run
// in parallel; why one failed is logged, not returned, since /health is
// public.
func Health(probes map[string]switchboard.Probe) apigw.HandlerFunc {
	names := make([]string, 0, len(probes))
	for name := range probes {
		names = append(names, name)
	}
	sort.Strings(names)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		ctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		report := HealthReport{Status: "ok", Checks: make(map[string]HealthCheck, len(names))}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, name := range names {
			wg.Go(func() {
				start := time.Now()
				err := probes[name].Probe(ctx)
				check := HealthCheck{Status: "ok", LatencyMs: time.Since(start).Milliseconds()}
				if err != nil {
					check.Status = "unreachable"
					platform.Logger(ctx).Warn("health probe failed", "check", name, "error", err)
				}
				mu.Lock()
				defer mu.Unlock()
				report.Checks[name] = check
				if err != nil {
					report.Status = "degraded"
				}
			})
		}
		wg.Wait()
		status := http.StatusOK
		if report.Status != "ok" {
			status = http.StatusServiceUnavailable
		}
		return apigw.JSON(status, report)
	}
}

// HealthFunction is the handler of HealthFunction in template.yaml.
func HealthFunction(env *platform.Env) apigw.LambdaHandler {
	return apigw.Handle(env.Logger, Health(map[string]switchboard.Probe{
		"table":         dynamo.New(env.DynamoDB(), env.Config.TableName),
		"archiveBucket": s3store.New(env.S3(), env.Config.ArchiveBucket),
	}))
}
