package dynamo

// Bodies are kept in two steps, so that storing them costs no request of
// its own per call:
//
//   - KeepBodies writes the call's roll-up feed item (rollups.go) carrying
//     both bodies, gzip-compressed JSON: one write of about 1-2 KB, done
//     before the log entry, which says the bodies are kept only once this
//     write was acknowledged.
//   - The scheduled roll-up, which reads every feed minute anyway, writes
//     each closed minute's bodies to the archive as one object per account
//     (ArchiveBodies), before it moves its watermark past the minute: a
//     minute whose archive failed is read again by the next run. Feed items
//     live three days (feedRetention), so the bodies are in one place or
//     the other, or both, until the archive's lifecycle rule removes them.
//
// GetBody reads the archived batch first, then the feed item.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.BodyArchive = (*Store)(nil)

// MaxKeptBodies bounds a call's compressed bodies: a DynamoDB item holds
// 400 KB. Platform writes refuse bodies over 64 KB, and JSON compresses
// several times over, so only a refused call carrying megabytes of
// incompressible data reaches it; it is logged with its bodies unavailable.
const MaxKeptBodies = 350 << 10

// archiveParallelism bounds concurrent batch uploads of one minute: a busy
// minute has one object per active account, and a run catches up to two
// hours within its timeout.
const archiveParallelism = 16

// WithBodyBatches returns a copy of s that archives kept bodies to b when
// rolling up, and reads them from it.
func (s *Store) WithBodyBatches(b switchboard.BodyBatches) *Store {
	c := *s
	c.batches = b
	return &c
}

// KeepBodies writes c's feed item with both bodies (one PutItem). c must
// carry LoggedAt, the minute RecordCall files the call under too.
func (s *Store) KeepBodies(ctx context.Context, c switchboard.Call, bodies switchboard.CallBodies) error {
	if c.LoggedAt.IsZero() {
		return fmt.Errorf("keep bodies of %s: the call has no LoggedAt", c.RequestID)
	}
	packed, err := packBodies(bodies)
	if err != nil {
		return fmt.Errorf("keep bodies of %s: %w", c.RequestID, err)
	}
	if len(packed) > MaxKeptBodies {
		return fmt.Errorf("keep bodies of %s: %d bytes compressed, over the %d a feed item holds", c.RequestID, len(packed), MaxKeptBodies)
	}
	put := feedWrite(c, packed).PutRequest
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: put.Item}); err != nil {
		return fmt.Errorf("keep bodies of %s: %w", c.RequestID, err)
	}
	return nil
}

// GetBody reads one side of c: from the archived batch of its account and
// minute, else from its feed item; ENotFound once both are gone.
func (s *Store) GetBody(ctx context.Context, c switchboard.Call, kind switchboard.BodyKind) (switchboard.ArchivedBody, error) {
	b, err := s.GetBodies(ctx, c)
	if switchboard.ErrorCode(err) == switchboard.ENotFound {
		return switchboard.ArchivedBody{}, switchboard.Errorf(switchboard.ENotFound, "The %s body of this call has expired: archived bodies are deleted after the retention period.", kind)
	}
	if err != nil {
		return switchboard.ArchivedBody{}, err
	}
	return b.Side(kind), nil
}

// GetBodies reads both sides of c with one read of where they are kept
// (GetBody's path), for readers that want both, such as exports.
func (s *Store) GetBodies(ctx context.Context, c switchboard.Call) (switchboard.CallBodies, error) {
	expired := switchboard.Errorf(switchboard.ENotFound, "The bodies of this call have expired: archived bodies are deleted after the retention period.")
	if c.LoggedAt.IsZero() {
		return switchboard.CallBodies{}, expired // logged before bodies were filed by minute
	}
	minute := feedMinute(c)
	if s.batches != nil {
		batch, err := s.batches.GetBatch(ctx, c.AccountID, minute)
		if err != nil && switchboard.ErrorCode(err) != switchboard.ENotFound {
			return switchboard.CallBodies{}, err
		}
		if b, ok := batch[c.RequestID]; ok {
			return b, nil
		}
	}
	var it struct {
		AccountID string
		Bodies    []byte
	}
	found, err := s.get(ctx, rollUpFeedPK(minute, feedShard(c.RequestID)), c.RequestID, &it)
	if err != nil {
		return switchboard.CallBodies{}, err
	}
	if !found || it.Bodies == nil || it.AccountID != c.AccountID {
		return switchboard.CallBodies{}, expired
	}
	bodies, err := unpackBodies(it.Bodies)
	if err != nil {
		return switchboard.CallBodies{}, fmt.Errorf("bodies of %s: %w", c.RequestID, err)
	}
	return bodies, nil
}

// ArchiveBodies writes the bodies kept in one closed feed minute to the
// archive, one object per account, and returns how many calls' bodies it
// wrote. RollUp archives every minute the same way (archiveMinute) before
// moving its watermark past it, from the feed items its batches already
// read; rewriting a minute writes the same objects again, so a rerun is
// harmless, and an error leaves the minute for the next run. Exported for
// the cost benchmark and for operators re-archiving a window.
func (s *Store) ArchiveBodies(ctx context.Context, minute time.Time) (int, error) {
	if s.batches == nil {
		return 0, nil
	}
	at := minute.UTC().Truncate(time.Minute)
	kept := keptBodies{}
	for shard := range feedShards {
		items, err := queryAll[struct {
			SK, AccountID string
			Bodies        []byte
		}](ctx, s, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    aws.String("PK = :pk"),
			FilterExpression:          aws.String("attribute_exists(Bodies)"),
			ProjectionExpression:      aws.String("SK, AccountID, Bodies"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(rollUpFeedPK(at, shard))},
		}, "kept bodies")
		if err != nil {
			return 0, err
		}
		for _, it := range items {
			kept.add(it.AccountID, it.SK, it.Bodies)
		}
	}
	if err := s.archiveMinute(ctx, at, kept); err != nil {
		return 0, err
	}
	n := 0
	for _, calls := range kept {
		n += len(calls)
	}
	return n, nil
}

