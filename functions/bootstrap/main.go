// Command bootstrap is every function of template.yaml: the Handler Lambda
// passes in _HANDLER (the function's logical ID) picks its constructor from
// the registry in package functions.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/functions"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

func main() {
	handler := os.Getenv("_HANDLER")
	construct, ok := functions.Lookup(handler)
	if !ok {
		// Exiting before the runtime loop makes Lambda report an init error
		// that names the problem, rather than a handler that never answers.
		platform.NewLogger(os.Stderr, slog.LevelInfo).Error("cold start failed: no function registered under this Handler (functions/registry.go)", "handler", handler)
		os.Exit(1)
	}
	env := platform.MustLoad(context.Background())
	lambda.Start(construct(env))
}
