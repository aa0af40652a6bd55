package dynamo

// Rate-limit headroom: each window's use now and its peaks, read from the
// one item the door's CountWindows keeps per connection. The peaks cost
// no write of their own: CountWindows already rewrites a window when it
// turns over (the first call of the new window), and that same write folds
// the ended window's final count into P<i>, "day:count" pairs, the highest
// final count of the windows that started on each UTC day, for the last
// RatePeakDays+1 days. A few hundred bytes: the item stays under 1 KB, so
// the door's write still costs one write unit.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.RateCounter = (*Store)(nil)

// parsePeaks reads a P<i> attribute; anything unreadable is no peak (the
// attribute is only written here).
func parsePeaks(av types.AttributeValue) map[int64]int {
	out := map[int64]int{}
	s, ok := av.(*types.AttributeValueMemberS)
	if !ok {
		return out
	}
	for f := range strings.FieldsSeq(s.Value) {
		d, n, ok := strings.Cut(f, ":")
		day, err1 := strconv.ParseInt(d, 10, 64)
		count, err2 := strconv.Atoi(n)
		if ok && err1 == nil && err2 == nil {
			out[day] = max(out[day], count)
		}
	}
	return out
}

func intAttr(av types.AttributeValue) int64 {
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, _ := strconv.ParseInt(n.Value, 10, 64) // written by this package: always an integer
	return v
}

// foldPeak is the P<i> attribute after a window that started at start
// (Unix seconds) ended with count: the day's peak raised if need be, days
// older than RatePeakDays+1 dropped, days in order.
func foldPeak(peaks types.AttributeValue, start int64, count types.AttributeValue, now time.Time) string {
	p := parsePeaks(peaks)
	day := start / 86400
	p[day] = max(p[day], int(intAttr(count)))
	oldest := switchboard.DayNumber(now) - switchboard.RatePeakDays
	days := make([]int64, 0, len(p))
	for d := range p {
		if d >= oldest {
			days = append(days, d)
		}
	}
	slices.Sort(days)
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.FormatInt(d, 10) + ":" + strconv.Itoa(p[d])
	}
	return strings.Join(parts, " ")
}

// windowCounts reads the windows of one CountWindows item (nil: none).
func windowCounts(item map[string]types.AttributeValue, windows []time.Duration) []switchboard.RateWindowCount {
	out := make([]switchboard.RateWindowCount, len(windows))
	for i, w := range windows {
		c := switchboard.RateWindowCount{Window: w, Peaks: map[int64]int{}}
		if item != nil {
			idx := strconv.Itoa(i)
			if start, ok := item["W"+idx]; ok {
				c.Start = time.Unix(intAttr(start), 0).UTC()
				c.Count = int(intAttr(item["C"+idx]))
			}
			c.Peaks = parsePeaks(item["P"+idx])
		}
		out[i] = c
	}
	return out
}

// RateWindowCounts reads key's windows: one key read.
func (s *Store) RateWindowCounts(ctx context.Context, name string, windows []time.Duration) ([]switchboard.RateWindowCount, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(limitPK(name), rateWindowsSK)})
	if err != nil {
		return nil, fmt.Errorf("read rate windows %s: %w", name, err)
	}
	return windowCounts(out.Item, windows), nil
}

