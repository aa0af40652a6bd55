package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// AfterResponse tracks work a handler leaves running once it has answered
// (the call log of the platform API), so that the work always finishes:
//
//   - In Lambda, an internal extension (StartExtension) receives every
//     INVOKE and asks for the next event only once that invocation's
//     handler has returned and all background work is done. Lambda freezes
//     the environment only when the runtime and every extension have asked
//     for their next event, so the work runs to its end while the caller
//     already has its answer.
//   - Without the extension (tests calling handlers directly, or a failed
//     registration) Track waits for the invocation's work before
//     returning: slower, never lost.
//
// The zero value is not usable; build one with NewAfterResponse.
type AfterResponse struct {
	log *slog.Logger

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change of the counts
	running  int           // background tasks not yet done
	returned int64         // tracked handler invocations that returned
	// extension is set once the internal extension is registered: from then
	// on the extension, not the handler, waits for the work.
	extension bool
}

// NewAfterResponse returns a tracker logging its own failures to log.
func NewAfterResponse(log *slog.Logger) *AfterResponse {
	return &AfterResponse{log: log, changed: make(chan struct{})}
}

var (
	processTracker     *AfterResponse
	processTrackerOnce sync.Once
)

// ProcessAfterResponse returns the tracker of this process, created on the
// first call, which also registers the internal extension when the process
// runs under a Lambda Runtime API (AWS_LAMBDA_RUNTIME_API set, by Lambda or
// infra/local). One per process because Lambda runs one function per
// process and an extension registers once, during init: call it from a
// function's constructor, before lambda.Start.
func ProcessAfterResponse(log *slog.Logger) *AfterResponse {
	processTrackerOnce.Do(func() {
		processTracker = NewAfterResponse(log)
		if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
			if err := processTracker.StartExtension(context.Background(), api, "switchboard-after-response"); err != nil {
				// Handlers then wait for their work before answering:
				// slower, but nothing is frozen half-written.
				log.Warn("after-response extension not registered; handlers wait for their work", "error", err)
			}
		}
	})
	return processTracker
}

// BackgroundMargin is kept between the end of background work and the
// invocation's deadline, so that work cut short still has time to log what
// it could not do before Lambda stops the environment.
const BackgroundMargin = 250 * time.Millisecond

// invocationKey carries the invocation's own work group, which Track waits
// for when no extension does.
type invocationKey struct{}

// Go runs f after the response: with a context that keeps ctx's values
// (logger, ids) but not its cancellation, which comes when the invocation
// answers, and whose deadline is ctx's deadline less BackgroundMargin, or
// limit from now when ctx has none (tests, local tools). Lambda's timeout
// covers the whole invoke phase, the extension's wait included, so work
// must end before it.
func (a *AfterResponse) Go(ctx context.Context, limit time.Duration, f func(context.Context)) {
	deadline := time.Now().Add(limit)
	if d, ok := ctx.Deadline(); ok {
		deadline = d.Add(-BackgroundMargin)
	}
	inv, _ := ctx.Value(invocationKey{}).(*sync.WaitGroup)
	if inv != nil {
		inv.Add(1)
	}
	a.change(func() { a.running++ })
	go func() {
		defer func() {
			a.change(func() { a.running-- })
			if inv != nil {
				inv.Done()
			}
		}()
		bg, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
		defer cancel()
		// A panic here would end the process, and with it the next
		// invocations; in the handler apigw would have turned it into a 500.
		defer func() {
			if p := recover(); p != nil {
				Logger(ctx).Error("after-response work panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		f(bg)
	}()
}

// Wait blocks until no background work is running: for tests and
// benchmarks that read what the work wrote.
func (a *AfterResponse) Wait() {
	for {
		a.mu.Lock()
		idle, changed := a.running == 0, a.changed
		a.mu.Unlock()
		if idle {
			return
		}
		<-changed
	}
}

// Track wraps a handler so the tracker knows when each invocation has
// returned; without a registered extension it also waits, before
// returning, for the work the invocation started.
func Track[Req, Resp any](a *AfterResponse, h func(context.Context, Req) (Resp, error)) func(context.Context, Req) (Resp, error) {
	return func(ctx context.Context, req Req) (Resp, error) {
		var inv sync.WaitGroup
		defer func() {
			a.mu.Lock()
			ext := a.extension
			a.mu.Unlock()
			if !ext {
				inv.Wait()
			}
			// Counted after the invocation's work was registered (Go is
			// called inside h), so the extension can never see this
			// invocation finished with its work not yet counted.
			a.change(func() { a.returned++ })
		}()
		return h(context.WithValue(ctx, invocationKey{}, &inv), req)
	}
}

func (a *AfterResponse) change(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
	close(a.changed)
	a.changed = make(chan struct{})
}

// settled waits until at least seen tracked invocations have returned and
// no background work runs, or until deadline: past the invocation's
// deadline Lambda stops the environment anyway, and an invocation that
// never reached the tracked handler (a payload the runtime could not
// decode) must not hold the extension forever.
func (a *AfterResponse) settled(seen int64, deadline time.Time) bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		a.mu.Lock()
		done, changed := a.returned >= seen && a.running == 0, a.changed
		a.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return false
		}
	}
}

