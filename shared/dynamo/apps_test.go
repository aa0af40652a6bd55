package dynamo_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func mustStore(tb testing.TB) *dynamo.Store {
	tb.Helper()
	env := testenv.MustEnv(tb)
	return dynamo.New(env.DynamoDB(), env.Config.TableName)
}

// published registers a as a published app of a developer account.
func published(a switchboard.App) switchboard.DeveloperApp {
	return switchboard.DeveloperApp{App: a, OwnerAccountID: "acc-dev", RedirectURIs: []string{"https://dev.example/callback"}, Published: true}
}

// registerListed registers app, published, and approves its listing as an
// operator would: only then is it in the catalog.
func registerListed(ctx context.Context, store *dynamo.Store, app switchboard.DeveloperApp, secretHash, sealed string) error {
	if err := store.RegisterApp(ctx, app, secretHash, sealed); err != nil {
		return err
	}
	return store.ReviewListing(ctx, app.ID, switchboard.ListingReview{Approve: true})
}

func newApp(id, name, category string) switchboard.App {
	return switchboard.App{
		ID: id, Name: name, Category: category, Level: switchboard.LevelLocation,
		Scopes: []string{"orders.read"}, Developer: "Test Ltd",
		CreatedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
	}
}

func TestCreateAppConflictAndValidation(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	app := newApp("orderline-pos", "OrderLine POS", "pos")
	if err := registerListed(ctx, store, published(app), "secret-hash", ""); err != nil {
		t.Fatal(err)
	}
	renamed := app
	renamed.Name = "Another name"
	if got := switchboard.ErrorCode(store.RegisterApp(ctx, published(renamed), "secret-hash", "")); got != switchboard.EConflict {
		t.Errorf("second create: code %q, want conflict", got)
	}
	bad := newApp("x", "", "pos")
	if got := switchboard.ErrorCode(store.RegisterApp(ctx, published(bad), "secret-hash", "")); got != switchboard.EInvalid {
		t.Errorf("invalid app: code %q, want invalid", got)
	}
	page, err := store.ListApps(ctx, switchboard.AppFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]switchboard.App{app}, page.Apps); d != "" {
		t.Errorf("catalog after conflict (-want +got):\n%s", d)
	}
}

func TestListAppsPagesByCategoryThenName(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	var wantAll, wantPOS []string
	// Created out of order: the catalog orders by category, then name.
	for i := 6; i >= 0; i-- {
		cat := []string{"pos", "delivery"}[i%2]
		a := newApp(fmt.Sprintf("app-%02d", i), fmt.Sprintf("App %02d", i), cat)
		if err := registerListed(ctx, store, published(a), "secret-hash", ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, cat := range []string{"delivery", "pos"} {
		for i := 0; i <= 6; i++ {
			if []string{"pos", "delivery"}[i%2] == cat {
				wantAll = append(wantAll, fmt.Sprintf("app-%02d", i))
				if cat == "pos" {
					wantPOS = append(wantPOS, fmt.Sprintf("app-%02d", i))
				}
			}
		}
	}
	collect := func(f switchboard.AppFilter) []string {
		t.Helper()
		var ids []string
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("cursor never ends")
			}
			page, err := store.ListApps(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Apps) > f.Limit {
				t.Fatalf("page of %d apps, limit %d", len(page.Apps), f.Limit)
			}
			for _, a := range page.Apps {
				ids = append(ids, a.ID)
			}
			if page.NextCursor == "" {
				return ids
			}
			f.Cursor = page.NextCursor
		}
	}
	if d := cmp.Diff(wantAll, collect(switchboard.AppFilter{Limit: 3})); d != "" {
		t.Errorf("all apps (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantPOS, collect(switchboard.AppFilter{Category: "pos", Limit: 2})); d != "" {
		t.Errorf("pos apps (-want +got):\n%s", d)
	}
	// Search is by name, in any case, across pages.
	if d := cmp.Diff([]string{"app-03"}, collect(switchboard.AppFilter{Search: "aPP 03", Limit: 2})); d != "" {
		t.Errorf("search (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"app-06"}, collect(switchboard.AppFilter{Category: "pos", Search: "06", Limit: 1})); d != "" {
		t.Errorf("search in a category (-want +got):\n%s", d)
	}
	if got := collect(switchboard.AppFilter{Category: "delivery", Search: "06", Limit: 3}); len(got) != 0 {
		t.Errorf("App 06 is not a delivery app: %v", got)
	}
	if got := collect(switchboard.AppFilter{Search: "nothing like it", Limit: 3}); len(got) != 0 {
		t.Errorf("search without match: %v", got)
	}
}

func TestListAppsRejectsForeignCursors(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	for i := range 3 {
		if err := registerListed(ctx, store, published(newApp(fmt.Sprintf("app-%d", i), fmt.Sprintf("App %d", i), "delivery")), "secret-hash", ""); err != nil {
			t.Fatal(err)
		}
	}
	page, err := store.ListApps(ctx, switchboard.AppFilter{Category: "delivery", Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("want a next cursor, got %q, %v", page.NextCursor, err)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := map[string]switchboard.AppFilter{
		"other category's cursor": {Category: "pos", Cursor: page.NextCursor},
		"not base64":              {Cursor: "!!!"},
		"not JSON":                {Cursor: enc("nope")},
		"missing keys":            {Cursor: enc(`{"PK":"APP#x"}`)},
		"extra keys":              {Cursor: enc(`{"PK":"a","SK":"b","GSI1PK":"CATALOG","GSI1SK":"c","X":"d"}`)},
		"other partition":         {Cursor: enc(`{"PK":"a","SK":"b","GSI1PK":"ACCOUNT#1","GSI1SK":"c"}`)},
		"empty values":            {Cursor: enc(`{"PK":"","SK":"b","GSI1PK":"CATALOG","GSI1SK":"c"}`)},
		"unknown category":        {Category: "casino"},
		"limit too big":           {Limit: 101},
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := store.ListApps(ctx, f)
			if got := switchboard.ErrorCode(err); got != switchboard.EInvalid {
				t.Errorf("code %q (%v), want invalid", got, err)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	env := testenv.MustEnv(t)
	if err := dynamo.New(env.DynamoDB(), env.Config.TableName).Probe(context.Background()); err != nil {
		t.Errorf("probe of an existing table: %v", err)
	}
	if err := dynamo.New(env.DynamoDB(), "no-such-table").Probe(context.Background()); err == nil {
		t.Error("probe of a missing table succeeded")
	}
}
