// Command afterfn is a Lambda function for the runtime's Extensions API
// tests: it leaves work running after its answer, tracked by
// shared/platform's AfterResponse (whose internal extension it registers
// at init, as the platform API's functions do).
//
//	{"work_ms":N,"mark":"path"}  answers at once; N ms later the background
//	                             work writes path
//	{"check":"path"}             answers {"exists":true} if path exists
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/shared/platform"
)

type input struct {
	WorkMS int    `json:"work_ms"`
	Mark   string `json:"mark"`
	Check  string `json:"check"`
}

func main() {
	log := platform.NewLogger(os.Stderr, slog.LevelInfo)
	after := platform.ProcessAfterResponse(log)
	handle := func(ctx context.Context, in input) (map[string]any, error) {
		if in.Check != "" {
			_, err := os.Stat(in.Check)
			return map[string]any{"exists": err == nil}, nil
		}
		after.Go(ctx, time.Minute, func(ctx context.Context) {
			select {
			case <-time.After(time.Duration(in.WorkMS) * time.Millisecond):
			case <-ctx.Done():
				log.Error("work cut short", "error", ctx.Err())
				return
			}
			if err := os.WriteFile(in.Mark, []byte("done"), 0o600); err != nil {
				log.Error("mark not written", "error", err)
			}
		})
		return map[string]any{"started": true}, nil
	}
	lambda.Start(platform.Track(after, handle))
}
