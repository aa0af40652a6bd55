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

var _ switchboard.TeamStore = (*Store)(nil)

// teamItem keeps members as a string set, so that adding and removing one
// are single ADD and DELETE updates that never lose a concurrent change.
type teamItem struct {
	PK, SK, Type string
	ID           string
	AccountID    string
	Name         string
	MemberIDs    []string `dynamodbav:",stringset,omitempty"` // DynamoDB has no empty sets
	CreatedAt    time.Time
}

func (it teamItem) team() switchboard.Team {
	members := slices.Clone(it.MemberIDs)
	if members == nil {
		members = []string{}
	}
	slices.Sort(members)
	return switchboard.Team{ID: it.ID, AccountID: it.AccountID, Name: it.Name, MemberIDs: members, CreatedAt: it.CreatedAt}
}

// teamNameItem claims a name for one team of the account.
type teamNameItem struct {
	PK, SK, Type string
	TeamID       string
	ClaimedAt    time.Time
}

// claimGrace is how long a claim whose team does not hold the name is taken
// to belong to a write still in progress; after that it is left over from a
// write that failed half-way, and another team may take the name.
const claimGrace = time.Minute

// CreateTeam claims the name, then writes the team; if the team write fails
// the claim is released.
func (s *Store) CreateTeam(ctx context.Context, t switchboard.Team) error {
	name, err := switchboard.NormalizeTeamName(t.Name)
	if err != nil {
		return err
	}
	t.Name = name
	t.MemberIDs = slices.Compact(slices.Sorted(slices.Values(t.MemberIDs)))
	if err := t.Validate(); err != nil {
		return err
	}
	for _, id := range t.MemberIDs {
		if _, err := s.GetUser(ctx, t.AccountID, id); err != nil {
			return err
		}
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now().UTC()
	}
	if err := s.claimTeamName(ctx, t.AccountID, t.Name, t.ID); err != nil {
		return err
	}
	item := teamItem{PK: accountPK(t.AccountID), SK: teamSK(t.ID), Type: "team", ID: t.ID, AccountID: t.AccountID,
		Name: t.Name, MemberIDs: t.MemberIDs, CreatedAt: t.CreatedAt}
	if err := s.putNew(ctx, item, "team "+t.ID); err != nil {
		if rerr := s.releaseTeamName(context.WithoutCancel(ctx), t.AccountID, t.Name, t.ID); rerr != nil {
			return fmt.Errorf("%w (and releasing the name failed: %v)", err, rerr)
		}
		return err
	}
	return nil
}

// claimTeamName makes name teamID's in the account, or answers EConflict.
func (s *Store) claimTeamName(ctx context.Context, accountID, name, teamID string) error {
	taken := switchboard.Errorf(switchboard.EConflict, "A team named %q already exists.", name)
	claim := teamNameItem{PK: accountPK(accountID), SK: teamNameSK(switchboard.TeamNameKey(name)), Type: "teamname", TeamID: teamID, ClaimedAt: s.now().UTC()}
	av, err := attributevalue.MarshalMap(claim)
	if err != nil {
		return fmt.Errorf("marshal team name: %w", err)
	}
	put := func(cond string, vals map[string]types.AttributeValue) error {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table), Item: av,
			ConditionExpression: aws.String(cond), ExpressionAttributeValues: vals,
		})
		if isConditionFailed(err) {
			return taken
		}
		if err != nil {
			return fmt.Errorf("claim team name: %w", err)
		}
		return nil
	}
	err = put("attribute_not_exists(PK)", nil)
	if switchboard.ErrorCode(err) != switchboard.EConflict {
		return err
	}
	var held teamNameItem
	found, err := s.getConsistent(ctx, claim.PK, claim.SK, &held)
	switch {
	case err != nil:
		return err
	case !found:
		return put("attribute_not_exists(PK)", nil) // released meanwhile
	case held.TeamID == teamID:
		return nil
	}
	var owner teamItem
	ownerFound, err := s.getConsistent(ctx, claim.PK, teamSK(held.TeamID), &owner)
	if err != nil {
		return err
	}
	if (ownerFound && switchboard.TeamNameKey(owner.Name) == switchboard.TeamNameKey(name)) || s.now().Sub(held.ClaimedAt) < claimGrace {
		return taken
	}
	return put("TeamID = :held", map[string]types.AttributeValue{":held": str(held.TeamID)})
}

// releaseTeamName deletes the claim on name if teamID still holds it.
func (s *Store) releaseTeamName(ctx context.Context, accountID, name, teamID string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), teamNameSK(switchboard.TeamNameKey(name))),
		ConditionExpression:       aws.String("TeamID = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(teamID)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release team name: %w", err)
	}
	return nil
}

// GetTeam reads one team of the account.
func (s *Store) GetTeam(ctx context.Context, accountID, teamID string) (switchboard.Team, error) {
	var it teamItem
	found, err := s.get(ctx, accountPK(accountID), teamSK(teamID), &it)
	if err != nil {
		return switchboard.Team{}, err
	}
	if !found {
		return switchboard.Team{}, switchboard.Errorf(switchboard.ENotFound, "team not found")
	}
	return it.team(), nil
}

