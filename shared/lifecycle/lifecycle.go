// Package lifecycle blocks, unblocks and disconnects connections, and tells
// the apps through signed callbacks that are retried until they succeed or
// a day has passed, and can be redelivered.
//
// Never losing an event, without transactions: the delivery record is
// written before the change it announces, with a short lease that keeps the
// retrier away while this invocation makes the first attempt. The change
// itself stores the event id on the connection (LastEventID and the recent
// RecentEventIDs), in the same single-item write. If the change is refused,
// the record is deleted — unless the table shows the refusal was the SDK's
// retry of our own write whose answer was lost. If the function dies
// anywhere after the record is written, the retrier finds the record when
// its lease ends and reconciles: the change happened when the connection
// carries the event id, when the app log holds the event, or — for a
// disconnect — when the connection is gone; otherwise, ten minutes on, the
// record is cancelled. A disconnect first confirms the unconfirmed records
// the connection carries (they cannot be read from it once it is gone) and
// reuses the event of an earlier disconnect that failed midway, so one
// removal is announced once. So a change that happened is always
// announced, and one that did not is never announced (two admins
// disconnecting at the same instant may both see theirs announced).
package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Service changes connections and announces the changes.
type Service struct {
	Connections switchboard.ConnectionLifecycleStore
	Tokens      switchboard.OAuthStore
	Log         switchboard.AppLog
	Callbacks   *Callbacks
	Now         func() time.Time
}

// Block stops the connection's token from the next call on: the platform
// door reads the connection with every call.
func (s *Service) Block(ctx context.Context, p switchboard.Principal, connectionID string, in switchboard.BlockInput) (switchboard.Connection, error) {
	now := s.Now().UTC()
	in, err := in.Normalize(now)
	if err != nil {
		return switchboard.Connection{}, err
	}
	conn, err := s.Connections.GetConnection(ctx, p.AccountID, connectionID)
	if err != nil {
		return switchboard.Connection{}, err
	}
	if conn.Status == switchboard.ConnectionBlocked {
		return switchboard.Connection{}, switchboard.Errorf(switchboard.EConflict, "The connection is already blocked.")
	}
	after := conn
	after.Status, after.BlockedAt, after.BlockedBy, after.BlockedReason, after.BlockedUntil = switchboard.ConnectionBlocked, &now, p.UserID, in.Reason, in.Until
	after.UpdatedAt = now
	return after, s.change(ctx, now, switchboard.EventBlocked, switchboard.ActorUser, p.UserID, in.Reason, conn, &after)
}

// Unblock restores the connection's token at once.
func (s *Service) Unblock(ctx context.Context, p switchboard.Principal, connectionID string) (switchboard.Connection, error) {
	conn, err := s.Connections.GetConnection(ctx, p.AccountID, connectionID)
	if err != nil {
		return switchboard.Connection{}, err
	}
	if conn.Status != switchboard.ConnectionBlocked {
		return switchboard.Connection{}, switchboard.Errorf(switchboard.EConflict, "The connection is not blocked.")
	}
	return s.unblock(ctx, conn, switchboard.ActorUser, p.UserID)
}

func (s *Service) unblock(ctx context.Context, conn switchboard.Connection, actor switchboard.ActorType, userID string) (switchboard.Connection, error) {
	now := s.Now().UTC()
	after := conn
	after.Status, after.BlockedAt, after.BlockedBy, after.BlockedReason, after.BlockedUntil = switchboard.ConnectionActive, nil, "", "", nil
	after.UpdatedAt = now
	return after, s.change(ctx, now, switchboard.EventUnblocked, actor, userID, "", conn, &after)
}

// Disconnect deletes the connection and revokes its token; its call log
// stays until it expires.
func (s *Service) Disconnect(ctx context.Context, p switchboard.Principal, connectionID string) error {
	conn, err := s.Connections.GetConnection(ctx, p.AccountID, connectionID)
	if err != nil {
		return err
	}
	earlier, err := s.settle(ctx, conn)
	if err != nil {
		return err
	}
	return s.changeAs(ctx, s.Now().UTC(), switchboard.EventUninstalled, switchboard.ActorUser, p.UserID, "", conn, nil, earlier)
}

