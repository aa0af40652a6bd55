package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var (
	_ switchboard.NotificationRuleStore = (*Store)(nil)
	_ switchboard.DigestLedger          = (*Store)(nil)
)

// ruleItem spells out the rule's attributes rather than embedding it: the
// rule's Type would otherwise be shadowed by the item kind.
type ruleItem struct {
	PK, SK, Type   string
	GSI1PK, GSI1SK string
	ID             string
	AccountID      string
	Name           string
	RuleType       switchboard.RuleType
	Frequency      switchboard.Frequency
	AllApps        bool
	AppIDs         []string
	RecipientMode  switchboard.RecipientMode
	UserIDs        []string
	TeamIDs        []string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int
}

func newRuleItem(r switchboard.NotificationRule) ruleItem {
	return ruleItem{
		PK: accountPK(r.AccountID), SK: ruleSK(r.ID), Type: "rule",
		GSI1PK: rulesByFrequencyPK(string(r.Frequency)), GSI1SK: rulesByFrequencySK(r.AccountID, r.ID),
		ID: r.ID, AccountID: r.AccountID, Name: r.Name, RuleType: r.Type, Frequency: r.Frequency,
		AllApps: r.AllApps, AppIDs: r.AppIDs, RecipientMode: r.Recipients.Mode,
		UserIDs: r.Recipients.UserIDs, TeamIDs: r.Recipients.TeamIDs,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
}

func (it ruleItem) rule() switchboard.NotificationRule {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return switchboard.NotificationRule{
		ID: it.ID, AccountID: it.AccountID, Name: it.Name, Type: it.RuleType, Frequency: it.Frequency,
		AllApps: it.AllApps, AppIDs: nonNil(it.AppIDs),
		Recipients: switchboard.Recipients{Mode: it.RecipientMode, UserIDs: nonNil(it.UserIDs), TeamIDs: nonNil(it.TeamIDs)},
		CreatedBy:  it.CreatedBy, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version,
	}
}

// checkRule normalizes r and checks that its apps, users and teams exist
// for the account; a missing one is the caller's mistake (EInvalid), not a
// missing rule.
func (s *Store) checkRule(ctx context.Context, r switchboard.NotificationRule) (switchboard.NotificationRule, error) {
	r, err := r.Normalize()
	if err != nil {
		return r, err
	}
	if r.ID == "" || r.AccountID == "" {
		return r, switchboard.Errorf(switchboard.EInvalid, "rule needs an id and an account")
	}
	checks := []struct {
		ids  []string
		what string
		get  func(id string) error
	}{
		{r.AppIDs, "app", func(id string) error { _, err := s.GetApp(ctx, id); return err }},
		{r.Recipients.UserIDs, "user", func(id string) error { _, err := s.GetUser(ctx, r.AccountID, id); return err }},
		{r.Recipients.TeamIDs, "team", func(id string) error { _, err := s.GetTeam(ctx, r.AccountID, id); return err }},
	}
	for _, c := range checks {
		for _, id := range c.ids {
			err := c.get(id)
			if switchboard.ErrorCode(err) == switchboard.ENotFound {
				return r, switchboard.Errorf(switchboard.EInvalid, "unknown %s %q", c.what, id)
			}
			if err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// CreateRule checks the rule's references, then writes it as version 1.
func (s *Store) CreateRule(ctx context.Context, r switchboard.NotificationRule) (switchboard.NotificationRule, error) {
	r, err := s.checkRule(ctx, r)
	if err != nil {
		return switchboard.NotificationRule{}, err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now().UTC()
	}
	r.UpdatedAt, r.Version = r.CreatedAt, 1
	if err := s.putNew(ctx, newRuleItem(r), "rule "+r.ID); err != nil {
		return switchboard.NotificationRule{}, err
	}
	return r, nil
}

// GetRule reads one rule of the account.
func (s *Store) GetRule(ctx context.Context, accountID, ruleID string) (switchboard.NotificationRule, error) {
	var it ruleItem
	found, err := s.get(ctx, accountPK(accountID), ruleSK(ruleID), &it)
	if err != nil {
		return switchboard.NotificationRule{}, err
	}
	if !found {
		return switchboard.NotificationRule{}, switchboard.Errorf(switchboard.ENotFound, "notification rule not found")
	}
	return it.rule(), nil
}

func sortRules(rules []switchboard.NotificationRule) {
	slices.SortFunc(rules, func(a, b switchboard.NotificationRule) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
}

// ListRules queries the account's partition for its rules.
func (s *Store) ListRules(ctx context.Context, accountID string) ([]switchboard.NotificationRule, error) {
	items, err := queryAll[ruleItem](ctx, s, s.prefixQuery(accountPK(accountID), ruleSKPrefix), "rules")
	if err != nil {
		return nil, err
	}
	rules := make([]switchboard.NotificationRule, 0, len(items))
	for _, it := range items {
		rules = append(rules, it.rule())
	}
	sortRules(rules)
	return rules, nil
}

// UpdateRule replaces the rule if its version is still r.Version; the GSI1
// entry moves with the frequency because it is part of the same item.
func (s *Store) UpdateRule(ctx context.Context, r switchboard.NotificationRule) (switchboard.NotificationRule, error) {
	cur, err := s.GetRule(ctx, r.AccountID, r.ID)
	if err != nil {
		return switchboard.NotificationRule{}, err
	}
	r, err = s.checkRule(ctx, r)
	if err != nil {
		return switchboard.NotificationRule{}, err
	}
	seen := r.Version
	r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.Version = cur.CreatedBy, cur.CreatedAt, s.now().UTC(), seen+1
	if err := s.putVersioned(ctx, newRuleItem(r), seen, "the rule"); err != nil {
		if switchboard.ErrorCode(err) == switchboard.EConflict {
			// Deleted meanwhile reads as not found, not as a conflict.
			if _, gerr := s.GetRule(ctx, r.AccountID, r.ID); switchboard.ErrorCode(gerr) == switchboard.ENotFound {
				return switchboard.NotificationRule{}, gerr
			}
		}
		return switchboard.NotificationRule{}, err
	}
	return r, nil
}

// DeleteRule deletes the rule if it exists. Its delivery records stay: they
// are what a digest already in flight checks.
func (s *Store) DeleteRule(ctx context.Context, accountID, ruleID string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), ruleSK(ruleID)),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.ENotFound, "notification rule not found")
	}
	if err != nil {
		return fmt.Errorf("delete rule %s: %w", ruleID, err)
	}
	return nil
}

// RulesByFrequency reads GSI1's partition for the frequency: the cost grows
// with the number of rules of that frequency, not with the table.
func (s *Store) RulesByFrequency(ctx context.Context, f switchboard.Frequency) ([]switchboard.NotificationRule, error) {
	items, err := queryAll[ruleItem](ctx, s, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(rulesByFrequencyPK(string(f)))},
	}, "rules by frequency")
	if err != nil {
		return nil, err
	}
	rules := make([]switchboard.NotificationRule, 0, len(items))
	for _, it := range items {
		rules = append(rules, it.rule())
	}
	return rules, nil
}