// ArchiveCallBodies is ArchiveBodies for a writer that knows every call of
// the minutes it archives (the demo seed, which logs a month of calls at
// once): it reads those calls' feed items by key, a hundred per request,
// instead of querying each minute's feedShards partitions (four queries a
// minute, thousands for a month), then writes each minute's objects as the
// roll-up does (archiveMinute). An object holds only the given calls'
// bodies, so a minute with other calls must go through ArchiveBodies. The
// calls need RequestID and LoggedAt (their feed minute); it returns how
// many calls' bodies it wrote.
func (s *Store) ArchiveCallBodies(ctx context.Context, calls []switchboard.Call) (int, error) {
	if s.batches == nil {
		return 0, nil
	}
	minutes := map[string]time.Time{}
	var keys []map[string]types.AttributeValue
	for _, c := range calls {
		if c.LoggedAt.IsZero() {
			return 0, fmt.Errorf("archive bodies of %s: the call has no LoggedAt", c.RequestID)
		}
		m := feedMinute(c)
		minutes[c.RequestID] = m
		keys = append(keys, map[string]types.AttributeValue{"PK": str(rollUpFeedPK(m, feedShard(c.RequestID))), "SK": str(c.RequestID)})
	}
	var mu sync.Mutex
	kept := map[time.Time]keptBodies{}
	err := eachChunk(keys, 100, archiveParallelism, func(chunk []map[string]types.AttributeValue) error {
		return s.batchGet(ctx, "kept bodies", chunk, func(av map[string]types.AttributeValue) error {
			var it struct {
				SK, AccountID string
				Bodies        []byte
			}
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return fmt.Errorf("unmarshal kept bodies: %w", err)
			}
			if it.Bodies == nil {
				return nil // logged with its bodies unavailable
			}
			mu.Lock()
			defer mu.Unlock()
			m := minutes[it.SK]
			if kept[m] == nil {
				kept[m] = keptBodies{}
			}
			kept[m].add(it.AccountID, it.SK, it.Bodies)
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	var order []time.Time
	n := 0
	for m, k := range kept {
		order = append(order, m)
		for _, calls := range k {
			n += len(calls)
		}
	}
	if err := eachChunk(order, 1, archiveParallelism, func(m []time.Time) error { return s.archiveMinute(ctx, m[0], kept[m[0]]) }); err != nil {
		return 0, err
	}
	return n, nil
}

// eachChunk calls f on items size at a time, at most n at once, and
// returns their errors joined.
func eachChunk[T any](items []T, size, n int, f func([]T) error) error {
	var chunks [][]T
	for len(items) > 0 {
		k := min(size, len(items))
		chunks = append(chunks, items[:k])
		items = items[k:]
	}
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, c := range chunks {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(c)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// keptBodies are a minute's packed bodies by account, then request id.
type keptBodies map[string]map[string][]byte

func (k keptBodies) add(accountID, requestID string, packed []byte) {
	if k[accountID] == nil {
		k[accountID] = map[string][]byte{}
	}
	k[accountID][requestID] = packed
}

// archiveMinute writes one batch object per account of the minute's kept
// bodies. It does nothing on a store without batches.
func (s *Store) archiveMinute(ctx context.Context, at time.Time, kept keptBodies) error {
	if s.batches == nil || len(kept) == 0 {
		return nil
	}
	errs := make(chan error, len(kept))
	sem := make(chan struct{}, archiveParallelism)
	var wg sync.WaitGroup
	for account, packed := range kept {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			bodies := make(map[string]switchboard.CallBodies, len(packed))
			for id, p := range packed {
				b, err := unpackBodies(p)
				if err != nil {
					errs <- fmt.Errorf("bodies of %s: %w", id, err)
					return
				}
				bodies[id] = b
			}
			errs <- s.batches.PutBatch(ctx, account, at, bodies)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// bodyWriters reuses gzip writers: one at BestCompression allocates about
// 700 KB of tables, which, per call logged, made garbage collection a
// quarter of the door's CPU when logging many calls at once (the demo
// seed). Reset gives the same output as a new writer.
var bodyWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression) // a valid level: never an error
	return zw
}}

func packBodies(b switchboard.CallBodies) ([]byte, error) {
	var buf bytes.Buffer
	zw := bodyWriters.Get().(*gzip.Writer)
	defer bodyWriters.Put(zw)
	zw.Reset(&buf)
	if err := json.NewEncoder(zw).Encode(b); err != nil {
		return nil, fmt.Errorf("encode bodies: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress bodies: %w", err)
	}
	return buf.Bytes(), nil
}

func unpackBodies(packed []byte) (switchboard.CallBodies, error) {
	var b switchboard.CallBodies
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return b, fmt.Errorf("decompress bodies: %w", err)
	}
	if err := json.NewDecoder(io.LimitReader(zr, 64<<20)).Decode(&b); err != nil {
		return b, fmt.Errorf("decode bodies: %w", err)
	}
	return b, nil
}

// FeedItemKey is the key of c's roll-up feed item, where its bodies are
// kept until archived: for tests and operators that play or check TTL's
// removal.
func FeedItemKey(c switchboard.Call) map[string]types.AttributeValue {
	return key(rollUpFeedPK(feedMinute(c), feedShard(c.RequestID)), c.RequestID)
}
