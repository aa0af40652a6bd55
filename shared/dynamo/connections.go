package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var (
	_ switchboard.ConnectionStore = (*Store)(nil)
	_ switchboard.OAuthStore      = (*Store)(nil)
	_ switchboard.AppLog          = (*Store)(nil)

	_ switchboard.ConnectionLifecycleStore = (*Store)(nil)
)

// connectionItem stores the connection's TokenHash and Version too: they
// are hidden from JSON, not from the table.
type connectionItem struct {
	PK, SK, Type string
	// GSI1 lists the connection under blocksUntilPK while it is blocked
	// with an until time; absent otherwise (sparse).
	GSI1PK string `dynamodbav:",omitempty"`
	GSI1SK string `dynamodbav:",omitempty"`
	switchboard.Connection
}

// newConnectionItem builds the stored form of c, with its timed-block
// index entry when it has one.
func newConnectionItem(c switchboard.Connection) connectionItem {
	it := connectionItem{PK: accountPK(c.AccountID), SK: connectionSK(c.ID), Type: "connection", Connection: c}
	if c.Status == switchboard.ConnectionBlocked && c.BlockedUntil != nil {
		it.GSI1PK, it.GSI1SK = blocksUntilPK, blocksUntilSK(*c.BlockedUntil, c.AccountID, c.ID)
	}
	return it
}

type connectionKeyItem struct {
	PK, SK, Type string
	ConnectionID string
}

// CreateConnection writes the app instance's claim and the connection in
// one transaction: a claim never names a connection that does not exist.
func (s *Store) CreateConnection(ctx context.Context, c switchboard.Connection) error {
	items, err := s.txCreateConnection(c)
	if err != nil {
		return err
	}
	err = s.transact(ctx, "", "connection "+c.ID, items)
	if cerr := createRefused(err, c.ID); cerr != nil {
		return cerr
	}
	return err
}

// txCreateConnection is the instance claim (item 0) and the new connection
// at version 1 (item 1), each on a free key.
func (s *Store) txCreateConnection(c switchboard.Connection) ([]types.TransactWriteItem, error) {
	c.Version = 1
	claim, err := s.txPutNew(connectionKeyItem{PK: accountPK(c.AccountID), SK: connectionKeySK(c.AppID, c.LocationID, c.InstanceLabel), Type: "connection-key", ConnectionID: c.ID})
	if err != nil {
		return nil, err
	}
	conn, err := s.txPutNew(newConnectionItem(c))
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{claim, conn}, nil
}

// createRefused is the conflict of a transaction that began with
// txCreateConnection's items and was refused on one of them, or nil.
func createRefused(err error, id string) error {
	switch {
	case refused(err, 0):
		return switchboard.Errorf(switchboard.EConflict, "a connection of this app instance already exists")
	case refused(err, 1):
		return switchboard.Errorf(switchboard.EConflict, "connection %s already exists", id)
	}
	return nil
}

// FindConnection follows the instance's claim to its connection.
func (s *Store) FindConnection(ctx context.Context, accountID, locationID, appID, label string) (switchboard.Connection, error) {
	var claim connectionKeyItem
	found, err := s.get(ctx, accountPK(accountID), connectionKeySK(appID, locationID, label), &claim)
	if err != nil {
		return switchboard.Connection{}, err
	}
	if !found {
		return switchboard.Connection{}, switchboard.Errorf(switchboard.ENotFound, "connection not found")
	}
	return s.GetConnection(ctx, accountID, claim.ConnectionID)
}

// GetConnection reads a connection inside its account's partition, which is
// the tenant check: another account's id finds nothing.
func (s *Store) GetConnection(ctx context.Context, accountID, connectionID string) (switchboard.Connection, error) {
	var it connectionItem
	found, err := s.get(ctx, accountPK(accountID), connectionSK(connectionID), &it)
	if err != nil {
		return switchboard.Connection{}, err
	}
	if !found {
		return switchboard.Connection{}, switchboard.Errorf(switchboard.ENotFound, "connection not found")
	}
	return it.Connection, nil
}

