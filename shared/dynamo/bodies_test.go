package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// failingBatches is the real archive, with its writes refused while down.
type failingBatches struct {
	switchboard.BodyBatches
	down bool
	puts int
}

func (b *failingBatches) PutBatch(ctx context.Context, accountID string, minute time.Time, bodies map[string]switchboard.CallBodies) error {
	if b.down {
		return errors.New("archive down")
	}
	b.puts++
	return b.BodyBatches.PutBatch(ctx, accountID, minute, bodies)
}

// TestBodiesKeptThenArchivedByMinute: bodies kept with a call are readable
// at once from its feed item; the roll-up writes one S3 object per account
// and minute, never moves past a minute whose archive failed, and retries
// it on the next run; once archived the body reads from the batch (the
// feed item gone); a call whose bodies are nowhere is ENotFound, said as
// expired.
func TestBodiesKeptThenArchivedByMinute(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 10, 0, time.UTC)
	f := newRollUpFixture(t, start)
	ctx := context.Background()
	f.rollUp(t) // sets the watermark before the calls
	batches := &failingBatches{BodyBatches: s3store.New(f.env.S3(), f.env.Config.ArchiveBucket)}
	store := f.store.WithBodyBatches(batches)
	var calls []switchboard.Call
	for i, acc := range []string{"acc-a", "acc-a", "acc-a", "acc-b"} {
		c := switchboard.Call{RequestID: "req-body-" + string(rune('a'+i)), AccountID: acc, ConnectionID: "con_1",
			At: start.Add(time.Duration(i) * time.Second), Resource: "orders", Method: "POST", Status: 201, LoggedAt: start.Add(time.Duration(i)*time.Second + 50*time.Millisecond)}
		bodies := switchboard.CallBodies{Request: switchboard.ArchivedBody{Method: "POST", Path: "/v1/x", Headers: map[string]string{"a": "b"}, Body: `{"n":"` + c.RequestID + `"}`},
			Response: switchboard.ArchivedBody{Status: 201, Headers: map[string]string{}, Body: `{"id":"` + c.RequestID + `"}`}}
		if err := store.KeepBodies(ctx, c, bodies); err != nil {
			t.Fatal(err)
		}
		c.BodiesArchived = true
		f.record(t, c)
		calls = append(calls, c)
	}
	wantBody := func(t *testing.T, s *dynamo.Store, c switchboard.Call) {
		t.Helper()
		got, err := s.GetBody(ctx, c, switchboard.ResponseBody)
		if err != nil || got.Body != `{"id":"`+c.RequestID+`"}` || got.Status != 201 {
			t.Errorf("%s response: %+v, %v", c.RequestID, got, err)
		}
		got, err = s.GetBody(ctx, c, switchboard.RequestBody)
		if err != nil || got.Body != `{"n":"`+c.RequestID+`"}` || got.Headers["a"] != "b" {
			t.Errorf("%s request: %+v, %v", c.RequestID, got, err)
		}
	}
	for _, c := range calls {
		wantBody(t, store, c) // from the feed, before any archive
	}

	f.clock.Set(start.Add(dynamo.RollUpGrace + 2*time.Minute))
	batches.down = true
	if _, err := store.RollUp(ctx, 1000); err == nil {
		t.Fatal("a roll-up whose archive failed reported success")
	}
	batches.down = false
	if _, err := store.RollUp(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if batches.puts != 2 {
		t.Errorf("%d objects written for 2 accounts in one minute, want 2", batches.puts)
	}
	// The feed items go (TTL, after three days): the batch alone answers.
	for _, c := range calls {
		if _, err := f.env.DynamoDB().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.env.Config.TableName), Key: dynamo.FeedItemKey(c)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range calls {
		wantBody(t, store, c)
	}
	gone := calls[0]
	gone.RequestID, gone.LoggedAt = "req-never-kept", start.Add(time.Hour)
	if _, err := store.GetBody(ctx, gone, switchboard.RequestBody); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("a body kept nowhere: %v, want not_found", err)
	}
	other := calls[3]
	other.AccountID = "acc-a" // another tenant's request id, asked through acc-a
	if _, err := store.GetBody(ctx, other, switchboard.RequestBody); switchboard.ErrorCode(err) != switchboard.ENotFound {
		t.Errorf("acc-b's body read as acc-a's: %v, want not_found", err)
	}
}

// TestArchiveCallBodiesAsArchiveBodies: archiving known calls by key
// (ArchiveCallBodies, the demo seed's month of calls) writes, per account
// and minute, the objects ArchiveBodies writes from the minute's feed: the
// same bodies under the same keys, none for a call logged without them,
// and the count of calls archived.
func TestArchiveCallBodiesAsArchiveBodies(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 10, 0, time.UTC)
	f := newRollUpFixture(t, start)
	ctx := context.Background()
	batches := s3store.New(f.env.S3(), f.env.Config.ArchiveBucket)
	store := f.store.WithBodyBatches(batches)
	var calls []switchboard.Call
	type batchKey struct {
		account string
		minute  time.Time
	}
	want := map[batchKey]bool{}
	// Two accounts over three minutes, the last call without bodies.
	for i := range 7 {
		acc := []string{"acc-a", "acc-b"}[i%2]
		at := start.Add(time.Duration(i) * 25 * time.Second)
		c := switchboard.Call{RequestID: fmt.Sprintf("req-by-key-%d", i), AccountID: acc, ConnectionID: "con_1",
			At: at, Resource: "orders", Method: "GET", Status: 200, LoggedAt: at.Add(40 * time.Millisecond)}
		if i < 6 {
			bodies := switchboard.CallBodies{Request: switchboard.ArchivedBody{Method: "GET", Path: "/v1/x", Headers: map[string]string{"a": "b"}},
				Response: switchboard.ArchivedBody{Status: 200, Headers: map[string]string{}, Body: `{"id":"` + c.RequestID + `"}`}}
			if err := store.KeepBodies(ctx, c, bodies); err != nil {
				t.Fatal(err)
			}
			c.BodiesArchived = true
			want[batchKey{acc, c.LoggedAt.Truncate(time.Minute)}] = true
		}
		f.record(t, c)
		calls = append(calls, c)
	}
	read := func() map[batchKey]map[string]switchboard.CallBodies {
		out := map[batchKey]map[string]switchboard.CallBodies{}
		for k := range want {
			b, err := batches.GetBatch(ctx, k.account, k.minute)
			if err != nil {
				t.Fatalf("batch %+v: %v", k, err)
			}
			out[k] = b
		}
		return out
	}
	n, err := store.ArchiveCallBodies(ctx, calls)
	if err != nil || n != 6 {
		t.Fatalf("archived %d, %v; want the 6 calls kept with bodies", n, err)
	}
	byKey := read()
	for _, c := range calls[:6] {
		if b := byKey[batchKey{c.AccountID, c.LoggedAt.Truncate(time.Minute)}][c.RequestID]; b.Response.Body != `{"id":"`+c.RequestID+`"}` {
			t.Errorf("%s archived as %+v", c.RequestID, b)
		}
	}
	minutes := map[time.Time]bool{}
	for k := range want {
		minutes[k.minute] = true
	}
	for m := range minutes {
		if _, err := store.ArchiveBodies(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(read(), byKey); diff != "" {
		t.Errorf("ArchiveCallBodies differs from ArchiveBodies (-feed +by key):\n%s", diff)
	}
}
