package switchboard

import "context"

// Probe checks that one dependency answers. Its error is logged, never shown.
type Probe interface {
	// Probe returns nil when the dependency is reachable and usable.
	Probe(ctx context.Context) error
}

// ProbeFunc adapts a function to Probe.
type ProbeFunc func(ctx context.Context) error

// Probe calls f.
func (f ProbeFunc) Probe(ctx context.Context) error { return f(ctx) }
