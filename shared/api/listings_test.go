package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

// listingOf is what a developer reads about an app's listing.
type listingOf struct {
	ID            string
	Name          string
	Published     bool
	ListingStatus string
	ListingReason string
}

func mustDecodeListing(t *testing.T, resp apigw.Response) listingOf {
	t.Helper()
	var l listingOf
	if err := json.Unmarshal([]byte(resp.Body), &l); err != nil {
		t.Fatalf("app body %d %q: %v", resp.StatusCode, resp.Body, err)
	}
	return l
}

// developerListing reads the app as its developer sees it.
func developerListing(t *testing.T, env *platform.Env, dev signedIn, appID string) listingOf {
	t.Helper()
	resp := dev.call(t, api.GetDeveloperAppFunction(env), http.MethodGet, "/admin/v1/developer/apps/"+appID, map[string]string{"appId": appID}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("developer get %s: %d %s", appID, resp.StatusCode, resp.Body)
	}
	return mustDecodeListing(t, resp)
}

// inCatalog reports whether the catalog lists appID, and whether a merchant
// can read it there.
func inCatalog(t *testing.T, env *platform.Env, merchant signedIn, appID string) bool {
	t.Helper()
	resp := merchant.call(t, api.ListAppsFunction(env), http.MethodGet, "/admin/v1/apps?limit=100", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("catalog: %d %s", resp.StatusCode, resp.Body)
	}
	listed := strings.Contains(resp.Body, `"id":"`+appID+`"`)
	got := merchant.call(t, api.GetAppFunction(env), http.MethodGet, "/admin/v1/apps/"+appID, map[string]string{"appId": appID}, nil)
	if (got.StatusCode == http.StatusOK) != listed {
		t.Errorf("catalog lists %s: %v, but GET answers %d", appID, listed, got.StatusCode)
	}
	return listed
}

// review approves (reason "") or rejects appID as who.
func review(t *testing.T, env *platform.Env, who signedIn, appID, decision string, body any) apigw.Response {
	t.Helper()
	h := api.ApproveListingFunction(env)
	if decision == "reject" {
		h = api.RejectListingFunction(env)
	}
	return who.call(t, h, http.MethodPost, "/admin/v1/operator/listings/"+appID+"/"+decision, map[string]string{"appId": appID}, body)
}

// mustApprove lists appID as the demo operator.
func mustApprove(t *testing.T, env *platform.Env, appID string) {
	t.Helper()
	if r := review(t, env, mustSignIn(t, env, "operator@demo.test"), appID, "approve", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("approve %s: %d %s", appID, r.StatusCode, r.Body)
	}
}

// TestPublishingIsAReviewedRequest: an admin's published=true asks for a
// listing; the app stays out of the catalog (and private) until an
// operator approves it; a rejection keeps it private and tells the
// developer why; only operators review (issue 13 item 12).
func TestPublishingIsAReviewedRequest(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	member := mustSignIn(t, env, "member@demo.test")
	other := mustOtherAccountAdmin(t, env)
	operator := mustSignIn(t, env, "operator@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(map[string]any{"name": "Reviewed POS"}))

	if got := developerListing(t, env, owner, app.ClientID); got.ListingStatus != "pending" || !got.Published {
		t.Errorf("after publishing: %+v, want a pending request", got)
	}
	if inCatalog(t, env, member, app.ClientID) {
		t.Fatal("an admin published straight into the catalog")
	}

	// Nobody but an operator reviews, a super admin included: the routes
	// answer 404 as if they did not exist.
	list := api.ListListingsFunction(env)
	for name, who := range map[string]signedIn{"super admin": owner, "member": member, "other account's admin": other} {
		if r := who.call(t, list, http.MethodGet, "/admin/v1/operator/listings?status=pending", nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s lists requests: %d", name, r.StatusCode)
		}
		if r := review(t, env, who, app.ClientID, "approve", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s approves: %d %s", name, r.StatusCode, r.Body)
		}
		if r := review(t, env, who, app.ClientID, "reject", map[string]string{"reason": "no"}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s rejects: %d %s", name, r.StatusCode, r.Body)
		}
	}
	if inCatalog(t, env, member, app.ClientID) {
		t.Fatal("a non-operator's review listed the app")
	}

	pending := operator.call(t, list, http.MethodGet, "/admin/v1/operator/listings?status=pending", nil, nil)
	if pending.StatusCode != http.StatusOK || !strings.Contains(pending.Body, app.ClientID) {
		t.Errorf("operator's pending requests: %d %s", pending.StatusCode, pending.Body)
	}
	if r := operator.call(t, list, http.MethodGet, "/admin/v1/operator/listings?status=nonsense", nil, nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown status: %d", r.StatusCode)
	}

	// A rejection needs a reason, keeps the app private, and the developer
	// reads the reason.
	if r := review(t, env, operator, app.ClientID, "reject", map[string]string{"reason": "  "}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("rejection without a reason: %d %s", r.StatusCode, r.Body)
	}
	if r := review(t, env, operator, app.ClientID, "reject", map[string]string{"reason": "The name copies another developer's app."}); r.StatusCode != http.StatusOK {
		t.Fatalf("reject: %d %s", r.StatusCode, r.Body)
	}
	got := developerListing(t, env, owner, app.ClientID)
	if got.ListingStatus != "rejected" || got.ListingReason != "The name copies another developer's app." {
		t.Errorf("developer sees %+v after the rejection", got)
	}
	if inCatalog(t, env, member, app.ClientID) {
		t.Error("a rejected app is in the catalog")
	}
	if r := review(t, env, operator, app.ClientID, "approve", nil); r.StatusCode != http.StatusConflict {
		t.Errorf("approving a rejected request without a new one: %d %s", r.StatusCode, r.Body)
	}

	// A change is a new request; its approval lists the app.
	patch := owner.call(t, api.UpdateDeveloperAppFunction(env), http.MethodPatch, "/admin/v1/developer/apps/"+app.ClientID,
		map[string]string{"appId": app.ClientID}, map[string]any{"name": "Reviewed POS Pro"})
	if patch.StatusCode != http.StatusOK || mustDecodeListing(t, patch).ListingStatus != "pending" || mustDecodeListing(t, patch).ListingReason != "" {
		t.Fatalf("resubmission: %d %s", patch.StatusCode, patch.Body)
	}
	mustApprove(t, env, app.ClientID)
	if got := developerListing(t, env, owner, app.ClientID); got.ListingStatus != "approved" {
		t.Errorf("after approval: %+v", got)
	}
	if !inCatalog(t, env, member, app.ClientID) {
		t.Error("an approved app is not in the catalog")
	}

	// A description change keeps the listing; unpublishing ends it.
	update := func(body map[string]any) listingOf {
		t.Helper()
		r := owner.call(t, api.UpdateDeveloperAppFunction(env), http.MethodPatch, "/admin/v1/developer/apps/"+app.ClientID, map[string]string{"appId": app.ClientID}, body)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("update %v: %d %s", body, r.StatusCode, r.Body)
		}
		return mustDecodeListing(t, r)
	}
	if got := update(map[string]any{"description": "Now with tables."}); got.ListingStatus != "approved" {
		t.Errorf("a description change unlisted the app: %+v", got)
	}
	if got := update(map[string]any{"published": false}); got.ListingStatus != "" || inCatalog(t, env, member, app.ClientID) {
		t.Errorf("unpublished: %+v, still in the catalog: %v", got, inCatalog(t, env, member, app.ClientID))
	}
}

