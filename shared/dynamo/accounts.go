package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var (
	_ switchboard.AccountStore = (*Store)(nil)
	_ switchboard.SessionStore = (*Store)(nil)
	_ switchboard.Limiter      = (*Store)(nil)
)

type accountItem struct {
	PK, SK, Type string
	switchboard.Account
}

type locationItem struct {
	PK, SK, Type string
	switchboard.Location
}

type userItem struct {
	PK, SK, Type string
	switchboard.User
	PasswordHash string
}

type emailItem struct {
	PK, SK, Type string
	AccountID    string
	UserID       string
}

type sessionItem struct {
	PK, SK, Type string
	AccountID    string
	UserID       string
	CreatedAt    time.Time
	ExpiresAt    int64 // epoch seconds: the table's TTL attribute
	Epoch        int   `dynamodbav:",omitempty"` // the user's SessionEpoch at sign-in
}

// putNew writes item only if its key is free.
func (s *Store) putNew(ctx context.Context, item any, what string) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", what, err)
	}
	// A nonce tells this write from another writer's identical item: two
	// racing claims must not both win.
	var nonce [12]byte
	_, _ = rand.Read(nonce[:]) // crypto/rand never fails on supported platforms
	av["PutNonce"] = str(hex.EncodeToString(nonce[:]))
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		// The SDK retries a put whose answer was lost; the retry then finds
		// the item its first attempt wrote, nonce included: that is success.
		if same, gerr := s.holds(ctx, av); gerr == nil && same {
			return nil
		}
		return switchboard.Errorf(switchboard.EConflict, "%s already exists", what)
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", what, err)
	}
	return nil
}

// holds reports whether the table holds exactly item (read consistently).
func (s *Store) holds(ctx context.Context, item map[string]types.AttributeValue) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]},
	})
	if err != nil || out.Item == nil {
		return false, err
	}
	// Compared as plain values: DynamoDB may spell a number differently
	// from how it was sent.
	var want, got map[string]any
	if err := attributevalue.UnmarshalMap(item, &want); err != nil {
		return false, err
	}
	if err := attributevalue.UnmarshalMap(out.Item, &got); err != nil {
		return false, err
	}
	return reflect.DeepEqual(want, got), nil
}

// putVersioned replaces an item only if its Version is still version: two
// editors cannot silently overwrite each other.
func (s *Store) putVersioned(ctx context.Context, item any, version int, what string) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", what, err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression:       aws.String("Version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version)},
	})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.EConflict, "%s was changed meanwhile; reload and try again", what)
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", what, err)
	}
	return nil
}

// get reads one item into out; found is false when there is none.
func (s *Store) get(ctx context.Context, pk, sk string, out any) (found bool, err error) {
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table),
		Key:       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}},
	})
	if err != nil {
		return false, fmt.Errorf("get %s %s: %w", pk, sk, err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, fmt.Errorf("unmarshal %s %s: %w", pk, sk, err)
	}
	return true, nil
}

func (s *Store) delete(ctx context.Context, pk, sk string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key:       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}},
	})
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", pk, sk, err)
	}
	return nil
}

