package appapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// stuckCalls is a call log whose writes hang until their context ends, as
// a DynamoDB that stopped answering would.
type stuckCalls struct{ switchboard.CallLog }

func (stuckCalls) RecordCall(ctx context.Context, _ switchboard.Call) error {
	<-ctx.Done()
	return ctx.Err()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestUnloggedCallIsInTheFunctionLog: the call is answered at once; its log
// write, which runs after the answer, hangs until the invocation's deadline
// is near (a Lambda timeout while the write is still running). The whole
// entry is then in the function's log at error level as "call not logged"
// (the line template.yaml's CallsNotLogged filters count, see
// infra/samtemplate TestCallsNotLoggedAreAlarmed), written before the
// deadline, so Lambda has not stopped the environment yet.
func TestUnloggedCallIsInTheFunctionLog(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	door := *f.door
	door.Calls = stuckCalls{f.store}
	door.After = platform.NewAfterResponse(platform.NewLogger(&lockedBuffer{}, 0))
	logs := &lockedBuffer{}
	h := apigw.HandleCheckingIDsInside(platform.NewLogger(logs, 0), door.Handle("location", appapi.GetLocation(f.store)))
	deadline := time.Now().Add(platform.BackgroundMargin + time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	req := apigw.Request{RawPath: "/v1/location", Headers: map[string]string{"authorization": "Bearer " + f.token}}
	req.RequestContext.RequestID = "req-not-logged"
	req.RequestContext.HTTP.Method = http.MethodGet
	start := time.Now()
	resp, err := h(ctx, req)
	answered := time.Since(start)
	cancel() // the invocation is over once answered; the log write is not
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("call: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	if answered > 500*time.Millisecond {
		t.Errorf("answered after %v: the app waited for the stuck log write", answered)
	}
	door.After.Wait()
	if done := time.Now(); !done.Before(deadline) {
		t.Errorf("the logging ended %v after the invocation's deadline", done.Sub(deadline))
	}
	var found bool
	for line := range strings.Lines(logs.String()) {
		var l struct {
			Level, Msg string
			Call       switchboard.Call
			Error      string
		}
		if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "call not logged" {
			continue
		}
		found = true
		if l.Level != "ERROR" || l.Call.RequestID != "req-not-logged" || l.Call.Status != 200 || l.Call.ConnectionID != f.conn.ID ||
			l.Call.Resource != "location" || !l.Call.BodiesArchived || !strings.Contains(l.Error, context.DeadlineExceeded.Error()) {
			t.Errorf("error line %s; want level ERROR with the whole entry and the deadline as cause", line)
		}
	}
	if !found {
		t.Fatalf("no \"call not logged\" line in the function's log:\n%s", logs)
	}
	if _, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, "req-not-logged"); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("the stuck write stored an entry after all: %v", err)
	}
}
