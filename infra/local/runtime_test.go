package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/testenv"
)

// echoDir holds the echofn binary, built at most once per test binary.
var (
	echoDir   string
	echoOnce  sync.Once
	echoPath  string
	echoError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "local-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	echoDir = dir
	code := testenv.Main(m) // stops the moto_server of TestLocalStackModeParity
	_ = os.RemoveAll(dir)   // best effort
	os.Exit(code)
}

// echoBinary returns testdata/echofn built for this machine.
func echoBinary(t *testing.T) string {
	t.Helper()
	echoOnce.Do(func() {
		out := filepath.Join(echoDir, "echofn")
		cmd := exec.Command("go", "build", "-o", out, "./testdata/echofn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			echoError = fmt.Errorf("build echofn: %v\n%s", err, msg)
			return
		}
		echoPath = out
	})
	if echoError != nil {
		t.Fatal(echoError)
	}
	return echoPath
}

// syncBuffer collects the runtime's log; it is shown when a test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestRuntime starts a Runtime with specs registered; it is closed when
// the test ends.
func newTestRuntime(t *testing.T, specs ...FunctionSpec) *Runtime {
	t.Helper()
	log := &syncBuffer{}
	t.Cleanup(func() { // runs after Close: nothing writes to log any more
		if t.Failed() {
			t.Logf("runtime log:\n%s", log)
		}
	})
	rt, err := NewRuntime("127.0.0.1", log)
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	t.Cleanup(rt.Close)
	for _, s := range specs {
		rt.Register(s)
	}
	return rt
}

// echoSpec is a well-behaved function with a timeout long enough for slow
// machines.
func echoSpec(t *testing.T, name string) FunctionSpec {
	return FunctionSpec{
		Name:           name,
		Binary:         echoBinary(t),
		Env:            []string{"SOME_VAR=from-spec"},
		Timeout:        30 * time.Second,
		MaxConcurrency: 4,
		ARN:            "arn:aws:lambda:us-east-1:000000000000:function:" + name,
	}
}

func invoke(t *testing.T, rt *Runtime, name, payload string) Result {
	t.Helper()
	res, err := rt.Invoke(t.Context(), name, []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s, %s): %v", name, payload, err)
	}
	return res
}

// pidOf runs {"pid":true} and decodes the answer.
func pidOf(t *testing.T, rt *Runtime, name string) (pid int, someVar string, cold bool) {
	t.Helper()
	res := invoke(t, rt, name, `{"pid":true}`)
	if res.FunctionError != "" {
		t.Fatalf("pid call failed: %s %s", res.FunctionError, res.Payload)
	}
	var out struct {
		PID     int    `json:"pid"`
		SomeVar string `json:"some_var"`
	}
	if err := json.Unmarshal(res.Payload, &out); err != nil || out.PID == 0 {
		t.Fatalf("pid call returned %s (%v)", res.Payload, err)
	}
	return out.PID, out.SomeVar, res.ColdStart
}

// errorPayload decodes a function error's payload.
func errorPayload(t *testing.T, res Result) (typ, msg string) {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", res.FunctionError, res.Payload)
	}
	var p struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(res.Payload, &p); err != nil {
		t.Fatalf("error payload %s: %v", res.Payload, err)
	}
	return p.ErrorType, p.ErrorMessage
}