// ListConnections queries the account's connections, newest first.
func (s *Store) ListConnections(ctx context.Context, accountID string, f switchboard.ConnectionFilter) ([]switchboard.Connection, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	items, err := queryAll[connectionItem](ctx, s, s.prefixQuery(accountPK(accountID), connectionSKPrefix), "connections")
	if err != nil {
		return nil, err
	}
	out := []switchboard.Connection{}
	for _, it := range items {
		if f.Matches(it.Connection) {
			out = append(out, it.Connection)
		}
	}
	return out, nil
}

// ReplaceGrant rewrites the connection, with its index entry, if its
// version is unchanged; a deleted connection is not recreated.
func (s *Store) ReplaceGrant(ctx context.Context, c switchboard.Connection) error {
	current := c.Version
	c.Version++
	err := s.putVersioned(ctx, newConnectionItem(c), current, "connection "+c.ID)
	if switchboard.ErrorCode(err) == switchboard.EConflict {
		if _, gerr := s.GetConnection(ctx, c.AccountID, c.ID); switchboard.ErrorCode(gerr) == switchboard.ENotFound {
			return gerr
		}
	}
	return err
}

// ChangeConnection writes, in one transaction whose ClientRequestToken is
// the event id: the connection's new state (or its removal with its
// instance claim) if its version is unchanged, or a new connection with its
// instance claim (an install); the app-log events; and the delivery record.
// So an event is in the log and on its way to the app exactly when its
// change happened, and an SDK retry after a lost answer succeeds instead of
// conflicting with its own first write: the event id is made once, before
// the request, so every resend of it carries the same token.
func (s *Store) ChangeConnection(ctx context.Context, ch switchboard.ConnectionChange) error {
	c := ch.Before
	if ch.Create {
		if ch.After == nil {
			return fmt.Errorf("a connection is created without its state")
		}
		c = *ch.After
	}
	if len(ch.Event.ID) > 36 {
		return fmt.Errorf("event id %q is longer than a ClientRequestToken may be", ch.Event.ID)
	}
	unchanged := map[string]types.AttributeValue{":v": num(c.Version)}
	var items []types.TransactWriteItem
	switch {
	case ch.Create:
		created, err := s.txCreateConnection(c)
		if err != nil {
			return err
		}
		items = append(items, created...)
	case ch.After != nil:
		after := *ch.After
		after.Version = c.Version + 1
		put, err := s.txPut(newConnectionItem(after), "Version = :v", unchanged)
		if err != nil {
			return err
		}
		items = append(items, put)
	default:
		items = append(items, s.txDelete(accountPK(c.AccountID), connectionSK(c.ID), "Version = :v", unchanged),
			// The claim names this connection: both are written together.
			s.txDelete(accountPK(c.AccountID), connectionKeySK(c.AppID, c.LocationID, c.InstanceLabel),
				"attribute_not_exists(PK) OR ConnectionID = :id", map[string]types.AttributeValue{":id": str(c.ID)}))
		// What the connection was stays, in the same transaction, until its
		// last calls expire, so that its logs (which the README and the
		// digest's links promise) stay readable, marked disconnected.
		gone := c
		at := ch.Event.At.UTC()
		gone.DisconnectedAt = &at
		kept, err := s.txPutNew(disconnectedItem{PK: accountPK(c.AccountID), SK: disconnectedSK(c.ID), Type: "disconnected-connection",
			ExpiresAt: at.Add(s.callLogRetention()).Unix(), Connection: gone})
		if err != nil {
			return err
		}
		items = append(items, kept)
	}
	for _, e := range append([]switchboard.AppEvent{ch.Event}, ch.Also...) {
		event, err := s.txPutNew(eventItem{PK: accountPK(e.AccountID), SK: eventSK(e.At, e.ID), Type: "event", EventType: e.Type, AppEvent: e})
		if err != nil {
			return err
		}
		items = append(items, event)
	}
	if d := ch.Delivery; d != nil {
		d.Version = 1
		put, err := s.txPutNew(newDeliveryItem(*d))
		if err != nil {
			return err
		}
		items = append(items, put)
	}
	err := s.transact(ctx, ch.Event.ID, "change of connection "+c.ID, items)
	switch {
	case ch.Create:
		if cerr := createRefused(err, c.ID); cerr != nil {
			return cerr
		}
	case refused(err, 0):
		if _, gerr := s.GetConnection(ctx, c.AccountID, c.ID); switchboard.ErrorCode(gerr) == switchboard.ENotFound {
			return gerr
		}
		return switchboard.Errorf(switchboard.EConflict, "connection %s was changed meanwhile; reload and try again", c.ID)
	}
	return err
}