// RateWindowCountsMany reads many keys' windows in parallel batches of
// BatchGetItem's 100 keys.
func (s *Store) RateWindowCountsMany(ctx context.Context, names []string, windows []time.Duration) (map[string][]switchboard.RateWindowCount, error) {
	var chunks [][]string
	for c := range slices.Chunk(names, hourKeysPerRead) {
		chunks = append(chunks, c)
	}
	found := make([]map[string]map[string]types.AttributeValue, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	for i, chunk := range chunks {
		wg.Go(func() { found[i], errs[i] = s.rateItems(ctx, chunk) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make(map[string][]switchboard.RateWindowCount, len(names))
	for _, name := range names {
		var item map[string]types.AttributeValue
		for _, f := range found {
			if it, ok := f[limitPK(name)]; ok {
				item = it
			}
		}
		out[name] = windowCounts(item, windows)
	}
	return out, nil
}

// rateItems reads up to 100 CountWindows items, by partition key.
func (s *Store) rateItems(ctx context.Context, names []string) (map[string]map[string]types.AttributeValue, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(names))
	for _, n := range names {
		keys = append(keys, key(limitPK(n), rateWindowsSK))
	}
	out := map[string]map[string]types.AttributeValue{}
	err := s.batchGet(ctx, "rate windows", keys, func(it map[string]types.AttributeValue) error {
		if pk, ok := it["PK"].(*types.AttributeValueMemberS); ok {
			out[pk.Value] = it
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rateWarningItem marks a warning recorded: the event's time is chosen
// once, here, so that a rerun writes the same event (same key) again.
type rateWarningItem struct {
	PK, SK, Type string
	At           time.Time
	ExpiresAt    int64
}

// recordRateWarnings writes an EventRateLimit for each connection, window
// and UTC hour the warnings name, once. The event is stamped with the time
// the roll-up records it, not the call's: the roll-up runs minutes after
// the call, and a digest reads a period DigestGrace after it closed, so an
// event stamped earlier could land in a period already sent. Runs never
// overlap (reserved concurrency 1); a rerun after a crash finds the mark
// and writes the event with the mark's time, which RecordEvent finds
// already there. One more read and two writes per warning: at most three
// windows an hour per connection, off the /v1 path.
func (s *Store) recordRateWarnings(ctx context.Context, warnings []switchboard.RateWarning) error {
	type hourKey struct{ account, connection, window string }
	first := map[hourKey]switchboard.RateWarning{}
	var order []hourKey
	for _, w := range warnings {
		k := hourKey{w.AccountID, w.ConnectionID, w.Window + "#" + strconv.FormatInt(switchboard.HourStart(w.At).Unix(), 10)}
		if f, ok := first[k]; !ok || w.At.Before(f.At) {
			if !ok {
				order = append(order, k)
			}
			first[k] = w
		}
	}
	for _, k := range order {
		w := first[k]
		hour := switchboard.HourStart(w.At)
		mark := rateWarningItem{PK: accountPK(w.AccountID), SK: rateWarningSK(w.ConnectionID, w.Window, hour), Type: "rate-warning",
			At: s.now().UTC(), ExpiresAt: s.now().Add(feedRetention).Unix()}
		err := s.putNew(ctx, mark, "rate warning")
		if switchboard.ErrorCode(err) == switchboard.EConflict {
			if _, err := s.getConsistent(ctx, mark.PK, mark.SK, &mark); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		c, err := s.GetConnection(ctx, w.AccountID, w.ConnectionID)
		if switchboard.ErrorCode(err) == switchboard.ENotFound {
			continue // removed since: the app log names live connections only
		}
		if err != nil {
			return err
		}
		after := c
		after.TokenHash = "" // the log keeps states, never credentials
		err = s.RecordEvent(ctx, switchboard.AppEvent{
			ID:        "evt_ratelimit_" + c.ID + "_" + w.Window + "_" + strconv.FormatInt(hour.Unix(), 10),
			AccountID: c.AccountID, Type: switchboard.EventRateLimit, ConnectionID: c.ID, AppID: c.AppID, LocationID: c.LocationID,
			ActorType: switchboard.ActorSystem, At: mark.At, After: &after,
			Reason: fmt.Sprintf("Passed %d %% of its %s rate limit at %s UTC.", switchboard.RateWarningPercent, w.Window, w.At.UTC().Format("15:04:05")),
		})
		if err != nil {
			return fmt.Errorf("record rate-limit event: %w", err)
		}
	}
	return nil
}
