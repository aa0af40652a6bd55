package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.SignupStore = (*Store)(nil)

type signupItem struct {
	PK, SK, Type string
	Email        string
	Name         string
	AccountName  string
	TimeZone     string
	LocationName string `dynamodbav:",omitempty"`
	PasswordHash string
	CreatedAt    time.Time
	ExpiresAt    int64  // epoch seconds: the table's TTL attribute
	UsedAt       string `dynamodbav:",omitempty"` // set once, by CompleteSignup
}

// signupEmailItem is the hold a pending sign-up has on its address.
type signupEmailItem struct {
	PK, SK, Type string
	TokenHash    string
	ExpiresAt    int64 // epoch seconds: the TTL attribute, and when the hold lapses
}

// CreateSignup writes the hold on the address and the sign-up in one
// transaction. The hold is taken if free or lapsed: TTL deletion lags in
// DynamoDB and never happens in DynamoDB Local, so a lapsed one is still
// read here.
func (s *Store) CreateSignup(ctx context.Context, su switchboard.Signup) error {
	email, err := switchboard.NormalizeEmail(su.Email)
	if err != nil {
		return err
	}
	if su.TokenHash == "" || su.PasswordHash == "" || su.ExpiresAt.IsZero() {
		return switchboard.Errorf(switchboard.EInvalid, "a sign-up needs a token hash, a password hash and an expiry")
	}
	if su.CreatedAt.IsZero() {
		su.CreatedAt = s.now().UTC()
	}
	hold, err := s.txPut(signupEmailItem{PK: signupEmailPK(email), SK: signupEmailSK, Type: "signup-email", TokenHash: su.TokenHash, ExpiresAt: su.ExpiresAt.Unix()},
		"attribute_not_exists(PK) OR ExpiresAt <= :now", map[string]types.AttributeValue{":now": num(s.now().Unix())})
	if err != nil {
		return err
	}
	pending, err := s.txPutNew(signupItem{PK: signupPK(su.TokenHash), SK: signupSK, Type: "signup", Email: email, Name: su.Name,
		AccountName: su.AccountName, TimeZone: su.TimeZone, LocationName: su.LocationName, PasswordHash: su.PasswordHash,
		CreatedAt: su.CreatedAt.UTC(), ExpiresAt: su.ExpiresAt.Unix()})
	if err != nil {
		return err
	}
	err = s.transact(ctx, "", "sign-up", []types.TransactWriteItem{hold, pending})
	if cancelled(err) {
		return switchboard.Errorf(switchboard.EConflict, "a sign-up of this address is already pending")
	}
	return err
}

// DeleteSignup removes the sign-up and its hold, the hold only if it is
// still this sign-up's.
func (s *Store) DeleteSignup(ctx context.Context, su switchboard.Signup) error {
	email, err := switchboard.NormalizeEmail(su.Email)
	if err != nil {
		return err
	}
	if err := s.delete(ctx, signupPK(su.TokenHash), signupSK); err != nil {
		return err
	}
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(signupEmailPK(email), signupEmailSK),
		ConditionExpression:       aws.String("TokenHash = :th"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":th": str(su.TokenHash)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release the sign-up hold: %w", err)
	}
	return nil
}

// PendingSignup treats used and expired sign-ups as missing.
func (s *Store) PendingSignup(ctx context.Context, tokenHash string) (switchboard.Signup, error) {
	var it signupItem
	found, err := s.getConsistent(ctx, signupPK(tokenHash), signupSK, &it)
	if err != nil {
		return switchboard.Signup{}, err
	}
	if !found || it.UsedAt != "" || s.now().Unix() >= it.ExpiresAt {
		return switchboard.Signup{}, switchboard.Errorf(switchboard.ENotFound, "sign-up not found")
	}
	return switchboard.Signup{TokenHash: tokenHash, Email: it.Email, Name: it.Name, AccountName: it.AccountName, TimeZone: it.TimeZone,
		LocationName: it.LocationName, PasswordHash: it.PasswordHash, CreatedAt: it.CreatedAt, ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC()}, nil
}

// CompleteSignup is one transaction: the sign-up is marked used (if still
// unused and unexpired), the account, its first location, the address's
// claim and the super admin are created, and the hold on the address is
// released. Of two verifications of one link only one passes.
func (s *Store) CompleteSignup(ctx context.Context, tokenHash string, a switchboard.Account, loc *switchboard.Location, u switchboard.User) error {
	notFound := switchboard.Errorf(switchboard.ENotFound, "sign-up not found")
	su, err := s.PendingSignup(ctx, tokenHash)
	if err != nil {
		return err
	}
	if a.ID == "" || u.AccountID != a.ID || u.Email != su.Email {
		return switchboard.Errorf(switchboard.EInvalid, "the account and user do not match the sign-up")
	}
	if _, err := switchboard.NormalizeTimeZone(a.TimeZone); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	now := s.now()
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(signupPK(tokenHash), signupSK),
		UpdateExpression:    aws.String("SET UsedAt = :now"),
		ConditionExpression: aws.String("attribute_exists(PK) AND attribute_not_exists(UsedAt) AND ExpiresAt > :epoch"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": str(now.UTC().Format(time.RFC3339Nano)), ":epoch": num(now.Unix()),
		},
	}}}
	puts := []any{accountItem{PK: accountPK(a.ID), SK: accountSK, Type: "account", Account: a}}
	if loc != nil {
		loc.AccountID = a.ID
		puts = append(puts, locationItem{PK: accountPK(a.ID), SK: locationSK(loc.ID), Type: "location", Location: *loc})
	}
	claimAt := len(items) + len(puts)
	puts = append(puts,
		emailItem{PK: emailPK(u.Email), SK: emailSK, Type: "email", AccountID: a.ID, UserID: u.ID},
		userItem{PK: accountPK(a.ID), SK: userSK(u.ID), Type: "user", User: u, PasswordHash: su.PasswordHash})
	for _, p := range puts {
		item, err := s.txPutNew(p)
		if err != nil {
			return err
		}
		items = append(items, item)
	}
	items = append(items, s.txDelete(signupEmailPK(u.Email), signupEmailSK, "", nil))
	err = s.transact(ctx, "", "sign-up of "+a.ID, items)
	switch {
	case refused(err, claimAt) && !refused(err, 0):
		// Told only to whoever holds the link, that is the address's owner.
		return switchboard.Errorf(switchboard.EConflict,
			"This email address already has a Switchboard account. Sign in with it, or reset its password.")
	case cancelled(err):
		return notFound
	}
	return err
}
