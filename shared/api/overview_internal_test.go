package api

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// BuildOverviewPerConnection is how the overview was built before the
// health summaries: two roll-up queries per connection. It stays here as
// the reference the summary-based overview must agree with
// (TestOverviewFromSummariesMatchesPerConnection).
func BuildOverviewPerConnection(ctx context.Context, store ActivityStore, accountID string, now time.Time) (switchboard.Overview, error) {
	conns, err := store.ListConnections(ctx, accountID, switchboard.ConnectionFilter{})
	if err != nil {
		return switchboard.Overview{}, err
	}
	requested, err := requestedScopes(ctx, store, conns)
	if err != nil {
		return switchboard.Overview{}, err
	}
	failures, err := callbackFailures(ctx, store, accountID, now)
	if err != nil {
		return switchboard.Overview{}, err
	}
	results := make([][]switchboard.Attention, len(conns))
	errs := make([]error, len(conns))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, c := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			in, err := healthInput(ctx, store, c, now)
			in.Requested = requested[c.AppID]
			in.CallbackFailures24h = failures[c.ID]
			results[i], errs[i] = switchboard.Assess(in, now), err
		})
	}
	wg.Wait()
	o := switchboard.NewOverview(now)
	for i, c := range conns {
		if errs[i] != nil {
			return switchboard.Overview{}, errs[i]
		}
		o.Add(c, results[i])
	}
	return o, nil
}
