package api

import (
	"context"
	"net/http"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// withTimeZones fills the time zone of locations made before they had one
// with the account's, which is what they have always used.
func withTimeZones(locs []switchboard.Location, account switchboard.Account) []switchboard.Location {
	out := make([]switchboard.Location, 0, len(locs))
	for _, l := range locs {
		if l.TimeZone == "" {
			l.TimeZone = account.TimeZone
		}
		out = append(out, l)
	}
	return out
}

// ListLocations serves GET /admin/v1/locations: the caller's account's
// locations, for every role.
func ListLocations(accounts switchboard.AccountStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, _ apigw.Request) (apigw.Response, error) {
		account, err := accounts.GetAccount(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		locs, err := accounts.ListLocations(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, map[string]any{"locations": withTimeZones(locs, account)})
	}
}

// CreateLocation serves POST /admin/v1/locations {"name","timeZone"?}:
// admins add a location; its time zone defaults to the account's.
func CreateLocation(accounts switchboard.AccountStore, locations switchboard.LocationStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		var in struct {
			Name     string `json:"name"`
			TimeZone string `json:"timeZone"`
		}
		if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
			return apigw.Response{}, err
		}
		name, err := switchboard.NormalizeName("name", in.Name, 100)
		if err != nil {
			return apigw.Response{}, err
		}
		account, err := accounts.GetAccount(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		tz := account.TimeZone
		if in.TimeZone != "" {
			if tz, err = switchboard.NormalizeTimeZone(in.TimeZone); err != nil {
				return apigw.Response{}, err
			}
		}
		loc := switchboard.Location{ID: generateID("loc-"), AccountID: p.AccountID, Name: name, TimeZone: tz}
		if err := locations.CreateLocation(ctx, loc); err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusCreated, loc)
	}
}

// UpdateLocation serves PATCH /admin/v1/locations/{locationId}
// {"name"?,"timeZone"?}: admins rename a location or change its zone.
func UpdateLocation(locations switchboard.LocationStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		locationID, err := idParam(req, "locationId", "location")
		if err != nil {
			return apigw.Response{}, err
		}
		var changes switchboard.LocationChanges
		if err := apigw.DecodeJSON(req, &changes, 1024); err != nil {
			return apigw.Response{}, err
		}
		if changes, err = changes.Normalize(); err != nil {
			return apigw.Response{}, err
		}
		loc, err := locations.UpdateLocation(ctx, p.AccountID, locationID, changes)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, loc)
	}
}

// ListLocationsFunction is ListLocationsFunction in template.yaml.
func ListLocationsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListLocations(s) })
}

// CreateLocationFunction is CreateLocationFunction in template.yaml.
func CreateLocationFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return CreateLocation(s, s) })
}

// UpdateLocationFunction is UpdateLocationFunction in template.yaml.
func UpdateLocationFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return UpdateLocation(s) })
}
