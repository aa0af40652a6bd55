package switchboard_test

import (
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func validApp() switchboard.App {
	return switchboard.App{
		ID: "orderline-pos", Name: "OrderLine POS", Category: "pos", Level: switchboard.LevelLocation,
		Scopes: []string{"orders.read", "customers.write"}, Developer: "OrderLine Ltd",
		IconURL: "https://cdn.example/icon.png", Website: "https://orderline.example",
	}
}

func TestAppValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*switchboard.App)
		want   string // substring of the message; "" for valid
	}{
		{"valid", func(*switchboard.App) {}, ""},
		{"no icon or website", func(a *switchboard.App) { a.IconURL, a.Website = "", "" }, ""},
		{"id too short", func(a *switchboard.App) { a.ID = "ab" }, "id must be"},
		{"id uppercase", func(a *switchboard.App) { a.ID = "OrderLine" }, "id must be"},
		{"id trailing dash", func(a *switchboard.App) { a.ID = "orderline-" }, "id must be"},
		{"blank name", func(a *switchboard.App) { a.Name = "  " }, "name is required"},
		{"long name", func(a *switchboard.App) { a.Name = strings.Repeat("é", 81) }, "at most 80"},
		{"80 runes ok", func(a *switchboard.App) { a.Name = strings.Repeat("é", 80) }, ""},
		{"long description", func(a *switchboard.App) { a.Description = strings.Repeat("x", 1001) }, "description"},
		{"unknown category", func(a *switchboard.App) { a.Category = "casino" }, "category must be"},
		{"bad level", func(a *switchboard.App) { a.Level = "planet" }, "level must be"},
		{"no scopes", func(a *switchboard.App) { a.Scopes = nil }, "at least one"},
		{"too many scopes", func(a *switchboard.App) { a.Scopes = make([]string, 51) }, "at most 50"},
		{"bad scope", func(a *switchboard.App) { a.Scopes = []string{"orders.delete"} }, "each .read or .write"},
		{"scope injection", func(a *switchboard.App) { a.Scopes = []string{"location[orders.read]"} }, "each .read or .write"},
		{"no developer", func(a *switchboard.App) { a.Developer = "" }, "developer"},
		{"javascript icon", func(a *switchboard.App) { a.IconURL = "javascript:alert(1)" }, "iconUrl"},
		{"http website", func(a *switchboard.App) { a.Website = "http://orderline.example" }, "website"},
		{"relative website", func(a *switchboard.App) { a.Website = "/about" }, "website"},
		// The website too: Connect starts there, on this machine while the
		// app is developed (the local stack's sample app).
		{"http website on localhost", func(a *switchboard.App) { a.Website = "http://localhost:3002/connect" }, ""},
		{"http website on localhost.evil", func(a *switchboard.App) { a.Website = "http://localhost.evil.example/" }, "website"},
		{"javascript website", func(a *switchboard.App) { a.Website = "javascript:alert(1)" }, "website"},
		// openUrl follows the redirect URIs' rule: http only on loopback,
		// where the local stack's sample apps run.
		{"https open url", func(a *switchboard.App) { a.OpenURL = "https://orderline.example/open" }, ""},
		{"http open url on localhost", func(a *switchboard.App) { a.OpenURL = "http://localhost:8080/open" }, ""},
		{"http open url on 127.0.0.1", func(a *switchboard.App) { a.OpenURL = "http://127.0.0.1:8080/open" }, ""},
		{"http open url on [::1]", func(a *switchboard.App) { a.OpenURL = "http://[::1]:8080/open" }, ""},
		{"http open url elsewhere", func(a *switchboard.App) { a.OpenURL = "http://orderline.example/open" }, "openUrl"},
		{"http open url on localhost.evil", func(a *switchboard.App) { a.OpenURL = "http://localhost.evil.example/open" }, "openUrl"},
		{"javascript open url", func(a *switchboard.App) { a.OpenURL = "javascript:alert(1)" }, "openUrl"},
		{"http icon on localhost", func(a *switchboard.App) { a.IconURL = "http://localhost/icon.png" }, "iconUrl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validApp()
			tt.change(&a)
			err := a.Validate()
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

func TestAppFilterValidate(t *testing.T) {
	tests := []struct {
		f       switchboard.AppFilter
		wantErr bool
	}{
		{switchboard.AppFilter{}, false},
		{switchboard.AppFilter{Category: "bi", Limit: 100}, false},
		{switchboard.AppFilter{Limit: 101}, true},
		{switchboard.AppFilter{Limit: -1}, true},
		{switchboard.AppFilter{Category: "BI"}, true},
	}
	for _, tt := range tests {
		if err := tt.f.Validate(); (err != nil) != tt.wantErr {
			t.Errorf("%+v: err %v, want error %v", tt.f, err, tt.wantErr)
		}
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	if switchboard.ErrorCode(nil) != "" || switchboard.ErrorMessage(nil) != "" {
		t.Error("nil error must have no code and no message")
	}
}
