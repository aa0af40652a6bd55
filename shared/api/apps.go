package api

import (
	"context"
	"net/http"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// ListApps serves GET /admin/v1/apps?category=&q=&limit=&cursor=. The catalog
// is the same for every account; a session is still required, as on every
// admin route.
func ListApps(catalog switchboard.AppCatalog) AuthedHandler {
	return func(ctx context.Context, _ switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		limit, err := apigw.QueryInt(req, "limit", 0)
		if err != nil {
			return apigw.Response{}, err
		}
		if _, set := req.QueryStringParameters["limit"]; set && limit < 1 {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "limit must be between 1 and %d", switchboard.MaxPageSize)
		}
		page, err := catalog.ListApps(ctx, switchboard.AppFilter{
			Category: req.QueryStringParameters["category"],
			Search:   req.QueryStringParameters["q"],
			Limit:    limit,
			Cursor:   req.QueryStringParameters["cursor"],
		})
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, page)
	}
}

// ListAppsFunction is the handler of ListAppsFunction in template.yaml.
func ListAppsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListApps(s) })
}
