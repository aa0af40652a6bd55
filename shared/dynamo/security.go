package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.SecurityLog = (*Store)(nil)

type securityItem struct {
	PK, SK, Type string
	ID           string
	AccountID    string
	EventType    string
	UserID       string `dynamodbav:",omitempty"`
	ActorUserID  string `dynamodbav:",omitempty"`
	Email        string `dynamodbav:",omitempty"`
	Detail       string `dynamodbav:",omitempty"`
	At           time.Time
	Succeeded    int   `dynamodbav:",omitempty"`
	Failed       int   `dynamodbav:",omitempty"`
	ExpiresAt    int64 // epoch seconds: the table's TTL attribute
}

func (it securityItem) event() switchboard.SecurityEvent {
	return switchboard.SecurityEvent{ID: it.ID, AccountID: it.AccountID, Type: switchboard.SecurityEventType(it.EventType),
		UserID: it.UserID, ActorUserID: it.ActorUserID, Email: it.Email, Detail: it.Detail, At: it.At,
		Succeeded: it.Succeeded, Failed: it.Failed}
}

// RecordSecurityEvent puts the entry under its time and id, so that a
// retried write replaces itself.
func (s *Store) RecordSecurityEvent(ctx context.Context, e switchboard.SecurityEvent) error {
	if e.AccountID == "" || !e.Type.Valid() || e.Type == switchboard.SecuritySignIns {
		return switchboard.Errorf(switchboard.EInvalid, "a security event needs an account and a known type other than signins")
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	if e.ID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
		e.ID = "sec_" + hex.EncodeToString(b[:])
	}
	e.At = e.At.UTC()
	err := s.putNew(ctx, securityItem{PK: securityLogPK(e.AccountID), SK: securitySK(e.At, e.ID), Type: "security-event",
		ID: e.ID, AccountID: e.AccountID, EventType: string(e.Type), UserID: e.UserID, ActorUserID: e.ActorUserID,
		Email: e.Email, Detail: e.Detail, At: e.At, ExpiresAt: e.At.Add(switchboard.SecurityLogRetention).Unix()}, "security event")
	if switchboard.ErrorCode(err) == switchboard.EConflict {
		return nil // a retry of a write that landed
	}
	return err
}

// CountSignIn adds to the day's counts with ADD: concurrent sign-ins never
// lose one.
func (s *Store) CountSignIn(ctx context.Context, accountID, userID, email string, at time.Time, succeeded bool) error {
	day := at.UTC().Truncate(24 * time.Hour)
	counter := "Failed"
	if succeeded {
		counter = "Succeeded"
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(securityLogPK(accountID), securitySignInsSK(day, userID)),
		UpdateExpression: aws.String("ADD #c :one SET #t = :type, ID = :id, AccountID = :account, EventType = :et, UserID = :user, " +
			"Email = :email, #at = :at, ExpiresAt = :exp"),
		ExpressionAttributeNames: map[string]string{"#c": counter, "#t": "Type", "#at": "At"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": num(1), ":type": str("security-event"), ":id": str("signins-" + day.Format("2006-01-02") + "-" + userID),
			":account": str(accountID), ":et": str(string(switchboard.SecuritySignIns)), ":user": str(userID), ":email": str(email),
			":at": str(day.Format(time.RFC3339Nano)), ":exp": num(day.Add(switchboard.SecurityLogRetention).Unix()),
		},
	})
	if err != nil {
		return fmt.Errorf("count a sign-in of user %s: %w", userID, err)
	}
	return nil
}

// ListSecurityEvents reads the account's log backwards; a filter is a
// FilterExpression, and filledPage keeps reading until the page is full.
func (s *Store) ListSecurityEvents(ctx context.Context, accountID string, f switchboard.SecurityFilter, p switchboard.PageRequest) (switchboard.SecurityPage, error) {
	if f.Type != "" && !f.Type.Valid() {
		return switchboard.SecurityPage{}, switchboard.Errorf(switchboard.EInvalid, "type is not a security log entry type")
	}
	pk := securityLogPK(accountID)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(securitySKPrefix)},
		ScanIndexForward:          aws.Bool(false),
	}
	var conds []string
	if f.Type != "" {
		conds = append(conds, "EventType = :et")
		in.ExpressionAttributeValues[":et"] = str(string(f.Type))
	}
	if f.UserID != "" {
		conds = append(conds, "(UserID = :user OR ActorUserID = :user)")
		in.ExpressionAttributeValues[":user"] = str(f.UserID)
	}
	if len(conds) > 0 {
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
	}
	items, next, err := filledPage[securityItem](ctx, s, in, p, []string{"PK", "SK"},
		func(c map[string]string) bool { return c["PK"] == pk && strings.HasPrefix(c["SK"], securitySKPrefix) }, "security log")
	if err != nil {
		return switchboard.SecurityPage{}, err
	}
	page := switchboard.SecurityPage{Events: make([]switchboard.SecurityEvent, 0, len(items)), NextCursor: next}
	for _, it := range items {
		page.Events = append(page.Events, it.event())
	}
	return page, nil
}
