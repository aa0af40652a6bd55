package api

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Every team route reads the team through the caller's account, so another
// account's team is not found (404), never forbidden: a 403 would confirm
// that the id exists. Members are refused before any lookup, for the same
// reason.

// ListTeams serves GET /admin/v1/teams for every role.
func ListTeams(teams switchboard.TeamStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, _ apigw.Request) (apigw.Response, error) {
		list, err := teams.ListTeams(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, map[string]any{"teams": list})
	}
}

// teamNameBody is the body of create and rename.
type teamNameBody struct {
	Name string `json:"name"`
}

// CreateTeam serves POST /admin/v1/teams {"name"}.
func CreateTeam(teams switchboard.TeamStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		var in teamNameBody
		if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
			return apigw.Response{}, err
		}
		name, err := switchboard.NormalizeTeamName(in.Name)
		if err != nil {
			return apigw.Response{}, err
		}
		t := switchboard.Team{ID: generateID("team-"), AccountID: p.AccountID, Name: name, MemberIDs: []string{}, CreatedAt: time.Now().UTC()}
		if err := teams.CreateTeam(ctx, t); err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusCreated, t)
	}
}

// RenameTeam serves PATCH /admin/v1/teams/{teamId} {"name"}.
func RenameTeam(teams switchboard.TeamStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		teamID, err := idParam(req, "teamId", "team")
		if err != nil {
			return apigw.Response{}, err
		}
		var in teamNameBody
		if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
			return apigw.Response{}, err
		}
		t, err := teams.RenameTeam(ctx, p.AccountID, teamID, in.Name)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, t)
	}
}

// DeleteTeam serves DELETE /admin/v1/teams/{teamId}.
func DeleteTeam(teams switchboard.TeamStore) AuthedHandler {
	return managerDelete("teamId", "team", teams.DeleteTeam)
}

// managerDelete serves a DELETE of one thing of the caller's account, named
// by the path parameter param: managers only, 204 when done.
func managerDelete(param, what string, del func(ctx context.Context, accountID, id string) error) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		id, err := idParam(req, param, what)
		if err != nil {
			return apigw.Response{}, err
		}
		if err := del(ctx, p.AccountID, id); err != nil {
			return apigw.Response{}, err
		}
		return apigw.Response{StatusCode: http.StatusNoContent}, nil
	}
}

// AddTeamMember serves PUT /admin/v1/teams/{teamId}/members/{userId}; it is
// idempotent, as PUT should be, and answers the team.
func AddTeamMember(teams switchboard.TeamStore) AuthedHandler {
	return teamMemberRoute(teams.AddTeamMember)
}

// RemoveTeamMember serves DELETE /admin/v1/teams/{teamId}/members/{userId}
// and answers the team.
func RemoveTeamMember(teams switchboard.TeamStore) AuthedHandler {
	return teamMemberRoute(teams.RemoveTeamMember)
}

func teamMemberRoute(change func(ctx context.Context, accountID, teamID, userID string) (switchboard.Team, error)) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		teamID, err := idParam(req, "teamId", "team")
		if err != nil {
			return apigw.Response{}, err
		}
		userID, err := idParam(req, "userId", "user")
		if err != nil {
			return apigw.Response{}, err
		}
		t, err := change(ctx, p.AccountID, teamID, userID)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, t)
	}
}

// teamRoute builds a team route over the one store of a cold start.
func teamRoute(env *platform.Env, build func(switchboard.TeamStore) AuthedHandler) apigw.LambdaHandler {
	svc, store := authService(env)
	return apigw.Handle(env.Logger, RequireSession(svc, build(store)))
}

// ListTeamsFunction is ListTeamsFunction in template.yaml.
func ListTeamsFunction(env *platform.Env) apigw.LambdaHandler { return teamRoute(env, ListTeams) }

// CreateTeamFunction is CreateTeamFunction in template.yaml.
func CreateTeamFunction(env *platform.Env) apigw.LambdaHandler { return teamRoute(env, CreateTeam) }

// RenameTeamFunction is RenameTeamFunction in template.yaml.
func RenameTeamFunction(env *platform.Env) apigw.LambdaHandler { return teamRoute(env, RenameTeam) }

// DeleteTeamFunction is DeleteTeamFunction in template.yaml.
func DeleteTeamFunction(env *platform.Env) apigw.LambdaHandler { return teamRoute(env, DeleteTeam) }

// AddTeamMemberFunction is AddTeamMemberFunction in template.yaml.
func AddTeamMemberFunction(env *platform.Env) apigw.LambdaHandler {
	return teamRoute(env, AddTeamMember)
}

// RemoveTeamMemberFunction is RemoveTeamMemberFunction in template.yaml.
func RemoveTeamMemberFunction(env *platform.Env) apigw.LambdaHandler {
	return teamRoute(env, RemoveTeamMember)
}
