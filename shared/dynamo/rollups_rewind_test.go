package dynamo_test

import (
	"context"
	"testing"
	"time"
)

// TestRewindRollUpNeverMovesForward: a rewind sets the watermark on a table
// without one and moves it back, but never forward past minutes nobody
// rolled up (the demo seed rewinds to where its sums end, on a stack that
// may have stopped long before).
func TestRewindRollUpNeverMovesForward(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	ctx := context.Background()
	for _, step := range []struct {
		to, want time.Time
	}{
		{start.Add(-30 * time.Minute), start.Add(-30 * time.Minute)}, // none yet: set
		{start.Add(-10 * time.Minute), start.Add(-30 * time.Minute)}, // forward: kept
		{start.Add(-40 * time.Minute), start.Add(-40 * time.Minute)}, // back: moved
	} {
		if err := f.store.RewindRollUp(ctx, step.to); err != nil {
			t.Fatal(err)
		}
		// A run closing nothing reports where it would start.
		f.clock.Set(step.want.Add(time.Minute))
		if rep := f.rollUp(t); !rep.Next.Equal(step.want) {
			t.Errorf("rewind to %s: the roll-up starts at %s, want %s", step.to.Format("15:04"), rep.Next.Format("15:04"), step.want.Format("15:04"))
		}
	}
}
