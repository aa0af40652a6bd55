package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.CallLog = (*Store)(nil)

type callItem struct {
	PK, SK, Type string
	StatusClass  string
	ExpiresAt    int64 // TTL attribute
	switchboard.Call
}

// WithCallRetention returns a copy of s whose call-log entries live d
// (LOG_RETENTION_DAYS), then expire by TTL.
func (s *Store) WithCallRetention(d time.Duration) *Store {
	c := *s
	c.callRetention = d
	return &c
}

// RecordCall writes the call in one BatchWriteItem round trip under the
// keys it is read by: its time, for the log and every filter but status;
// its request id, in its own partition of the account, for one entry; its
// status class, for calls answered 400 or more only, which status filters
// read; and, unless its bodies were kept (BodyArchive.KeepBodies wrote the
// feed item with them), the roll-ups' feed item. Each item is well under
// 1 KB, one write unit: three for a working call, four for an error.
// All are idempotent puts of the same content.
func (s *Store) RecordCall(ctx context.Context, c switchboard.Call) error {
	if c.LoggedAt.IsZero() {
		c.LoggedAt = s.now()
	}
	writes, err := s.callWrites(c)
	if err != nil {
		return err
	}
	if !c.BodiesArchived {
		writes = append(writes, feedWrite(c, nil)) // the roll-ups' feed, see rollups.go
	}
	req := map[string][]types.WriteRequest{s.table: writes}
	failures := 0
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt == 5 {
			return fmt.Errorf("record call %s: DynamoDB kept items unprocessed", c.RequestID)
		}
		out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		if err != nil {
			// The entry is the call's only record and its puts are
			// idempotent: after the SDK's own attempts, try the whole
			// batch again, twice, before giving up to the error log.
			if failures++; failures < 3 && ctx.Err() == nil {
				attempt--
				time.Sleep(time.Duration(50<<failures) * time.Millisecond)
				continue
			}
			return fmt.Errorf("record call %s: %w", c.RequestID, err)
		}
		req = out.UnprocessedItems
		if len(req) > 0 {
			time.Sleep(time.Duration(10<<attempt) * time.Millisecond) // back off as DynamoDB asks
		}
	}
	return nil
}

// callKeys are the keys one call is stored under (see RecordCall).
func callKeys(c switchboard.Call) [][2]string {
	keys := [][2]string{
		{callPK(c.AccountID, c.ConnectionID), callSK(c.At, c.RequestID)},
		{callByIDPK(c.RequestID), callByIDSK},
	}
	if c.Status >= 400 {
		keys = append(keys, [2]string{callPK(c.AccountID, c.ConnectionID), callBySK(callByClass, c.StatusClass(), c.At, c.RequestID)})
	}
	return keys
}

// callWrites are the puts that record c, one per key in callKeys: full
// copies (a call without its bodies is a few hundred bytes), so that every
// listing answers from its own key range without a second read.
func (s *Store) callWrites(c switchboard.Call) ([]types.WriteRequest, error) {
	retention := s.callLogRetention()
	base := callItem{Type: "call", StatusClass: c.StatusClass(), ExpiresAt: c.At.Add(retention).Unix(), Call: c}
	var writes []types.WriteRequest
	for _, k := range callKeys(c) {
		it := base
		it.PK, it.SK = k[0], k[1]
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			return nil, fmt.Errorf("marshal call %s: %w", c.RequestID, err)
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
	}
	return writes, nil
}

// GetCall reads one call through its request-id item, which must be the
// connection's; expired entries are gone even before TTL deletes them.
func (s *Store) GetCall(ctx context.Context, accountID, connectionID, requestID string) (switchboard.Call, error) {
	c, err := s.FindAccountCall(ctx, accountID, requestID)
	if err != nil {
		return switchboard.Call{}, err
	}
	if c.ConnectionID != connectionID {
		return switchboard.Call{}, switchboard.Errorf(switchboard.ENotFound, "call not found")
	}
	return c, nil
}

// FindAccountCall reads one call of the account by request id: one key
// read whatever the connection and the size of the log (a second one, of
// the key calls were filed under before, only when the first misses).
// Another account's call is not found.
func (s *Store) FindAccountCall(ctx context.Context, accountID, requestID string) (switchboard.Call, error) {
	it, found, err := s.callByID(ctx, callByIDPK(requestID))
	if err == nil && !found {
		it, found, err = s.callByID(ctx, legacyCallByIDPK(accountID, requestID))
	}
	if err != nil {
		return switchboard.Call{}, err
	}
	if !found || it.AccountID != accountID {
		return switchboard.Call{}, switchboard.Errorf(switchboard.ENotFound, "call not found")
	}
	return it.Call, nil
}

// FindAppCall reads one call of the app by request id, in any account:
// one key read. Another app's call is not found.
func (s *Store) FindAppCall(ctx context.Context, appID, requestID string) (switchboard.Call, error) {
	it, found, err := s.callByID(ctx, callByIDPK(requestID))
	if err != nil {
		return switchboard.Call{}, err
	}
	if !found || appID == "" || it.AppID != appID {
		return switchboard.Call{}, switchboard.Errorf(switchboard.ENotFound, "call not found")
	}
	return it.Call, nil
}

