package dynamo

// The app's index of its calls, for its developer (issue 18): the calls of
// one app across every account that connected it, newest first.
//
// It is written by the roll-up, not on the call's path: each closed feed
// minute's calls are grouped by app, sorted newest first and packed, gzip-
// compressed, in chunks of appCallsChunk calls (appCallsPK, appCallsSK).
// A per-call index item or GSI entry would cost one more write unit per
// call ($0.625 per million, over the call path's budget); packed, a busy
// app's minute costs a write unit per few dozen calls, a quiet app's one
// per minute it called, and the partition takes a few writes a minute
// whatever the app's traffic, so a popular app has no hot partition to
// shard. The price is delay: a call appears once the roll-up has closed
// its minute (RollUpGrace after it, at the next scheduled run). Finding
// one call by request id does not wait: FindAppCall reads the call's own
// item, written with the call.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.AppCallLog = (*Store)(nil)
var _ switchboard.AccountCalls = (*Store)(nil)

const (
	// appCallsChunk bounds the calls of one chunk item: a few hundred
	// bytes each before compression keeps an item far below DynamoDB's
	// 400 KB, and a page's reads small.
	appCallsChunk = 250
	// appCallsReadBudget bounds the chunks one page reads: a filter that
	// matches rarely gives a short page with a cursor rather than a read
	// of the whole history (as filledPage does for a connection's log).
	appCallsReadBudget = 120
	// appCallsLateness is how long after its time a call may be logged
	// (appapi.RecordLimit, 30 s, rounded up): a time range on the calls'
	// time reads the minutes they were logged in up to this much later.
	appCallsLateness = time.Minute
)

// appIndex collects one feed minute's calls by app.
type appIndex map[string][]switchboard.Call

// add files c under its app; calls logged before apps were kept on the
// feed have none and stay out of every app's index.
func (x appIndex) add(c switchboard.Call) {
	if c.AppID != "" {
		x[c.AppID] = append(x[c.AppID], c)
	}
}

// packedCall is a call as a chunk holds it: LoggedAt too, which the API
// leaves out but finding the call's bodies needs.
type packedCall struct {
	switchboard.Call
	LoggedAt time.Time `json:"loggedAt"`
}

type appCallsItem struct {
	PK, SK, Type string
	Count        int
	ExpiresAt    int64
	Calls        []byte // []packedCall, JSON, gzip-compressed
}

// newestFirst orders calls by time, newest first; the request id breaks
// ties, so a rerun packs the same chunks.
func newestFirst(calls []switchboard.Call) {
	sort.Slice(calls, func(i, j int) bool {
		if !calls[i].At.Equal(calls[j].At) {
			return calls[i].At.After(calls[j].At)
		}
		return calls[i].RequestID > calls[j].RequestID
	})
}

// indexMinute writes each app's chunks of one closed feed minute.
func (s *Store) indexMinute(ctx context.Context, minute time.Time, index appIndex) error {
	var items []appCallsItem
	for appID, calls := range index {
		newestFirst(calls)
		for chunk := 0; chunk*appCallsChunk < len(calls); chunk++ {
			part := calls[chunk*appCallsChunk : min(len(calls), (chunk+1)*appCallsChunk)]
			packed, err := packCalls(part)
			if err != nil {
				return fmt.Errorf("index calls of app %s: %w", appID, err)
			}
			items = append(items, appCallsItem{PK: appCallsPK(appID), SK: appCallsSK(minute, chunk), Type: "app-calls",
				Count: len(part), ExpiresAt: minute.Add(s.callLogRetention()).Unix(), Calls: packed})
		}
	}
	errs := make(chan error, len(items))
	sem := make(chan struct{}, updateParallelism)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			av, err := attributevalue.MarshalMap(it)
			if err == nil {
				_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av})
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return fmt.Errorf("index calls of minute %s: %w", minute.Format(time.RFC3339), err)
		}
	}
	return nil
}

func packCalls(calls []switchboard.Call) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	packed := make([]packedCall, len(calls))
	for i, c := range calls {
		packed[i] = packedCall{Call: c, LoggedAt: c.LoggedAt}
	}
	if err := json.NewEncoder(zw).Encode(packed); err != nil {
		return nil, fmt.Errorf("encode calls: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress calls: %w", err)
	}
	return buf.Bytes(), nil
}

