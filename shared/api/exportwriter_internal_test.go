package api

import (
	"context"
	"strconv"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// pagedSource is an EntrySource of total calls of size bytes each.
type pagedSource struct{ total, size int }

func (s pagedSource) Page(_ context.Context, cursor string, limit int) ([]switchboard.Call, string, error) {
	start, _ := strconv.Atoi(cursor)
	var calls []switchboard.Call
	for i := start; i < s.total && len(calls) < limit; i++ {
		calls = append(calls, switchboard.Call{RequestID: strconv.Itoa(i), RequestBytes: s.size})
	}
	next := ""
	if end := start + len(calls); end < s.total {
		next = strconv.Itoa(end)
	}
	return calls, next, nil
}

// TestReadPartBoundsBodies: with bodies, a part ends at the page whose
// calls' sizes pass exportPartBodyBytes; without, at the entry count.
func TestReadPartBoundsBodies(t *testing.T) {
	src := pagedSource{total: 5000, size: 1 << 20} // 1 MB a call
	tests := []struct {
		bodies   bool
		want     int
		wantNext string
	}{
		{true, 100, "100"},    // the first page already holds 100 MB
		{false, 2000, "2000"}, // the entry count
	}
	for _, tt := range tests {
		calls, next, err := readPart(context.Background(), src, "", 2000, tt.bodies)
		if err != nil || len(calls) != tt.want || next != tt.wantNext {
			t.Errorf("bodies %t: %d calls, next %q, %v; want %d, %q", tt.bodies, len(calls), next, err, tt.want, tt.wantNext)
		}
	}
	calls, next, err := readPart(context.Background(), pagedSource{total: 250, size: 10}, "", 2000, true)
	if err != nil || len(calls) != 250 || next != "" {
		t.Errorf("a short log: %d calls, next %q, %v; want all 250 and no cursor", len(calls), next, err)
	}
}
