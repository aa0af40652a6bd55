package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.PasswordStore = (*Store)(nil)

type passwordResetItem struct {
	PK, SK, Type string
	AccountID    string
	UserID       string
	Email        string
	CreatedAt    time.Time
	ExpiresAt    int64  // epoch seconds: the table's TTL attribute
	UsedAt       string `dynamodbav:",omitempty"` // set once, by ResetPassword
}

// UserPassword reads the user item, hash included, consistently: a
// password just changed must be the one checked.
func (s *Store) UserPassword(ctx context.Context, accountID, userID string) (switchboard.User, string, error) {
	var it userItem
	found, err := s.getConsistent(ctx, accountPK(accountID), userSK(userID), &it)
	if err != nil {
		return switchboard.User{}, "", err
	}
	if !found {
		return switchboard.User{}, "", switchboard.Errorf(switchboard.ENotFound, "user not found")
	}
	return it.User, it.PasswordHash, nil
}

// CreatePasswordReset writes the reset under its token hash.
func (s *Store) CreatePasswordReset(ctx context.Context, r switchboard.PasswordReset) error {
	if r.TokenHash == "" || r.AccountID == "" || r.UserID == "" || r.ExpiresAt.IsZero() {
		return switchboard.Errorf(switchboard.EInvalid, "a password reset needs a token hash, a user and an expiry")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now().UTC()
	}
	return s.putNew(ctx, passwordResetItem{PK: passwordResetPK(r.TokenHash), SK: passwordResetSK, Type: "password-reset",
		AccountID: r.AccountID, UserID: r.UserID, Email: r.Email, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.Unix()}, "password reset")
}

// PendingPasswordReset treats used and expired resets as missing: TTL
// deletion lags in DynamoDB and never happens in DynamoDB Local.
func (s *Store) PendingPasswordReset(ctx context.Context, tokenHash string) (switchboard.PasswordReset, error) {
	var it passwordResetItem
	found, err := s.getConsistent(ctx, passwordResetPK(tokenHash), passwordResetSK, &it)
	if err != nil {
		return switchboard.PasswordReset{}, err
	}
	if !found || it.UsedAt != "" || s.now().Unix() >= it.ExpiresAt {
		return switchboard.PasswordReset{}, switchboard.Errorf(switchboard.ENotFound, "password reset not found")
	}
	return switchboard.PasswordReset{TokenHash: tokenHash, AccountID: it.AccountID, UserID: it.UserID, Email: it.Email,
		CreatedAt: it.CreatedAt, ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC()}, nil
}

// ResetPassword is one transaction: the reset is marked used (if still
// unused and unexpired) and its user, if still active, gets the new hash
// and a new session epoch, which ends every session they had.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (switchboard.User, error) {
	notFound := switchboard.Errorf(switchboard.ENotFound, "password reset not found")
	if passwordHash == "" {
		return switchboard.User{}, switchboard.Errorf(switchboard.EInvalid, "a password is required")
	}
	r, err := s.PendingPasswordReset(ctx, tokenHash)
	if err != nil {
		return switchboard.User{}, err
	}
	now := s.now()
	err = s.transact(ctx, "", "password reset of user "+r.UserID, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(passwordResetPK(tokenHash), passwordResetSK),
			UpdateExpression:    aws.String("SET UsedAt = :now"),
			ConditionExpression: aws.String("attribute_exists(PK) AND attribute_not_exists(UsedAt) AND ExpiresAt > :epoch"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": str(now.UTC().Format(time.RFC3339Nano)), ":epoch": num(now.Unix()),
			},
		}},
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(accountPK(r.AccountID), userSK(r.UserID)),
			UpdateExpression:          aws.String("SET PasswordHash = :hash ADD SessionEpoch :one"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND Active = :true"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":hash": str(passwordHash), ":one": num(1), ":true": boolean(true)},
		}},
	})
	if cancelled(err) {
		return switchboard.User{}, notFound
	}
	if err != nil {
		return switchboard.User{}, err
	}
	u, _, err := s.UserPassword(ctx, r.AccountID, r.UserID)
	return u, err
}

// ChangePassword is one transaction: the user's hash and epoch change only
// if the epoch is still seenEpoch, and the session kept moves to the new
// epoch with them, so that every other session ends and this one does not.
func (s *Store) ChangePassword(ctx context.Context, accountID, userID string, seenEpoch int, passwordHash, keepSession string) error {
	if passwordHash == "" || keepSession == "" {
		return switchboard.Errorf(switchboard.EInvalid, "a password and the session to keep are required")
	}
	cond := "attribute_exists(PK) AND Active = :true AND SessionEpoch = :seen"
	if seenEpoch == 0 {
		cond = "attribute_exists(PK) AND Active = :true AND (attribute_not_exists(SessionEpoch) OR SessionEpoch = :seen)"
	}
	err := s.transact(ctx, "", "password change of user "+userID, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(accountPK(accountID), userSK(userID)),
			UpdateExpression:    aws.String("SET PasswordHash = :hash ADD SessionEpoch :one"),
			ConditionExpression: aws.String(cond),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":hash": str(passwordHash), ":one": num(1), ":true": boolean(true), ":seen": num(seenEpoch),
			},
		}},
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(sessionPK(keepSession), sessionSK),
			UpdateExpression:          aws.String("SET Epoch = :next"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND UserID = :user"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":next": num(seenEpoch + 1), ":user": str(userID)},
		}},
	})
	if cancelled(err) {
		return switchboard.Errorf(switchboard.EConflict, "Your sessions or your password changed meanwhile; sign in again and retry.")
	}
	if err != nil {
		return fmt.Errorf("change the password of user %s: %w", userID, err)
	}
	return nil
}