type digestItem struct {
	PK, SK, Type string
	switchboard.DigestDelivery
	LeaseUntil string // RFC 3339 in UTC, so that it compares as a string
}

func leaseString(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// ClaimDigest writes a pending record if none exists, else takes over a
// pending one whose lease has run out. Either is one conditional write, so
// two runs racing on the same email cannot both win.
func (s *Store) ClaimDigest(ctx context.Context, d switchboard.DigestDelivery, now, leaseUntil time.Time) (switchboard.Claim, error) {
	d.State, d.UpdatedAt = switchboard.DigestPending, now.UTC()
	if d.Attempts == 0 {
		d.Attempts = 1
	}
	it := digestItem{PK: accountPK(d.AccountID), SK: digestDeliverySK(d.RuleID, d.PeriodKey, d.UserID), Type: "delivery", DigestDelivery: d, LeaseUntil: leaseString(leaseUntil)}
	err := s.putNew(ctx, it, "delivery")
	if err == nil {
		return switchboard.Claimed, nil
	}
	if switchboard.ErrorCode(err) != switchboard.EConflict {
		return "", err
	}
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(it.PK, it.SK),
		UpdateExpression:         aws.String("SET LeaseUntil = :lease, UpdatedAt = :now ADD Attempts :one"),
		ConditionExpression:      aws.String("#state = :pending AND LeaseUntil < :now"),
		ExpressionAttributeNames: map[string]string{"#state": "State"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":lease": str(leaseString(leaseUntil)), ":now": str(leaseString(now)),
			":pending": str(string(switchboard.DigestPending)), ":one": num(1),
		},
	})
	if isConditionFailed(err) {
		cur, gerr := s.GetDigestDelivery(ctx, d.AccountID, d.RuleID, d.PeriodKey, d.UserID)
		if gerr != nil {
			return "", gerr
		}
		if cur.State == switchboard.DigestPending {
			return switchboard.Leased, nil
		}
		return switchboard.Settled, nil
	}
	if err != nil {
		return "", fmt.Errorf("take over delivery %s: %w", it.SK, err)
	}
	return switchboard.Claimed, nil
}

