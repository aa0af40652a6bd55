// Package lifecycle blocks, unblocks and disconnects connections, and tells
// the apps through signed callbacks that are retried until they succeed or
// a day has passed, and can be redelivered.
//
// Never losing an event, without transactions: the delivery record is
// written before the change it announces, with a short lease that keeps the
// retrier away while this invocation makes the first attempt. The change
// itself stores the event id on the connection (LastEventID), in the same
// single-item write. If the change fails, the record is deleted. If the
// function dies anywhere after the record is written, the retrier finds the
// record when its lease ends and reconciles: the change happened when the
// connection carries the event id, when the app log holds the event, or —
// for a disconnect — when the connection is gone; otherwise, ten minutes on,
// the record is cancelled. So a change that happened is always announced,
// and one that did not is never announced.
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
	return s.change(ctx, s.Now().UTC(), switchboard.EventUninstalled, switchboard.ActorUser, p.UserID, "", conn, nil)
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
	e := switchboard.AppEvent{ID: switchboard.NewEventID(now), AccountID: before.AccountID, Type: typ, ConnectionID: before.ID,
		AppID: before.AppID, LocationID: before.LocationID, ActorType: actor, ActorUserID: userID, Reason: reason, At: now}
	d, err := s.Callbacks.Prepare(ctx, e, after)
	if err != nil {
		return err
	}
	if after != nil {
		after.LastEventID = e.ID
		err = s.Connections.UpdateConnection(ctx, *after)
		after.Version++
	} else {
		err = s.Connections.DeleteConnection(ctx, before)
		if err == nil && before.TokenHash != "" {
			err = s.Tokens.RevokeToken(ctx, before.TokenHash)
		}
	}
	if err != nil {
		// A refused write (conflict, not found) did not happen: drop its
		// announcement. Any other failure may have applied; the retrier
		// reconciles that record.
		if switchboard.ErrorCode(err) != switchboard.EInternal {
			s.Callbacks.Discard(ctx, d)
		}
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
