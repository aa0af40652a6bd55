// Package local runs Switchboard on one machine without Docker: the unchanged
// function binaries are served through a local implementation of the Lambda
// Runtime API (as Architect's sandbox does), behind an HTTP API gateway, a
// Lambda Invoke API and a scheduler, all configured from template.yaml.
package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-hq/switchboard/infra/proc"
)

// FunctionSpec is what the runtime needs to start one function's processes.
type FunctionSpec struct {
	Name           string        // logical ID in template.yaml
	Binary         string        // path of the built bootstrap
	Env            []string      // KEY=value, complete (nothing is inherited)
	Timeout        time.Duration // Lambda's function timeout
	MaxConcurrency int           // warm processes kept at most; 0 means 4
	ARN            string
}

// Result is what one invocation returned.
type Result struct {
	Payload []byte
	// FunctionError is "Unhandled" when the function reported an error,
	// crashed or timed out; Payload then holds {"errorMessage","errorType"}.
	FunctionError string
	ColdStart     bool // a new process was started for this invocation
}

// ErrUnknownFunction is returned by Invoke for a name not in the template.
var ErrUnknownFunction = errors.New("function not found")

// Runtime serves the Lambda Runtime API to function processes it starts on
// demand and keeps warm between invocations. It also serves the Extensions
// API to internal extensions (threads of the function's process, like the
// one shared/platform registers to finish work after the response): each
// gets an INVOKE event per invocation, and, as Lambda does before freezing
// the environment, the process gets no further invocation until every
// extension has asked for its next event. The caller has its answer as
// soon as the runtime posts it.
type Runtime struct {
	addr   string
	server *http.Server
	log    io.Writer

	mu     sync.Mutex
	pools  map[string]*pool
	procs  map[string]*process
	closed bool
	seq    atomic.Int64
}

type pool struct {
	spec FunctionSpec
	sem  chan struct{} // one token per busy or starting process
	mu   sync.Mutex
	idle []*process
}

type process struct {
	id    string
	pool  *pool
	cmd   *exec.Cmd
	next  chan *invocation // handed to the process's pending /next call
	done  chan struct{}    // closed when the process exits
	mu    sync.Mutex
	inv   *invocation // in flight, if any
	state error       // why it exited
	// exts are the extensions registered during init, which ends when
	// the runtime first asks for an invocation (initDone).
	exts     []*extension
	initDone bool
}

// extension is one registered extension of a process.
type extension struct {
	id     string
	events chan *invocation // buffered 1: an invocation is never handed over before the last was settled
	mu     sync.Mutex
	// delivered counts INVOKE events handed over, nexts the event/next
	// calls made: the extension is done with event n once it made call
	// n+1.
	delivered, nexts int
	changed          chan struct{} // closed and replaced when nexts grows
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	result   chan Result // buffered 1
}

// NewRuntime listens on host (port 0: any free port). Function processes
// reach it at AWS_LAMBDA_RUNTIME_API=host:port/p/<process id>.
func NewRuntime(host string, log io.Writer) (*Runtime, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("runtime API: %w", err)
	}
	r := &Runtime{addr: ln.Addr().String(), log: log, pools: map[string]*pool{}, procs: map[string]*process{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /p/{proc}/2018-06-01/runtime/invocation/next", r.handleNext)
	mux.HandleFunc("POST /p/{proc}/2018-06-01/runtime/invocation/{id}/response", r.handleResult)
	mux.HandleFunc("POST /p/{proc}/2018-06-01/runtime/invocation/{id}/error", r.handleResult)
	mux.HandleFunc("POST /p/{proc}/2018-06-01/runtime/init/error", r.handleInitError)
	mux.HandleFunc("POST /p/{proc}/2020-01-01/extension/register", r.handleRegister)
	mux.HandleFunc("GET /p/{proc}/2020-01-01/extension/event/next", r.handleExtensionNext)
	r.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.server.Serve(ln) }() // ErrServerClosed on Close
	return r, nil
}

// Register adds a function. Processes start on its first invocation.
func (r *Runtime) Register(spec FunctionSpec) {
	if spec.MaxConcurrency <= 0 {
		spec.MaxConcurrency = 4
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pools[spec.Name] = &pool{spec: spec, sem: make(chan struct{}, spec.MaxConcurrency)}
}

// Functions lists the registered function names.
func (r *Runtime) Functions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.pools))
	for n := range r.pools {
		names = append(names, n)
	}
	return names
}

