package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestAppLogListsEventsNewestFirstWithFilters(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	events := []switchboard.AppEvent{
		{ID: "evt_1", AccountID: "acc-a", Type: switchboard.EventInstalled, ConnectionID: "con_1", AppID: "app-pos", LocationID: "loc-1", ActorUserID: "usr-1", At: base},
		{ID: "evt_2", AccountID: "acc-a", Type: switchboard.EventBlocked, ConnectionID: "con_1", AppID: "app-pos", LocationID: "loc-1", ActorUserID: "usr-2", Reason: "unpaid", At: base.Add(time.Hour)},
		{ID: "evt_3", AccountID: "acc-a", Type: switchboard.EventInstalled, ConnectionID: "con_2", AppID: "app-bi", ActorUserID: "usr-1", At: base.Add(2 * time.Hour)},
		{ID: "evt_4", AccountID: "acc-b", Type: switchboard.EventInstalled, ConnectionID: "con_9", AppID: "app-pos", ActorUserID: "usr-9", At: base.Add(90 * time.Minute)},
	}
	for _, e := range events {
		if err := store.RecordEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// A retried write keeps one event.
	if err := store.RecordEvent(ctx, events[0]); err != nil {
		t.Fatal(err)
	}
	ids := func(p switchboard.AppEventPage) []string {
		var out []string
		for _, e := range p.Events {
			out = append(out, e.ID+":"+string(e.Type))
		}
		return out
	}
	cases := []struct {
		name string
		f    switchboard.AppEventFilter
		want []string
	}{
		{"all of one account", switchboard.AppEventFilter{}, []string{"evt_3:installed", "evt_2:blocked", "evt_1:installed"}},
		{"by type", switchboard.AppEventFilter{Types: []switchboard.AppEventType{switchboard.EventBlocked}}, []string{"evt_2:blocked"}},
		{"by user and app", switchboard.AppEventFilter{ActorUserID: "usr-1", AppID: "app-pos"}, []string{"evt_1:installed"}},
		{"by location", switchboard.AppEventFilter{LocationID: "loc-1"}, []string{"evt_2:blocked", "evt_1:installed"}},
		{"from inclusive, to exclusive", switchboard.AppEventFilter{From: base.Add(time.Hour), To: base.Add(2 * time.Hour)}, []string{"evt_2:blocked"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := store.ListEvents(ctx, "acc-a", c.f, switchboard.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p); !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	p, err := store.ListEvents(ctx, "acc-a", switchboard.AppEventFilter{}, switchboard.PageRequest{Limit: 2})
	if err != nil || len(p.Events) != 2 || p.NextCursor == "" {
		t.Fatalf("first page: %v %+v", err, p)
	}
	p2, err := store.ListEvents(ctx, "acc-a", switchboard.AppEventFilter{}, switchboard.PageRequest{Limit: 2, Cursor: p.NextCursor})
	if err != nil || len(p2.Events) != 1 || p2.Events[0].ID != "evt_1" {
		t.Fatalf("second page: %v %+v", err, p2)
	}
	if _, err := store.ListEvents(ctx, "acc-b", switchboard.AppEventFilter{}, switchboard.PageRequest{Cursor: p.NextCursor}); switchboard.ErrorCode(err) != switchboard.EInvalid {
		t.Fatalf("another account's cursor: %v", err)
	}
	if _, err := store.ListEvents(ctx, "acc-a", switchboard.AppEventFilter{Types: []switchboard.AppEventType{"nope"}}, switchboard.PageRequest{}); switchboard.ErrorCode(err) != switchboard.EInvalid {
		t.Fatalf("unknown type: %v", err)
	}
}

// TestAppLogFilteredPagesAreFull: a filter that keeps one event in three
// still fills a page of two in one call, and the cursor resumes right after
// the last event kept, so nothing is skipped or repeated.
func TestAppLogFilteredPagesAreFull(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var want []string
	for i := 0; i < 30; i++ {
		e := switchboard.AppEvent{ID: fmt.Sprintf("evt_%02d", i), AccountID: "acc-a", Type: switchboard.EventInstalled,
			ConnectionID: "con_1", AppID: "app-other", At: base.Add(time.Duration(i) * time.Minute)}
		if i%3 == 0 {
			e.AppID = "app-pos"
			want = append([]string{e.ID}, want...)
		}
		if err := store.RecordEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	cursor := ""
	for calls := 0; ; calls++ {
		p, err := store.ListEvents(ctx, "acc-a", switchboard.AppEventFilter{AppID: "app-pos"}, switchboard.PageRequest{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			got = append(got, e.ID)
		}
		if p.NextCursor == "" {
			break
		}
		if len(p.Events) != 2 {
			t.Fatalf("call %d: %d events with a cursor, want a full page", calls, len(p.Events))
		}
		cursor = p.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
