package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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
