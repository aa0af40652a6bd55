package local

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lineWatcher is a log that reports when a line containing want is written.
type lineWatcher struct {
	want string
	seen chan string // buffered 1

	mu  sync.Mutex
	buf strings.Builder
}

func newLineWatcher(want string) *lineWatcher {
	return &lineWatcher{want: want, seen: make(chan string, 1)}
}

func (l *lineWatcher) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if s := l.buf.String(); strings.Contains(s, l.want) {
		select {
		case l.seen <- s:
		default:
		}
	}
	return len(p), nil
}

func newTestInvokeAPI(t *testing.T, log io.Writer) *httptest.Server {
	t.Helper()
	rt := newTestRuntime(t, echoSpec(t, "Echo"))
	srv := httptest.NewServer(NewInvokeAPI(t.Context(), rt, log))
	t.Cleanup(srv.Close)
	return srv
}

func postInvoke(t *testing.T, srv *httptest.Server, path, invocationType, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if invocationType != "" {
		req.Header.Set("X-Amz-Invocation-Type", invocationType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestInvokeAPI(t *testing.T) {
	srv := newTestInvokeAPI(t, io.Discard)
	const arn = "arn:aws:lambda:us-east-1:000000000000:function:Echo:$LATEST"
	tests := []struct {
		name           string
		path           string // below /2015-03-31/functions/
		invocationType string
		body           string
		wantStatus     int
		wantHeaders    map[string]string // "" means absent
		wantBody       string            // JSON compared semantically; "" means empty
	}{
		{
			name: "by name", path: "Echo/invocations", body: `{"echo":{"order":42}}`,
			wantStatus:  200,
			wantHeaders: map[string]string{"X-Amz-Function-Error": "", "X-Amz-Executed-Version": "$LATEST", "Content-Type": "application/json"},
			wantBody:    `{"order":42}`,
		},
		{
			name: "by ARN", path: arn + "/invocations", body: `{"echo":"arn"}`,
			wantStatus: 200, wantHeaders: map[string]string{"X-Amz-Function-Error": ""}, wantBody: `"arn"`,
		},
		{
			name: "by ARN escaped as the SDK does", path: "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3AEcho%3A%24LATEST/invocations", body: `{"echo":"escaped"}`,
			wantStatus: 200, wantHeaders: map[string]string{"X-Amz-Function-Error": ""}, wantBody: `"escaped"`,
		},
		{
			name: "by partial ARN", path: "000000000000:function:Echo/invocations", body: `{"echo":"partial"}`,
			wantStatus: 200, wantHeaders: map[string]string{"X-Amz-Function-Error": ""}, wantBody: `"partial"`,
		},
		{
			name: "RequestResponse is the default", path: "Echo/invocations", invocationType: "RequestResponse", body: `{"echo":1}`,
			wantStatus: 200, wantHeaders: map[string]string{"X-Amz-Function-Error": ""}, wantBody: `1`,
		},
		{
			name: "empty body is {}", path: "Echo/invocations", body: "",
			wantStatus: 200, wantHeaders: map[string]string{"X-Amz-Function-Error": ""}, wantBody: `{}`,
		},
		{
			name: "function error", path: "Echo/invocations", body: `{"fail":"no such order"}`,
			wantStatus:  200,
			wantHeaders: map[string]string{"X-Amz-Function-Error": "Unhandled"},
			wantBody:    `{"errorMessage":"no such order","errorType":"errorString"}`,
		},
		{
			name: "unknown function", path: "Nope/invocations", body: `{}`,
			wantStatus:  404,
			wantHeaders: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "application/json"},
			wantBody:    `{"Type":"User","message":"Function not found: Nope"}`,
		},
		{
			name: "unknown function by ARN", path: "arn:aws:lambda:us-east-1:000000000000:function:Nope:$LATEST/invocations", body: `{}`,
			wantStatus:  404,
			wantHeaders: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"},
			wantBody:    `{"Type":"User","message":"Function not found: Nope"}`,
		},
		{
			name: "invalid JSON", path: "Echo/invocations", body: `{"echo":`,
			wantStatus:  400,
			wantHeaders: map[string]string{"X-Amzn-ErrorType": "InvalidRequestContentException"},
			wantBody:    `{"Type":"User","message":"Could not parse request body into json"}`,
		},
		{
			name: "DryRun", path: "Echo/invocations", invocationType: "DryRun", body: `{"crash":true}`,
			wantStatus: 204, wantHeaders: map[string]string{"X-Amz-Function-Error": ""},
		},
		{
			name: "DryRun of an unknown function", path: "Nope/invocations", invocationType: "DryRun", body: `{}`,
			wantStatus: 404, wantHeaders: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"},
			wantBody: `{"Type":"User","message":"Function not found: Nope"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postInvoke(t, srv, "/2015-03-31/functions/"+tt.path, tt.invocationType, tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			gotHeaders := map[string]string{}
			for k := range tt.wantHeaders {
				gotHeaders[k] = resp.Header.Get(k)
			}
			if diff := cmp.Diff(tt.wantHeaders, gotHeaders); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if tt.wantBody == "" {
				if len(body) != 0 {
					t.Errorf("body = %q, want empty", body)
				}
				return
			}
			jsonEqual(t, tt.wantBody, body)
		})
	}
}

func TestInvokeAPIEvent(t *testing.T) {
	log := newLineWatcher("async-boom")
	srv := newTestInvokeAPI(t, log)

	resp, body := postInvoke(t, srv, "/2015-03-31/functions/Echo/invocations", "Event", `{"fail":"async-boom"}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("status = %d, want 202 (body %s)", resp.StatusCode, body)
	}
	if len(body) != 0 {
		t.Errorf("body = %q, want empty", body)
	}
	// The invocation runs after the answer; its failure is only logged.
	select {
	case line := <-log.seen:
		if !strings.Contains(line, "[invoke] asynchronous Echo failed") {
			t.Errorf("log = %q, want the asynchronous failure of Echo", line)
		}
	case <-time.After(time.Minute): // a hang guard, not a timing assertion
		t.Fatal("the asynchronous invocation never ran")
	}
}

func TestFunctionName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Echo", "Echo"},
		{"Echo:$LATEST", "Echo"},
		{"Echo:live", "Echo"},
		{"000000000000:function:Echo", "Echo"},
		{"arn:aws:lambda:us-east-1:000000000000:function:Echo", "Echo"},
		{"arn:aws:lambda:us-east-1:000000000000:function:Echo:$LATEST", "Echo"},
		{"arn:aws:lambda:us-east-1:000000000000:function:Echo:7", "Echo"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := functionName(tt.in); got != tt.want {
				t.Errorf("functionName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
