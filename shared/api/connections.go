package api

import (
	"context"
	"net/http"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// ListConnections serves GET /admin/v1/connections?locationId=&appId=&status=
// for the caller's account only.
func ListConnections(store switchboard.ConnectionStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		q := req.QueryStringParameters
		conns, err := store.ListConnections(ctx, p.AccountID, switchboard.ConnectionFilter{
			LocationID: q["locationId"], AppID: q["appId"], Status: switchboard.ConnectionStatus(q["status"]),
		})
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, map[string]any{"connections": conns})
	}
}

// GetConnection serves GET /admin/v1/connections/{connectionId}; another
// account's connection is not found, not forbidden, so ids cannot be probed.
func GetConnection(store switchboard.ConnectionStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		c, err := store.GetConnection(ctx, p.AccountID, req.PathParameters["connectionId"])
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, c)
	}
}

// ListConnectionsFunction is ListConnectionsFunction in template.yaml.
func ListConnectionsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListConnections(s) })
}

// GetConnectionFunction is GetConnectionFunction in template.yaml.
func GetConnectionFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return GetConnection(s) })
}
