package dynamo

// Roll-ups turn the call log into per-connection counts per hour and per UTC
// day, without streams and without transactions:
//
//   - Each call has one feed item, under the minute its log write began
//     (Call.LoggedAt, rollUpFeedPK), spread over feedShards partitions:
//     written with the call's bodies by KeepBodies, or without them by
//     RecordCall when they were not kept (see bodies.go).
//   - RollUp reads each closed feed minute after the watermark, adds the
//     calls up in memory per (connection, hour) and (connection, day) of the
//     call's own time, and applies each sum with ONE conditional UpdateItem
//     (ADD counters). A late call — old call time, new arrival — is in a new
//     feed minute, so it is counted in its old hour.
//   - Exactly once: each (minute, shard) is a batch with a number that grows
//     with time (minute × feedShards + shard). An update applies only if the
//     item's LastBatch is lower, and sets it. Batches run strictly in order,
//     so LastBatch ≥ b means batch b's sum for that item is already in: a
//     rerun of the same window, or of a run that crashed halfway, skips what
//     was applied and applies the rest. One number per item, instead of a
//     set of applied batch ids, keeps items and their write cost constant.
//   - Before moving past a minute, RollUp archives the bodies its feed
//     items carry (ArchiveBodies, bodies.go).
//   - The watermark advances one minute at a time with a conditional write,
//     so a crash loses at most the minute in progress, which is rerun.
//   - Before it advances, each connection the minute touched gets its
//     health summary rebuilt from its roll-up items (healthsummary.go): a
//     projection, not a counter, so a rerun rebuilds it again and nothing
//     needs applying once.
//
// Cost per run: one query per (minute, shard) and one update per touched
// (connection, hour) and (connection, day): it grows with the new entries,
// never with the history.

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.RollUpStore = (*Store)(nil)

const (
	// feedShards spreads one minute's feed over partitions, so a busy
	// minute stays under a partition's write limit (1,000 WCU/s each).
	feedShards = 4
	// feedRetention keeps feed items long enough for a roll-up outage of
	// days to be caught up; TTL removes them afterwards.
	feedRetention = 3 * 24 * time.Hour
	// RollUpGrace is how long after a minute closes it is read: a log entry
	// is written at most a Lambda timeout (10 s here) after its feed minute
	// was chosen, so one minute leaves room for slow writes.
	RollUpGrace = time.Minute
	// firstRunLookback is where a table's first run starts.
	firstRunLookback = time.Hour
	// updateParallelism bounds concurrent roll-up updates in a batch.
	updateParallelism = 8
)

// feedMinute is the feed minute of a call: the minute its log write began
// (Call.LoggedAt), the same for the feed item that carries its bodies and
// for a later rewrite without them, so a call never has two feed items.
// A write lands at most a Lambda timeout after that, within RollUpGrace.
func feedMinute(c switchboard.Call) time.Time {
	return c.LoggedAt.UTC().Truncate(time.Minute)
}

func feedShard(requestID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(requestID)) // hash writes never fail
	return int(h.Sum32() % feedShards)
}

// feedItem is what the roll-up needs of a call, and no more.
type feedItem struct {
	PK, SK, Type string
	AccountID    string
	ConnectionID string
	At           time.Time
	Status       int
	Error        string // the refusal's code, for the auth-failure counter
	LatencyMs    int64
	Resource     string
	Method       string
	ExpiresAt    int64  // TTL attribute
	Bodies       []byte // the call's kept bodies, packed (see feedWrite)
	// RateWarnings is Call.RateWarnings, space-separated: the windows this
	// call took past the warning threshold (see recordRateWarnings).
	RateWarnings string `dynamodbav:",omitempty"`
	// The rest of the entry, for the app's index (appcalls.go), which the
	// roll-up writes from the feed.
	AppID, LocationID, Path, Query string
	RequestBytes, ResponseBytes    int
	LoggedAt                       time.Time
}

