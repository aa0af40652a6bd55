package load_test

import (
	"testing"

	"github.com/switchboard-hq/switchboard/infra/load"
)

func TestPercentileNearestRank(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ p, want float64 }{{50, 5}, {95, 10}, {99, 10}, {10, 1}, {0, 1}, {100, 10}} {
		if got := load.Percentile(sorted, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := load.Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v", got)
	}
}

func TestMergeAddsEveryCount(t *testing.T) {
	var total load.Result
	total.Merge(load.Result{Calls: map[string]int{"a": 2}, Statuses: map[int]int{200: 2}, LatencyMs: []float64{1, 2}, ServerError: 1, Errors: []string{"x"}})
	total.Merge(load.Result{Calls: map[string]int{"a": 1, "b": 4}, Statuses: map[int]int{200: 1, 429: 4}, LatencyMs: []float64{3}, Transport: 2, Blocks: 3})
	if total.Calls["a"] != 3 || total.Calls["b"] != 4 || total.Statuses[200] != 3 || total.Statuses[429] != 4 ||
		len(total.LatencyMs) != 3 || total.ServerError != 1 || total.Transport != 2 || total.Blocks != 3 || len(total.Errors) != 1 {
		t.Fatalf("merged %+v", total)
	}
}