// CreateAccount writes the account and its locations in one transaction
// (at most 99 locations): never an account with some of them.
func (s *Store) CreateAccount(ctx context.Context, a switchboard.Account, locations []switchboard.Location) error {
	if a.ID == "" || strings.TrimSpace(a.Name) == "" {
		return switchboard.Errorf(switchboard.EInvalid, "account needs an id and a name")
	}
	if a.TimeZone == "" {
		a.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(a.TimeZone); err != nil {
		return switchboard.Errorf(switchboard.EInvalid, "time zone %q is not an IANA time zone", a.TimeZone)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now().UTC()
	}
	if len(locations) > 99 { // a transaction writes at most 100 items
		return switchboard.Errorf(switchboard.EInvalid, "an account is created with at most 99 locations")
	}
	account, err := s.txPutNew(accountItem{PK: accountPK(a.ID), SK: accountSK, Type: "account", Account: a})
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{account}
	for _, l := range locations {
		l.AccountID = a.ID
		loc, err := s.txPutNew(locationItem{PK: accountPK(a.ID), SK: locationSK(l.ID), Type: "location", Location: l})
		if err != nil {
			return err
		}
		items = append(items, loc)
	}
	err = s.transact(ctx, "", "account "+a.ID, items)
	var r *errRefused
	if errors.As(err, &r) {
		return switchboard.Errorf(switchboard.EConflict, "account %s or one of its locations already exists", a.ID)
	}
	return err
}

// GetAccount reads one account.
func (s *Store) GetAccount(ctx context.Context, accountID string) (switchboard.Account, error) {
	var it accountItem
	found, err := s.get(ctx, accountPK(accountID), accountSK, &it)
	if err != nil {
		return switchboard.Account{}, err
	}
	if !found {
		return switchboard.Account{}, switchboard.Errorf(switchboard.ENotFound, "account not found")
	}
	return it.Account, nil
}

// ListLocations queries the account's partition for its locations.
func (s *Store) ListLocations(ctx context.Context, accountID string) ([]switchboard.Location, error) {
	items, err := queryAll[locationItem](ctx, s, s.prefixQuery(accountPK(accountID), locationSKPrefix), "locations")
	if err != nil {
		return nil, err
	}
	locs := make([]switchboard.Location, 0, len(items))
	for _, it := range items {
		locs = append(locs, it.Location)
	}
	sort.Slice(locs, func(i, j int) bool { return locs[i].Name < locs[j].Name })
	return locs, nil
}

// CreateUser writes the email's claim and the user in one transaction, so
// an address is never claimed by nobody.
func (s *Store) CreateUser(ctx context.Context, u switchboard.User, passwordHash string) error {
	email, err := switchboard.NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email = email
	if err := u.Validate(); err != nil {
		return err
	}
	if passwordHash == "" {
		return switchboard.Errorf(switchboard.EInvalid, "a password is required")
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now().UTC()
	}
	claim, err := s.txPutNew(emailItem{PK: emailPK(email), SK: emailSK, Type: "email", AccountID: u.AccountID, UserID: u.ID})
	if err != nil {
		return err
	}
	user, err := s.txPutNew(userItem{PK: accountPK(u.AccountID), SK: userSK(u.ID), Type: "user", User: u, PasswordHash: passwordHash})
	if err != nil {
		return err
	}
	err = s.transact(ctx, "", "user "+u.ID, []types.TransactWriteItem{claim, user})
	switch {
	case refused(err, 0):
		return switchboard.Errorf(switchboard.EConflict, "a user with this email already exists")
	case refused(err, 1):
		return switchboard.Errorf(switchboard.EConflict, "user %s already exists", u.ID)
	}
	return err
}

// UserByEmail follows the email claim to the user.
func (s *Store) UserByEmail(ctx context.Context, email string) (switchboard.User, string, error) {
	notFound := switchboard.Errorf(switchboard.ENotFound, "no user with this email")
	email, err := switchboard.NormalizeEmail(email)
	if err != nil {
		return switchboard.User{}, "", notFound
	}
	var claim emailItem
	found, err := s.get(ctx, emailPK(email), emailSK, &claim)
	if err != nil || !found {
		return switchboard.User{}, "", firstErr(err, notFound)
	}
	var it userItem
	found, err = s.get(ctx, accountPK(claim.AccountID), userSK(claim.UserID), &it)
	if err != nil || !found {
		return switchboard.User{}, "", firstErr(err, notFound)
	}
	return it.User, it.PasswordHash, nil
}

// GetUser reads a user of the account.
func (s *Store) GetUser(ctx context.Context, accountID, userID string) (switchboard.User, error) {
	var it userItem
	found, err := s.get(ctx, accountPK(accountID), userSK(userID), &it)
	if err != nil {
		return switchboard.User{}, err
	}
	if !found {
		return switchboard.User{}, switchboard.Errorf(switchboard.ENotFound, "user not found")
	}
	return it.User, nil
}

// CreateSession stores a session under its token hash.
func (s *Store) CreateSession(ctx context.Context, sess switchboard.Session) error {
	return s.putNew(ctx, sessionItem{
		PK: sessionPK(sess.TokenHash), SK: sessionSK, Type: "session",
		AccountID: sess.AccountID, UserID: sess.UserID, CreatedAt: sess.CreatedAt, ExpiresAt: sess.ExpiresAt.Unix(),
		Epoch: sess.Epoch,
	}, "session")
}

// SessionByTokenHash treats an expired session as missing: TTL deletion
// lags by up to days in DynamoDB and never happens in DynamoDB Local.
func (s *Store) SessionByTokenHash(ctx context.Context, tokenHash string) (switchboard.Session, error) {
	var it sessionItem
	found, err := s.get(ctx, sessionPK(tokenHash), sessionSK, &it)
	if err != nil {
		return switchboard.Session{}, err
	}
	if !found || s.now().Unix() >= it.ExpiresAt {
		return switchboard.Session{}, switchboard.Errorf(switchboard.ENotFound, "session not found")
	}
	return switchboard.Session{TokenHash: tokenHash, AccountID: it.AccountID, UserID: it.UserID,
		CreatedAt: it.CreatedAt, ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), Epoch: it.Epoch}, nil
}

