package platform

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestAfterResponseWorkOutlivesTheInvocation: the work's context keeps the
// handler's values but not its cancellation, and ends BackgroundMargin
// before the invocation's deadline.
func TestAfterResponseWorkOutlivesTheInvocation(t *testing.T) {
	a := NewAfterResponse(NewLogger(io.Discard, 0))
	type key struct{}
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.WithValue(context.Background(), key{}, "ids"), deadline)
	var got context.Context
	release := make(chan struct{})
	var errWhileRunning error
	a.Go(ctx, time.Minute, func(bg context.Context) { <-release; got, errWhileRunning = bg, bg.Err() })
	cancel() // the invocation answered
	close(release)
	a.Wait()
	if errWhileRunning != nil {
		t.Errorf("the work's context ended with the invocation: %v", errWhileRunning)
	}
	if got.Value(key{}) != "ids" {
		t.Errorf("the work lost the handler's values")
	}
	if d, ok := got.Deadline(); !ok || !d.Equal(deadline.Add(-BackgroundMargin)) {
		t.Errorf("work deadline %v, want %v", d, deadline.Add(-BackgroundMargin))
	}
}

// TestTrackWithoutExtensionWaits: with no extension to hold the
// environment, the handler returns only once its work is done.
func TestTrackWithoutExtensionWaits(t *testing.T) {
	a := NewAfterResponse(NewLogger(io.Discard, 0))
	var done atomic.Bool
	h := Track(a, func(ctx context.Context, _ string) (string, error) {
		a.Go(ctx, time.Minute, func(context.Context) { time.Sleep(50 * time.Millisecond); done.Store(true) })
		return "ok", nil
	})
	if _, err := h(context.Background(), ""); err != nil || !done.Load() {
		t.Errorf("returned (%v) before its work was done", err)
	}
}

// TestSettledCountsInvocations: the extension may receive an invocation's
// INVOKE before the handler has even started; it must not let go until
// that handler has returned and the work it started is done.
func TestSettledCountsInvocations(t *testing.T) {
	a := NewAfterResponse(NewLogger(io.Discard, 0))
	a.extension = true
	settled := make(chan bool, 1)
	go func() { settled <- a.settled(1, time.Now().Add(time.Minute)) }() // INVOKE seen, nothing registered yet
	time.Sleep(20 * time.Millisecond)
	select {
	case <-settled:
		t.Fatal("settled before the handler ran")
	default:
	}
	work := make(chan struct{})
	h := Track(a, func(ctx context.Context, _ string) (string, error) {
		a.Go(ctx, time.Minute, func(context.Context) { <-work })
		return "ok", nil
	})
	if _, err := h(context.Background(), ""); err != nil {
		t.Fatal(err) // with the extension, the handler does not wait
	}
	select {
	case <-settled:
		t.Fatal("settled while the handler's work was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(work)
	select {
	case ok := <-settled:
		if !ok {
			t.Error("settled reported the deadline")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not settled once the work was done")
	}
	if a.settled(2, time.Now().Add(30*time.Millisecond)) {
		t.Error("a second invocation that never returned was reported settled")
	}
}

// TestAfterResponsePanicIsLogged: a panic in background work is logged at
// error level and ends only that work, not the process.
func TestAfterResponsePanicIsLogged(t *testing.T) {
	a := NewAfterResponse(NewLogger(io.Discard, 0))
	var logs strings.Builder
	ctx := WithLogger(context.Background(), NewLogger(&logs, 0))
	a.Go(ctx, time.Minute, func(context.Context) { panic("boom") })
	a.Wait()
	if !strings.Contains(logs.String(), `"msg":"after-response work panicked"`) || !strings.Contains(logs.String(), "boom") {
		t.Errorf("log %q; want the panic at error level", logs.String())
	}
}