// feedWrite is the feed item of c: what the roll-up needs, and the call's
// bodies, gzip-compressed JSON, when they are kept (KeepBodies) until the
// roll-up archives them (ArchiveBodies). Keyed by request id, so a retried
// write of the same call keeps one.
func feedWrite(c switchboard.Call, bodies []byte) types.WriteRequest {
	minute := feedMinute(c)
	item := map[string]types.AttributeValue{
		"PK": str(rollUpFeedPK(minute, feedShard(c.RequestID))), "SK": str(c.RequestID), "Type": str("rollup-feed"),
		"AccountID": str(c.AccountID), "ConnectionID": str(c.ConnectionID),
		"At": str(c.At.UTC().Format(time.RFC3339Nano)), "Status": num(c.Status), "LatencyMs": num(c.LatencyMs),
		"Resource": str(c.Resource), "Method": str(c.Method), "ExpiresAt": num(minute.Add(feedRetention).Unix()),
	}
	// The app's index is packed from these by the roll-up (appcalls.go):
	// a few dozen bytes more in an item that stays one write unit.
	item["LoggedAt"] = str(c.LoggedAt.UTC().Format(time.RFC3339Nano))
	item["RequestBytes"], item["ResponseBytes"] = num(c.RequestBytes), num(c.ResponseBytes)
	for name, v := range map[string]string{"Error": c.Error, "AppID": c.AppID, "LocationID": c.LocationID, "Path": c.Path, "Query": c.Query} {
		if v != "" {
			item[name] = str(v)
		}
	}
	if bodies != nil {
		item["Bodies"] = &types.AttributeValueMemberB{Value: bodies}
	}
	if len(c.RateWarnings) > 0 {
		item["RateWarnings"] = str(strings.Join(c.RateWarnings, " "))
	}
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
}

func (f feedItem) call() switchboard.Call {
	return switchboard.Call{RequestID: f.SK, AccountID: f.AccountID, ConnectionID: f.ConnectionID, AppID: f.AppID, LocationID: f.LocationID,
		At: f.At, Status: f.Status, Error: f.Error, LatencyMs: f.LatencyMs, Resource: f.Resource, Method: f.Method,
		Path: f.Path, Query: f.Query, RequestBytes: f.RequestBytes, ResponseBytes: f.ResponseBytes,
		BodiesArchived: len(f.Bodies) > 0, LoggedAt: f.LoggedAt}
}

type watermarkItem struct {
	PK, SK, Type string
	Next         int64 // unix minute of the first feed minute not yet rolled up
}

// rollUpKey is one roll-up item: a connection's hour or day.
type rollUpKey struct {
	accountID, connectionID string
	start                   int64
	day                     bool
}

// RollUp closes every feed minute from the watermark to now minus the
// grace, at most maxMinutes of them (a run stays within its timeout; the
// next run catches up).
func (s *Store) RollUp(ctx context.Context, maxMinutes int) (switchboard.RollUpReport, error) {
	now := s.now()
	var rep switchboard.RollUpReport
	var wm watermarkItem
	found, err := s.get(ctx, rollUpStatePK, rollUpStateSK, &wm)
	if err != nil {
		return rep, err
	}
	next := now.Add(-firstRunLookback).Unix() / 60
	if found {
		next = wm.Next
	}
	last := now.Add(-RollUpGrace).Unix()/60 - 1 // the last closed minute past its grace
	failing := map[switchboard.ConnectionRef]bool{}
	for m := next; m <= last && rep.Minutes < maxMinutes; m++ {
		touched := map[switchboard.ConnectionRef]bool{}
		kept := keptBodies{}
		var warnings []switchboard.RateWarning
		index := appIndex{}
		for shard := range feedShards {
			n, u, err := s.rollUpBatch(ctx, m, shard, failing, touched, kept, &warnings, index)
			rep.Entries += n
			rep.Updates += u
			if err != nil {
				return rep, err
			}
		}
		// Both before the watermark moves: a run stopped here rebuilds the
		// summaries (see healthsummary.go) and archives the minute on its
		// rerun.
		if err := s.refreshHealthSummaries(ctx, touched); err != nil {
			return rep, err
		}
		// Before the watermark too: a rerun finds the same warnings and
		// records each event once (recordRateWarnings).
		if err := s.recordRateWarnings(ctx, warnings); err != nil {
			return rep, err
		}
		rep.RateWarnings += len(warnings)
		// The bodies come from the feed items the batches just read: one
		// read of the feed per minute.
		if err := s.archiveMinute(ctx, time.Unix(m*60, 0), kept); err != nil {
			return rep, err // the minute stays before the watermark: the next run archives it
		}
		// The apps' indexes too, from the same feed items; a rerun writes
		// the same chunks again.
		if err := s.indexMinute(ctx, time.Unix(m*60, 0), index); err != nil {
			return rep, err
		}
		advanced, err := s.advanceWatermark(ctx, m, found)
		if err != nil {
			return rep, err
		}
		found = true
		rep.Minutes++
		next = m + 1
		if !advanced {
			break // another run is ahead: leave the rest to it
		}
	}
	rep.Next = time.Unix(next*60, 0).UTC()
	rep.Failing = []switchboard.ConnectionRef{}
	for ref := range failing {
		rep.Failing = append(rep.Failing, ref)
	}
	sort.Slice(rep.Failing, func(i, j int) bool {
		return rep.Failing[i].AccountID+rep.Failing[i].ConnectionID < rep.Failing[j].AccountID+rep.Failing[j].ConnectionID
	})
	return rep, nil
}