func unpackCalls(packed []byte) ([]switchboard.Call, error) {
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return nil, fmt.Errorf("decompress calls: %w", err)
	}
	var calls []packedCall
	if err := json.NewDecoder(io.LimitReader(zr, 64<<20)).Decode(&calls); err != nil {
		return nil, fmt.Errorf("decode calls: %w", err)
	}
	out := make([]switchboard.Call, len(calls))
	for i, c := range calls {
		out[i] = c.Call
		out[i].LoggedAt = c.LoggedAt
	}
	return out, nil
}

// appCallsCursor is where a page stopped: the chunk, and how many of its
// calls were already read.
type appCallsCursor struct {
	SK   string `json:"sk"`
	Skip int    `json:"skip"`
}

func (c appCallsCursor) encode() string {
	b, _ := json.Marshal(c) // two plain fields: never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeAppCallsCursor(raw string) (appCallsCursor, error) {
	invalid := switchboard.Errorf(switchboard.EInvalid, "cursor is not valid for this listing")
	var c appCallsCursor
	if len(raw) > 512 {
		return c, invalid
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || json.Unmarshal(b, &c) != nil || !strings.HasPrefix(c.SK, appCallsSKPrefix) || c.Skip < 0 || c.Skip > appCallsChunk {
		return c, invalid
	}
	return c, nil
}

// ListAppCalls reads the app's index backwards, chunk by chunk, filtering
// each chunk's calls on every dimension of f, until the page is full or
// the read budget is spent (then a shorter page comes with a cursor). The
// time range bounds the minutes read: a call is filed under the minute it
// was logged, at most appCallsLateness after its time.
func (s *Store) ListAppCalls(ctx context.Context, appID string, f switchboard.CallFilter) (switchboard.CallPage, error) {
	if err := f.Validate(); err != nil {
		return switchboard.CallPage{}, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = switchboard.DefaultPageSize
	}
	lo, hi := appCallsSKPrefix, appCallsSKPrefix+"~"
	if !f.From.IsZero() {
		lo = appCallsSKPrefix + appCallsMinute(f.From.Truncate(time.Minute))
	}
	if !f.To.IsZero() {
		hi = appCallsSKPrefix + appCallsMinute(f.To.Add(appCallsLateness)) + "#~"
	}
	skip := 0
	if f.Cursor != "" {
		cur, err := decodeAppCallsCursor(f.Cursor)
		if err != nil {
			return switchboard.CallPage{}, err
		}
		if cur.SK < hi {
			hi = cur.SK
		}
		skip = cur.Skip
	}
	page := switchboard.CallPage{Calls: []switchboard.Call{}}
	if hi < lo {
		return page, nil
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		FilterExpression:       aws.String("ExpiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appCallsPK(appID)), ":lo": str(lo), ":hi": str(hi), ":now": num(s.now().Unix())},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(8), // chunks are large: read a few at a time
	}
	read := 0
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return switchboard.CallPage{}, fmt.Errorf("list calls of app %s: %w", appID, err)
		}
		for _, raw := range out.Items {
			read++
			var it appCallsItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return switchboard.CallPage{}, fmt.Errorf("unmarshal calls of app %s: %w", appID, err)
			}
			calls, err := unpackCalls(it.Calls)
			if err != nil {
				return switchboard.CallPage{}, fmt.Errorf("calls of app %s at %s: %w", appID, it.SK, err)
			}
			start := 0
			if it.SK == hi && f.Cursor != "" {
				start = min(skip, len(calls))
			}
			for i := start; i < len(calls); i++ {
				if !f.Matches(calls[i]) {
					continue
				}
				if len(page.Calls) == limit {
					page.NextCursor = appCallsCursor{SK: it.SK, Skip: i}.encode()
					return page, nil
				}
				page.Calls = append(page.Calls, calls[i])
			}
			if read >= appCallsReadBudget {
				// Spent: the next page starts after this chunk's calls.
				page.NextCursor = appCallsCursor{SK: it.SK, Skip: len(calls)}.encode()
				return page, nil
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