// disconnectedItem is what a disconnected connection was (its token hash
// included: the token is revoked, the hash gives nothing away).
type disconnectedItem struct {
	PK, SK, Type string
	ExpiresAt    int64 // TTL attribute: when its last calls expire
	switchboard.Connection
}

// GetDisconnectedConnection returns what a connection disconnected from the
// account was, while its call log lasts; ENotFound otherwise, and for
// another account's connection.
func (s *Store) GetDisconnectedConnection(ctx context.Context, accountID, connectionID string) (switchboard.Connection, error) {
	var it disconnectedItem
	found, err := s.get(ctx, accountPK(accountID), disconnectedSK(connectionID), &it)
	if err != nil {
		return switchboard.Connection{}, err
	}
	// TTL deletes expired items days late.
	if !found || it.ExpiresAt <= s.now().Unix() {
		return switchboard.Connection{}, switchboard.Errorf(switchboard.ENotFound, "connection not found")
	}
	return it.Connection, nil
}

// ListExpiredBlocks reads the timed blocks due at now from GSI1's sparse
// partition; nothing else is read.
func (s *Store) ListExpiredBlocks(ctx context.Context, now time.Time, limit int) ([]switchboard.Connection, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(indexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(blocksUntilPK), ":now": str(blocksUntilSK(now, "~", "")),
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("query expired blocks: %w", err)
	}
	var items []connectionItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, fmt.Errorf("unmarshal expired blocks: %w", err)
	}
	conns := make([]switchboard.Connection, 0, len(items))
	for _, it := range items {
		conns = append(conns, it.Connection)
	}
	return conns, nil
}

type codeItem struct {
	PK, SK, Type string
	ExpiresAt    int64 // TTL attribute
	switchboard.AuthorizationCode
}

// SaveCode stores a code until it expires.
func (s *Store) SaveCode(ctx context.Context, c switchboard.AuthorizationCode) error {
	return s.putNew(ctx, codeItem{PK: codePK(c.Hash), SK: codeSK, Type: "code", ExpiresAt: c.ExpiresAt.Unix(), AuthorizationCode: c}, "code")
}

// GetCode reads a code without using it up, with a strongly consistent read:
// a code is exchanged moments after it is saved, and an eventually
// consistent read could miss it. An expired code is ENotFound, as the TTL
// deletes it late.
func (s *Store) GetCode(ctx context.Context, hash string, now time.Time) (switchboard.AuthorizationCode, error) {
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(codePK(hash), codeSK),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return switchboard.AuthorizationCode{}, fmt.Errorf("get code: %w", err)
	}
	var it codeItem
	if res.Item != nil {
		if err := attributevalue.UnmarshalMap(res.Item, &it); err != nil {
			return switchboard.AuthorizationCode{}, fmt.Errorf("unmarshal code: %w", err)
		}
	}
	if res.Item == nil || it.ExpiresAt <= now.Unix() {
		return switchboard.AuthorizationCode{}, switchboard.Errorf(switchboard.ENotFound, "the code is unknown or expired")
	}
	return it.AuthorizationCode, nil
}

