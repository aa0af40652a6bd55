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
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.HealthSummaryStore = (*Store)(nil)

// summaryHour and summaryDay keep only what the rules read, with short
// attribute names: 200 connections' summaries fit in one query page.
type summaryHour struct {
	Start        int64 `dynamodbav:"s"`
	Total        int64 `dynamodbav:"t"`
	S5xx         int64 `dynamodbav:"e,omitempty"`
	AuthFailures int64 `dynamodbav:"a,omitempty"`
}

type summaryDay struct {
	Start int64 `dynamodbav:"s"`
	Total int64 `dynamodbav:"t"`
}

type healthSummaryItem struct {
	PK, SK, Type string
	ConnectionID string
	Hours        []summaryHour
	Days         []summaryDay
	BuiltAt      time.Time
	ExpiresAt    int64 `dynamodbav:",omitempty"` // TTL attribute; none on the built mark
}

func (it healthSummaryItem) summary() switchboard.HealthSummary {
	sum := switchboard.HealthSummary{ConnectionID: it.ConnectionID, Hours: make([]switchboard.RollUp, 0, len(it.Hours)), Days: make([]switchboard.RollUp, 0, len(it.Days))}
	for _, h := range it.Hours {
		sum.Hours = append(sum.Hours, switchboard.RollUp{ConnectionID: it.ConnectionID, Start: time.Unix(h.Start, 0).UTC(),
			Counts: switchboard.Counts{Total: h.Total, S5xx: h.S5xx, AuthFailures: h.AuthFailures}})
	}
	for _, d := range it.Days {
		sum.Days = append(sum.Days, switchboard.RollUp{ConnectionID: it.ConnectionID, Start: time.Unix(d.Start, 0).UTC(), Counts: switchboard.Counts{Total: d.Total}})
	}
	return sum
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
		out[it.ConnectionID] = it.summary()
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
		Hours: []summaryHour{}, Days: []summaryDay{}, BuiltAt: now.UTC(),
		// Past this, every hour and day it holds is out of the rules'
		// windows: a summary gone is read as one with no calls.
		ExpiresAt: switchboard.DayStart(now).AddDate(0, 0, switchboard.HealthWindowDays+1).Unix()}
	for _, h := range hours {
		if h.Total > 0 {
			it.Hours = append(it.Hours, summaryHour{Start: h.Start.Unix(), Total: h.Total, S5xx: h.S5xx, AuthFailures: h.AuthFailures})
		}
	}
	for _, d := range days {
		if d.Total > 0 {
			it.Days = append(it.Days, summaryDay{Start: d.Start.Unix(), Total: d.Total})
		}
	}
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
