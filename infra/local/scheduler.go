package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/schedule"
)

// Timer is one enabled Schedule event, ready to fire.
type Timer struct {
	Function string
	Event    samtemplate.ScheduleEvent
	Schedule schedule.Schedule
	RuleARN  string
}

// Timers parses every enabled Schedule event of fns; a bad expression is an
// error now rather than a silent schedule that never fires.
func Timers(fns []samtemplate.Function, region, account string) ([]Timer, error) {
	var timers []Timer
	for _, fn := range fns {
		for _, ev := range fn.Schedules {
			// A disabled schedule is still deployed, so its expression must
			// be valid too.
			s, err := schedule.Parse(ev.Expression)
			if err != nil {
				return nil, fmt.Errorf("%s event %s: %w", fn.LogicalID, ev.Name, err)
			}
			if !ev.Enabled {
				continue
			}
			timers = append(timers, Timer{Function: fn.LogicalID, Event: ev, Schedule: s,
				RuleARN: fmt.Sprintf("arn:aws:events:%s:%s:rule/%s-%s", region, account, fn.LogicalID, ev.Name)})
		}
	}
	return timers, nil
}

// ScheduledEvent is the payload EventBridge sends for a scheduled rule, or
// the event's Input when the template sets one.
func (t Timer) ScheduledEvent(at time.Time, region, account string) []byte {
	if t.Event.Input != "" {
		return []byte(t.Event.Input)
	}
	b, _ := json.Marshal(map[string]any{ // maps of strings always marshal
		"version":     "0",
		"id":          newID(),
		"detail-type": "Scheduled Event",
		"source":      "aws.events",
		"account":     account,
		"time":        at.UTC().Format(time.RFC3339),
		"region":      region,
		"resources":   []string{t.RuleARN},
		"detail":      map[string]any{},
	})
	return b
}

// RunScheduler fires each timer at its next time until ctx ends. A late or
// failed run is logged; the next one is still computed from the clock.
func RunScheduler(ctx context.Context, timers []Timer, inv Invoker, region, account string, log io.Writer) {
	for _, t := range timers {
		go func() {
			for {
				next := t.Schedule.Next(time.Now())
				if next.IsZero() {
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(next)):
				}
				res, err := inv.Invoke(ctx, t.Function, t.ScheduledEvent(next, region, account))
				switch {
				case err != nil:
					fmt.Fprintf(log, "[scheduler] %s (%s): %v\n", t.Function, t.Event.Expression, err)
				case res.FunctionError != "":
					fmt.Fprintf(log, "[scheduler] %s (%s) failed: %s\n", t.Function, t.Event.Expression, res.Payload)
				default:
					fmt.Fprintf(log, "[scheduler] %s (%s) ran\n", t.Function, t.Event.Expression)
				}
			}
		}()
	}
}
