package switchboard_test

import (
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func roleRef(r switchboard.Role) *switchboard.Role { return &r }
func flagRef(b bool) *bool                         { return &b }

func TestCheckUserChange(t *testing.T) {
	const acc = "acc-1"
	super := switchboard.Principal{AccountID: acc, UserID: "u-super", Role: switchboard.RoleSuperAdmin}
	admin := switchboard.Principal{AccountID: acc, UserID: "u-admin", Role: switchboard.RoleAdmin}
	member := switchboard.Principal{AccountID: acc, UserID: "u-member", Role: switchboard.RoleMember}
	user := func(id string, r switchboard.Role, status switchboard.UserStatus) switchboard.DirectoryUser {
		return switchboard.DirectoryUser{User: switchboard.User{ID: id, AccountID: acc, Email: id + "@x.test", Role: r, Active: status == switchboard.UserActive}, Status: status}
	}
	otherSuper := user("u-super2", switchboard.RoleSuperAdmin, switchboard.UserActive)
	someAdmin := user("u-admin2", switchboard.RoleAdmin, switchboard.UserActive)
	someMember := user("u-member2", switchboard.RoleMember, switchboard.UserActive)
	invited := user("u-new", switchboard.RoleMember, switchboard.UserInvited)
	self := func(p switchboard.Principal) switchboard.DirectoryUser {
		return user(p.UserID, p.Role, switchboard.UserActive)
	}

	tests := []struct {
		name    string
		actor   switchboard.Principal
		target  switchboard.DirectoryUser
		changes switchboard.UserChanges
		want    string // error code, "" for allowed
	}{
		{"admin promotes member", admin, someMember, switchboard.UserChanges{Role: roleRef(switchboard.RoleAdmin)}, ""},
		{"admin deactivates admin", admin, someAdmin, switchboard.UserChanges{Active: flagRef(false)}, ""},
		{"admin reactivates member", admin, user("u-m3", switchboard.RoleMember, switchboard.UserDeactivated), switchboard.UserChanges{Active: flagRef(true)}, ""},
		{"member changes anyone", member, someMember, switchboard.UserChanges{Active: flagRef(false)}, switchboard.EForbidden},
		{"admin grants super_admin", admin, someMember, switchboard.UserChanges{Role: roleRef(switchboard.RoleSuperAdmin)}, switchboard.EForbidden},
		{"admin demotes super admin", admin, otherSuper, switchboard.UserChanges{Role: roleRef(switchboard.RoleAdmin)}, switchboard.EForbidden},
		{"admin deactivates super admin", admin, otherSuper, switchboard.UserChanges{Active: flagRef(false)}, switchboard.EForbidden},
		{"super admin grants super_admin", super, someAdmin, switchboard.UserChanges{Role: roleRef(switchboard.RoleSuperAdmin)}, ""},
		{"super admin demotes super admin", super, otherSuper, switchboard.UserChanges{Role: roleRef(switchboard.RoleMember)}, ""},
		{"super admin demotes self", super, self(super), switchboard.UserChanges{Role: roleRef(switchboard.RoleAdmin)}, switchboard.EForbidden},
		{"admin demotes self", admin, self(admin), switchboard.UserChanges{Role: roleRef(switchboard.RoleMember)}, switchboard.EForbidden},
		{"admin deactivates self", admin, self(admin), switchboard.UserChanges{Active: flagRef(false)}, switchboard.EForbidden},
		{"admin keeps own role", admin, self(admin), switchboard.UserChanges{Role: roleRef(switchboard.RoleAdmin), Active: flagRef(true)}, ""},
		{"admin promotes self", admin, self(admin), switchboard.UserChanges{Role: roleRef(switchboard.RoleSuperAdmin)}, switchboard.EForbidden},
		{"nothing to change", admin, someMember, switchboard.UserChanges{}, switchboard.EInvalid},
		{"unknown role", admin, someMember, switchboard.UserChanges{Role: roleRef("owner")}, switchboard.EInvalid},
		{"activate an invited user", admin, invited, switchboard.UserChanges{Active: flagRef(true)}, switchboard.EInvalid},
		{"role of an invited user", admin, invited, switchboard.UserChanges{Role: roleRef(switchboard.RoleAdmin)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := switchboard.ErrorCode(switchboard.CheckUserChange(tt.actor, tt.target, tt.changes)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckInviteRole(t *testing.T) {
	tests := []struct {
		actor, invited switchboard.Role
		want           string
	}{
		{switchboard.RoleSuperAdmin, switchboard.RoleSuperAdmin, ""},
		{switchboard.RoleAdmin, switchboard.RoleAdmin, ""},
		{switchboard.RoleAdmin, switchboard.RoleMember, ""},
		{switchboard.RoleAdmin, switchboard.RoleSuperAdmin, switchboard.EForbidden},
		{switchboard.RoleMember, switchboard.RoleMember, switchboard.EForbidden},
		{switchboard.RoleAdmin, "", switchboard.EInvalid},
		{switchboard.RoleAdmin, "root", switchboard.EInvalid},
	}
	for _, tt := range tests {
		p := switchboard.Principal{AccountID: "a", UserID: "u", Role: tt.actor}
		if got := switchboard.ErrorCode(switchboard.CheckInviteRole(p, tt.invited)); got != tt.want {
			t.Errorf("%s invites %q: %q, want %q", tt.actor, tt.invited, got, tt.want)
		}
	}
}

func TestRemovesSuperAdmin(t *testing.T) {
	super := switchboard.User{Role: switchboard.RoleSuperAdmin, Active: true}
	tests := []struct {
		u    switchboard.User
		c    switchboard.UserChanges
		want bool
	}{
		{super, switchboard.UserChanges{Role: roleRef(switchboard.RoleAdmin)}, true},
		{super, switchboard.UserChanges{Active: flagRef(false)}, true},
		{super, switchboard.UserChanges{Role: roleRef(switchboard.RoleSuperAdmin)}, false},
		{switchboard.User{Role: switchboard.RoleSuperAdmin}, switchboard.UserChanges{Role: roleRef(switchboard.RoleAdmin)}, false},
		{switchboard.User{Role: switchboard.RoleAdmin, Active: true}, switchboard.UserChanges{Active: flagRef(false)}, false},
	}
	for _, tt := range tests {
		if got := tt.c.RemovesSuperAdmin(tt.u); got != tt.want {
			t.Errorf("%+v with %+v: %v, want %v", tt.u, tt.c, got, tt.want)
		}
	}
}
