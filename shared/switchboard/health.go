package switchboard

import "context"

// Probe checks that one dependency answers. Its error is logged, never shown.
type Probe interface {
	// Probe returns nil when the dependency is reachable and usable.
	Probe(ctx context.Context) error
}
