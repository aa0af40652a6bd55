package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
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
		{Methods: []string{"DELETE"}},
		{Resources: []string{"catalog"}},
		{Statuses: []string{"503"}},
		{Statuses: []string{"4xx"}},
		{Methods: []string{"POST"}, Statuses: []string{"2xx"}},
		{Resources: []string{"orders"}, Methods: []string{"PATCH"}},
		{Resources: []string{"customers"}, Statuses: []string{"429"}},
		{Resources: []string{"orders"}, Methods: []string{"GET"}, Statuses: []string{"404"}},
		{Methods: []string{"DELETE"}, From: base.Add(30 * time.Minute), To: base.Add(90 * time.Minute)},
		{Statuses: []string{"5xx"}, From: base.Add(60 * time.Minute)},
		{To: base.Add(10 * time.Minute)},
		{Methods: []string{"OPTIONS"}},
		// Several values of one filter: any of them (the page's multi-select).
		{Methods: []string{"POST", "DELETE"}},
		{Resources: []string{"orders", "catalog"}, Methods: []string{"GET", "PATCH"}},
		{Statuses: []string{"4xx", "5xx"}},
		{Statuses: []string{"404", "429"}},
		{Statuses: []string{"2xx", "503"}, Resources: []string{"customers", "catalog"}},
		{Statuses: []string{"5xx", "503"}, Methods: []string{"GET", "POST", "DELETE"}},
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

// TestCallLogRareFilterReadsOnlyItsMatches: among 150 calls, the first page
// of a rare filter holds the two matching calls at once: a status filter
// reads its class listing (errors only), a method filter reads the time
// listing on until its page is full, within its read budget, where a single
// query would read the 10 newest calls and find none.
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
	for _, f := range []switchboard.CallFilter{{Methods: []string{"DELETE"}}, {Statuses: []string{"503"}}, {Statuses: []string{"5xx"}}, {Methods: []string{"DELETE"}, Resources: []string{"orders"}}} {
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
	_, err = store.ListCalls(ctx, "acc-a", "con_1", switchboard.CallFilter{Statuses: []string{"5xx"}, Cursor: p.NextCursor})
	if switchboard.ErrorCode(err) != switchboard.EInvalid {
		t.Fatalf("cursor of the time listing on the 5xx listing: %v, want invalid", err)
	}
}

// TestCallFilterRefusesKeyCharacters: filter values become parts of keys,
// so anything but a plain name is refused rather than read as a key range.
func TestCallFilterRefusesKeyCharacters(t *testing.T) {
	store := mustStore(t)
	for _, f := range []switchboard.CallFilter{{Resources: []string{"orders#2026"}}, {Methods: []string{"GET#"}}, {Resources: []string{"Orders"}}, {Methods: []string{"get"}}, {Resources: []string{"orders~"}}, {Methods: []string{"GET", "POST#"}}, {Resources: []string{"orders", "x~"}}} {
		_, err := store.ListCalls(context.Background(), "acc-a", "con_1", f)
		if switchboard.ErrorCode(err) != switchboard.EInvalid {
			t.Errorf("%+v: %v, want invalid", f, err)
		}
	}
}

