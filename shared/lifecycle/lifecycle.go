// Package lifecycle blocks, unblocks and disconnects connections, and tells
// the apps through signed callbacks that are retried until they succeed or
// a day has passed, and can be redelivered.
//
// Never losing an event: the change, its app-log event and its delivery
// record are one DynamoDB transaction (see ConnectionChange), so a change
// that happened is always announced and one that did not never is. The
// record is written due after a short lease, which keeps the retrier away
// while this invocation makes the first attempt; if the function dies
// before that attempt is recorded, the retrier sends it when the lease
// ends.
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
	after.Status, after.BlockedAt, after.BlockedBy, after.BlockedReason, after.BlockedUntil = conn.UnblockedStatus(), nil, "", "", nil
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

// change applies the change (after nil deletes) with its app-log event and
// delivery record in one transaction, then makes the first attempt.
func (s *Service) change(ctx context.Context, now time.Time, typ switchboard.AppEventType, actor switchboard.ActorType, userID, reason string, before switchboard.Connection, after *switchboard.Connection) error {
	e := switchboard.AppEvent{ID: switchboard.NewEventID(now), AccountID: before.AccountID, Type: typ, ConnectionID: before.ID,
		AppID: before.AppID, LocationID: before.LocationID, ActorType: actor, ActorUserID: userID, Reason: reason, At: now,
		Before: &before, After: after}
	if after != nil {
		after.Version = before.Version + 1 // as the store writes it
	}
	d, err := s.Callbacks.NewDelivery(ctx, e, after)
	if err != nil {
		return err
	}
	if err := s.Connections.ChangeConnection(ctx, switchboard.ConnectionChange{Before: before, After: after, Event: e, Delivery: d}); err != nil {
		return err
	}
	if after == nil && before.TokenHash != "" {
		// The door reads the connection with every call, so its token is
		// refused already; the revocation is for anyone reading the token.
		if err := s.Tokens.RevokeToken(ctx, before.TokenHash); err != nil {
			platform.Logger(ctx).Error("token of a removed connection not marked revoked", "connectionId", before.ID, "error", err)
		}
	}
	s.Callbacks.Send(ctx, d)
	return nil
}