func processExists(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

func jsonEqual(t *testing.T, want string, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("payload %q is not JSON: %v", got, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
}

func TestRuntimeEcho(t *testing.T) {
	rt := newTestRuntime(t, echoSpec(t, "Echo"))
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"object", `{"echo":{"a":1,"b":[true,null,"x"]}}`, `{"a":1,"b":[true,null,"x"]}`},
		{"string", `{"echo":"hello"}`, `"hello"`},
		{"number", `{"echo":42}`, `42`},
		{"unicode", `{"echo":"héllo ☎"}`, `"héllo ☎"`},
		{"not an object", `[1,2,3]`, `[1,2,3]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := invoke(t, rt, "Echo", tt.payload)
			if res.FunctionError != "" {
				t.Fatalf("FunctionError = %q: %s", res.FunctionError, res.Payload)
			}
			jsonEqual(t, tt.want, res.Payload)
		})
	}
}

func TestRuntimeEnvironment(t *testing.T) {
	t.Setenv("SOME_VAR", "leaked-from-parent")
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"from spec", []string{"SOME_VAR=from-spec"}, "from-spec"},
		{"not inherited", []string{"OTHER=1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := echoSpec(t, "Env")
			spec.Env = tt.env
			rt := newTestRuntime(t, spec)
			if _, got, _ := pidOf(t, rt, "Env"); got != tt.want {
				t.Errorf("SOME_VAR = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRuntimeWarmReuse(t *testing.T) {
	rt := newTestRuntime(t, echoSpec(t, "Warm"))
	pid1, _, cold1 := pidOf(t, rt, "Warm")
	pid2, _, cold2 := pidOf(t, rt, "Warm")
	pid3, _, cold3 := pidOf(t, rt, "Warm")
	if diff := cmp.Diff([]bool{true, false, false}, []bool{cold1, cold2, cold3}); diff != "" {
		t.Errorf("ColdStart (-want +got):\n%s", diff)
	}
	if pid2 != pid1 || pid3 != pid1 {
		t.Errorf("pids = %d, %d, %d, want one warm process", pid1, pid2, pid3)
	}
}

func TestRuntimeFunctionError(t *testing.T) {
	rt := newTestRuntime(t, echoSpec(t, "Fail"))
	pid1, _, _ := pidOf(t, rt, "Fail")
	typ, msg := errorPayload(t, invoke(t, rt, "Fail", `{"fail":"order 42 is gone"}`))
	if msg != "order 42 is gone" {
		t.Errorf("errorMessage = %q, want %q", msg, "order 42 is gone")
	}
	if typ != "errorString" { // what aws-lambda-go reports for errors.New
		t.Errorf("errorType = %q, want errorString", typ)
	}
	// A handled error leaves the process warm, as in Lambda.
	if pid2, _, cold := pidOf(t, rt, "Fail"); pid2 != pid1 || cold {
		t.Errorf("after a function error: pid %d cold %v, want warm pid %d", pid2, cold, pid1)
	}
}

func TestRuntimeCrashRestarts(t *testing.T) {
	rt := newTestRuntime(t, echoSpec(t, "Crash"))
	pid1, _, _ := pidOf(t, rt, "Crash")
	typ, msg := errorPayload(t, invoke(t, rt, "Crash", `{"crash":true}`))
	if typ != "Runtime.ExitError" {
		t.Errorf("errorType = %q, want Runtime.ExitError", typ)
	}
	if !strings.Contains(msg, "exit status 3") {
		t.Errorf("errorMessage = %q, want it to mention exit status 3", msg)
	}
	pid2, _, cold := pidOf(t, rt, "Crash")
	if pid2 == pid1 || !cold {
		t.Errorf("after a crash: pid %d cold %v, want a new process (old pid %d)", pid2, cold, pid1)
	}
}

func TestRuntimeTimeout(t *testing.T) {
	spec := echoSpec(t, "Slow")
	spec.Timeout = 300 * time.Millisecond
	rt := newTestRuntime(t, spec)

	typ, msg := errorPayload(t, invoke(t, rt, "Slow", `{"sleep_ms":5000}`))
	if typ != "Sandbox.Timedout" {
		t.Errorf("errorType = %q, want Sandbox.Timedout", typ)
	}
	if want := "Task timed out after 0.30 seconds"; msg != want {
		t.Errorf("errorMessage = %q, want %q", msg, want)
	}
	res := invoke(t, rt, "Slow", `{"echo":"still here"}`)
	if res.FunctionError != "" {
		t.Fatalf("call after a timeout failed: %s", res.Payload)
	}
	jsonEqual(t, `"still here"`, res.Payload)
	if !res.ColdStart {
		t.Error("call after a timeout reused the timed-out process, want a new one")
	}
}

func TestRuntimeConcurrencyLimit(t *testing.T) {
	spec := echoSpec(t, "Busy")
	spec.MaxConcurrency = 2
	rt := newTestRuntime(t, spec)

	const calls = 6
	type answer struct {
		res Result
		err error
	}
	answers := make([]answer, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			res, err := rt.Invoke(t.Context(), "Busy", []byte(`{"sleep_ms":200,"pid":true}`))
			answers[i] = answer{res, err}
		})
	}
	wg.Wait()

	pids := map[int]bool{}
	for i, a := range answers {
		if a.err != nil || a.res.FunctionError != "" {
			t.Errorf("call %d: %v %s", i, a.err, a.res.Payload)
			continue
		}
		var out struct {
			PID int `json:"pid"`
		}
		if err := json.Unmarshal(a.res.Payload, &out); err != nil || out.PID == 0 {
			t.Errorf("call %d returned %s", i, a.res.Payload)
			continue
		}
		pids[out.PID] = true
	}
	if len(pids) < 1 || len(pids) > 2 {
		t.Errorf("%d distinct processes served %d calls, want 1 or 2 (MaxConcurrency 2)", len(pids), calls)
	}
}

func TestRuntimeUnknownFunction(t *testing.T) {
	rt := newTestRuntime(t, echoSpec(t, "Known"))
	_, err := rt.Invoke(t.Context(), "Unknown", []byte(`{}`))
	if !errors.Is(err, ErrUnknownFunction) {
		t.Errorf("Invoke(Unknown) error = %v, want ErrUnknownFunction", err)
	}
	if diff := cmp.Diff([]string{"Known"}, rt.Functions()); diff != "" {
		t.Errorf("Functions() (-want +got):\n%s", diff)
	}
}

func TestRuntimeStartError(t *testing.T) {
	spec := echoSpec(t, "Missing")
	spec.Binary = filepath.Join(t.TempDir(), "no-such-bootstrap")
	rt := newTestRuntime(t, spec)
	res, err := rt.Invoke(t.Context(), "Missing", []byte(`{}`))
	if err != nil {
		t.Fatalf("Invoke: %v, want the failure in Result", err)
	}
	if typ, _ := errorPayload(t, res); typ != "Runtime.StartError" {
		t.Errorf("errorType = %q, want Runtime.StartError", typ)
	}
}

func TestRuntimeCloseStopsProcesses(t *testing.T) {
	a, b := echoSpec(t, "A"), echoSpec(t, "B")
	rt := newTestRuntime(t, a, b)
	pidA, _, _ := pidOf(t, rt, "A")
	pidB, _, _ := pidOf(t, rt, "B")
	for _, pid := range []int{pidA, pidB} {
		if !processExists(pid) {
			t.Fatalf("process %d is not running before Close", pid)
		}
	}

	rt.Close()

	for _, pid := range []int{pidA, pidB} {
		if processExists(pid) {
			t.Errorf("process %d still exists after Close", pid)
		}
	}
	_, err := rt.Invoke(t.Context(), "A", []byte(`{}`))
	if err == nil || errors.Is(err, ErrUnknownFunction) {
		t.Errorf("Invoke after Close: %v, want a shut-down error", err)
	}
}

func TestRuntimeRecycle(t *testing.T) {
	rt := newTestRuntime(t, echoSpec(t, "Deployed"))
	pid1, _, _ := pidOf(t, rt, "Deployed")

	rt.Recycle("Deployed")
	rt.Recycle("NotRegistered") // no-op

	if processExists(pid1) {
		t.Errorf("idle process %d still exists after Recycle", pid1)
	}
	pid2, _, cold := pidOf(t, rt, "Deployed")
	if pid2 == pid1 || !cold {
		t.Errorf("after Recycle: pid %d cold %v, want a new process (old pid %d)", pid2, cold, pid1)
	}
}

// afterBinary returns testdata/afterfn built for this machine.
var (
	afterOnce  sync.Once
	afterPath  string
	afterError error
)

func afterBinary(t *testing.T) string {
	t.Helper()
	afterOnce.Do(func() {
		out := filepath.Join(echoDir, "afterfn")
		cmd := exec.Command("go", "build", "-o", out, "./testdata/afterfn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			afterError = fmt.Errorf("build afterfn: %v\n%s", err, msg)
			return
		}
		afterPath = out
	})
	if afterError != nil {
		t.Fatal(afterError)
	}
	return afterPath
}

// TestExtensionHoldsProcessUntilWorkIsDone: a function whose internal
// extension (shared/platform's AfterResponse) holds the process for work
// left running after the answer. The caller gets the answer before the
// work ends, and the work has ended before the process is given its next
// invocation: Lambda's freeze semantics, which the call log relies on.
func TestExtensionHoldsProcessUntilWorkIsDone(t *testing.T) {
	spec := echoSpec(t, "After")
	spec.Binary = afterBinary(t)
	spec.MaxConcurrency = 1 // the next invocation must go to the same process
	rt := newTestRuntime(t, spec)
	const work = 1500 * time.Millisecond
	for i := range 3 { // the first invocation is cold, the others warm
		mark := filepath.Join(t.TempDir(), "mark")
		start := time.Now()
		res := invoke(t, rt, "After", fmt.Sprintf(`{"work_ms":%d,"mark":%q}`, work.Milliseconds(), mark))
		answered := time.Since(start)
		if res.FunctionError != "" {
			t.Fatalf("call %d: %s %s", i, res.FunctionError, res.Payload)
		}
		if answered >= work {
			t.Errorf("call %d answered after %v: the caller waited for the background work (%v)", i, answered, work)
		}
		if _, err := os.Stat(mark); err == nil {
			t.Fatalf("call %d: the work was done before the answer; the test proves nothing", i)
		}
		res = invoke(t, rt, "After", fmt.Sprintf(`{"check":%q}`, mark))
		jsonEqual(t, `{"exists":true}`, res.Payload)
		if took := time.Since(start); took < work {
			t.Errorf("call %d: the next invocation ran %v after the first, before the work (%v) could end", i, took, work)
		}
	}
}

// TestExtensionRegistrationOnlyDuringInit: as in Lambda, an extension may
// not register once the runtime has asked for its first invocation, and an
// unknown extension id gets no events.
func TestExtensionRegistrationOnlyDuringInit(t *testing.T) {
	rt := newTestRuntime(t, echoSpec(t, "Echo"))
	invoke(t, rt, "Echo", `{"echo":1}`) // starts Echo-1, past its init
	base := "http://" + rt.addr + "/p/Echo-1/2020-01-01/extension/"
	req, _ := http.NewRequest(http.MethodPost, base+"register", strings.NewReader(`{"events":["INVOKE"]}`))
	req.Header.Set("Lambda-Extension-Name", "late")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Lambda-Extension-Identifier") != "" {
		t.Errorf("late registration: %s, id %q; want 403 and no id", resp.Status, resp.Header.Get("Lambda-Extension-Identifier"))
	}
	req, _ = http.NewRequest(http.MethodGet, base+"event/next", nil)
	req.Header.Set("Lambda-Extension-Identifier", "not-registered")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("event/next for an unknown extension: %s, want 403", resp.Status)
	}
}

// TestRecycleWaitsForExtensions: a process still held by its extension
// when Recycle runs is stopped too, so the next invocation starts cold, as
// the cold-start benchmarks need.
func TestRecycleWaitsForExtensions(t *testing.T) {
	spec := echoSpec(t, "After")
	spec.Binary = afterBinary(t)
	spec.MaxConcurrency = 1 // else the next invocation would start a new process anyway
	rt := newTestRuntime(t, spec)
	mark := filepath.Join(t.TempDir(), "mark")
	invoke(t, rt, "After", fmt.Sprintf(`{"work_ms":500,"mark":%q}`, mark))
	rt.Recycle("After")
	if res := invoke(t, rt, "After", fmt.Sprintf(`{"check":%q}`, mark)); !res.ColdStart {
		t.Errorf("the invocation after Recycle was warm: a busy process came back")
	}
}
