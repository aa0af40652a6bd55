package dynamo

// Health summaries: what the overview's health rules read of each
// connection's roll-ups (its last 25 hours and 22 UTC days), one item per
// connection in one partition per account, so the overview reads one query
// instead of two per connection.
//
// A summary is a projection of the roll-up items, never a counter: it is
// rebuilt whole from them, after they change, by whoever changed them.
//   - The roll-up's summary step (refreshHealthSummaries) runs after a
//     minute's batches are applied and before the watermark moves past the
//     minute, for every connection with an entry in that minute. A run that
//     fails before the step, or during it, leaves the watermark on the
//     minute: the rerun skips the batches already applied (LastBatch) and
//     rebuilds the summaries again, from items that now hold the whole
//     minute. Rebuilding twice writes the same thing, so there is nothing
//     to apply exactly once. Runs never overlap (reserved concurrency 1),
//     so no older rebuild lands after a newer one.
//   - SeedRollUp (demo history, tests) rebuilds the summary of the
//     connection it seeded, when the item falls in the summary's window.
//   - BuildHealthSummaries fills in, once per account, the summaries of
//     connections whose roll-ups predate this step; it writes only where no
//     summary exists, so it never replaces a newer one the roll-up wrote.
// Between rebuilds a summary stays right: it holds every roll-up of its
// window as of its build, and no later roll-up exists for the connection,
// since writing one rebuilds it. Hours and days that leave the window
// are simply not read (switchboard.NewHealthInput reads the window), and
// TTL removes a summary once all of it is out of the window.

import (
	"context"
	"fmt"
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

var _ switchboard.HealthSummaryStore = (*Store)(nil)

// healthSummaryItem keeps only what the rules read, each hour and day as
// a few numbers in one string attribute ("start:total:5xx:authFailures",
// the start in hours or days since 1970): 200 connections' summaries are
// then a small page, quick to serialise and to parse.
type healthSummaryItem struct {
	PK, SK, Type string
	ConnectionID string
	Hours        string `dynamodbav:",omitempty"` // space-separated "hour:total:5xx:authFailures"
	Days         string `dynamodbav:",omitempty"` // space-separated "day:total"
	BuiltAt      time.Time
	ExpiresAt    int64 `dynamodbav:",omitempty"` // TTL attribute; none on the built mark
}

func (it healthSummaryItem) summary() (switchboard.HealthSummary, error) {
	sum := switchboard.HealthSummary{ConnectionID: it.ConnectionID, Hours: []switchboard.RollUp{}, Days: []switchboard.RollUp{}}
	for f := range strings.FieldsSeq(it.Hours) {
		n, err := summaryNumbers(f, 4)
		if err != nil {
			return sum, fmt.Errorf("health summary %s: %w", it.ConnectionID, err)
		}
		sum.Hours = append(sum.Hours, switchboard.RollUp{ConnectionID: it.ConnectionID, Start: time.Unix(n[0]*3600, 0).UTC(),
			Counts: switchboard.Counts{Total: n[1], S5xx: n[2], AuthFailures: n[3]}})
	}
	for f := range strings.FieldsSeq(it.Days) {
		n, err := summaryNumbers(f, 2)
		if err != nil {
			return sum, fmt.Errorf("health summary %s: %w", it.ConnectionID, err)
		}
		sum.Days = append(sum.Days, switchboard.RollUp{ConnectionID: it.ConnectionID, Start: time.Unix(n[0]*86400, 0).UTC(), Counts: switchboard.Counts{Total: n[1]}})
	}
	return sum, nil
}

// summaryNumbers parses "a:b:…" into exactly n integers.
func summaryNumbers(field string, n int) ([]int64, error) {
	parts := strings.Split(field, ":")
	if len(parts) != n {
		return nil, fmt.Errorf("%q: want %d numbers", field, n)
	}
	out := make([]int64, n)
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", field, err)
		}
		out[i] = v
	}
	return out, nil
}

// HealthSummaries reads the account's summary partition in one query.
func (s *Store) HealthSummaries(ctx context.Context, accountID string) (map[string]switchboard.HealthSummary, bool, error) {
	items, err := queryAll[healthSummaryItem](ctx, s, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(healthSummaryPK(accountID))},
	}, "health summaries")
	if err != nil {
		return nil, false, err
	}
	out := map[string]switchboard.HealthSummary{}
	complete := false
	for _, it := range items {
		if it.SK == healthSummariesBuiltSK {
			complete = true
			continue
		}
		sum, err := it.summary()
		if err != nil {
			return nil, false, err
		}
		out[it.ConnectionID] = sum
	}
	return out, complete, nil
}