// Extensions API paths (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html).
const (
	extensionRegisterPath = "/2020-01-01/extension/register"
	extensionNextPath     = "/2020-01-01/extension/event/next"
)

// ExtensionEvent is what event/next returns for an INVOKE, the only event
// an internal extension may register for.
type ExtensionEvent struct {
	EventType          string `json:"eventType"`
	DeadlineMs         int64  `json:"deadlineMs"`
	RequestID          string `json:"requestId"`
	InvokedFunctionArn string `json:"invokedFunctionArn"`
}

// StartExtension registers an internal extension named name with the
// Extensions API at runtimeAPI (host:port[/prefix], as in
// AWS_LAMBDA_RUNTIME_API) and runs its event loop in the background. It
// must be called during init, before the runtime asks for its first
// invocation: Lambda refuses registrations after that.
func (a *AfterResponse) StartExtension(ctx context.Context, runtimeAPI, name string) error {
	base := "http://" + runtimeAPI
	// No client timeout: event/next blocks until the next invocation, which
	// may be minutes away (the environment is frozen meanwhile).
	client := &http.Client{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+extensionRegisterPath, bytes.NewReader([]byte(`{"events":["INVOKE"]}`)))
	if err != nil {
		return fmt.Errorf("register extension: %w", err)
	}
	req.Header.Set("Lambda-Extension-Name", name)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("register extension: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096)) // only for the error message
	_ = resp.Body.Close()
	id := resp.Header.Get("Lambda-Extension-Identifier")
	if resp.StatusCode != http.StatusOK || id == "" {
		return fmt.Errorf("register extension: %s: %s", resp.Status, body)
	}
	a.mu.Lock()
	a.extension = true
	a.mu.Unlock()
	go a.loop(client, base, id)
	return nil
}

// loop asks for each invocation and lets go of it once settled. Should
// event/next fail, handlers go back to waiting for their own work: the
// extension can no longer hold the environment for them.
func (a *AfterResponse) loop(client *http.Client, base, id string) {
	var seen int64
	for {
		ev, err := nextEvent(client, base, id)
		if err != nil {
			a.mu.Lock()
			a.extension = false
			a.mu.Unlock()
			a.log.Error("after-response extension stopped; handlers wait for their work", "error", err)
			return
		}
		if ev.EventType != "INVOKE" {
			continue
		}
		seen++
		if !a.settled(seen, time.UnixMilli(ev.DeadlineMs)) {
			a.log.Error("after-response work still running at the invocation's deadline", "requestId", ev.RequestID)
		}
	}
}

func nextEvent(client *http.Client, base, id string) (ExtensionEvent, error) {
	req, err := http.NewRequest(http.MethodGet, base+extensionNextPath, nil)
	if err != nil {
		return ExtensionEvent{}, fmt.Errorf("extension event/next: %w", err)
	}
	req.Header.Set("Lambda-Extension-Identifier", id)
	resp, err := client.Do(req)
	if err != nil {
		return ExtensionEvent{}, fmt.Errorf("extension event/next: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return ExtensionEvent{}, fmt.Errorf("extension event/next: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return ExtensionEvent{}, fmt.Errorf("extension event/next: %s: %s", resp.Status, body)
	}
	var ev ExtensionEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return ExtensionEvent{}, fmt.Errorf("extension event/next: decode event: %w", err)
	}
	return ev, nil
}
