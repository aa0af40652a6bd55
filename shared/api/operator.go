package api

import (
	"context"
	"net/http"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// requireOperator refuses everyone but the platform's operators: a super
// admin of a merchant account is no operator. The refusal is not_found,
// as for a route that does not exist: operator routes are none of a
// merchant's business, not even that they exist.
func requireOperator(p switchboard.Principal) error {
	if !p.IsOperator() {
		return switchboard.Errorf(switchboard.ENotFound, "Not found.")
	}
	return nil
}

// ListListings serves GET /admin/v1/operator/listings?status=pending
// (pending by default; rejected and approved too).
func ListListings(store switchboard.DeveloperAppStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireOperator(p); err != nil {
			return apigw.Response{}, err
		}
		status := switchboard.ListingStatus(req.QueryStringParameters["status"])
		if status == switchboard.ListingPrivate {
			status = switchboard.ListingPending
		}
		apps, err := store.ListListings(ctx, status)
		if err != nil {
			return apigw.Response{}, err
		}
		out := make([]registeredApp, 0, len(apps))
		for _, a := range apps {
			out = append(out, registeredApp{DeveloperApp: a, ClientID: a.ID})
		}
		return apigw.JSON(http.StatusOK, map[string]any{"apps": out})
	}
}

// ReviewListing serves POST /admin/v1/operator/listings/{appId}/approve
// and …/reject ({"reason"}, required and shown to the developer).
func ReviewListing(store switchboard.DeveloperAppStore, approve bool) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireOperator(p); err != nil {
			return apigw.Response{}, err
		}
		review := switchboard.ListingReview{Approve: approve}
		if !approve {
			var in struct {
				Reason string `json:"reason"`
			}
			if err := apigw.DecodeJSON(req, &in, 4096); err != nil {
				return apigw.Response{}, err
			}
			review.Reason = in.Reason
		}
		appID, err := idParam(req, "appId", "app")
		if err != nil {
			return apigw.Response{}, err
		}
		if err := store.ReviewListing(ctx, appID, review); err != nil {
			return apigw.Response{}, err
		}
		return respondWithApp(ctx, store, appID, http.StatusOK, "", "")
	}
}

// ListListingsFunction is ListListingsFunction in template.yaml.
func ListListingsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListListings(s) })
}

// ApproveListingFunction is ApproveListingFunction in template.yaml.
func ApproveListingFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ReviewListing(s, true) })
}

// RejectListingFunction is RejectListingFunction in template.yaml.
func RejectListingFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ReviewListing(s, false) })
}
