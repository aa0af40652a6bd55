package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestInstallIsOneIdempotentTransaction: an install writes the instance's
// claim, the connection, its event and its delivery together; the same
// request sent again (the SDK's resend after a lost answer, same token)
// succeeds without a second write; another install of the same instance is
// refused whole, leaving no event and no delivery; a re-authorisation is
// version-conditioned, with its scopes_updated event logged alongside.
func TestInstallIsOneIdempotentTransaction(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	conn := switchboard.Connection{ID: "con_inst", AccountID: "acc-a", LocationID: "loc-1", AppID: "app-pos", AppName: "POS",
		Level: switchboard.LevelLocation, Scope: "location[orders.read]", Status: switchboard.ConnectionActive, ConnectedAt: now, UpdatedAt: now, TokenHash: "h1"}
	install := func(c switchboard.Connection, typ switchboard.AppEventType) switchboard.ConnectionChange {
		e := switchboard.AppEvent{ID: switchboard.NewEventID(now), AccountID: c.AccountID, Type: typ, ConnectionID: c.ID, AppID: c.AppID, LocationID: c.LocationID, At: now, After: &c}
		d := &switchboard.Delivery{EventID: e.ID, Type: "connection.installed", AccountID: c.AccountID, AppID: c.AppID, ConnectionID: c.ID,
			LocationID: c.LocationID, CreatedAt: now, URL: "https://app.example/hooks", Body: "{}", State: switchboard.DeliveryPending,
			Attempts: []switchboard.DeliveryAttempt{}, NextAttemptAt: &now}
		return switchboard.ConnectionChange{After: &c, Create: true, Event: e, Delivery: d}
	}
	first := install(conn, switchboard.EventInstalled)
	if err := store.ChangeConnection(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := store.ChangeConnection(ctx, first); err != nil {
		t.Fatalf("the same request again: %v, want success (same ClientRequestToken)", err)
	}
	got, err := store.FindConnection(ctx, "acc-a", "loc-1", "app-pos", "")
	if err != nil || got.ID != conn.ID || got.Version != 1 {
		t.Fatalf("installed connection %+v, %v", got, err)
	}
	if _, err := store.GetDelivery(ctx, "acc-a", first.Event.ID); err != nil {
		t.Errorf("the install's delivery: %v", err)
	}

	other := conn
	other.ID = "con_other"
	refused := install(other, switchboard.EventInstalled)
	if err := store.ChangeConnection(ctx, refused); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Fatalf("second install of the instance: %v, want a conflict", err)
	}
	if _, err := store.GetConnection(ctx, "acc-a", other.ID); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("the refused install left its connection: %v", err)
	}
	if _, err := store.GetDelivery(ctx, "acc-a", refused.Event.ID); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("the refused install left a delivery: %v", err)
	}

	updated := got
	updated.Scope, updated.TokenHash = "location[orders.read,orders.write]", "h2"
	reinstall := func(before switchboard.Connection) switchboard.ConnectionChange {
		e := switchboard.AppEvent{ID: switchboard.NewEventID(now), AccountID: "acc-a", Type: switchboard.EventReinstalled, ConnectionID: conn.ID, AppID: "app-pos", At: now}
		scopes := e
		scopes.ID, scopes.Type = switchboard.NewEventID(now), switchboard.EventScopesUpdated
		return switchboard.ConnectionChange{Before: before, After: &updated, Event: e, Also: []switchboard.AppEvent{scopes}}
	}
	stale := got
	stale.Version = 0
	if err := store.ChangeConnection(ctx, reinstall(stale)); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Fatalf("stale re-authorisation: %v, want a conflict", err)
	}
	if err := store.ChangeConnection(ctx, reinstall(got)); err != nil {
		t.Fatal(err)
	}
	after, err := store.GetConnection(ctx, "acc-a", conn.ID)
	if err != nil || after.Version != 2 || after.TokenHash != "h2" {
		t.Fatalf("re-authorised connection %+v, %v", after, err)
	}
	events, err := store.ListEvents(ctx, "acc-a", switchboard.AppEventFilter{ConnectionID: conn.ID}, switchboard.PageRequest{Limit: switchboard.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	count := map[switchboard.AppEventType]int{}
	for _, e := range events.Events {
		count[e.Type]++
	}
	if count[switchboard.EventInstalled] != 1 || count[switchboard.EventReinstalled] != 1 || count[switchboard.EventScopesUpdated] != 1 || len(events.Events) != 3 {
		t.Errorf("app log %v: want one install, one reinstall, one scopes_updated", count)
	}
}