// BuildHealthSummaries writes the summaries missing from the account's
// partition, then the mark that says it is complete.
func (s *Store) BuildHealthSummaries(ctx context.Context, accountID string) error {
	conns, err := s.ListConnections(ctx, accountID, switchboard.ConnectionFilter{})
	if err != nil {
		return err
	}
	refs := map[switchboard.ConnectionRef]bool{}
	for _, c := range conns {
		refs[switchboard.ConnectionRef{AccountID: accountID, ConnectionID: c.ID}] = true
	}
	if err := s.rebuildHealthSummaries(ctx, refs, true); err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
		"PK": str(healthSummaryPK(accountID)), "SK": str(healthSummariesBuiltSK), "Type": str("health-summaries-built"),
		"BuiltAt": str(s.now().UTC().Format(time.RFC3339Nano)),
	}})
	if err != nil {
		return fmt.Errorf("mark health summaries built: %w", err)
	}
	return nil
}

// refreshHealthSummaries is the roll-up's summary step: it rebuilds the
// summaries of the connections a minute of the feed touched, from their
// roll-up items, which already hold that minute.
func (s *Store) refreshHealthSummaries(ctx context.Context, touched map[switchboard.ConnectionRef]bool) error {
	return s.rebuildHealthSummaries(ctx, touched, false)
}

func (s *Store) rebuildHealthSummaries(ctx context.Context, refs map[switchboard.ConnectionRef]bool, onlyMissing bool) error {
	errs := make(chan error, len(refs))
	sem := make(chan struct{}, updateParallelism)
	var wg sync.WaitGroup
	for ref := range refs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs <- s.rebuildHealthSummary(ctx, ref.AccountID, ref.ConnectionID, onlyMissing)
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// rebuildHealthSummary writes one connection's summary from its roll-ups:
// two small queries (the window's hours, then its days) and one put.
func (s *Store) rebuildHealthSummary(ctx context.Context, accountID, connectionID string, onlyMissing bool) error {
	now := s.now()
	// The upper bounds leave room for calls stamped ahead of this clock.
	hours, err := s.rollUps(ctx, accountID, connectionID,
		rollUpHourSK(switchboard.HourStart(now).Add(-switchboard.HealthWindowHours*time.Hour)), rollUpHourSK(now.Add(48*time.Hour)))
	if err != nil {
		return err
	}
	days, err := s.rollUps(ctx, accountID, connectionID,
		rollUpDaySK(switchboard.DayStart(now).AddDate(0, 0, -switchboard.HealthWindowDays)), rollUpDaySK(now.Add(48*time.Hour)))
	if err != nil {
		return err
	}
	it := healthSummaryItem{PK: healthSummaryPK(accountID), SK: healthSummarySK(connectionID), Type: "health-summary", ConnectionID: connectionID,
		BuiltAt: now.UTC(),
		// Past this, every hour and day it holds is out of the rules'
		// windows: a summary gone is read as one with no calls.
		ExpiresAt: switchboard.DayStart(now).AddDate(0, 0, switchboard.HealthWindowDays+1).Unix()}
	var hs, ds []string
	for _, h := range hours {
		if h.Total > 0 {
			hs = append(hs, fmt.Sprintf("%d:%d:%d:%d", h.Start.Unix()/3600, h.Total, h.S5xx, h.AuthFailures))
		}
	}
	for _, d := range days {
		if d.Total > 0 {
			ds = append(ds, fmt.Sprintf("%d:%d", d.Start.Unix()/86400, d.Total))
		}
	}
	it.Hours, it.Days = strings.Join(hs, " "), strings.Join(ds, " ")
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("marshal health summary: %w", err)
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}
	if onlyMissing {
		in.ConditionExpression = aws.String("attribute_not_exists(PK)")
	}
	if _, err := s.client.PutItem(ctx, in); err != nil && !(onlyMissing && isConditionFailed(err)) {
		return fmt.Errorf("put health summary %s: %w", connectionID, err)
	}
	return nil
}
