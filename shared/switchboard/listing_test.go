package switchboard_test

import (
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestOperatorRole: the operator role exists only in the platform account
// and no merchant can grant it.
func TestOperatorRole(t *testing.T) {
	op := switchboard.RoleOperator
	if op.Valid() || op.CanManage() {
		t.Error("the operator role is grantable or manages a merchant account")
	}
	actor := switchboard.Principal{AccountID: "acc-1", UserID: "u", Role: switchboard.RoleSuperAdmin}
	if switchboard.CheckInviteRole(actor, op) == nil {
		t.Error("a super admin may invite an operator")
	}
	user := func(account string) switchboard.User {
		return switchboard.User{ID: "u", AccountID: account, Email: "op@x.test", Name: "Op", Role: op, Active: true}
	}
	if err := user(switchboard.PlatformAccountID).Validate(); err != nil {
		t.Errorf("operator of the platform account: %v", err)
	}
	if user("acc-1").Validate() == nil {
		t.Error("an operator in a merchant account is valid")
	}
	for _, p := range []switchboard.Principal{
		{AccountID: "acc-1", Role: op},
		{AccountID: switchboard.PlatformAccountID, Role: switchboard.RoleSuperAdmin},
	} {
		if p.IsOperator() {
			t.Errorf("%+v is an operator", p)
		}
	}
	if !(switchboard.Principal{AccountID: switchboard.PlatformAccountID, Role: op}).IsOperator() {
		t.Error("the platform's operator is not one")
	}
}

// TestRequestListing: the developer's changes ask for a listing or keep
// one; they never grant it.
func TestRequestListing(t *testing.T) {
	base := switchboard.DeveloperApp{App: switchboard.App{Name: "Acme POS", Developer: "Acme", Website: "https://acme.example"}, Published: true}
	listed := base
	listed.Listing = switchboard.ListingApproved
	rejected := base
	rejected.Listing, rejected.ListingReason = switchboard.ListingRejected, "copy"
	change := func(prev switchboard.DeveloperApp, f func(*switchboard.DeveloperApp)) switchboard.DeveloperApp {
		next := prev
		f(&next)
		next.RequestListing(prev)
		return next
	}
	tests := []struct {
		name string
		got  switchboard.DeveloperApp
		want switchboard.ListingStatus
	}{
		{"register published", change(switchboard.DeveloperApp{}, func(a *switchboard.DeveloperApp) { *a = base; a.Listing = switchboard.ListingApproved }), switchboard.ListingPending},
		{"register private", change(switchboard.DeveloperApp{}, func(a *switchboard.DeveloperApp) { *a = base; a.Published = false }), switchboard.ListingPrivate},
		{"listed, description", change(listed, func(a *switchboard.DeveloperApp) { a.Description = "new" }), switchboard.ListingApproved},
		{"listed, case of the name", change(listed, func(a *switchboard.DeveloperApp) { a.Name = "ACME POS" }), switchboard.ListingApproved},
		{"listed, rename", change(listed, func(a *switchboard.DeveloperApp) { a.Name = "Acme Till" }), switchboard.ListingPending},
		{"listed, developer", change(listed, func(a *switchboard.DeveloperApp) { a.Developer = "Other" }), switchboard.ListingPending},
		{"listed, website", change(listed, func(a *switchboard.DeveloperApp) { a.Website = "https://evil.example" }), switchboard.ListingPending},
		{"listed, unpublish", change(listed, func(a *switchboard.DeveloperApp) { a.Published = false }), switchboard.ListingPrivate},
		{"rejected, any change", change(rejected, func(a *switchboard.DeveloperApp) { a.Description = "fixed" }), switchboard.ListingPending},
	}
	for _, tt := range tests {
		if tt.got.Listing != tt.want || (tt.want != switchboard.ListingApproved && tt.got.Listed()) {
			t.Errorf("%s: %q (listed %v), want %q", tt.name, tt.got.Listing, tt.got.Listed(), tt.want)
		}
		if tt.got.ListingReason != "" {
			t.Errorf("%s: reason %q kept", tt.name, tt.got.ListingReason)
		}
	}
	if (switchboard.ListingReview{}).Validate() == nil {
		t.Error("a rejection without a reason is valid")
	}
	if (switchboard.ListingReview{Reason: "bad\u202e"}).Validate() == nil {
		t.Error("a reason with a bidi override is valid")
	}
}
