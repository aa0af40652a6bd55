package dynamo_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestRateWindowPeaks: the door's counter keeps, per window, the highest
// final count of the windows that ended each UTC day, folded in by the
// write that turns a window over (no write of its own), once even when
// callers race over the turn; Usage adds the current window and keeps
// the last 7 UTC days.
func TestRateWindowPeaks(t *testing.T) {
	store := mustStore(t)
	ctx := context.Background()
	day1 := time.Date(2026, 11, 24, 10, 14, 30, 0, time.UTC)
	var mu sync.Mutex
	now := day1
	at := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	s := store.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	limits := switchboard.DefaultRateLimits
	windows := []time.Duration{time.Minute, time.Hour, 24 * time.Hour}
	count := func(n int) {
		t.Helper()
		for range n {
			if _, err := s.CountWindows(ctx, switchboard.RateKey("con-a"), windows); err != nil {
				t.Fatal(err)
			}
		}
	}
	usage := func() []switchboard.RateUsage {
		t.Helper()
		got, err := s.RateWindowCounts(ctx, switchboard.RateKey("con-a"), windows)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return switchboard.Usage(limits, got, now)
	}
	type fig struct{ Used, PeakToday, Peak7Days int }
	figs := func(us []switchboard.RateUsage) []fig {
		out := make([]fig, len(us))
		for i, u := range us {
			out[i] = fig{u.Used, u.PeakToday, u.Peak7Days}
		}
		return out
	}
	want := func(name string, w ...fig) {
		t.Helper()
		if diff := cmp.Diff(w, figs(usage())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}

	if got := usage(); got[0].Used != 0 || got[0].Limit != 500 || got[2].Remaining != 10000 {
		t.Fatalf("never counted: %+v", got)
	}
	count(3) // 10:14
	want("3 calls in 10:14", fig{3, 3, 3}, fig{3, 3, 3}, fig{3, 3, 3})
	at(day1.Add(time.Minute)) // 10:15
	count(5)
	at(day1.Add(2 * time.Minute)) // 10:16
	count(1)
	want("10:16, after 10:15's five", fig{1, 5, 5}, fig{9, 9, 9}, fig{9, 9, 9})

	// Eight callers race over the turn to 11:00: the ended minute (1)
	// and hour (9) are folded once, and no count is lost.
	at(time.Date(2026, 11, 24, 11, 0, 5, 0, time.UTC))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.CountWindows(ctx, switchboard.RateKey("con-a"), windows); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	want("8 racing calls at 11:00", fig{8, 8, 8}, fig{8, 9, 9}, fig{17, 17, 17})

	// The next UTC day: the windows of the 24th are its peaks now.
	at(time.Date(2026, 11, 25, 0, 0, 10, 0, time.UTC))
	count(2)
	want("the 25th", fig{2, 2, 8}, fig{2, 2, 9}, fig{2, 2, 17})

	// Seven days later the 24th is out of the peaks, the 25th still in.
	at(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	count(1)
	want("1 December", fig{1, 1, 2}, fig{1, 1, 2}, fig{1, 1, 2})
	at(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	count(1)
	want("2 December: the 25th is out too", fig{1, 1, 1}, fig{1, 1, 1}, fig{1, 1, 1})

	many, err := s.RateWindowCountsMany(ctx, []string{switchboard.RateKey("con-a"), switchboard.RateKey("con-never")}, windows)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := switchboard.Usage(limits, many[switchboard.RateKey("con-a")], now)
	never := switchboard.Usage(limits, many[switchboard.RateKey("con-never")], now)
	mu.Unlock()
	if got[2].Used != 1 || never[2].Used != 0 || never[2].Peak7Days != 0 || len(many) != 2 {
		t.Errorf("many: %+v / %+v", got, never)
	}
}

// TestRateWindowsItemStaysOneWriteUnit: with a week of peaks for every
// window the door's item stays under 1 KB, so the door's write still costs
// one write unit (as the backend counts it), with room left for 5-digit
// counts in every peak.
func TestRateWindowsItemStaysOneWriteUnit(t *testing.T) {
	env := testenv.MustEnv(t)
	client := env.DynamoDB()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 23, 59, 30, 0, time.UTC)
	s := dynamo.New(client, env.Config.TableName).WithClock(func() time.Time { return now })
	windows := []time.Duration{time.Minute, time.Hour, 24 * time.Hour}
	key := switchboard.RateKey("con_0123456789abcdef0123") // an id as long as real ones
	for day := range 10 {
		for _, at := range []time.Duration{0, time.Minute, time.Hour} { // each window turns every day
			now = time.Date(2026, 11, 20+day, 10, 0, 0, 0, time.UTC).Add(at)
			if _, err := s.CountWindows(ctx, key, windows); err != nil {
				t.Fatal(err)
			}
		}
	}
	k := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "LIMIT#" + key}, "SK": &types.AttributeValueMemberS{Value: "WINDOWS"}}
	got, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(env.Config.TableName), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil || got.Item == nil {
		t.Fatalf("read the item: %v", err)
	}
	size, entries := 0, 0
	for name, v := range got.Item {
		size += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			size += len(v.Value)
			if name[0] == 'P' {
				entries += len(strings.Fields(v.Value))
			}
		case *types.AttributeValueMemberN:
			size += len(v.Value)/2 + 2 // DynamoDB's number size, rounded up
		}
	}
	if entries < 3*switchboard.RatePeakDays {
		t.Fatalf("%d peak entries, want a week of each window: %v", entries, got.Item)
	}
	// Every peak with 5 digits (10,000 a day) instead of the test's 1.
	if worst := size + entries*4; worst >= 1024 {
		t.Errorf("the item would be %d bytes with 5-digit peaks: over one write unit", worst)
	}
	out, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(env.Config.TableName), Key: k,
		UpdateExpression: aws.String("SET #t = :t"), ExpressionAttributeNames: map[string]string{"#t": "Type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: "limit"}},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if out.ConsumedCapacity == nil || aws.ToFloat64(out.ConsumedCapacity.CapacityUnits) != 1 {
		t.Errorf("a write of the item costs %+v, want 1 unit (item ~%d bytes)", out.ConsumedCapacity, size)
	}
	t.Logf("item: %d bytes, %d peak entries; ~%d bytes with 5-digit peaks", size, entries, size+entries*4)
}