// rollUpBatch applies one (minute, shard) of the feed.
// touched gets every connection with an entry in it, failing those with
// a 5xx or an auth failure.
func (s *Store) rollUpBatch(ctx context.Context, minute int64, shard int, failing, touched map[switchboard.ConnectionRef]bool, kept keptBodies, warnings *[]switchboard.RateWarning, index appIndex) (entries, updates int, err error) {
	pk := rollUpFeedPK(time.Unix(minute*60, 0), shard)
	items, err := queryAll[feedItem](ctx, s, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}, "roll-up feed")
	if err != nil || len(items) == 0 {
		return 0, 0, err
	}
	sums := map[rollUpKey]*switchboard.RollUp{}
	for _, it := range items {
		c := it.call()
		for _, k := range []rollUpKey{
			{it.AccountID, it.ConnectionID, switchboard.HourStart(c.At).Unix(), false},
			{it.AccountID, it.ConnectionID, switchboard.DayStart(c.At).Unix(), true},
		} {
			r := sums[k]
			if r == nil {
				r = &switchboard.RollUp{ConnectionID: k.connectionID, Start: time.Unix(k.start, 0).UTC()}
				sums[k] = r
			}
			r.AddCall(c, k.day)
		}
		if len(it.Bodies) > 0 {
			kept.add(it.AccountID, it.SK, it.Bodies)
		}
		for w := range strings.FieldsSeq(it.RateWarnings) {
			*warnings = append(*warnings, switchboard.RateWarning{AccountID: it.AccountID, ConnectionID: it.ConnectionID, Window: w, At: it.At})
		}
		index.add(c)
		ref := switchboard.ConnectionRef{AccountID: it.AccountID, ConnectionID: it.ConnectionID}
		touched[ref] = true
		if c.Status >= 500 || switchboard.IsAuthFailure(c) {
			failing[ref] = true
		}
	}
	batch := minute*feedShards + int64(shard)
	errs := make(chan error, len(sums))
	sem := make(chan struct{}, updateParallelism)
	var wg sync.WaitGroup
	for k, r := range sums {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs <- s.applyRollUp(ctx, k, *r, batch)
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		if e != nil {
			return len(items), len(sums), e
		}
	}
	return len(items), len(sums), nil
}

