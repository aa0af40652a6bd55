package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStampScheduledEvents: every scheduled fixture in events/ is sent with
// the given time (the demo's work is relative to now); other events are
// sent byte for byte.
func TestStampScheduledEvents(t *testing.T) {
	files, err := filepath.Glob("../../../events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	at := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	scheduled := 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, ok, err := stampScheduled(body, at)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var ev map[string]any
		_ = json.Unmarshal(body, &ev)
		if want := ev["detail-type"] == "Scheduled Event"; ok != want {
			t.Fatalf("%s: scheduled = %v, want %v", f, ok, want)
		}
		if !ok {
			if string(out) != string(body) {
				t.Fatalf("%s: a non-scheduled event was changed", f)
			}
			continue
		}
		scheduled++
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got["time"] != "2030-01-02T03:04:00Z" {
			t.Fatalf("%s: time = %v", f, got["time"])
		}
		if got["resources"] == nil || got["source"] != "aws.events" {
			t.Fatalf("%s: other fields lost: %v", f, got)
		}
	}
	if scheduled < 5 {
		t.Fatalf("only %d scheduled fixtures found", scheduled)
	}
}
