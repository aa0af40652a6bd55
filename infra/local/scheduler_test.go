package local

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
)

func TestTimers(t *testing.T) {
	fns := []samtemplate.Function{
		{LogicalID: "Api"}, // no schedules
		{LogicalID: "Reports", Schedules: []samtemplate.ScheduleEvent{
			{Name: "Hourly", Expression: "rate(1 hour)", Enabled: true},
			{Name: "Paused", Expression: "rate(5 minutes)", Enabled: false},
			{Name: "Nightly", Expression: "cron(0 3 * * ? *)", Input: `{"kind":"nightly"}`, Enabled: true},
		}},
		{LogicalID: "Cleanup", Schedules: []samtemplate.ScheduleEvent{
			{Name: "Off", Expression: "rate(1 day)", Enabled: false},
		}},
	}
	timers, err := Timers(fns, "eu-west-1", "123456789012")
	if err != nil {
		t.Fatalf("Timers: %v", err)
	}

	// Next proves each timer carries its own parsed expression.
	after := time.Date(2024, 5, 6, 10, 30, 0, 0, time.UTC)
	type timerView struct {
		Function, Event, RuleARN, Input string
		Next                            time.Time
	}
	var got []timerView
	for _, tm := range timers {
		got = append(got, timerView{tm.Function, tm.Event.Name, tm.RuleARN, tm.Event.Input, tm.Schedule.Next(after)})
	}
	want := []timerView{
		{"Reports", "Hourly", "arn:aws:events:eu-west-1:123456789012:rule/Reports-Hourly", "", time.Date(2024, 5, 6, 11, 0, 0, 0, time.UTC)},
		{"Reports", "Nightly", "arn:aws:events:eu-west-1:123456789012:rule/Reports-Nightly", `{"kind":"nightly"}`, time.Date(2024, 5, 7, 3, 0, 0, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timers (-want +got):\n%s", diff)
	}
}

func TestTimersInvalidExpression(t *testing.T) {
	tests := []struct {
		name string
		expr string
	}{
		{"not an expression", "every day"},
		{"zero rate", "rate(0 minutes)"},
		{"bad unit", "rate(5 fortnights)"},
		{"cron with too few fields", "cron(0 3 * *)"},
		{"unclosed", "rate(5 minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fns := []samtemplate.Function{
				{LogicalID: "Fine", Schedules: []samtemplate.ScheduleEvent{{Name: "Ok", Expression: "rate(1 hour)", Enabled: true}}},
				{LogicalID: "Broken", Schedules: []samtemplate.ScheduleEvent{{Name: "BadTick", Expression: tt.expr, Enabled: true}}},
			}
			timers, err := Timers(fns, "us-east-1", "000000000000")
			if err == nil {
				t.Fatalf("Timers(%q) = %d timers, want an error", tt.expr, len(timers))
			}
			for _, s := range []string{"Broken", "BadTick"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %s", err, s)
				}
			}
		})
	}
}

func TestScheduledEvent(t *testing.T) {
	tm := Timer{Function: "Reports", RuleARN: "arn:aws:events:eu-west-1:123456789012:rule/Reports-Hourly",
		Event: samtemplate.ScheduleEvent{Name: "Hourly", Expression: "rate(1 hour)", Enabled: true}}
	at := time.Date(2024, 5, 6, 13, 0, 0, 0, time.FixedZone("CEST", 2*3600)) // 11:00 UTC

	payload := tm.ScheduledEvent(at, "eu-west-1", "123456789012")

	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	if got, want := string(raw["time"]), `"2024-05-06T11:00:00Z"`; got != want {
		t.Errorf("time = %s, want %s", got, want)
	}
	if got, want := string(raw["detail"]), `{}`; got != want {
		t.Errorf("detail = %s, want %s", got, want)
	}
	// Decoded as a function would decode it.
	var e events.EventBridgeEvent
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	firstID := e.ID
	if firstID == "" {
		t.Error("id is empty")
	}
	e.ID, e.Detail = "", nil
	want := events.EventBridgeEvent{
		Version:    "0",
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  "123456789012",
		Time:       time.Date(2024, 5, 6, 11, 0, 0, 0, time.UTC),
		Region:     "eu-west-1",
		Resources:  []string{"arn:aws:events:eu-west-1:123456789012:rule/Reports-Hourly"},
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}

	var again events.EventBridgeEvent
	if err := json.Unmarshal(tm.ScheduledEvent(at, "eu-west-1", "123456789012"), &again); err != nil {
		t.Fatal(err)
	}
	if again.ID == "" || again.ID == firstID {
		t.Errorf("ids %q and %q, want a new id per event", firstID, again.ID)
	}
}

func TestScheduledEventInput(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{"object", `{"kind":"nightly","limit":10}`},
		{"string", `"tick"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := Timer{Function: "Reports", RuleARN: "arn:aws:events:eu-west-1:123456789012:rule/Reports-Nightly",
				Event: samtemplate.ScheduleEvent{Name: "Nightly", Expression: "cron(0 3 * * ? *)", Input: tt.input, Enabled: true}}
			got := tm.ScheduledEvent(time.Now(), "eu-west-1", "123456789012")
			if string(got) != tt.input {
				t.Errorf("payload = %s, want the Input %s unchanged", got, tt.input)
			}
		})
	}
}