// DeleteSession removes the session item.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.delete(ctx, sessionPK(tokenHash), sessionSK)
}

// Count adds one to key's window with an atomic ADD: concurrent attempts
// never lose a count, and the item expires with its window.
func (s *Store) Count(ctx context.Context, key string, window time.Duration) (int, error) {
	start := s.now().Truncate(window)
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: limitPK(key)},
			"SK": &types.AttributeValueMemberS{Value: fmt.Sprint(start.Unix())},
		},
		UpdateExpression:         aws.String("ADD #c :one SET ExpiresAt = :exp, #t = :type"),
		ExpressionAttributeNames: map[string]string{"#c": "Count", "#t": "Type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":  &types.AttributeValueMemberN{Value: "1"},
			":exp":  &types.AttributeValueMemberN{Value: fmt.Sprint(start.Add(2 * window).Unix())},
			":type": &types.AttributeValueMemberS{Value: "limit"},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", key, err)
	}
	var n struct{ Count int }
	if err := attributevalue.UnmarshalMap(out.Attributes, &n); err != nil {
		return 0, fmt.Errorf("unmarshal count: %w", err)
	}
	return n.Count, nil
}

// rateWindowsSK is the one item holding all of a key's rate windows (see
// CountWindows).
const rateWindowsSK = "WINDOWS"

// maxWindowAttempts bounds CountWindows' retries when racing callers turn
// the same window: each retry follows a write that did succeed, so more
// than a few means something else is wrong.
const maxWindowAttempts = 8