// TestListedNamesAreUnique: two apps whose names differ only by case,
// width or invisible characters cannot both be listed; renaming or
// unlisting frees the name (issue 13 item 12).
func TestListedNamesAreUnique(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	other := mustOtherAccountAdmin(t, env)
	operator := mustSignIn(t, env, "operator@demo.test")
	real := mustRegisterApp(t, env, owner, posApp(map[string]any{"name": "Acme POS"}))
	mustApprove(t, env, real.ClientID)

	for _, name := range []string{"acme pos", "ＡＣＭＥ　ＰＯＳ", "Ac\u200bme P\u200dOS", "ACME  POS"} {
		copycat := mustRegisterApp(t, env, other, posApp(map[string]any{"name": name}))
		if r := review(t, env, operator, copycat.ClientID, "approve", nil); r.StatusCode != http.StatusConflict {
			t.Errorf("approving %q beside a listed %q: %d %s", name, "Acme POS", r.StatusCode, r.Body)
		}
		if got := developerListing(t, env, other, copycat.ClientID); got.ListingStatus != "pending" {
			t.Errorf("%q after the refused approval: %+v", name, got)
		}
	}

	// Renaming the listed app asks for a review again and frees its name;
	// unlisting frees it as well.
	copycat := mustRegisterApp(t, env, other, posApp(map[string]any{"name": "ACME pos"}))
	rename := owner.call(t, api.UpdateDeveloperAppFunction(env), http.MethodPatch, "/admin/v1/developer/apps/"+real.ClientID,
		map[string]string{"appId": real.ClientID}, map[string]any{"name": "Acme Register"})
	if rename.StatusCode != http.StatusOK || mustDecodeListing(t, rename).ListingStatus != "pending" {
		t.Fatalf("renaming a listed app: %d %s", rename.StatusCode, rename.Body)
	}
	mustApprove(t, env, copycat.ClientID)
	mustApprove(t, env, real.ClientID)
	back := owner.call(t, api.UpdateDeveloperAppFunction(env), http.MethodPatch, "/admin/v1/developer/apps/"+real.ClientID,
		map[string]string{"appId": real.ClientID}, map[string]any{"name": "Acme POS"})
	if back.StatusCode != http.StatusOK {
		t.Fatalf("rename back: %d %s", back.StatusCode, back.Body)
	}
	if r := review(t, env, operator, real.ClientID, "approve", nil); r.StatusCode != http.StatusConflict {
		t.Errorf("approving a name another listed app took meanwhile: %d %s", r.StatusCode, r.Body)
	}
	unlist := other.call(t, api.UpdateDeveloperAppFunction(env), http.MethodPatch, "/admin/v1/developer/apps/"+copycat.ClientID,
		map[string]string{"appId": copycat.ClientID}, map[string]any{"published": false})
	if unlist.StatusCode != http.StatusOK {
		t.Fatalf("unlist: %d %s", unlist.StatusCode, unlist.Body)
	}
	mustApprove(t, env, real.ClientID)
}

// mustRegisterListedApp registers an app and lists it as the operator:
// errors of a listed app go to its redirect URI for anyone.
func mustRegisterListedApp(t *testing.T, env *platform.Env, s signedIn, body map[string]any) registered {
	t.Helper()
	r := mustRegisterApp(t, env, s, body)
	mustApprove(t, env, r.ClientID)
	return r
}