// Recycle stops name's idle processes, so that its next invocation starts
// cold: what a deploy does in Lambda, and what cold-start benchmarks need.
func (r *Runtime) Recycle(name string) {
	r.mu.Lock()
	p, ok := r.pools[name]
	r.mu.Unlock()
	if !ok {
		return
	}
	// A process still finishing an invocation (its extensions at work)
	// would come back warm afterwards: wait until none is busy.
	for range cap(p.sem) {
		p.sem <- struct{}{}
	}
	defer func() {
		for range cap(p.sem) {
			<-p.sem
		}
	}()
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, pr := range idle {
		proc.Stop(pr.cmd, pr.done, 2*time.Second)
	}
}

// Invoke runs payload through function name and waits for its answer, as a
// synchronous Lambda invocation does. Errors are for the caller's side only
// (unknown function, ctx ended); function failures come back in Result.
func (r *Runtime) Invoke(ctx context.Context, name string, payload []byte) (Result, error) {
	r.mu.Lock()
	p, ok := r.pools[name]
	closed := r.closed
	r.mu.Unlock()
	if !ok {
		return Result{}, fmt.Errorf("%w: %s", ErrUnknownFunction, name)
	}
	if closed {
		return Result{}, errors.New("runtime is shut down")
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	// The token is given back once the process is free again, which may be
	// after the caller has its answer (extensions still at work).
	release := func() { <-p.sem }

	inv := &invocation{
		id:       newID(),
		payload:  payload,
		deadline: time.Now().Add(p.spec.Timeout),
		result:   make(chan Result, 1),
	}
	// A warm process can die while idle; the invocation it never received
	// goes to a new process, as Lambda replaces a dead sandbox.
	for {
		pr, cold, err := r.acquire(p)
		if err != nil {
			release()
			return functionError("Runtime.StartError", err.Error()), nil
		}
		res, delivered := pr.run(ctx, inv, p.spec)
		if !delivered && !cold {
			continue
		}
		res.ColdStart = cold
		free := func() {
			defer release()
			if !r.settle(pr, inv) {
				return
			}
			p.mu.Lock()
			p.idle = append(p.idle, pr)
			p.mu.Unlock()
		}
		pr.mu.Lock()
		extensions := len(pr.exts) > 0
		pr.mu.Unlock()
		if !extensions {
			free() // nothing to wait for: warm before the caller can call again
			return res, nil
		}
		go free()
		return res, nil
	}
}

// WaitIdle waits until no process of function name is busy, the work its
// extensions finish after an answer included: for tests that read what
// that work wrote (the call log), as a reader in AWS would after Lambda
// froze the environment.
func (r *Runtime) WaitIdle(ctx context.Context, name string) error {
	r.mu.Lock()
	p, ok := r.pools[name]
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownFunction, name)
	}
	taken := 0
	defer func() {
		for range taken {
			<-p.sem
		}
	}()
	for taken < cap(p.sem) {
		select {
		case p.sem <- struct{}{}:
			taken++
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// acquire returns a warm process, or starts one.
func (r *Runtime) acquire(p *pool) (*process, bool, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		pr := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if pr.alive() {
			p.mu.Unlock()
			return pr, false, nil
		}
	}
	p.mu.Unlock()
	pr, err := r.start(p)
	return pr, true, err
}

func (r *Runtime) start(p *pool) (*process, error) {
	id := fmt.Sprintf("%s-%d", p.spec.Name, r.seq.Add(1))
	cmd := exec.Command(p.spec.Binary)
	cmd.Env = append(append([]string{}, p.spec.Env...), "AWS_LAMBDA_RUNTIME_API="+r.addr+"/p/"+id)
	out := proc.PrefixWriter(r.log, "["+p.spec.Name+"] ")
	cmd.Stdout, cmd.Stderr = out, out
	proc.Group(cmd)
	pr := &process{id: id, pool: p, cmd: cmd, next: make(chan *invocation), done: make(chan struct{})}
	// Registering and starting under the lock means Close either sees the
	// process or prevents it: none is left running after Close.
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errors.New("runtime is shut down")
	}
	r.procs[id] = pr
	if err := cmd.Start(); err != nil {
		delete(r.procs, id)
		r.mu.Unlock()
		return nil, fmt.Errorf("start %s: %w", p.spec.Binary, err)
	}
	r.mu.Unlock()
	go func() {
		err := cmd.Wait()
		pr.mu.Lock()
		pr.state = fmt.Errorf("Runtime exited: %v", err)
		if err == nil {
			pr.state = errors.New("Runtime exited without providing a reason")
		}
		inv := pr.inv
		pr.mu.Unlock()
		close(pr.done)
		if inv != nil {
			inv.deliver(functionError("Runtime.ExitError", pr.state.Error()))
		}
		r.forget(id)
	}()
	return pr, nil
}