// settle readies a connection's unconfirmed deliveries for its removal:
// once it is gone, the retrier can no longer read from it which of them
// happened. Those it carries are confirmed now. The delivery of an earlier
// disconnect that failed midway is returned, for this one to reuse its
// event: a removal is announced once, however many tries it took.
func (s *Service) settle(ctx context.Context, conn switchboard.Connection) (*switchboard.Delivery, error) {
	var earlier *switchboard.Delivery
	store := s.Callbacks.Deliveries
	f := switchboard.DeliveryFilter{ConnectionID: conn.ID, State: switchboard.DeliveryPending}
	page := switchboard.PageRequest{Limit: switchboard.MaxPageSize}
	for range 20 {
		ds, err := store.ListDeliveries(ctx, conn.AccountID, f, page)
		if err != nil {
			return nil, err
		}
		for _, d := range ds.Deliveries {
			switch {
			case d.Confirmed:
			case d.Type == switchboard.CallbackType(switchboard.EventUninstalled):
				if earlier == nil || d.EventID > earlier.EventID {
					earlier = &d
				}
			case conn.Carries(d.EventID):
				d.Confirmed = true
				if _, err := store.SaveDelivery(ctx, d); ignoreConflict(err) != nil {
					return nil, err // a conflict is the retrier's save: it confirms it itself
				}
			}
		}
		if page.Cursor = ds.NextCursor; page.Cursor == "" {
			break
		}
	}
	return earlier, nil
}

// UnblockExpired unblocks the timed blocks due at the service's time, as
// Switchboard (ActorSystem). It returns how many it unblocked.
func (s *Service) UnblockExpired(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	conns, err := s.Connections.ListExpiredBlocks(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, c := range conns {
		if tooLate(ctx) {
			break // each unblock may wait 15 s for its callback; the next run goes on
		}
		if c.Status != switchboard.ConnectionBlocked || c.BlockedUntil == nil || c.BlockedUntil.After(now) {
			continue
		}
		_, err := s.unblock(ctx, c, switchboard.ActorSystem, "")
		switch switchboard.ErrorCode(err) {
		case "":
			n++
		case switchboard.EConflict, switchboard.ENotFound:
			// Changed or removed meanwhile: the next run sees the new state.
		default:
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// change records the delivery, applies the change (after nil deletes),
// writes the app-log event and makes the first attempt; see the package
// comment for why in this order.
func (s *Service) change(ctx context.Context, now time.Time, typ switchboard.AppEventType, actor switchboard.ActorType, userID, reason string, before switchboard.Connection, after *switchboard.Connection) error {
	return s.changeAs(ctx, now, typ, actor, userID, reason, before, after, nil)
}

// changeAs is change, announcing it as the earlier, unconfirmed delivery
// of the same change when there is one.
func (s *Service) changeAs(ctx context.Context, now time.Time, typ switchboard.AppEventType, actor switchboard.ActorType, userID, reason string, before switchboard.Connection, after *switchboard.Connection, earlier *switchboard.Delivery) error {
	e := switchboard.AppEvent{ID: switchboard.NewEventID(now), AccountID: before.AccountID, Type: typ, ConnectionID: before.ID,
		AppID: before.AppID, LocationID: before.LocationID, ActorType: actor, ActorUserID: userID, Reason: reason, At: now}
	var d *switchboard.Delivery
	var err error
	if earlier != nil {
		e.ID, e.At = earlier.EventID, earlier.CreatedAt
		d, err = s.Callbacks.Lease(ctx, *earlier)
	} else {
		d, err = s.Callbacks.Prepare(ctx, e, after)
	}
	if err != nil {
		return err
	}
	if after != nil {
		after.NoteEvent(e.ID)
		err = s.Connections.UpdateConnection(ctx, *after)
		after.Version++
	} else {
		err = s.Connections.DeleteConnection(ctx, before)
	}
	if code := switchboard.ErrorCode(err); code == switchboard.EConflict || code == switchboard.ENotFound {
		// A refusal may be our own write's: when its answer is lost, the
		// SDK sends it again and the retry finds the change already made.
		// Ask the table before dropping the announcement.
		switch applied, aerr := s.applied(ctx, e.ID, before, after != nil); {
		case aerr != nil:
			return err // unknown: the retrier reconciles the record
		case applied:
			err = nil
		default:
			s.Callbacks.Discard(ctx, d) // refused: it did not happen
			return err
		}
	}
	if err == nil && after == nil && before.TokenHash != "" {
		err = s.Tokens.RevokeToken(ctx, before.TokenHash)
	}
	if err != nil {
		// Any other failure may have applied; the retrier reconciles
		// the record.
		return err
	}
	e.Before, e.After = &before, after
	if err := s.Log.RecordEvent(ctx, e); err != nil {
		// The change took effect and its callback is on its way: the
		// merchant is told it worked; the gap in the app log is logged.
		platform.Logger(ctx).Error("app-log event not recorded", "event", e, "error", err)
	}
	s.Callbacks.Send(ctx, d)
	return nil
}

// applied reports whether the change of event id took effect: an update
// leaves its event id on the connection; a delete leaves no connection.
func (s *Service) applied(ctx context.Context, eventID string, before switchboard.Connection, update bool) (bool, error) {
	conn, err := s.Connections.GetConnection(ctx, before.AccountID, before.ID)
	switch switchboard.ErrorCode(err) {
	case "":
		return update && conn.Carries(eventID), nil
	case switchboard.ENotFound:
		return !update, nil
	}
	return false, err
}