// CountWindows adds one to each of name's windows (fixed, aligned as
// Count's) and returns their counts, this call included. All windows live
// in ONE item, W<i> holding window i's start and C<i> its count, so a call
// costs one conditional write instead of one per window: the write ADDs to
// every count if every stored start is the current one, which is true of
// all calls but the first after a window turns. That one finds its
// condition failed, reads the stored starts from the failure
// (ReturnValuesOnConditionCheckFailure, no extra read) and restarts the
// turned windows with a second write conditioned on the starts it saw, so
// racing callers never lose or double a count: the loser retries.
func (s *Store) CountWindows(ctx context.Context, name string, windows []time.Duration) ([]int, error) {
	now := s.now()
	starts := make([]int64, len(windows))
	var expires int64
	for i, w := range windows {
		starts[i] = now.Truncate(w).Unix()
		expires = max(expires, now.Truncate(w).Add(2*w).Unix())
	}
	// The item keeps the windows' daily peaks too (foldPeak): it outlives
	// an idle week, so that the peaks are there as long as they are shown.
	expires = max(expires, now.Add(switchboard.RatePeakDays*24*time.Hour).Unix())
	var stored map[string]types.AttributeValue
	for attempt := 0; attempt < maxWindowAttempts; attempt++ {
		names := map[string]string{"#t": "Type", "#exp": "ExpiresAt"}
		values := map[string]types.AttributeValue{":one": num(1), ":type": str("limit"), ":exp": num(expires)}
		var adds, sets, conds []string
		sets = append(sets, "#exp = :exp", "#t = :type")
		for i := range windows {
			w, c := "W"+strconv.Itoa(i), "C"+strconv.Itoa(i)
			names["#"+w], names["#"+c] = w, c
			values[":"+w] = num(starts[i])
			old, known := int64(0), false
			if stored != nil {
				if n, ok := stored[w].(*types.AttributeValueMemberN); ok {
					old, _ = strconv.ParseInt(n.Value, 10, 64) // written here: always an integer
					known = true
				}
			}
			switch {
			case stored == nil || (known && old == starts[i]):
				// The first try, or this window has not turned: count on.
				adds = append(adds, "#"+c+" :one")
				conds = append(conds, "#"+w+" = :"+w)
			case known && old > starts[i]:
				// Another instance's clock is a little ahead and turned
				// it already: count in its window rather than undo it.
				starts[i] = old
				values[":"+w] = num(old)
				adds = append(adds, "#"+c+" :one")
				conds = append(conds, "#"+w+" = :"+w)
			default:
				// Turned (or never written): restart it, if it still
				// holds what the failed write saw.
				sets = append(sets, "#"+w+" = :"+w, "#"+c+" = :one")
				if known {
					values[":old"+w] = num(old)
					conds = append(conds, "#"+w+" = :old"+w)
					// The turned window's count is final: fold it into
					// the window's daily peaks in this same write, which
					// the condition on its start makes happen once.
					p := "P" + strconv.Itoa(i)
					names["#"+p], values[":"+p] = p, str(foldPeak(stored[p], old, stored[c], now))
					sets = append(sets, "#"+p+" = :"+p)
				} else {
					conds = append(conds, "attribute_not_exists(#"+w+")")
				}
			}
		}
		expr := "SET " + strings.Join(sets, ", ")
		if len(adds) > 0 {
			expr += " ADD " + strings.Join(adds, ", ")
		}
		out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                           aws.String(s.table),
			Key:                                 key(limitPK(name), rateWindowsSK),
			UpdateExpression:                    aws.String(expr),
			ConditionExpression:                 aws.String(strings.Join(conds, " AND ")),
			ExpressionAttributeNames:            names,
			ExpressionAttributeValues:           values,
			ReturnValues:                        types.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		var failed *types.ConditionalCheckFailedException
		if errors.As(err, &failed) {
			switch {
			case failed.Item != nil:
				stored = failed.Item
			case stored == nil:
				stored = map[string]types.AttributeValue{} // no item yet, or…
			default:
				// …a backend that does not return the item with the
				// failure (moto, older LocalStack): read it.
				got, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table),
					Key: key(limitPK(name), rateWindowsSK), ConsistentRead: aws.Bool(true)})
				if err != nil {
					return nil, fmt.Errorf("count %s: %w", name, err)
				}
				stored = got.Item
				if stored == nil {
					stored = map[string]types.AttributeValue{}
				}
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		counts := make([]int, len(windows))
		for i := range windows {
			if n, ok := out.Attributes["C"+strconv.Itoa(i)].(*types.AttributeValueMemberN); ok {
				counts[i], _ = strconv.Atoi(n.Value) // written by ADD: always an integer
			}
		}
		return counts, nil
	}
	return nil, fmt.Errorf("count %s: the windows kept turning under %d attempts", name, maxWindowAttempts)
}

// Peek reads key's current window.
func (s *Store) Peek(ctx context.Context, key string, window time.Duration) (int, error) {
	var n struct{ Count int }
	if _, err := s.get(ctx, limitPK(key), fmt.Sprint(s.now().Truncate(window).Unix()), &n); err != nil {
		return 0, err
	}
	return n.Count, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
