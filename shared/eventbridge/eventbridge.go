// Package eventbridge adapts Switchboard's scheduled jobs to EventBridge
// schedules, as package apigw adapts routes to API Gateway: one handler
// shape for every job, and the logger every run carries.
package eventbridge

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/shared/platform"
)

// Event is what an EventBridge schedule delivers.
type Event = events.CloudWatchEvent

// Handler is every scheduled function's shape. The report R is the run's
// answer (what `make invoke` prints); an error makes the run fail, so that
// Lambda's retry and the function's error metric see it: return one only
// when a retry is wanted.
type Handler[R any] func(ctx context.Context, ev Event) (R, error)

// Handle gives every run of h a logger naming the function and the event,
// reachable through platform.Logger(ctx).
func Handle[R any](logger *slog.Logger, function string, h Handler[R]) Handler[R] {
	return func(ctx context.Context, ev Event) (R, error) {
		return h(platform.WithLogger(ctx, logger.With("function", function, "eventId", ev.ID)), ev)
	}
}
