package switchboard_test

import (
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestNormalizeTeamName(t *testing.T) {
	tests := []struct {
		raw, want, wantErr string
	}{
		{"Kitchen", "Kitchen", ""},
		{"  Front   of house ", "Front of house", ""},
		{"Cuisine équipe 👩‍🍳", "Cuisine équipe 👩‍🍳", ""},
		{strings.Repeat("é", 60), strings.Repeat("é", 60), ""},
		{"", "", "required"},
		{" \t\n ", "", "required"},
		{strings.Repeat("é", 61), "", "at most 60"},
		{"Kitchen\x00", "", "control"},
		{"Kit\x7fchen", "", "control"},
		{"Kitchen\u202eneh", "", "control"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := switchboard.NormalizeTeamName(tt.raw)
			if tt.wantErr != "" {
				if switchboard.ErrorCode(err) != switchboard.EInvalid || !strings.Contains(switchboard.ErrorMessage(err), tt.wantErr) {
					t.Errorf("got %q, %v; want invalid with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestTeamNameKey(t *testing.T) {
	if switchboard.TeamNameKey("Kitchen") != switchboard.TeamNameKey("KITCHEN") {
		t.Error("names differing only in case must share a key")
	}
	if switchboard.TeamNameKey("Kitchen") == switchboard.TeamNameKey("Kitchens") {
		t.Error("different names share a key")
	}
}

func TestTeamValidate(t *testing.T) {
	valid := switchboard.Team{ID: "team-1", AccountID: "acc-1", Name: "Kitchen"}
	tests := []struct {
		name   string
		change func(*switchboard.Team)
		want   string
	}{
		{"valid", func(*switchboard.Team) {}, ""},
		{"no id", func(t *switchboard.Team) { t.ID = "" }, "id"},
		{"no account", func(t *switchboard.Team) { t.AccountID = "" }, "account"},
		{"not normalized", func(t *switchboard.Team) { t.Name = " Kitchen" }, "trimmed"},
		{"too many members", func(t *switchboard.Team) { t.MemberIDs = make([]string, switchboard.MaxTeamMembers+1) }, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			team := valid
			tt.change(&team)
			err := team.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if switchboard.ErrorCode(err) != switchboard.EInvalid || !strings.Contains(switchboard.ErrorMessage(err), tt.want) {
				t.Errorf("got %v, want invalid with %q", err, tt.want)
			}
		})
	}
}
