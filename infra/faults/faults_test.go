package faults_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/faults"
)

func TestServiceOf(t *testing.T) {
	for _, c := range []struct {
		target, path string
		want         faults.Service
	}{
		{"DynamoDB_20120810.PutItem", "/", faults.DynamoDB},
		{"", "/v2/email/outbound-emails", faults.SES},
		{"", "/bucket/bodies/x.json", faults.S3},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+c.path, nil)
		if c.target != "" {
			r.Header.Set("X-Amz-Target", c.target)
		}
		if got := faults.ServiceOf(r); got != c.want {
			t.Errorf("%q %q: %s, want %s", c.target, c.path, got, c.want)
		}
	}
}

// Each kind does what it says to the request: only lose-response and delay
// reach the service.
func TestKinds(t *testing.T) {
	for _, c := range []struct {
		kind       faults.Kind
		reached    bool
		status     int
		wantErrors bool
	}{
		{faults.ServerError, false, 500, false},
		{faults.Throttle, false, 503, false},
		{faults.Drop, false, 0, true},
		{faults.LoseResponse, true, 0, true},
		{faults.Delay, true, 200, false},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
			defer srv.Close()
			tr := faults.New(1, map[faults.Service]faults.Rates{faults.S3: {c.kind: 1}})
			tr.Delay = 1
			resp, err := tr.Client().Post(srv.URL+"/bucket/key", "application/json", strings.NewReader("{}"))
			if (err != nil) != c.wantErrors || (err != nil && !errors.Is(err, faults.ErrInjected)) {
				t.Fatalf("error %v, want one: %v", err, c.wantErrors)
			}
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Errorf("status %d, want %d", resp.StatusCode, c.status)
				}
			}
			if got := hits.Load() == 1; got != c.reached {
				t.Errorf("reached the service: %v, want %v", got, c.reached)
			}
			injected, total := tr.Injected()
			if injected[faults.S3][c.kind] != 1 || total[faults.S3] != 1 {
				t.Errorf("counted %v of %v", injected, total)
			}
		})
	}
}

// Match aims faults at the requests it accepts, seeing their bodies (which
// still reach the service whole); Limit stops after that many faults.
func TestMatchAndLimit(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
	}))
	defer srv.Close()
	tr := faults.New(1, map[faults.Service]faults.Rates{faults.S3: {faults.ServerError: 1}})
	tr.Match = func(_ *http.Request, body []byte) bool { return strings.Contains(string(body), "aim") }
	tr.Limit = 2
	statuses := []int{}
	for _, body := range []string{"other", "aim 1", "aim 2", "aim 3"} {
		resp, err := tr.Client().Post(srv.URL+"/bucket/key", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if fmt.Sprint(statuses) != "[200 500 500 200]" {
		t.Errorf("statuses %v, want [200 500 500 200]", statuses)
	}
	if fmt.Sprint(bodies) != "[other aim 3]" {
		t.Errorf("the service got %q, want the unmatched and the one past the limit, whole", bodies)
	}
}
