package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var (
	_ switchboard.UserDirectory   = (*Store)(nil)
	_ switchboard.InvitationStore = (*Store)(nil)
)

// directoryItem reads a user item with the flag invitations add to it. The
// flag is removed when the invitation is accepted.
type directoryItem struct {
	userItem
	InvitePending bool `dynamodbav:",omitempty"`
	// InviteTokenHash finds the pending invitation, to revoke it.
	InviteTokenHash string `dynamodbav:",omitempty"`
	InviteExpiresAt int64  `dynamodbav:",omitempty"` // epoch seconds
}

func (it directoryItem) directoryUser() switchboard.DirectoryUser {
	status := switchboard.UserDeactivated
	switch {
	case it.InvitePending:
		status = switchboard.UserInvited
	case it.Active:
		status = switchboard.UserActive
	}
	du := switchboard.DirectoryUser{User: it.User, Status: status}
	if it.InvitePending && it.InviteExpiresAt > 0 {
		at := time.Unix(it.InviteExpiresAt, 0).UTC()
		du.InvitationExpiresAt = &at
	}
	return du
}

type invitationItem struct {
	PK, SK, Type string
	AccountID    string
	UserID       string
	Email        string
	InvitedBy    string
	CreatedAt    time.Time
	ExpiresAt    int64  // epoch seconds: the table's TTL attribute
	UsedAt       string `dynamodbav:",omitempty"` // set once, by AcceptInvitation
}

// ListUsers reads the account's users with a consistent read, since
// UpdateUser looks for another super admin in it.
func (s *Store) ListUsers(ctx context.Context, accountID string) ([]switchboard.DirectoryUser, error) {
	in := s.prefixQuery(accountPK(accountID), userSKPrefix)
	in.ConsistentRead = aws.Bool(true)
	items, err := queryAll[directoryItem](ctx, s, in, "users")
	if err != nil {
		return nil, err
	}
	users := make([]switchboard.DirectoryUser, 0, len(items))
	for _, it := range items {
		users = append(users, it.directoryUser())
	}
	slices.SortFunc(users, func(a, b switchboard.DirectoryUser) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Email, b.Email))
	})
	return users, nil
}

// GetDirectoryUser reads one user of the account.
func (s *Store) GetDirectoryUser(ctx context.Context, accountID, userID string) (switchboard.DirectoryUser, error) {
	var it directoryItem
	found, err := s.get(ctx, accountPK(accountID), userSK(userID), &it)
	if err != nil {
		return switchboard.DirectoryUser{}, err
	}
	if !found {
		return switchboard.DirectoryUser{}, switchboard.Errorf(switchboard.ENotFound, "user not found")
	}
	return it.directoryUser(), nil
}

// UpdateUser writes the changes only if the user still looks as seen.
//
// A change that takes away an active super admin is one transaction: the
// user's write, and a check that another user, read as an active super
// admin, still is one. Of two super admins demoting each other at once,
// the transaction that commits second finds its check failing.
func (s *Store) UpdateUser(ctx context.Context, accountID string, seen switchboard.DirectoryUser, changes switchboard.UserChanges) (switchboard.DirectoryUser, error) {
	if changes.Role != nil && !changes.Role.Valid() {
		return switchboard.DirectoryUser{}, switchboard.Errorf(switchboard.EInvalid, "role must be super_admin, admin or member")
	}
	after := changes.Apply(seen.User)
	pending := seen.Status == switchboard.UserInvited
	if !changes.RemovesSuperAdmin(seen.User) {
		return s.setRoleAndActive(ctx, accountID, seen.ID, seen.User, pending, after)
	}
	users, err := s.ListUsers(ctx, accountID)
	if err != nil {
		return switchboard.DirectoryUser{}, err
	}
	other := ""
	for _, u := range users {
		if u.ID != seen.ID && u.Role == switchboard.RoleSuperAdmin && u.Status == switchboard.UserActive {
			other = u.ID
			break
		}
	}
	if other == "" {
		return switchboard.DirectoryUser{}, switchboard.Errorf(switchboard.EConflict,
			"%s is the last active super admin; make someone else super admin first.", seen.Name)
	}
	update := s.roleUpdate(accountID, seen.ID, seen.User, pending, after)
	check := &types.ConditionCheck{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), userSK(other)),
		ConditionExpression:      aws.String("#role = :super AND Active = :true AND (attribute_not_exists(InvitePending) OR InvitePending = :false)"),
		ExpressionAttributeNames: map[string]string{"#role": "Role"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":super": str(string(switchboard.RoleSuperAdmin)), ":true": boolean(true), ":false": boolean(false),
		},
	}
	err = s.transact(ctx, "", "user "+seen.ID, []types.TransactWriteItem{
		{Update: &types.Update{TableName: update.TableName, Key: update.Key, UpdateExpression: update.UpdateExpression,
			ConditionExpression: update.ConditionExpression, ExpressionAttributeNames: update.ExpressionAttributeNames,
			ExpressionAttributeValues: update.ExpressionAttributeValues}},
		{ConditionCheck: check},
	})
	switch {
	case refused(err, 0):
		return s.userChanged(ctx, accountID, seen.ID)
	case refused(err, 1):
		return switchboard.DirectoryUser{}, switchboard.Errorf(switchboard.EConflict,
			"Another change to this account's super admins happened at the same time; reload and try again.")
	case err != nil:
		return switchboard.DirectoryUser{}, err
	}
	return s.GetDirectoryUser(ctx, accountID, seen.ID)
}