func (r *Runtime) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.procs, id)
}

func (r *Runtime) process(req *http.Request) *process {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.procs[req.PathValue("proc")]
}

// run hands inv to the process and waits for its result, its crash or its
// deadline. A timed-out process is killed, as Lambda resets the sandbox.
// delivered is false when the process died before taking inv.
func (p *process) run(ctx context.Context, inv *invocation, spec FunctionSpec) (_ Result, delivered bool) {
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	p.mu.Lock()
	p.inv = inv
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inv = nil
		p.mu.Unlock()
	}()
	select {
	case p.next <- inv:
		p.mu.Lock()
		exts := p.exts
		p.mu.Unlock()
		for _, e := range exts {
			e.mu.Lock()
			e.delivered++
			e.mu.Unlock()
			e.events <- inv // never blocks: the last event was taken before the process was released
		}
	case <-p.done:
		return functionError("Runtime.ExitError", p.exitReason()), false
	case <-timer.C:
		p.kill()
		return timeoutError(spec), true
	case <-ctx.Done():
		p.kill()
		return functionError("Runtime.Cancelled", "the caller went away"), true
	}
	select {
	case res := <-inv.result:
		return res, true
	case <-timer.C:
		p.kill()
		return timeoutError(spec), true
	case <-ctx.Done():
		p.kill()
		return functionError("Runtime.Cancelled", "the caller went away"), true
	}
}

// settle waits until every extension of pr has asked for its next event
// after inv, and reports whether pr may serve again. An extension still at
// work at inv's deadline times the invocation out, as in Lambda: the
// process is killed (the caller already has its answer).
func (r *Runtime) settle(pr *process, inv *invocation) bool {
	pr.mu.Lock()
	exts := pr.exts
	pr.mu.Unlock()
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	for _, e := range exts {
		for {
			e.mu.Lock()
			done, changed := e.nexts > e.delivered, e.changed
			e.mu.Unlock()
			if done {
				break
			}
			select {
			case <-changed:
				continue
			case <-pr.done:
				return false
			case <-timer.C:
				fmt.Fprintf(r.log, "[runtime] %s: extension %s still busy at the deadline of %s; process stopped\n", pr.id, e.id, inv.id)
				pr.kill()
				return false
			}
		}
	}
	return pr.alive()
}

func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *process) exitReason() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == nil {
		return "Runtime exited"
	}
	return p.state.Error()
}

func (p *process) kill() {
	proc.Kill(p.cmd)
	<-p.done
}

func (inv *invocation) deliver(res Result) {
	select {
	case inv.result <- res:
	default: // already answered; a second answer is ignored, as in Lambda
	}
}

func (r *Runtime) handleNext(w http.ResponseWriter, req *http.Request) {
	pr := r.process(req)
	if pr == nil {
		http.Error(w, `{"errorMessage":"unknown runtime"}`, http.StatusForbidden)
		return
	}
	pr.mu.Lock()
	pr.initDone = true
	pr.mu.Unlock()
	select {
	case inv := <-pr.next:
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", pr.pool.spec.ARN)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+strings.ReplaceAll(inv.id, "-", "")[:24]+";Sampled=0")
		_, _ = w.Write(inv.payload) // the process sees a broken /next and exits; its crash is reported
	case <-pr.done:
		http.Error(w, "process exited", http.StatusGone)
	case <-req.Context().Done():
	}
}