// ListTeams queries the account's partition for its teams.
func (s *Store) ListTeams(ctx context.Context, accountID string) ([]switchboard.Team, error) {
	items, err := queryAll[teamItem](ctx, s, s.prefixQuery(accountPK(accountID), teamSKPrefix), "teams")
	if err != nil {
		return nil, err
	}
	teams := make([]switchboard.Team, 0, len(items))
	for _, it := range items {
		teams = append(teams, it.team())
	}
	slices.SortFunc(teams, func(a, b switchboard.Team) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return teams, nil
}

// RenameTeam claims the new name, renames the team if its name is still the
// one read (optimistic concurrency), then releases the old name.
func (s *Store) RenameTeam(ctx context.Context, accountID, teamID, name string) (switchboard.Team, error) {
	name, err := switchboard.NormalizeTeamName(name)
	if err != nil {
		return switchboard.Team{}, err
	}
	cur, err := s.GetTeam(ctx, accountID, teamID)
	if err != nil || cur.Name == name {
		return cur, err
	}
	sameKey := switchboard.TeamNameKey(cur.Name) == switchboard.TeamNameKey(name)
	if err := s.claimTeamName(ctx, accountID, name, teamID); err != nil {
		return switchboard.Team{}, err
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), teamSK(teamID)),
		UpdateExpression:         aws.String("SET #name = :new"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #name = :old"),
		ExpressionAttributeNames: map[string]string{"#name": "Name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":new": str(name), ":old": str(cur.Name),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		if !sameKey {
			if rerr := s.releaseTeamName(context.WithoutCancel(ctx), accountID, name, teamID); rerr != nil {
				return switchboard.Team{}, fmt.Errorf("rename team: %w (and releasing the name failed: %v)", err, rerr)
			}
		}
		if !isConditionFailed(err) {
			return switchboard.Team{}, fmt.Errorf("rename team %s: %w", teamID, err)
		}
		if _, gerr := s.GetTeam(ctx, accountID, teamID); gerr != nil {
			return switchboard.Team{}, gerr
		}
		return switchboard.Team{}, switchboard.Errorf(switchboard.EConflict, "This team was changed meanwhile; reload and try again.")
	}
	if !sameKey {
		if err := s.releaseTeamName(ctx, accountID, cur.Name, teamID); err != nil {
			return switchboard.Team{}, err
		}
	}
	return teamFromAttributes(out.Attributes)
}

// DeleteTeam deletes the team, then releases its name.
func (s *Store) DeleteTeam(ctx context.Context, accountID, teamID string) error {
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), teamSK(teamID)),
		ConditionExpression: aws.String("attribute_exists(PK)"),
		ReturnValues:        types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return switchboard.Errorf(switchboard.ENotFound, "team not found")
	}
	if err != nil {
		return fmt.Errorf("delete team %s: %w", teamID, err)
	}
	old, err := teamFromAttributes(out.Attributes)
	if err != nil {
		return err
	}
	return s.releaseTeamName(ctx, accountID, old.Name, teamID)
}

// AddTeamMember checks the user belongs to the account, then adds them to
// the set; the condition keeps the set within MaxTeamMembers.
func (s *Store) AddTeamMember(ctx context.Context, accountID, teamID, userID string) (switchboard.Team, error) {
	if _, err := s.GetUser(ctx, accountID, userID); err != nil {
		return switchboard.Team{}, err
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), teamSK(teamID)),
		UpdateExpression:    aws.String("ADD MemberIDs :ids"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(MemberIDs) OR size(MemberIDs) < :max OR contains(MemberIDs, :id))"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ids": &types.AttributeValueMemberSS{Value: []string{userID}}, ":id": str(userID),
			":max": num(switchboard.MaxTeamMembers),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		if _, gerr := s.GetTeam(ctx, accountID, teamID); gerr != nil {
			return switchboard.Team{}, gerr
		}
		return switchboard.Team{}, switchboard.Errorf(switchboard.EConflict, "A team has at most %d members.", switchboard.MaxTeamMembers)
	}
	if err != nil {
		return switchboard.Team{}, fmt.Errorf("add member to team %s: %w", teamID, err)
	}
	return teamFromAttributes(out.Attributes)
}

// RemoveTeamMember deletes the user from the set if they are in it.
func (s *Store) RemoveTeamMember(ctx context.Context, accountID, teamID, userID string) (switchboard.Team, error) {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), teamSK(teamID)),
		UpdateExpression:    aws.String("DELETE MemberIDs :ids"),
		ConditionExpression: aws.String("attribute_exists(PK) AND contains(MemberIDs, :id)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ids": &types.AttributeValueMemberSS{Value: []string{userID}}, ":id": str(userID),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		if _, gerr := s.GetTeam(ctx, accountID, teamID); gerr != nil {
			return switchboard.Team{}, gerr
		}
		return switchboard.Team{}, switchboard.Errorf(switchboard.ENotFound, "This user is not a member of the team.")
	}
	if err != nil {
		return switchboard.Team{}, fmt.Errorf("remove member from team %s: %w", teamID, err)
	}
	return teamFromAttributes(out.Attributes)
}

func teamFromAttributes(av map[string]types.AttributeValue) (switchboard.Team, error) {
	var it teamItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return switchboard.Team{}, fmt.Errorf("unmarshal team: %w", err)
	}
	return it.team(), nil
}
