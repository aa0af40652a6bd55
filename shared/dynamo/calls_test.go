package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestCallLogFiltersMatchTheReference records a log with every mix of
// resource, method and status, then checks that each filter and mix of
// filters, walked to the end through its cursors, lists exactly the calls
// CallFilter.Matches keeps, newest first.
func TestCallLogFiltersMatchTheReference(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	resources := []string{"orders", "customers", "catalog"}
	methods := []string{"GET", "POST", "PATCH", "DELETE"}
	statuses := []int{200, 201, 404, 422, 429, 503}
	var calls []switchboard.Call
	for i := range 120 {
		c := switchboard.Call{RequestID: fmt.Sprintf("req-%03d", i), AccountID: "acc-a", ConnectionID: "con_1",
			At: base.Add(time.Duration(i) * time.Minute), Resource: resources[rng.IntN(len(resources))],
			Method: methods[rng.IntN(len(methods))], Path: "/v1/x", Status: statuses[rng.IntN(len(statuses))], BodiesArchived: true}
		calls = append(calls, c)
		if err := store.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// Another connection's calls share no listing with con_1's.
	if err := store.RecordCall(ctx, switchboard.Call{RequestID: "req-other", AccountID: "acc-a", ConnectionID: "con_2",
		At: base, Resource: "orders", Method: "DELETE", Status: 503}); err != nil {
		t.Fatal(err)
	}
	filters := []switchboard.CallFilter{
		{},
		{Method: "DELETE"},
		{Resource: "catalog"},
		{Status: "503"},
		{Status: "4xx"},
		{Method: "POST", Status: "2xx"},
		{Resource: "orders", Method: "PATCH"},
		{Resource: "customers", Status: "429"},
		{Resource: "orders", Method: "GET", Status: "404"},
		{Method: "DELETE", From: base.Add(30 * time.Minute), To: base.Add(90 * time.Minute)},
		{Status: "5xx", From: base.Add(60 * time.Minute)},
		{To: base.Add(10 * time.Minute)},
		{Method: "OPTIONS"},
	}
	for _, f := range filters {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			var want []string
			for _, c := range slices.Backward(calls) {
				if f.Matches(c) {
					want = append(want, c.RequestID)
				}
			}
			var got []string
			f.Limit = 7
			for pages := 0; ; pages++ {
				if pages > 50 {
					t.Fatal("cursor never ends")
				}
				p, err := store.ListCalls(ctx, "acc-a", "con_1", f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range p.Calls {
					got = append(got, c.RequestID)
				}
				if p.NextCursor == "" {
					break
				}
				f.Cursor = p.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
		})
	}
}

// TestCallLogRareFilterReadsOnlyItsMatches shows a filter is a key range:
// among 150 calls, the first page of method=DELETE holds the two DELETE
// calls at once, where a filter over the time listing would read the 10
// newest calls and find none.
func TestCallLogRareFilterReadsOnlyItsMatches(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := range 150 {
		c := switchboard.Call{RequestID: fmt.Sprintf("req-%03d", i), AccountID: "acc-a", ConnectionID: "con_1",
			At: base.Add(time.Duration(i) * time.Second), Resource: "orders", Method: "GET", Status: 200}
		if i == 3 || i == 5 {
			c.Method, c.Status = "DELETE", 503
		}
		if err := store.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []switchboard.CallFilter{{Method: "DELETE"}, {Status: "503"}, {Status: "5xx"}, {Method: "DELETE", Resource: "orders"}} {
		f.Limit = 10
		p, err := store.ListCalls(ctx, "acc-a", "con_1", f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range p.Calls {
			got = append(got, c.RequestID)
		}
		if !slices.Equal(got, []string{"req-005", "req-003"}) {
			t.Errorf("%+v: first page %v, want [req-005 req-003]", f, got)
		}
	}
	// A cursor from one listing is refused by another.
	p, err := store.ListCalls(ctx, "acc-a", "con_1", switchboard.CallFilter{Limit: 2})
	if err != nil || p.NextCursor == "" {
		t.Fatalf("unfiltered page: %v %q", err, p.NextCursor)
	}
	_, err = store.ListCalls(ctx, "acc-a", "con_1", switchboard.CallFilter{Method: "DELETE", Cursor: p.NextCursor})
	if switchboard.ErrorCode(err) != switchboard.EInvalid {
		t.Fatalf("cursor of the time listing on the DELETE listing: %v, want invalid", err)
	}
}

// TestCallFilterRefusesKeyCharacters: filter values become parts of keys,
// so anything but a plain name is refused rather than read as a key range.
func TestCallFilterRefusesKeyCharacters(t *testing.T) {
	store := mustStore(t)
	for _, f := range []switchboard.CallFilter{{Resource: "orders#2026"}, {Method: "GET#"}, {Resource: "Orders"}, {Method: "get"}, {Resource: "orders~"}} {
		_, err := store.ListCalls(context.Background(), "acc-a", "con_1", f)
		if switchboard.ErrorCode(err) != switchboard.EInvalid {
			t.Errorf("%+v: %v, want invalid", f, err)
		}
	}
}
