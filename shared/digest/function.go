package digest

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/eventbridge"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Handler is a digest function's eventbridge.Handler: the run's Report is
// its answer, and it returns an error only when Lambda should retry the
// invocation (emails left pending, a store failure).
type Handler = eventbridge.Handler[Report]

// NewSender builds a Sender over the function's table and SES.
func NewSender(env *platform.Env) *Sender {
	return &Sender{
		Store:      dynamo.New(env.DynamoDB(), env.Config.TableName),
		Mailer:     sesmail.New(env.SESv2(), env.Config.SenderAddress),
		SiteOrigin: env.Config.SiteOrigin,
		Logger:     env.Logger,
		Now:        time.Now,
		Lease:      time.Minute,
		// Eight accounts at once overlap SES and DynamoDB latency; an SES
		// sending quota below that rate shows up as throttling, which is
		// retried with backoff (here and in the SDK).
		Concurrency: 8,
		Backoff:     []time.Duration{200 * time.Millisecond, time.Second, 4 * time.Second},
	}
}

// Handle runs s for frequency f at the event's scheduled time. EventBridge
// retries and Lambda's asynchronous retries carry the same time, so they
// read up to the same instant; they start at the account's mark, and the
// delivery records skip what was sent. A retry that never comes is made up
// by the next hour's run, which starts at the same mark.
func (s *Sender) Handle(f switchboard.Frequency) Handler {
	return func(ctx context.Context, ev events.CloudWatchEvent) (Report, error) {
		runAt := ev.Time
		if runAt.IsZero() {
			runAt = s.Now()
		}
		rep, err := s.Run(ctx, f, runAt)
		s.Logger.Info("digest run", "frequency", f, "runAt", runAt.UTC(), "rules", rep.Rules, "periods", rep.Periods, "due", rep.Due,
			"events", rep.Events, "sent", rep.Sent, "skipped", rep.Skipped, "leased", rep.Leased, "failed", rep.Failed, "pending", rep.Transient,
			"givenUp", rep.GivenUp)
		if err != nil {
			s.Logger.Error("digest run incomplete", "frequency", f, "error", err)
		}
		return rep, err
	}
}

// SendHourlyDigestsFunction is SendHourlyDigestsFunction in template.yaml.
func SendHourlyDigestsFunction(env *platform.Env) Handler {
	return NewSender(env).Handle(switchboard.Hourly)
}

// SendDailyDigestsFunction is SendDailyDigestsFunction in template.yaml.
func SendDailyDigestsFunction(env *platform.Env) Handler {
	return NewSender(env).Handle(switchboard.Daily)
}

// SendWeeklyDigestsFunction is SendWeeklyDigestsFunction in template.yaml.
func SendWeeklyDigestsFunction(env *platform.Env) Handler {
	return NewSender(env).Handle(switchboard.Weekly)
}

// SendMonthlyDigestsFunction is SendMonthlyDigestsFunction in template.yaml.
func SendMonthlyDigestsFunction(env *platform.Env) Handler {
	return NewSender(env).Handle(switchboard.Monthly)
}
