package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestAppCallsListAcrossAccountsLikeTheReference logs an app's calls in two
// accounts (and another app's calls beside them), rolls the minutes up,
// then checks that every filter, walked to the end through its cursors,
// lists exactly the app's calls that CallFilter.Matches keeps, newest
// first by logging minute then time, whole entries included; a minute
// holds more calls than one chunk.
func TestAppCallsListAcrossAccountsLikeTheReference(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	resources := []string{"orders", "customers", "location"}
	methods := []string{"GET", "POST", "DELETE"}
	statuses := []int{200, 201, 404, 429, 503}
	var mine []switchboard.Call
	// Minute 3 holds 300 calls: two chunks.
	perMinute := []int{20, 35, 5, 300, 40}
	n := 0
	for m, count := range perMinute {
		for i := range count {
			at := start.Add(time.Duration(m)*time.Minute + time.Duration(i)*150*time.Millisecond)
			account := []string{"acc-a", "acc-b"}[rng.IntN(2)]
			c := switchboard.Call{RequestID: fmt.Sprintf("req-%04d", n), AccountID: account, ConnectionID: "con-" + account,
				AppID: "app-mine", LocationID: "loc-" + account, At: at, Resource: resources[rng.IntN(3)], Method: methods[rng.IntN(3)],
				Path: "/v1/x", Query: "a=1", Status: statuses[rng.IntN(len(statuses))], LatencyMs: int64(rng.IntN(90)),
				RequestBytes: rng.IntN(900), ResponseBytes: rng.IntN(900), LoggedAt: at.Add(20 * time.Millisecond)}
			n++
			if rng.IntN(2) == 0 {
				c.BodiesArchived = true
				if err := f.store.KeepBodies(ctx, c, switchboard.CallBodies{Request: switchboard.ArchivedBody{Body: "{}"}}); err != nil {
					t.Fatal(err)
				}
			}
			f.record(t, c)
			mine = append(mine, c)
			// Another app's call in the same account and minute.
			f.record(t, switchboard.Call{RequestID: c.RequestID + "-other", AccountID: account, ConnectionID: "con-other",
				AppID: "app-other", At: at, Resource: "orders", Method: "GET", Status: 200, LoggedAt: c.LoggedAt})
		}
	}
	f.clock.Set(start.Add(10 * time.Minute))
	f.rollUp(t)
	minute := func(c switchboard.Call) int64 { return c.LoggedAt.Truncate(time.Minute).Unix() }
	sort.SliceStable(mine, func(i, j int) bool {
		if minute(mine[i]) != minute(mine[j]) {
			return minute(mine[i]) > minute(mine[j])
		}
		if !mine[i].At.Equal(mine[j].At) {
			return mine[i].At.After(mine[j].At)
		}
		return mine[i].RequestID > mine[j].RequestID
	})
	filters := []switchboard.CallFilter{
		{},
		{Methods: []string{"DELETE"}},
		{Resources: []string{"customers", "location"}},
		{Statuses: []string{"5xx"}},
		{Statuses: []string{"404", "429"}, Methods: []string{"GET"}},
		{From: start.Add(90 * time.Second), To: start.Add(3*time.Minute + 10*time.Second)},
		{Statuses: []string{"2xx"}, From: start.Add(3 * time.Minute)},
		{Methods: []string{"OPTIONS"}},
	}
	for _, flt := range filters {
		t.Run(fmt.Sprintf("%+v", flt), func(t *testing.T) {
			var want []switchboard.Call
			for _, c := range mine {
				if flt.Matches(c) {
					want = append(want, c)
				}
			}
			var got []switchboard.Call
			flt.Limit = 37
			for pages := 0; ; pages++ {
				if pages > 40 {
					t.Fatal("cursor never ends")
				}
				p, err := f.store.ListAppCalls(ctx, "app-mine", flt)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Calls) > 37 {
					t.Fatalf("page of %d calls, limit 37", len(p.Calls))
				}
				got = append(got, p.Calls...)
				if p.NextCursor == "" {
					break
				}
				flt.Cursor = p.NextCursor
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("app's calls (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("another app's index holds none of them", func(t *testing.T) {
		p, err := f.store.ListAppCalls(ctx, "app-other", switchboard.CallFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Calls {
			if c.AppID != "app-other" {
				t.Fatalf("app-other lists %+v", c)
			}
		}
	})
	t.Run("a forged cursor is invalid", func(t *testing.T) {
		for _, cur := range []string{"nope", "eyJzayI6IkFQUCMiLCJza2lwIjoxfQ"} {
			_, err := f.store.ListAppCalls(ctx, "app-mine", switchboard.CallFilter{Cursor: cur})
			if switchboard.ErrorCode(err) != switchboard.EInvalid {
				t.Errorf("cursor %q: %v, want invalid", cur, err)
			}
		}
	})
	t.Run("rolling the same minutes up again changes nothing", func(t *testing.T) {
		if err := f.store.RewindRollUp(ctx, start); err != nil {
			t.Fatal(err)
		}
		f.rollUp(t)
		p, err := f.store.ListAppCalls(ctx, "app-mine", switchboard.CallFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Calls) != 100 || p.Calls[0].RequestID != mine[0].RequestID || p.Calls[99].RequestID != mine[99].RequestID {
			t.Errorf("after a rerun: %d calls, first %s", len(p.Calls), p.Calls[0].RequestID)
		}
	})
}

// TestFindCallByRequestIDChecksTheTenant: one key read finds a call by its
// request id for its account and for its app, whatever the connection;
// another account or app, an unknown id and an expired entry are not found.
func TestFindCallByRequestIDChecksTheTenant(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	ctx := context.Background()
	c := switchboard.Call{RequestID: "req-find", AccountID: "acc-a", ConnectionID: "con-7", AppID: "app-mine", LocationID: "loc-1",
		At: start, Resource: "orders", Method: "POST", Path: "/v1/x", Status: 201}
	f.record(t, c)
	for _, tc := range []struct {
		name      string
		find      func() (switchboard.Call, error)
		wantFound bool
	}{
		{"its account", func() (switchboard.Call, error) { return f.store.FindAccountCall(ctx, "acc-a", "req-find") }, true},
		{"its app", func() (switchboard.Call, error) { return f.store.FindAppCall(ctx, "app-mine", "req-find") }, true},
		{"its connection", func() (switchboard.Call, error) { return f.store.GetCall(ctx, "acc-a", "con-7", "req-find") }, true},
		{"another account", func() (switchboard.Call, error) { return f.store.FindAccountCall(ctx, "acc-b", "req-find") }, false},
		{"another app", func() (switchboard.Call, error) { return f.store.FindAppCall(ctx, "app-other", "req-find") }, false},
		{"no app", func() (switchboard.Call, error) { return f.store.FindAppCall(ctx, "", "req-find") }, false},
		{"another connection", func() (switchboard.Call, error) { return f.store.GetCall(ctx, "acc-a", "con-8", "req-find") }, false},
		{"an unknown id", func() (switchboard.Call, error) { return f.store.FindAccountCall(ctx, "acc-a", "req-none") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.find()
			if !tc.wantFound {
				if switchboard.ErrorCode(err) != switchboard.ENotFound {
					t.Fatalf("got %+v, %v; want not_found", got, err)
				}
				return
			}
			if err != nil || got.RequestID != "req-find" || got.ConnectionID != "con-7" || got.AppID != "app-mine" {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	t.Run("an entry filed under the old account key", func(t *testing.T) {
		// Written as releases before the app's view did: the item under
		// ACCOUNT#…#REQ#…, without an app.
		old := switchboard.Call{RequestID: "req-old", AccountID: "acc-a", ConnectionID: "con-7", At: start, Resource: "orders", Method: "GET", Status: 200}
		writes, err := f.store.CallWrites(ctx, old)
		if err != nil {
			t.Fatal(err)
		}
		item := writes[1].PutRequest.Item // the request-id item, see callKeys
		pk, sk := dynamo.LegacyCallByIDKey("acc-a", "req-old")
		item["PK"], item["SK"] = &types.AttributeValueMemberS{Value: pk}, &types.AttributeValueMemberS{Value: sk}
		if _, err := f.env.DynamoDB().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.env.Config.TableName), Item: item}); err != nil {
			t.Fatal(err)
		}
		if got, err := f.store.FindAccountCall(ctx, "acc-a", "req-old"); err != nil || got.RequestID != "req-old" {
			t.Errorf("the account's old entry: %+v, %v", got, err)
		}
		if got, err := f.store.GetCall(ctx, "acc-a", "con-7", "req-old"); err != nil || got.RequestID != "req-old" {
			t.Errorf("the connection's old entry: %+v, %v", got, err)
		}
		if _, err := f.store.FindAccountCall(ctx, "acc-b", "req-old"); switchboard.ErrorCode(err) != switchboard.ENotFound {
			t.Errorf("another account finds the old entry: %v", err)
		}
	})
	f.clock.Set(start.Add(91 * 24 * time.Hour))
	if _, err := f.store.FindAccountCall(ctx, "acc-a", "req-find"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("expired entry: %v, want not_found", err)
	}
}
