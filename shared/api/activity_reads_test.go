package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// keyRecorder sees every DynamoDB request of the clients built from an
// aws.Config it is added to, and keeps, per operation, the string values
// the request names as keys or in its key conditions: GetItem, PutItem,
// UpdateItem, DeleteItem and BatchGetItem keys, and the values a Query or a
// Scan compares with. A read of a partition shows as its partition key.
type keyRecorder struct {
	mu  sync.Mutex
	ops []recordedOp
}

type recordedOp struct {
	op     string
	values []string
}

func (r *keyRecorder) add(cfg *platform.Env) {
	cfg.AWS.APIOptions = append(cfg.AWS.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("record-keys", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if awsmiddleware.GetServiceID(ctx) == "DynamoDB" {
				r.record(awsmiddleware.GetOperationName(ctx), in.Parameters)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
	})
}

func keyStrings(avs ...map[string]types.AttributeValue) []string {
	var out []string
	for _, m := range avs {
		for _, v := range m {
			if s, ok := v.(*types.AttributeValueMemberS); ok {
				out = append(out, s.Value)
			}
		}
	}
	return out
}

func (r *keyRecorder) record(op string, params any) {
	var values []string
	switch in := params.(type) {
	case *dynamodb.QueryInput:
		values = keyStrings(in.ExpressionAttributeValues, in.ExclusiveStartKey)
	case *dynamodb.ScanInput:
		values = keyStrings(in.ExpressionAttributeValues)
	case *dynamodb.GetItemInput:
		values = keyStrings(in.Key)
	case *dynamodb.UpdateItemInput:
		values = keyStrings(in.Key)
	case *dynamodb.DeleteItemInput:
		values = keyStrings(in.Key)
	case *dynamodb.PutItemInput:
		values = keyStrings(map[string]types.AttributeValue{"PK": in.Item["PK"], "SK": in.Item["SK"]})
	case *dynamodb.BatchGetItemInput:
		for _, ka := range in.RequestItems {
			values = append(values, keyStrings(ka.Keys...)...)
		}
	case *dynamodb.BatchWriteItemInput:
		for _, ws := range in.RequestItems {
			for _, w := range ws {
				if w.PutRequest != nil {
					values = append(values, keyStrings(map[string]types.AttributeValue{"PK": w.PutRequest.Item["PK"]})...)
				}
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, recordedOp{op, values})
}

// take returns what was recorded since the last take.
func (r *keyRecorder) take() []recordedOp {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.ops
	r.ops = nil
	return out
}

// partitions are the values recorded by reads (the operations named),
// which include each partition key read.
func partitions(ops []recordedOp, names ...string) map[string]bool {
	out := map[string]bool{}
	for _, o := range ops {
		for _, n := range names {
			if o.op == n {
				for _, v := range o.values {
					out[v] = true
				}
			}
		}
	}
	return out
}

// TestActivityAndOverviewNeverReadTheCallLog: with a call log and a roll-up
// feed in the table, the activity and overview routes, run through their
// real Lambda constructors, make no request that names a call-log or feed
// partition, and no scan. The partitions are not spelt out here: the test
// learns them from the store's own reads of the log (ListCalls, GetCall)
// and the roll-up's reads of the feed, through the same recorder, which
// shows that the recorder sees such reads when they happen.
func TestActivityAndOverviewNeverReadTheCallLog(t *testing.T) {
	base := testenv.MustEnv(t)
	member := mustSignIn(t, base, "member@demo.test")
	rec := &keyRecorder{}
	env := *base
	rec.add(&env)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	now := time.Now().UTC()
	conns := []string{"con_reads_a", "con_reads_b"}
	for i, id := range conns {
		mustConnection(t, store, id, "orderline-pos", []string{"loc-bastille", "loc-canal"}[i], "location[orders.read,orders.write]", switchboard.ConnectionActive, now.AddDate(0, -2, 0))
	}
	written := now.Add(-5 * time.Minute)
	var calls []switchboard.Call
	for i, s := range []int{200, 201, 404, 500, 503} {
		for _, id := range conns {
			calls = append(calls, call(fmt.Sprintf("req-%s-%d", id, i), id, written.Add(-time.Second), []string{"GET", "POST"}[i%2], s))
		}
	}
	mustCalls(t, &env, written, calls...)

	// The store's roll-up: its queries are of the feed, and of the roll-ups
	// it just wrote, to rebuild their health summaries. The latter are
	// learnt from the store's own roll-up reads and set aside.
	rec.take()
	rep, err := store.WithClock(func() time.Time { return now }).RollUp(ctx, 1000)
	if err != nil || rep.Entries != len(calls) {
		t.Fatalf("roll-up %+v %v, want %d entries", rep, err, len(calls))
	}
	feed := partitions(rec.take(), "Query")
	for _, id := range conns {
		if _, err := store.HourRollUps(ctx, demo.Account.ID, id, now.Add(-time.Hour), now); err != nil {
			t.Fatal(err)
		}
		if _, err := store.DayRollUps(ctx, demo.Account.ID, id, now.Add(-24*time.Hour), now); err != nil {
			t.Fatal(err)
		}
	}
	// The roll-up reads name the roll-up partitions and their sort-key
	// bounds ("H#2026-…"): neither is the feed.
	rollUpReads := partitions(rec.take(), "Query")
	bounds := map[string]bool{}
	for v := range rollUpReads {
		if !strings.HasPrefix(v, "ACCOUNT#") && len(v) > 2 {
			bounds[v[:2]] = true
		}
	}
	for v := range feed {
		if rollUpReads[v] || len(v) > 2 && bounds[v[:2]] {
			delete(feed, v)
		}
	}
	all, err := store.ListConnections(ctx, demo.Account.ID, switchboard.ConnectionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rec.take()
	for _, c := range all {
		if _, err := store.ListCalls(ctx, demo.Account.ID, c.ID, switchboard.CallFilter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.ListCalls(ctx, demo.Account.ID, c.ID, switchboard.CallFilter{Statuses: []string{"5xx"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range conns {
		if _, err := store.GetCall(ctx, demo.Account.ID, id, "req-"+id+"-0"); err != nil {
			t.Fatal(err)
		}
	}
	logReads := partitions(rec.take(), "Query", "GetItem")
	// What the log reads name and the route reads must not: the log's
	// partitions. Their sort-key ranges name CALL#… values too, which no
	// roll-up read names either.
	callLog := map[string]bool{}
	for v := range logReads {
		if strings.Contains(v, "#") && !strings.HasPrefix(v, "CALL") && !strings.HasPrefix(v, "REQ#") {
			callLog[v] = true
		}
	}
	if len(callLog) < len(all) || len(feed) == 0 {
		t.Fatalf("the recorder saw %d call-log partitions for %d connections and %d feed values: it misses reads", len(callLog), len(all), len(feed))
	}
	for v := range feed {
		callLog[v] = true
	}

	activity := api.GetConnectionActivityFunction(&env)
	overview := api.GetOverviewFunction(&env)
	for _, id := range conns {
		resp := member.call(t, activity, http.MethodGet, "/admin/v1/connections/"+id+"/activity?days=90", map[string]string{"connectionId": id}, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"total":5`) {
			t.Fatalf("activity %s: %d %s", id, resp.StatusCode, resp.Body)
		}
	}
	if resp := member.call(t, overview, http.MethodGet, "/admin/v1/overview", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d %s", resp.StatusCode, resp.Body)
	}
	ops := rec.take()
	if len(ops) == 0 {
		t.Fatal("the routes made no DynamoDB request the recorder saw")
	}
	for _, o := range ops {
		if o.op == "Scan" {
			t.Errorf("a route scanned the table: %v", o.values)
		}
		for _, v := range o.values {
			if callLog[v] || strings.HasPrefix(v, "CALL") || strings.HasPrefix(v, "REQ#") {
				t.Errorf("a route's %s names the call log or its feed: %q", o.op, v)
			}
		}
	}
	if rollUpReads := partitions(ops, "Query"); len(rollUpReads) == 0 {
		t.Error("the routes queried nothing: they cannot have read the roll-ups")
	}
}
