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

// RecordCall writes the call in one BatchWriteItem round trip under every
// key it is read by: its time, for the unfiltered log; its request id, for
// one entry; and one key per filter dimension (method, resource, status
// code, status class), so that a filter reads only the calls it matches.
// All are idempotent puts of the same content.
func (s *Store) RecordCall(ctx context.Context, c switchboard.Call) error {
	writes, err := s.callWrites(c)
	if err != nil {
		return err
	}
	writes = append(writes, feedWrite(c, s.now())) // the roll-ups' feed, see rollups.go
	req := map[string][]types.WriteRequest{s.table: writes}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt == 5 {
			return fmt.Errorf("record call %s: DynamoDB kept items unprocessed", c.RequestID)
		}
		out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		if err != nil {
			return fmt.Errorf("record call %s: %w", c.RequestID, err)
		}
		req = out.UnprocessedItems
		if len(req) > 0 {
			time.Sleep(time.Duration(10<<attempt) * time.Millisecond) // back off as DynamoDB asks
		}
	}
	return nil
}

// callSKs are the sort keys one call is stored under (see RecordCall).
func callSKs(c switchboard.Call) []string {
	return []string{
		callSK(c.At, c.RequestID),
		callByIDSK(c.RequestID),
		callBySK(callByMethod, c.Method, c.At, c.RequestID),
		callBySK(callByResource, c.Resource, c.At, c.RequestID),
		callBySK(callByStatus, strconv.Itoa(c.Status), c.At, c.RequestID),
		callBySK(callByClass, c.StatusClass(), c.At, c.RequestID),
	}
}

// callWrites are the puts that record c, one per key in callSKs: full
// copies, so that every listing answers from its own key range without a
// second read. An item is well under 1 KB: each put costs one write unit.
func (s *Store) callWrites(c switchboard.Call) ([]types.WriteRequest, error) {
	retention := s.callRetention
	if retention == 0 {
		retention = 90 * 24 * time.Hour
	}
	base := callItem{PK: callPK(c.AccountID, c.ConnectionID), Type: "call", StatusClass: c.StatusClass(),
		ExpiresAt: c.At.Add(retention).Unix(), Call: c}
	var writes []types.WriteRequest
	for _, sk := range callSKs(c) {
		it := base
		it.SK = sk
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			return nil, fmt.Errorf("marshal call %s: %w", c.RequestID, err)
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
	}
	return writes, nil
}

// GetCall reads one call through its request-id item; expired entries are
// gone even before TTL deletes them.
func (s *Store) GetCall(ctx context.Context, accountID, connectionID, requestID string) (switchboard.Call, error) {
	var it callItem
	found, err := s.get(ctx, callPK(accountID, connectionID), callByIDSK(requestID), &it)
	if err != nil {
		return switchboard.Call{}, err
	}
	if !found || it.ExpiresAt <= s.now().Unix() {
		return switchboard.Call{}, switchboard.Errorf(switchboard.ENotFound, "call not found")
	}
	return it.Call, nil
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
	prefix, dim := callListing(f)
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
	if f.Resource != "" && dim != callByResource {
		conds = append(conds, "#r = :r")
		names["#r"], values[":r"] = "Resource", str(f.Resource)
	}
	if f.Method != "" && dim != callByMethod {
		conds = append(conds, "#m = :m")
		names["#m"], values[":m"] = "Method", str(f.Method)
	}
	if f.Status != "" && dim != callByStatus && dim != callByClass {
		if n, err := strconv.Atoi(f.Status); err == nil {
			conds = append(conds, "#s = :s")
			names["#s"], values[":s"] = "Status", num(n)
		} else {
			conds = append(conds, "StatusClass = :sc")
			values[":sc"] = str(f.Status)
		}
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

// callListing picks the key range a filtered listing reads: the listing of
// one filtered dimension, so the read never leaves the calls that match it.
// With several filters it takes the dimension most likely to be the
// rarest: a status code (one of dozens, and the one people look for: 503,
// 429); then 5xx, a small share of any working log and what people hunt
// for; then a method other than GET (GET dominates); then a status class
// other than 2xx; then a resource (a handful of values); then GET; then 2xx,
// most of any log. The other filters are applied to what that listing
// holds in the page's range, and filledPage reads on until the page is
// full, within its read budget, never the whole history.
func callListing(f switchboard.CallFilter) (prefix, dim string) {
	_, codeErr := strconv.Atoi(f.Status)
	code, class := f.Status != "" && codeErr == nil, f.Status != "" && codeErr != nil
	switch {
	case code:
		return callByPrefix(callByStatus, f.Status), callByStatus
	case class && f.Status == "5xx":
		return callByPrefix(callByClass, f.Status), callByClass
	case f.Method != "" && f.Method != "GET":
		return callByPrefix(callByMethod, f.Method), callByMethod
	case class && f.Status != "2xx":
		return callByPrefix(callByClass, f.Status), callByClass
	case f.Resource != "":
		return callByPrefix(callByResource, f.Resource), callByResource
	case f.Method != "":
		return callByPrefix(callByMethod, f.Method), callByMethod
	case class:
		return callByPrefix(callByClass, f.Status), callByClass
	}
	return callSKPrefix, ""
}