// applyRollUp adds one batch's sum to a roll-up item, once.
func (s *Store) applyRollUp(ctx context.Context, k rollUpKey, r switchboard.RollUp, batch int64) error {
	sk := rollUpHourSK(r.Start)
	if k.day {
		sk = rollUpDaySK(r.Start)
	}
	values := map[string]types.AttributeValue{
		":b": num(batch), ":exp": num(r.Start.Add(switchboard.RollUpRetention).Unix()),
		":c": str(k.connectionID), ":start": str(r.Start.Format(time.RFC3339)), ":type": str("rollup"),
	}
	// Every attribute goes through a name placeholder: some (Start,
	// Total…) may be DynamoDB reserved words.
	names := map[string]string{"#type": "Type", "#b": "LastBatch", "#exp": "ExpiresAt", "#c": "ConnectionID", "#start": "Start"}
	adds := ""
	add := func(attr string, n int64) {
		if n == 0 {
			return
		}
		if adds != "" {
			adds += ", "
		}
		adds += "#" + attr + " :" + attr
		names["#"+attr], values[":"+attr] = attr, num(n)
	}
	add("Total", r.Total)
	add("S2xx", r.S2xx)
	add("S4xx", r.S4xx)
	add("S5xx", r.S5xx)
	add("S429", r.S429)
	add("S401", r.S401)
	add("AuthFailures", r.AuthFailures)
	for i, n := range r.Latency {
		add("L"+strconv.Itoa(i), n)
	}
	if len(r.Used) > 0 {
		adds += ", #used :used"
		names["#used"], values[":used"] = "Used", &types.AttributeValueMemberSS{Value: r.Used}
	}
	if len(r.Refused) > 0 {
		adds += ", #refused :refused"
		names["#refused"], values[":refused"] = "Refused", &types.AttributeValueMemberSS{Value: r.Refused}
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(rollUpPK(k.accountID, k.connectionID), sk),
		UpdateExpression:          aws.String("SET #b = :b, #exp = :exp, #c = :c, #start = :start, #type = :type ADD " + adds),
		ConditionExpression:       aws.String("attribute_not_exists(#b) OR #b < :b"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if err != nil && !isConditionFailed(err) { // failed condition: applied before
		return fmt.Errorf("apply roll-up %s %s: %w", k.connectionID, sk, err)
	}
	return nil
}

// advanceWatermark moves the watermark past minute if it still points at
// it; false means another run moved it first.
func (s *Store) advanceWatermark(ctx context.Context, minute int64, exists bool) (bool, error) {
	cond := "#next = :cur"
	if !exists {
		cond = "attribute_not_exists(PK) OR #next = :cur"
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(rollUpStatePK, rollUpStateSK),
		UpdateExpression:          aws.String("SET #next = :next, #type = :type"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#next": "Next", "#type": "Type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":cur": num(minute), ":next": num(minute + 1), ":type": str("rollup-watermark")},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("advance roll-up watermark: %w", err)
	}
	return true, nil
}

type rollUpItem struct {
	ConnectionID                        string
	Start                               time.Time
	Total, S2xx, S4xx, S5xx, S429, S401 int64
	AuthFailures                        int64
	Used                                []string `dynamodbav:",stringset,omitempty"`
	Refused                             []string `dynamodbav:",stringset,omitempty"`
	ExpiresAt                           int64
}

func rollUpFrom(av map[string]types.AttributeValue) (switchboard.RollUp, int64, error) {
	var it rollUpItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return switchboard.RollUp{}, 0, fmt.Errorf("unmarshal roll-up: %w", err)
	}
	r := switchboard.RollUp{ConnectionID: it.ConnectionID, Start: it.Start.UTC(), Used: it.Used, Refused: it.Refused, Latency: make([]int64, switchboard.LatencyBuckets),
		Counts: switchboard.Counts{Total: it.Total, S2xx: it.S2xx, S4xx: it.S4xx, S5xx: it.S5xx, S429: it.S429, S401: it.S401, AuthFailures: it.AuthFailures}}
	sort.Strings(r.Used) // a string set comes back in any order
	sort.Strings(r.Refused)
	for i := range r.Latency {
		if n, ok := av["L"+strconv.Itoa(i)].(*types.AttributeValueMemberN); ok {
			r.Latency[i], _ = strconv.ParseInt(n.Value, 10, 64) // written by ADD: always an integer
		}
	}
	return r, it.ExpiresAt, nil
}

// HourRollUps reads a connection's hours in [from, to).
func (s *Store) HourRollUps(ctx context.Context, accountID, connectionID string, from, to time.Time) ([]switchboard.RollUp, error) {
	first := switchboard.HourStart(from.Add(time.Hour - time.Nanosecond))
	last := switchboard.HourStart(to.Add(-time.Nanosecond))
	return s.rollUps(ctx, accountID, connectionID, rollUpHourSK(first), rollUpHourSK(last))
}

// DayRollUps reads a connection's UTC days in [from, to).
func (s *Store) DayRollUps(ctx context.Context, accountID, connectionID string, from, to time.Time) ([]switchboard.RollUp, error) {
	first := switchboard.DayStart(from.Add(24*time.Hour - time.Nanosecond))
	last := switchboard.DayStart(to.Add(-time.Nanosecond))
	return s.rollUps(ctx, accountID, connectionID, rollUpDaySK(first), rollUpDaySK(last))
}

// hourKeysPerRead is BatchGetItem's limit of keys per request.
const hourKeysPerRead = 100

// HourRollUpsAt reads a connection's hours that start at the given times,
// by key, in parallel batches; hours without an item (no calls) or expired
// are left out, and the order is the keys'.
func (s *Store) HourRollUpsAt(ctx context.Context, accountID, connectionID string, starts []time.Time) ([]switchboard.RollUp, error) {
	var chunks [][]time.Time
	for c := range slices.Chunk(starts, hourKeysPerRead) {
		chunks = append(chunks, c)
	}
	found := make([][]switchboard.RollUp, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	for i, chunk := range chunks {
		wg.Go(func() { found[i], errs[i] = s.hourRollUpsAt(ctx, accountID, connectionID, chunk) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	byStart := map[int64]switchboard.RollUp{}
	for _, rs := range found {
		for _, r := range rs {
			byStart[r.Start.Unix()] = r
		}
	}
	out := []switchboard.RollUp{}
	for _, t := range starts {
		if r, ok := byStart[switchboard.HourStart(t).Unix()]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Store) hourRollUpsAt(ctx context.Context, accountID, connectionID string, starts []time.Time) ([]switchboard.RollUp, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(starts))
	for _, t := range starts {
		keys = append(keys, key(rollUpPK(accountID, connectionID), rollUpHourSK(t)))
	}
	var out []switchboard.RollUp
	now := s.now().Unix()
	err := s.batchGet(ctx, "hour roll-ups", keys, func(av map[string]types.AttributeValue) error {
		r, expires, err := rollUpFrom(av)
		if err != nil {
			return err
		}
		if expires > now { // TTL deletes expired items days late
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) rollUps(ctx context.Context, accountID, connectionID, lo, hi string) ([]switchboard.RollUp, error) {
	out := []switchboard.RollUp{}
	if hi < lo {
		return out, nil
	}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		// TTL deletes expired items days late: filter what it would remove.
		FilterExpression: aws.String("ExpiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(rollUpPK(accountID, connectionID)), ":lo": str(lo), ":hi": str(hi), ":now": num(s.now().Unix()),
		},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query roll-ups: %w", err)
		}
		for _, av := range page.Items {
			r, _, err := rollUpFrom(av)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// SeedRollUp writes a whole roll-up item if it does not exist yet: demo
// history, which predates the feed. It never adds to an existing item, so
// seeding twice changes nothing.
func (s *Store) SeedRollUp(ctx context.Context, accountID string, r switchboard.RollUp, day bool) error {
	return s.SeedRollUpThrough(ctx, accountID, r, day, time.Time{})
}

// SeedRollUpThrough is SeedRollUp for a sum of logged calls: r holds every
// call of its hour or day whose feed minute is before feedBefore, summed as
// the roll-up sums them (switchboard.RollUp.AddCall). The item is marked
// as holding those feed minutes (LastBatch), so a roll-up reading them
// again, after a rewind or catching up from an older watermark, skips
// them, and one reading the later minutes adds them: the demo seed sums
// its older calls this way rather than reading a month of feed minute by
// minute. A zero feedBefore is SeedRollUp.
func (s *Store) SeedRollUpThrough(ctx context.Context, accountID string, r switchboard.RollUp, day bool, feedBefore time.Time) error {
	var lastBatch int64
	if !feedBefore.IsZero() {
		// The batch before the first one of feedBefore's minute.
		lastBatch = feedBefore.Unix()/60*feedShards - 1
	}
	item := RollUpItem(accountID, r, day, lastBatch)
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("seed roll-up %s %s: %w", r.ConnectionID, item["SK"].(*types.AttributeValueMemberS).Value, err)
	}
	// Like the roll-up, a seed that lands in the health summary's window
	// rebuilds the summary, which must hold every roll-up of its window.
	now := s.now()
	inWindow := !r.Start.Before(switchboard.HourStart(now).Add(-switchboard.HealthWindowHours * time.Hour))
	if day {
		inWindow = !r.Start.Before(switchboard.DayStart(now).AddDate(0, 0, -switchboard.HealthWindowDays))
	}
	if !inWindow {
		return nil
	}
	return s.rebuildHealthSummary(ctx, accountID, r.ConnectionID, false)
}

// RollUpItem is a whole roll-up item, as applyRollUp's additions leave it
// once the feed batches up to lastBatch are in: SeedRollUp writes it, and
// benchmarks bulk-load it (see emulators.LoadItems) to give a table years
// of roll-ups in minutes.
func RollUpItem(accountID string, r switchboard.RollUp, day bool, lastBatch int64) map[string]types.AttributeValue {
	sk := rollUpHourSK(r.Start)
	if day {
		sk = rollUpDaySK(r.Start)
	}
	item := map[string]types.AttributeValue{
		"PK": str(rollUpPK(accountID, r.ConnectionID)), "SK": str(sk), "Type": str("rollup"),
		"ConnectionID": str(r.ConnectionID), "Start": str(r.Start.UTC().Format(time.RFC3339)),
		"ExpiresAt": num(r.Start.Add(switchboard.RollUpRetention).Unix()), "LastBatch": num(lastBatch),
		"Total": num(r.Total), "S2xx": num(r.S2xx), "S4xx": num(r.S4xx), "S5xx": num(r.S5xx), "S429": num(r.S429), "S401": num(r.S401),
		"AuthFailures": num(r.AuthFailures),
	}
	for i, n := range r.Latency {
		item["L"+strconv.Itoa(i)] = num(n)
	}
	if len(r.Used) > 0 {
		item["Used"] = &types.AttributeValueMemberSS{Value: r.Used}
	}
	if len(r.Refused) > 0 {
		item["Refused"] = &types.AttributeValueMemberSS{Value: r.Refused}
	}
	return item
}

type healthItem struct {
	PK, SK, Type string
	ConnectionID string
	switchboard.HealthState
}

// HealthState returns what the roll-up function last recorded of a
// connection's erroring state; the zero state if nothing yet.
func (s *Store) HealthState(ctx context.Context, accountID, connectionID string) (switchboard.HealthState, error) {
	var it healthItem
	if _, err := s.get(ctx, accountPK(accountID), healthSK(connectionID), &it); err != nil {
		return switchboard.HealthState{}, err
	}
	return it.HealthState, nil
}

// PutHealthState records a connection's erroring state. Only the roll-up
// function writes it, one run at a time.
func (s *Store) PutHealthState(ctx context.Context, accountID, connectionID string, st switchboard.HealthState) error {
	av, err := attributevalue.MarshalMap(healthItem{PK: accountPK(accountID), SK: healthSK(connectionID), Type: "health", ConnectionID: connectionID, HealthState: st})
	if err != nil {
		return fmt.Errorf("marshal health: %w", err)
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("put health %s: %w", connectionID, err)
	}
	return nil
}

// RewindRollUp moves the watermark back to from, so that the next run reads
// the feed again from there (an operator replaying a window after fixing a
// bug), or sets it there on a table that has none yet (the demo seed, whose
// roll-up starts where its sums end). Replayed batches are skipped by every
// item that already has them. A watermark already before from stays: moving
// it forward would skip minutes nobody rolled up.
func (s *Store) RewindRollUp(ctx context.Context, from time.Time) error {
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"PK": str(rollUpStatePK), "SK": str(rollUpStateSK), "Type": str("rollup-watermark"), "Next": num(from.Unix() / 60),
		},
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #next > :next"),
		ExpressionAttributeNames:  map[string]string{"#next": "Next"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":next": num(from.Unix() / 60)},
	})
	if isConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rewind roll-up watermark: %w", err)
	}
	return nil
}