// roleUpdate moves a user from the role and active flag of from to those
// of to, only if the item still holds from's (and is still invited, or
// not, as pending says).
func (s *Store) roleUpdate(accountID, userID string, from switchboard.User, pending bool, to switchboard.User) *dynamodb.UpdateItemInput {
	cond := "attribute_exists(PK) AND #role = :fromRole AND Active = :fromActive AND "
	if pending {
		cond += "InvitePending = :pending"
	} else {
		cond += "(attribute_not_exists(InvitePending) OR InvitePending = :pending)"
	}
	update := "SET #role = :role, Active = :active"
	vals := map[string]types.AttributeValue{
		":role": str(string(to.Role)), ":active": boolean(to.Active),
		":fromRole": str(string(from.Role)), ":fromActive": boolean(from.Active),
		":pending": boolean(pending),
	}
	if from.Active && !to.Active {
		// Deactivation ends every session of the user in the same write:
		// sessions of an older epoch no longer authenticate, and
		// reactivation does not bring the epoch back.
		update += " ADD SessionEpoch :one"
		vals[":one"] = num(1)
	}
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), userSK(userID)),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#role": "Role"},
		ExpressionAttributeValues: vals,
	}
}

// userChanged is the error of a write refused because the user is not as
// seen: gone, or changed.
func (s *Store) userChanged(ctx context.Context, accountID, userID string) (switchboard.DirectoryUser, error) {
	if _, err := s.GetDirectoryUser(ctx, accountID, userID); err != nil {
		return switchboard.DirectoryUser{}, err
	}
	return switchboard.DirectoryUser{}, switchboard.Errorf(switchboard.EConflict, "This user was changed meanwhile; reload and try again.")
}

// setRoleAndActive writes roleUpdate on its own.
func (s *Store) setRoleAndActive(ctx context.Context, accountID, userID string, from switchboard.User, pending bool, to switchboard.User) (switchboard.DirectoryUser, error) {
	in := s.roleUpdate(accountID, userID, from, pending, to)
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.client.UpdateItem(ctx, in)
	if isConditionFailed(err) {
		return s.userChanged(ctx, accountID, userID)
	}
	if err != nil {
		return switchboard.DirectoryUser{}, fmt.Errorf("update user %s: %w", userID, err)
	}
	var it directoryItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return switchboard.DirectoryUser{}, fmt.Errorf("unmarshal user: %w", err)
	}
	return it.directoryUser(), nil
}

// getConsistent is get with a strongly consistent read.
func (s *Store) getConsistent(ctx context.Context, pk, sk string, out any) (bool, error) {
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true),
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

// InviteUser writes the invited user and the invitation in one transaction.
// It claims no email address: an invitation must not keep another account
// from using the address, and whether the address has a user elsewhere is
// none of the inviter's business. The claim is made when the invitation is
// accepted. Only the account's own users are checked for the address.
func (s *Store) InviteUser(ctx context.Context, u switchboard.User, passwordHash string, inv switchboard.Invitation) error {
	email, err := switchboard.NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email, u.Active = email, false
	if err := u.Validate(); err != nil {
		return err
	}
	if passwordHash == "" || inv.TokenHash == "" || inv.ExpiresAt.IsZero() {
		return switchboard.Errorf(switchboard.EInvalid, "an invitation needs a token hash, an expiry and a password hash")
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now().UTC()
	}
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = u.CreatedAt
	}
	users, err := s.ListUsers(ctx, u.AccountID)
	if err != nil {
		return err
	}
	for _, other := range users {
		if other.Email == email {
			return switchboard.Errorf(switchboard.EConflict, "%s is already a user of your account (%s).", email, other.Status)
		}
	}
	user, err := s.txPutNew(directoryItem{
		userItem:      userItem{PK: accountPK(u.AccountID), SK: userSK(u.ID), Type: "user", User: u, PasswordHash: passwordHash},
		InvitePending: true, InviteTokenHash: inv.TokenHash, InviteExpiresAt: inv.ExpiresAt.Unix(),
	})
	if err != nil {
		return err
	}
	invitation, err := s.txPutNew(invitationItem{
		PK: invitationPK(inv.TokenHash), SK: invitationSK, Type: "invitation",
		AccountID: u.AccountID, UserID: u.ID, Email: email, InvitedBy: inv.InvitedBy,
		CreatedAt: inv.CreatedAt.UTC(), ExpiresAt: inv.ExpiresAt.Unix(),
	})
	if err != nil {
		return err
	}
	err = s.transact(ctx, "", "invitation of user "+u.ID, []types.TransactWriteItem{user, invitation})
	if cancelled(err) {
		return switchboard.Errorf(switchboard.EConflict, "user %s or its invitation already exists", u.ID)
	}
	return err
}

