package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

var _ switchboard.LocationStore = (*Store)(nil)

// CreateLocation writes the location only while its account exists (a
// condition check in the same transaction) and its key is free.
func (s *Store) CreateLocation(ctx context.Context, l switchboard.Location) error {
	if l.ID == "" || l.AccountID == "" || strings.TrimSpace(l.Name) == "" {
		return switchboard.Errorf(switchboard.EInvalid, "a location needs an id, an account and a name")
	}
	loc, err := s.txPutNew(locationItem{PK: accountPK(l.AccountID), SK: locationSK(l.ID), Type: "location", Location: l})
	if err != nil {
		return err
	}
	err = s.transact(ctx, "", "location "+l.ID, []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.table), Key: key(accountPK(l.AccountID), accountSK),
			ConditionExpression: aws.String("attribute_exists(PK)")}},
		loc,
	})
	switch {
	case refused(err, 0):
		return switchboard.Errorf(switchboard.ENotFound, "account not found")
	case refused(err, 1):
		return switchboard.Errorf(switchboard.EConflict, "location %s already exists", l.ID)
	}
	return err
}

// UpdateLocation sets the changed attributes of an existing location.
func (s *Store) UpdateLocation(ctx context.Context, accountID, locationID string, changes switchboard.LocationChanges) (switchboard.Location, error) {
	changes, err := changes.Normalize()
	if err != nil {
		return switchboard.Location{}, err
	}
	var sets []string
	names := map[string]string{}
	vals := map[string]types.AttributeValue{}
	if changes.Name != nil {
		sets, names["#n"], vals[":name"] = append(sets, "#n = :name"), "Name", str(*changes.Name)
	}
	if changes.TimeZone != nil {
		sets, names["#tz"], vals[":tz"] = append(sets, "#tz = :tz"), "TimeZone", str(*changes.TimeZone)
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), locationSK(locationID)),
		UpdateExpression:         aws.String("SET " + strings.Join(sets, ", ")),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return switchboard.Location{}, switchboard.Errorf(switchboard.ENotFound, "location not found")
	}
	if err != nil {
		return switchboard.Location{}, fmt.Errorf("update location %s: %w", locationID, err)
	}
	var it locationItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return switchboard.Location{}, fmt.Errorf("unmarshal location: %w", err)
	}
	return it.Location, nil
}
