package platform

import (
	"context"
	"log/slog"
)

type loggerKey struct{}

// WithLogger returns a context carrying logger, so that code deep in a request
// logs with that request's ids without passing the logger through every call.
func WithLogger(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, logger)
}

// Logger returns the context's logger, or slog's default when none was set.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