// RedeemCode flips Used with a condition, so that of two concurrent
// exchanges exactly one succeeds.
func (s *Store) RedeemCode(ctx context.Context, hash string, now time.Time) (switchboard.AuthorizationCode, error) {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 key(codePK(hash), codeSK),
		UpdateExpression:    aws.String("SET Used = :true"),
		ConditionExpression: aws.String("attribute_exists(PK) AND Used = :false AND ExpiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true": boolean(true), ":false": boolean(false),
			":now": num(now.Unix()),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err == nil {
		var it codeItem
		if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
			return switchboard.AuthorizationCode{}, fmt.Errorf("unmarshal code: %w", err)
		}
		return it.AuthorizationCode, nil
	}
	if !isConditionFailed(err) {
		return switchboard.AuthorizationCode{}, fmt.Errorf("redeem code: %w", err)
	}
	var it codeItem
	found, gerr := s.get(ctx, codePK(hash), codeSK, &it)
	switch {
	case gerr != nil:
		return switchboard.AuthorizationCode{}, gerr
	case found && it.Used:
		return it.AuthorizationCode, switchboard.Errorf(switchboard.EConflict, "the code was already used")
	}
	return switchboard.AuthorizationCode{}, switchboard.Errorf(switchboard.ENotFound, "the code is unknown or expired")
}

// SetCodeToken links a code to the token it produced.
func (s *Store) SetCodeToken(ctx context.Context, codeHash, tokenHash string) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(codePK(codeHash), codeSK),
		UpdateExpression:          aws.String("SET TokenHash = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(tokenHash)},
	})
	if err != nil {
		return fmt.Errorf("link code to token: %w", err)
	}
	return nil
}

type tokenItem struct {
	PK, SK, Type string
	switchboard.AccessToken
}

// SaveToken stores a token by hash.
func (s *Store) SaveToken(ctx context.Context, t switchboard.AccessToken) error {
	return s.putNew(ctx, tokenItem{PK: tokenPK(t.Hash), SK: tokenSK, Type: "token", AccessToken: t}, "token")
}

// GetToken reads a token by hash.
func (s *Store) GetToken(ctx context.Context, hash string) (switchboard.AccessToken, error) {
	var it tokenItem
	found, err := s.get(ctx, tokenPK(hash), tokenSK, &it)
	if err != nil {
		return switchboard.AccessToken{}, err
	}
	if !found {
		return switchboard.AccessToken{}, switchboard.Errorf(switchboard.ENotFound, "token not found")
	}
	return it.AccessToken, nil
}

// RevokeToken marks the token revoked; a missing token is already revoked.
func (s *Store) RevokeToken(ctx context.Context, hash string) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tokenPK(hash), tokenSK),
		UpdateExpression:          aws.String("SET Revoked = :true"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": boolean(true)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// eventItem keeps the event's own type as EventType: the embedded
// AppEvent.Type would otherwise be shadowed by the item's kind, Type.
// It has no ExpiresAt (the table's TTL attribute) on purpose: the app log
// is kept at least a year, and it is small (tens of events a day).
type eventItem struct {
	PK, SK, Type string
	EventType    switchboard.AppEventType
	switchboard.AppEvent
}

func (it eventItem) event() switchboard.AppEvent {
	e := it.AppEvent
	e.Type = it.EventType
	return e
}

// RecordEvent appends to the account's app log; a retried write with the
// same event finds its key taken and succeeds without a duplicate.
func (s *Store) RecordEvent(ctx context.Context, e switchboard.AppEvent) error {
	err := s.putNew(ctx, eventItem{PK: accountPK(e.AccountID), SK: eventSK(e.At, e.ID), Type: "event", EventType: e.Type, AppEvent: e}, "event "+e.ID)
	if switchboard.ErrorCode(err) == switchboard.EConflict {
		return nil
	}
	return err
}

// TouchConnection records that the connection was used at, at most once a
// minute: a busy connection would otherwise write its item on every call.
func (s *Store) TouchConnection(ctx context.Context, accountID, connectionID string, at time.Time) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.table),
		Key:              key(accountPK(accountID), connectionSK(connectionID)),
		UpdateExpression: aws.String("SET LastUsedAt = :at"),
		// A never-used connection holds LastUsedAt as NULL, not as nothing.
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(LastUsedAt) OR attribute_type(LastUsedAt, :null) OR LastUsedAt < :stale)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at":    str(at.UTC().Format(time.RFC3339Nano)),
			":stale": str(at.Add(-time.Minute).UTC().Format(time.RFC3339Nano)),
			":null":  str("NULL"),
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("touch connection %s: %w", connectionID, err)
	}
	return nil
}