// callByID reads a request-id item; an expired entry is not found even
// before TTL deletes it. Request ids longer than any API Gateway id are
// not looked up: they cannot be keys of this table.
func (s *Store) callByID(ctx context.Context, pk string) (callItem, bool, error) {
	var it callItem
	if len(pk) > 1024 {
		return it, false, nil
	}
	found, err := s.get(ctx, pk, callByIDSK, &it)
	if err != nil || !found {
		return it, false, err
	}
	return it, it.ExpiresAt > s.now().Unix(), nil
}

// ListCalls reads the log backwards. With no filter it reads the time
// listing; with filters it reads the listing of one filtered dimension
// (callListing), where the time range is part of the key, and filters it
// on the other dimensions, if any, reading on to fill the page
// (filledPage).
func (s *Store) ListCalls(ctx context.Context, accountID, connectionID string, f switchboard.CallFilter) (switchboard.CallPage, error) {
	if err := f.Validate(); err != nil {
		return switchboard.CallPage{}, err
	}
	prefix := callListing(f)
	lo, hi := prefix, prefix+"~"
	if !f.From.IsZero() {
		lo = prefix + callTime(f.From) + "#"
	}
	if !f.To.IsZero() {
		hi = prefix + callTime(f.To) // "#" sorts before any id: the first entry at To is out
	}
	values := map[string]types.AttributeValue{":pk": str(callPK(accountID, connectionID)), ":lo": str(lo), ":hi": str(hi), ":now": num(s.now().Unix())}
	conds := []string{"ExpiresAt > :now"}
	names := map[string]string{}
	// Each list is one condition that any of its values meets.
	if len(f.Resources) > 0 {
		names["#r"] = "Resource"
		conds = append(conds, "#r IN ("+placeholders(values, ":r", f.Resources, str)+")")
	}
	if len(f.Methods) > 0 {
		names["#m"] = "Method"
		conds = append(conds, "#m IN ("+placeholders(values, ":m", f.Methods, str)+")")
	}
	if len(f.Statuses) > 0 {
		var either []string
		for i, st := range f.Statuses {
			if n, err := strconv.Atoi(st); err == nil {
				names["#s"] = "Status"
				either = append(either, fmt.Sprintf("#s = :s%d", i))
				values[fmt.Sprintf(":s%d", i)] = num(n)
			} else {
				either = append(either, fmt.Sprintf("StatusClass = :s%d", i))
				values[fmt.Sprintf(":s%d", i)] = str(st)
			}
		}
		conds = append(conds, "("+strings.Join(either, " OR ")+")")
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		FilterExpression:          aws.String(strings.Join(conds, " AND ")),
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	pk := callPK(accountID, connectionID)
	items, next, err := filledPage[callItem](ctx, s, in, switchboard.PageRequest{Limit: f.Limit, Cursor: f.Cursor},
		[]string{"PK", "SK"}, func(c map[string]string) bool { return c["PK"] == pk && strings.HasPrefix(c["SK"], prefix) }, "calls")
	if err != nil {
		return switchboard.CallPage{}, err
	}
	page := switchboard.CallPage{Calls: make([]switchboard.Call, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Calls = append(page.Calls, it.Call)
	}
	return page, nil
}

// placeholders names each value :<prefix><i> in values and returns the
// names joined by commas, for an IN list.
func placeholders(values map[string]types.AttributeValue, prefix string, list []string, av func(string) types.AttributeValue) string {
	names := make([]string, len(list))
	for i, v := range list {
		names[i] = fmt.Sprintf("%s%d", prefix, i)
		values[names[i]] = av(v)
	}
	return strings.Join(names, ", ")
}

// callListing picks the key range a filtered listing reads: the listing
// of a status class when every status filtered on is in one class of 400
// or more (the class, or codes filtered within it), since only such calls
// are written there; the time listing for everything else, including
// statuses of two classes (4xx and 5xx), whose listings are not one time
// order. The other filters are applied to what that listing holds in the
// page's range, and filledPage reads on until the page is full, within
// its read budget, never the whole history: a rare method or resource
// gives short pages with a cursor rather than a costly read, and writing
// a copy per dimension of every call would cost a write unit each.
func callListing(f switchboard.CallFilter) string {
	class := 0
	for i, st := range f.Statuses {
		c := statusClassOf(st)
		if i > 0 && c != class {
			return callSKPrefix
		}
		class = c
	}
	if class >= 4 {
		return callByPrefix(callByClass, strconv.Itoa(class)+"xx")
	}
	return callSKPrefix
}

// statusClassOf is the hundreds digit of a status filter ("503", "5xx").
func statusClassOf(status string) int {
	return int(status[0] - '0') // validated: a digit from 1 to 5 first
}

// callLogRetention is how long call-log entries live: LOG_RETENTION_DAYS
// when set (WithCallRetention), 90 days otherwise.
func (s *Store) callLogRetention() time.Duration {
	if s.callRetention == 0 {
		return 90 * 24 * time.Hour
	}
	return s.callRetention
}