// FinishDigest records the outcome of a claimed delivery.
func (s *Store) FinishDigest(ctx context.Context, d switchboard.DigestDelivery) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(d.AccountID), digestDeliverySK(d.RuleID, d.PeriodKey, d.UserID)),
		UpdateExpression:         aws.String("SET #state = :state, Detail = :detail, UpdatedAt = :now"),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: map[string]string{"#state": "State"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":state": str(string(d.State)), ":detail": str(d.Detail), ":now": str(s.now().UTC().Format(time.RFC3339Nano)),
		},
	})
	if err != nil {
		return fmt.Errorf("finish delivery: %w", err)
	}
	return nil
}

// GetDigestDelivery reads one delivery record, consistently: a rerun decides from it.
func (s *Store) GetDigestDelivery(ctx context.Context, accountID, ruleID, periodKey, userID string) (switchboard.DigestDelivery, error) {
	var it digestItem
	found, err := s.getConsistent(ctx, accountPK(accountID), digestDeliverySK(ruleID, periodKey, userID), &it)
	if err != nil {
		return switchboard.DigestDelivery{}, err
	}
	if !found {
		return switchboard.DigestDelivery{}, switchboard.Errorf(switchboard.ENotFound, "delivery not found")
	}
	return it.DigestDelivery, nil
}

type digestMarkItem struct {
	PK, SK, Type string
	Through      int64 // unix seconds: the end of the last settled period
}

// DigestMark reads the account's mark for f consistently: a run that
// read a stale mark would redo settled periods (harmless, the records skip
// them) but one that read nothing would start from its look-back.
func (s *Store) DigestMark(ctx context.Context, accountID string, f switchboard.Frequency) (time.Time, error) {
	var it digestMarkItem
	found, err := s.getConsistent(ctx, accountPK(accountID), digestMarkSK(string(f)), &it)
	if err != nil || !found {
		return time.Time{}, err
	}
	return time.Unix(it.Through, 0).UTC(), nil
}

// AdvanceDigestMark moves the mark forward only: one conditional write, so
// a slow run finishing after a faster one cannot move it back.
func (s *Store) AdvanceDigestMark(ctx context.Context, accountID string, f switchboard.Frequency, through time.Time) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), digestMarkSK(string(f))),
		UpdateExpression:         aws.String("SET Through = :through, #type = :type"),
		ConditionExpression:      aws.String("attribute_not_exists(Through) OR Through < :through"),
		ExpressionAttributeNames: map[string]string{"#type": "Type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":through": num(through.Unix()), ":type": str("digest-mark"),
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("advance %s digest mark: %w", f, err)
	}
	return nil
}