// ListEvents reads the app log backwards. The time range is a key
// condition; the other fields filter the page read, which is why a page may
// come back short with a cursor (when fewer than asked match in the
// MaxPageSize events read). One account's app log is small (tens of events
// a day), so this reads little.
func (s *Store) ListEvents(ctx context.Context, accountID string, f switchboard.AppEventFilter, p switchboard.PageRequest) (switchboard.AppEventPage, error) {
	if err := f.Validate(); err != nil {
		return switchboard.AppEventPage{}, err
	}
	lo, hi := eventSKPrefix, eventSKPrefix+"~"
	if !f.From.IsZero() {
		lo = eventSK(f.From, "")
	}
	if !f.To.IsZero() {
		first := eventSK(f.To, "")
		hi = first[:len(first)-1] // just before the first event at To
	}
	pk := accountPK(accountID)
	values := map[string]types.AttributeValue{":pk": str(pk), ":lo": str(lo), ":hi": str(hi)}
	var conds []string
	if len(f.Types) > 0 {
		var keys []string
		for i, t := range f.Types {
			k := fmt.Sprintf(":t%d", i)
			values[k] = str(string(t))
			keys = append(keys, k)
		}
		conds = append(conds, "EventType IN ("+strings.Join(keys, ", ")+")")
	}
	for _, c := range []struct{ attr, value string }{
		{"ActorUserID", f.ActorUserID}, {"AppID", f.AppID}, {"LocationID", f.LocationID}, {"ConnectionID", f.ConnectionID},
	} {
		if c.value != "" {
			k := ":" + strings.ToLower(c.attr)
			conds = append(conds, c.attr+" = "+k)
			values[k] = str(c.value)
		}
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(f.Consistent),
	}
	want := p.Limit
	if want == 0 {
		want = switchboard.DefaultPageSize
	}
	if len(conds) > 0 {
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
		// DynamoDB's Limit counts items read, not items kept: a filtered
		// read takes the largest page and is cut to what was asked below,
		// so that a narrow filter fills its page in one read when it can.
		if err := p.Validate(); err != nil {
			return switchboard.AppEventPage{}, err
		}
		p.Limit = switchboard.MaxPageSize
	}
	items, next, err := queryPage[eventItem](ctx, s, in, p, []string{"PK", "SK"},
		func(c map[string]string) bool { return c["PK"] == pk && strings.HasPrefix(c["SK"], eventSKPrefix) }, "app log")
	if err != nil {
		return switchboard.AppEventPage{}, err
	}
	if len(items) > want {
		// Resume right after the last event kept: the cursor is its key.
		items = items[:want]
		if next, err = encodeCursor(key(items[want-1].PK, items[want-1].SK)); err != nil {
			return switchboard.AppEventPage{}, err
		}
	}
	page := switchboard.AppEventPage{Events: make([]switchboard.AppEvent, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Events = append(page.Events, it.event())
	}
	return page, nil
}
