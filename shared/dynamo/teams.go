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

// teamNameItem claims a name for one team of the account. It is written,
// moved and deleted in the same transaction as the team's name, so it
// always names a team that holds the name.
type teamNameItem struct {
	PK, SK, Type string
	TeamID       string
}

func (s *Store) teamNameClaim(accountID, name, teamID string) (types.TransactWriteItem, error) {
	return s.txPutNew(teamNameItem{PK: accountPK(accountID), SK: teamNameSK(switchboard.TeamNameKey(name)), Type: "teamname", TeamID: teamID})
}

func (s *Store) teamNameRelease(accountID, name, teamID string) types.TransactWriteItem {
	return s.txDelete(accountPK(accountID), teamNameSK(switchboard.TeamNameKey(name)), "TeamID = :id", map[string]types.AttributeValue{":id": str(teamID)})
}

// CreateTeam writes the team and the claim on its name in one transaction.
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
	claim, err := s.teamNameClaim(t.AccountID, t.Name, t.ID)
	if err != nil {
		return err
	}
	team, err := s.txPutNew(teamItem{PK: accountPK(t.AccountID), SK: teamSK(t.ID), Type: "team", ID: t.ID, AccountID: t.AccountID,
		Name: t.Name, MemberIDs: t.MemberIDs, CreatedAt: t.CreatedAt})
	if err != nil {
		return err
	}
	err = s.transact(ctx, "", "team "+t.ID, []types.TransactWriteItem{claim, team})
	switch {
	case refused(err, 0):
		return switchboard.Errorf(switchboard.EConflict, "A team named %q already exists.", t.Name)
	case refused(err, 1):
		return switchboard.Errorf(switchboard.EConflict, "team %s already exists", t.ID)
	}
	return err
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

// RenameTeam renames the team if its name is still the one read
// (optimistic concurrency), moving its name's claim in the same
// transaction.
func (s *Store) RenameTeam(ctx context.Context, accountID, teamID, name string) (switchboard.Team, error) {
	name, err := switchboard.NormalizeTeamName(name)
	if err != nil {
		return switchboard.Team{}, err
	}
	cur, err := s.GetTeam(ctx, accountID, teamID)
	if err != nil || cur.Name == name {
		return cur, err
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(accountPK(accountID), teamSK(teamID)),
		UpdateExpression:         aws.String("SET #name = :new"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #name = :old"),
		ExpressionAttributeNames: map[string]string{"#name": "Name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":new": str(name), ":old": str(cur.Name),
		},
	}}}
	if switchboard.TeamNameKey(cur.Name) != switchboard.TeamNameKey(name) { // else only the case changes
		claim, err := s.teamNameClaim(accountID, name, teamID)
		if err != nil {
			return switchboard.Team{}, err
		}
		items = append(items, claim, s.teamNameRelease(accountID, cur.Name, teamID))
	}
	err = s.transact(ctx, "", "team "+teamID, items)
	switch {
	case refused(err, 0):
		if _, gerr := s.GetTeam(ctx, accountID, teamID); gerr != nil {
			return switchboard.Team{}, gerr
		}
		return switchboard.Team{}, switchboard.Errorf(switchboard.EConflict, "This team was changed meanwhile; reload and try again.")
	case refused(err, 1):
		return switchboard.Team{}, switchboard.Errorf(switchboard.EConflict, "A team named %q already exists.", name)
	case err != nil:
		return switchboard.Team{}, err
	}
	return s.GetTeam(ctx, accountID, teamID)
}

// DeleteTeam deletes the team and the claim on its name in one
// transaction, if the team still has the name read.
func (s *Store) DeleteTeam(ctx context.Context, accountID, teamID string) error {
	for range 3 {
		cur, err := s.GetTeam(ctx, accountID, teamID)
		if err != nil {
			return err
		}
		team := s.txDelete(accountPK(accountID), teamSK(teamID), "#name = :name", map[string]types.AttributeValue{":name": str(cur.Name)})
		team.Delete.ExpressionAttributeNames = map[string]string{"#name": "Name"}
		err = s.transact(ctx, "", "team "+teamID, []types.TransactWriteItem{team, s.teamNameRelease(accountID, cur.Name, teamID)})
		if !refused(err, 0) {
			return err
		}
		// Renamed or deleted meanwhile: read it again.
	}
	return switchboard.Errorf(switchboard.EConflict, "This team kept changing; reload and try again.")
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