// walkCalls lists f to its end through its cursors and returns the request
// ids of each page.
func walkCalls(t *testing.T, store *dynamo.Store, f switchboard.CallFilter) [][]string {
	t.Helper()
	var pages [][]string
	for {
		if len(pages) > 200 {
			t.Fatal("cursor never ends")
		}
		p, err := store.ListCalls(context.Background(), "acc-a", "con_1", f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range p.Calls {
			ids = append(ids, c.RequestID)
		}
		pages = append(pages, ids)
		if p.NextCursor == "" {
			return pages
		}
		f.Cursor = p.NextCursor
	}
}

// recordMixedLog records 300 calls, newest last: half are customers calls
// answered 5xx, one in fifteen an orders call answered 502 or a PATCH of an
// order refused 409, the rest orders GETs answered 200. Combined filters
// thus pick a listing where few entries match all filters.
func recordMixedLog(t *testing.T, store *dynamo.Store) []switchboard.Call {
	t.Helper()
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var calls []switchboard.Call
	for i := range 300 {
		c := switchboard.Call{RequestID: fmt.Sprintf("req-%03d", i), AccountID: "acc-a", ConnectionID: "con_1",
			At: base.Add(time.Duration(i) * time.Second), Resource: "orders", Method: "GET", Path: "/v1/x", Status: 200}
		switch {
		case i%2 == 0:
			c.Resource, c.Status = "customers", 500+i%4
		case i%15 == 7:
			c.Status = 502
		case i%15 == 1:
			c.Method, c.Status = "PATCH", 409
		}
		calls = append(calls, c)
		if err := store.RecordCall(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	return calls
}

// TestCombinedFiltersFillTheirPages: a filter on two or three dimensions
// reads one dimension's listing and filters the rest; the page is filled
// by reading on, so every page but the last is full, and the pages,
// followed through their cursors, list exactly the matching calls once,
// newest first.
func TestCombinedFiltersFillTheirPages(t *testing.T) {
	store := mustStore(t)
	calls := recordMixedLog(t, store)
	for _, f := range []switchboard.CallFilter{
		{Resources: []string{"orders"}, Statuses: []string{"5xx"}, Limit: 3},
		{Resources: []string{"orders"}, Statuses: []string{"5xx"}, Limit: 100},
		{Resources: []string{"orders"}, Methods: []string{"GET"}, Statuses: []string{"5xx"}, Limit: 4},
		{Resources: []string{"orders"}, Statuses: []string{"4xx"}, Limit: 2},
		{Methods: []string{"PATCH"}, Statuses: []string{"4xx"}, Limit: 5},
		{Resources: []string{"customers"}, Statuses: []string{"503"}, Limit: 10},
		{Resources: []string{"orders"}, Methods: []string{"GET"}, Limit: 25},
		{Resources: []string{"customers"}, Methods: []string{"PATCH"}, Limit: 5}, // matches nothing
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			var want []string
			for _, c := range slices.Backward(calls) {
				if f.Matches(c) {
					want = append(want, c.RequestID)
				}
			}
			pages := walkCalls(t, store, f)
			var got []string
			for i, p := range pages {
				got = append(got, p...)
				if i < len(pages)-1 && len(p) != f.Limit {
					t.Errorf("page %d of %d holds %d calls, want a full page of %d", i+1, len(pages), len(p), f.Limit)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
			// The walk ends on the last match, or on one empty page after
			// a full one when that last page ended exactly on it.
			if full := (len(want) + f.Limit - 1) / f.Limit; len(pages) != max(full, 1) && !(len(pages) == full+1 && len(pages[full]) == 0) {
				t.Errorf("%d matches in %d pages of %d", len(want), len(pages), f.Limit)
			}
		})
	}
}

// TestFilteredPageStopsAtItsReadBudget: a page never reads more than its
// budget. With a budget of 20 items, resource=orders&status=5xx reads the
// 5xx listing (160 calls, 10 matching) 20 at a time: pages come short or
// empty, each with a cursor, and the walk still lists every match once.
// With the default budget the same filter fills its pages.
func TestFilteredPageStopsAtItsReadBudget(t *testing.T) {
	store := mustStore(t)
	calls := recordMixedLog(t, store)
	var want []string
	f := switchboard.CallFilter{Resources: []string{"orders"}, Statuses: []string{"5xx"}, Limit: 10}
	for _, c := range slices.Backward(calls) {
		if f.Matches(c) {
			want = append(want, c.RequestID)
		}
	}
	pages := walkCalls(t, store.WithReadBudget(20), f)
	var got []string
	for _, p := range pages {
		got = append(got, p...)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if len(want) != 10 || len(pages) < 160/20 {
		t.Errorf("%d matches in %d pages: reading 160 entries 20 at a time takes at least %d", len(want), len(pages), 160/20)
	}
	if len(pages[0]) >= f.Limit {
		t.Errorf("first page %v: 20 reads of a listing where one entry in sixteen matches cannot fill 10", pages[0])
	}
	f.Limit = 5
	if full := walkCalls(t, store, f); len(full) < 2 || len(full) > 3 || len(full[0]) != f.Limit || len(full[1]) != f.Limit || (len(full) == 3 && len(full[2]) != 0) {
		t.Errorf("with the default budget: pages %v, want two full pages", full)
	}
}

// TestMultiValueFiltersKeepTheReadBudget: filters with several values
// (the Logs page's multi-select) list what CallFilter.Matches keeps, and
// within the read budget. Statuses of one class read that class's listing
// (5xx: 160 entries, read 20 at a time); statuses of two classes, like
// methods, read the time listing (300 entries) 20 at a time.
func TestMultiValueFiltersKeepTheReadBudget(t *testing.T) {
	store := mustStore(t)
	calls := recordMixedLog(t, store)
	for _, tt := range []struct {
		f        switchboard.CallFilter
		minPages int // entries of the listing read / budget
	}{
		{switchboard.CallFilter{Statuses: []string{"502", "503"}, Resources: []string{"orders", "catalog"}}, 160 / 20},
		{switchboard.CallFilter{Statuses: []string{"4xx", "502"}}, 300 / 20},
		{switchboard.CallFilter{Methods: []string{"PATCH", "DELETE"}, Resources: []string{"orders", "location"}}, 300 / 20},
	} {
		t.Run(fmt.Sprintf("%+v", tt.f), func(t *testing.T) {
			f := tt.f
			f.Limit = 10
			var want []string
			for _, c := range slices.Backward(calls) {
				if f.Matches(c) {
					want = append(want, c.RequestID)
				}
			}
			if len(want) == 0 {
				t.Fatal("the filter matches nothing: the test would prove nothing")
			}
			pages := walkCalls(t, store.WithReadBudget(20), f)
			var got []string
			for _, p := range pages {
				got = append(got, p...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
			if len(pages) < tt.minPages {
				t.Errorf("%d pages: reading the listing 20 entries a page takes at least %d", len(pages), tt.minPages)
			}
		})
	}
}
