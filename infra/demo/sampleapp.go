package demo

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// SampleApp is the one demo catalog app that really connects: the local
// stack serves it (infra/sampleapp), so a newcomer can go from Connect in
// the catalog through consent to API calls seen in the logs. Its URLs are
// set by SeedSampleApp from where the stack serves it.
var SampleApp = switchboard.App{
	ID: "sample-app", Name: "Switchboard Sample App", Category: "other", Level: switchboard.LevelLocation,
	Description: "A small app served by the local stack: it receives the code, exchanges it, calls the API and shows the answers.",
	Scopes:      []string{"orders.read", "orders.write"},
	Developer:   "Switchboard (sample)",
}

// SampleAppCredentials are what the sample app's process is given at start,
// in clear, and never again: Switchboard keeps only the client secret's hash
// and the signing secret sealed, as for every app.
type SampleAppCredentials struct {
	ClientID      string
	ClientSecret  string
	SigningSecret string
}

// SeedSampleApp registers the sample app served at origin (for example
// http://localhost:3002), listed in the catalog, or points the one a
// previous run registered at origin. Each start gives it fresh secrets: a
// secret shown once cannot be read back from its hash, and only this start
// can hand it to the app's process.
func SeedSampleApp(ctx context.Context, store switchboard.DeveloperAppStore, origin string, sealer *auth.Sealer) (SampleAppCredentials, error) {
	origin = strings.TrimSuffix(origin, "/")
	app := SampleApp
	app.Website, app.OpenURL = origin+"/connect", origin+"/"
	app.CreatedAt = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	dev := switchboard.DeveloperApp{
		App: app, OwnerAccountID: PartnersAccountID, Published: true,
		RedirectURIs: []string{origin + "/callback"}, CallbackURL: origin + "/events",
	}
	secret, secretHash := auth.NewToken()
	signing := webhook.NewSecret()
	now := time.Now().UTC()
	created, err := createdOrExists(store.RegisterApp(ctx, dev, secretHash, sealer.Seal(signing, app.ID)))
	if err != nil {
		return SampleAppCredentials{}, fmt.Errorf("seed the sample app: %w", err)
	}
	if !created {
		// An earlier run's registration: this run's port (or this
		// version's definition) may differ, and its secrets went with
		// that run's process.
		cur, err := store.GetDeveloperApp(ctx, app.ID)
		if err != nil {
			return SampleAppCredentials{}, fmt.Errorf("seed the sample app: %w", err)
		}
		want := cur
		want.Name, want.Description, want.Category, want.Level = app.Name, app.Description, app.Category, app.Level
		want.Scopes, want.Developer, want.Website, want.OpenURL = app.Scopes, app.Developer, app.Website, app.OpenURL
		want.RedirectURIs, want.CallbackURL, want.Published = dev.RedirectURIs, dev.CallbackURL, true
		if !reflect.DeepEqual(want, cur) {
			if err := store.UpdateDeveloperApp(ctx, want); err != nil {
				return SampleAppCredentials{}, fmt.Errorf("re-point the sample app: %w", err)
			}
		}
		if err := store.SetAppSecret(ctx, app.ID, secretHash, now); err != nil {
			return SampleAppCredentials{}, fmt.Errorf("sample app secret: %w", err)
		}
		// No grace for the previous signing secret: its holder is gone.
		if err := store.SetSigningSecret(ctx, app.ID, sealer.Seal(signing, app.ID), now, now); err != nil {
			return SampleAppCredentials{}, fmt.Errorf("sample app signing secret: %w", err)
		}
	}
	got, err := store.GetDeveloperApp(ctx, app.ID)
	if err != nil {
		return SampleAppCredentials{}, fmt.Errorf("seed the sample app: %w", err)
	}
	if got.Listing == switchboard.ListingPending {
		// The seed plays the operator, as for the rest of the catalog.
		if err := store.ReviewListing(ctx, app.ID, switchboard.ListingReview{Approve: true}); err != nil {
			return SampleAppCredentials{}, fmt.Errorf("list the sample app: %w", err)
		}
	}
	return SampleAppCredentials{ClientID: app.ID, ClientSecret: secret, SigningSecret: signing}, nil
}

// SampleAppScope is what the sample app asks for: all it registered.
func SampleAppScope() string {
	return string(SampleApp.Level) + "[" + strings.Join(SampleApp.Scopes, ",") + "]"
}
