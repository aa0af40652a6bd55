package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// An endpoint nothing happened to is active at version 0; each write needs
// the version read, so a stale writer gets EConflict; a notice is listed
// once due and leaves the list when cleared.
func TestCallbackEndpointVersionsAndNotices(t *testing.T) {
	s := mustStore(t)
	ctx := context.Background()
	e, err := s.GetCallbackEndpoint(ctx, "app-ep")
	if err != nil || e.State != switchboard.EndpointActive || e.Version != 0 {
		t.Fatalf("fresh endpoint %+v %v", e, err)
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	e.Observe(switchboard.DeliveryAttempt{At: at, Status: 410}, time.Hour)
	saved, err := s.SaveCallbackEndpoint(ctx, e)
	if err != nil || saved.Version != 1 {
		t.Fatalf("first save %+v %v", saved, err)
	}
	if _, err := s.SaveCallbackEndpoint(ctx, e); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Errorf("a second first write: %v, want conflict", err)
	}
	got, err := s.GetCallbackEndpoint(ctx, "app-ep")
	if err != nil || !got.Disabled() || got.Notice != switchboard.NoticeDisabled || got.Days[at.Format("2006-01-02")].Failed != 1 {
		t.Fatalf("read back %+v %v", got, err)
	}
	if due, err := s.ListEndpointNotices(ctx, at.Add(-time.Second), 10); err != nil || len(due) != 0 {
		t.Errorf("notices due before it was called for: %+v %v", due, err)
	}
	due, err := s.ListEndpointNotices(ctx, at, 10)
	if err != nil || len(due) != 1 || due[0].AppID != "app-ep" || due[0].Version != 1 {
		t.Fatalf("notices due %+v %v", due, err)
	}
	got.Notice, got.NoticeAt, got.NoticeDue = "", nil, nil
	if _, err := s.SaveCallbackEndpoint(ctx, got); err != nil {
		t.Fatal(err)
	}
	if due, err := s.ListEndpointNotices(ctx, at.Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("a cleared notice is still listed: %+v %v", due, err)
	}
}