// RevokeInvitation deletes an invited user and their invitation in one
// transaction, only while the user is still invited.
func (s *Store) RevokeInvitation(ctx context.Context, accountID, userID string) error {
	notFound := switchboard.Errorf(switchboard.ENotFound, "no pending invitation for this user")
	var it directoryItem
	found, err := s.getConsistent(ctx, accountPK(accountID), userSK(userID), &it)
	if err != nil {
		return err
	}
	if !found || !it.InvitePending {
		return notFound
	}
	items := []types.TransactWriteItem{s.txDelete(accountPK(accountID), userSK(userID), "InvitePending = :true", map[string]types.AttributeValue{":true": boolean(true)})}
	if it.InviteTokenHash != "" {
		items = append(items, s.txDelete(invitationPK(it.InviteTokenHash), invitationSK, "", nil))
	}
	err = s.transact(ctx, "", "revocation of the invitation of user "+userID, items)
	if cancelled(err) {
		return notFound // accepted or revoked meanwhile
	}
	return err
}

// PendingInvitation treats used and expired invitations as missing: TTL
// deletion lags in DynamoDB and never happens in DynamoDB Local.
func (s *Store) PendingInvitation(ctx context.Context, tokenHash string) (switchboard.Invitation, error) {
	var it invitationItem
	found, err := s.getConsistent(ctx, invitationPK(tokenHash), invitationSK, &it)
	if err != nil {
		return switchboard.Invitation{}, err
	}
	if !found || it.UsedAt != "" || s.now().Unix() >= it.ExpiresAt {
		return switchboard.Invitation{}, switchboard.Errorf(switchboard.ENotFound, "invitation not found")
	}
	return switchboard.Invitation{
		TokenHash: tokenHash, AccountID: it.AccountID, UserID: it.UserID, Email: it.Email, InvitedBy: it.InvitedBy,
		CreatedAt: it.CreatedAt, ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
	}, nil
}

// AcceptInvitation is one transaction: the invitation is marked used (if
// still unused and unexpired), the email address is claimed (if free, or
// already this user's: invitations from before claims moved to acceptance),
// and the user activated (if still invited). Of two acceptances only one
// passes, and nothing is half done.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash, passwordHash string) (switchboard.DirectoryUser, error) {
	notFound := switchboard.Errorf(switchboard.ENotFound, "invitation not found")
	if passwordHash == "" {
		return switchboard.DirectoryUser{}, switchboard.Errorf(switchboard.EInvalid, "a password is required")
	}
	inv, err := s.PendingInvitation(ctx, tokenHash)
	if err != nil {
		return switchboard.DirectoryUser{}, err
	}
	now := s.now()
	claim, err := s.txPut(emailItem{PK: emailPK(inv.Email), SK: emailSK, Type: "email", AccountID: inv.AccountID, UserID: inv.UserID},
		"attribute_not_exists(PK) OR (AccountID = :account AND UserID = :user)",
		map[string]types.AttributeValue{":account": str(inv.AccountID), ":user": str(inv.UserID)})
	if err != nil {
		return switchboard.DirectoryUser{}, err
	}
	err = s.transact(ctx, "", "acceptance of the invitation of user "+inv.UserID, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(invitationPK(tokenHash), invitationSK),
			UpdateExpression:    aws.String("SET UsedAt = :now"),
			ConditionExpression: aws.String("attribute_exists(PK) AND attribute_not_exists(UsedAt) AND ExpiresAt > :epoch"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": str(now.UTC().Format(time.RFC3339Nano)), ":epoch": num(now.Unix()),
			},
		}},
		claim,
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(accountPK(inv.AccountID), userSK(inv.UserID)),
			UpdateExpression:          aws.String("SET Active = :true, PasswordHash = :hash REMOVE InvitePending, InviteTokenHash, InviteExpiresAt"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND InvitePending = :true"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":true": boolean(true), ":hash": str(passwordHash)},
		}},
	})
	if refused(err, 1) && !refused(err, 0) && !refused(err, 2) {
		// The invitee holds the link, so the address is theirs: telling
		// them it has an account already reveals nothing to anyone else.
		return switchboard.DirectoryUser{}, switchboard.Errorf(switchboard.EConflict,
			"This email address already has a Switchboard account. Sign in with it, or ask to be invited with another address.")
	}
	if cancelled(err) {
		return switchboard.DirectoryUser{}, notFound
	}
	if err != nil {
		return switchboard.DirectoryUser{}, err
	}
	return s.GetDirectoryUser(ctx, inv.AccountID, inv.UserID)
}