func (r *Runtime) handleResult(w http.ResponseWriter, req *http.Request) {
	pr := r.process(req)
	if pr == nil {
		http.Error(w, `{"errorMessage":"unknown runtime"}`, http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 6<<20+1)) // Lambda's 6 MB response limit
	if err != nil {
		http.Error(w, `{"errorMessage":"read body"}`, http.StatusBadRequest)
		return
	}
	pr.mu.Lock()
	inv := pr.inv
	pr.mu.Unlock()
	if inv == nil || inv.id != req.PathValue("id") {
		http.Error(w, `{"errorMessage":"invalid request id"}`, http.StatusBadRequest)
		return
	}
	res := Result{Payload: body}
	switch {
	case strings.HasSuffix(req.URL.Path, "/error"):
		res.FunctionError = "Unhandled"
	case len(body) > 6<<20:
		res = functionError("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
	}
	inv.deliver(res)
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

// handleRegister registers an internal extension. As in Lambda, it must
// come during init (before the runtime's first /next), and an internal
// extension may register only for INVOKE.
func (r *Runtime) handleRegister(w http.ResponseWriter, req *http.Request) {
	pr := r.process(req)
	if pr == nil {
		http.Error(w, `{"errorMessage":"unknown runtime"}`, http.StatusForbidden)
		return
	}
	var body struct {
		Events []string `json:"events"`
	}
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<16)).Decode(&body); err != nil {
		extensionError(w, http.StatusBadRequest, "InvalidRequest", "body is not {\"events\":[...]}")
		return
	}
	if req.Header.Get("Lambda-Extension-Name") == "" {
		extensionError(w, http.StatusBadRequest, "InvalidRequest", "Lambda-Extension-Name is missing")
		return
	}
	for _, ev := range body.Events {
		if ev != "INVOKE" {
			extensionError(w, http.StatusBadRequest, "Extension.InvalidEventType", "an internal extension may register for INVOKE only, not "+ev)
			return
		}
	}
	e := &extension{id: newID(), events: make(chan *invocation, 1), changed: make(chan struct{})}
	pr.mu.Lock()
	late := pr.initDone
	if !late {
		pr.exts = append(pr.exts, e)
	}
	pr.mu.Unlock()
	if late {
		extensionError(w, http.StatusForbidden, "Extension.RegistrationAfterInit", "extensions register during init, before the runtime's first /next")
		return
	}
	fmt.Fprintf(r.log, "[runtime] %s: extension %s registered\n", pr.id, req.Header.Get("Lambda-Extension-Name"))
	w.Header().Set("Lambda-Extension-Identifier", e.id)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"functionName": pr.pool.spec.Name, "functionVersion": "$LATEST", "handler": pr.pool.spec.Name})
}

// handleExtensionNext tells the process's freeze that the extension is done
// with its last event, then waits for the next invocation.
func (r *Runtime) handleExtensionNext(w http.ResponseWriter, req *http.Request) {
	pr := r.process(req)
	if pr == nil {
		http.Error(w, `{"errorMessage":"unknown runtime"}`, http.StatusForbidden)
		return
	}
	id := req.Header.Get("Lambda-Extension-Identifier")
	pr.mu.Lock()
	var e *extension
	for _, x := range pr.exts {
		if x.id == id {
			e = x
		}
	}
	pr.mu.Unlock()
	if e == nil {
		extensionError(w, http.StatusForbidden, "Extension.UnknownExtensionIdentifier", "unknown Lambda-Extension-Identifier")
		return
	}
	e.mu.Lock()
	e.nexts++
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
	select {
	case inv := <-e.events:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Lambda-Extension-Event-Identifier", newID())
		_ = json.NewEncoder(w).Encode(map[string]any{
			"eventType": "INVOKE", "deadlineMs": inv.deadline.UnixMilli(), "requestId": inv.id,
			"invokedFunctionArn": pr.pool.spec.ARN,
		}) // a broken connection is the extension's problem, as in Lambda
	case <-pr.done:
		http.Error(w, "process exited", http.StatusGone)
	case <-req.Context().Done():
	}
}

func extensionError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

func (r *Runtime) handleInitError(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20)) // best effort: only logged
	fmt.Fprintf(r.log, "[runtime] init error from %s: %s\n", req.PathValue("proc"), body)
	w.WriteHeader(http.StatusAccepted)
}

// Close stops every process and the Runtime API server.
func (r *Runtime) Close() {
	r.mu.Lock()
	r.closed = true
	procs := make([]*process, 0, len(r.procs))
	for _, p := range r.procs {
		procs = append(procs, p)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() { proc.Stop(p.cmd, p.done, 2*time.Second) })
	}
	wg.Wait()
	_ = r.server.Close() // nothing left to serve
}

func functionError(typ, msg string) Result {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg}) // strings always marshal
	return Result{Payload: b, FunctionError: "Unhandled"}
}

func timeoutError(spec FunctionSpec) Result {
	return functionError("Sandbox.Timedout", fmt.Sprintf("Task timed out after %.2f seconds", spec.Timeout.Seconds()))
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
