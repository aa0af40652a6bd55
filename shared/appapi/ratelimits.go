package appapi

import (
	"context"

	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// rateLimitBody is one window in GET /v1/rate_limits.
type rateLimitBody struct {
	Window    string `json:"window"`    // minute, hour or day
	Limit     int    `json:"limit"`     // calls allowed per window
	Used      int    `json:"used"`      // calls counted in the current window, this one included
	Remaining int    `json:"remaining"` // limit - used, never below zero
	Reset     int64  `json:"reset"`     // Unix seconds when the window ends, as X-RateLimit-Reset
	ResetAt   string `json:"reset_at"`  // the same instant, RFC 3339
}

type rateLimitsBody struct {
	RateLimits []rateLimitBody `json:"rate_limits"`
}

// GetRateLimits serves GET /v1/rate_limits: the token's connection's
// windows, as the door counted this very call (Caller.Rate). It reads
// nothing more, and it agrees with the X-RateLimit-* headers of the same
// answer, which describe the window with the fewest calls remaining.
func GetRateLimits() Handler {
	return func(_ context.Context, c Caller, _ apigw.Request) (apigw.Response, error) {
		body := rateLimitsBody{RateLimits: make([]rateLimitBody, 0, len(c.Rate))}
		for _, u := range c.Rate {
			body.RateLimits = append(body.RateLimits, rateLimitBody{Window: u.Window, Limit: u.Limit, Used: u.Used,
				Remaining: u.Remaining, Reset: u.ResetAt.Unix(), ResetAt: u.ResetAt.UTC().Format("2006-01-02T15:04:05Z")})
		}
		return statusOK(body)
	}
}
