package demo_test

import (
	"context"
	"crypto/rand"
	"slices"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestSeedSampleApp: the sample app is listed in the catalog, pointed at
// where the stack serves it; only hashes and sealed values are stored, and
// each start hands out fresh secrets (the previous start's stop working)
// and re-points the app when its port changed.
func TestSeedSampleApp(t *testing.T) {
	env := testenv.MustEnv(t)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	var key [32]byte
	_, _ = rand.Read(key[:])
	sealer, err := auth.NewSealer(key[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, store, "pw-for-the-test"); err != nil {
		t.Fatal(err)
	}

	first, err := demo.SeedSampleApp(ctx, store, "http://localhost:3002", sealer)
	if err != nil {
		t.Fatal(err)
	}
	second, err := demo.SeedSampleApp(ctx, store, "http://localhost:4002/", sealer)
	if err != nil {
		t.Fatal(err)
	}
	if first.ClientSecret == second.ClientSecret || first.SigningSecret == second.SigningSecret || second.ClientID != demo.SampleApp.ID {
		t.Fatalf("a second start did not get fresh secrets: %+v %+v", first, second)
	}

	hash, err := store.AppSecretHash(ctx, demo.SampleApp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if hash != auth.HashToken(second.ClientSecret) || hash == second.ClientSecret || hash == auth.HashToken(first.ClientSecret) {
		t.Errorf("stored secret %q is not the hash of the current secret only", hash)
	}
	signing, err := store.AppSigningSecrets(ctx, demo.SampleApp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if opened, err := sealer.Open(signing.Current, demo.SampleApp.ID); err != nil || opened != second.SigningSecret || signing.Current == second.SigningSecret {
		t.Errorf("signing secret not stored sealed: %v", err)
	}
	if signing.Previous != "" {
		t.Errorf("the previous start's signing secret still signs")
	}

	app, err := store.GetDeveloperApp(ctx, demo.SampleApp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if app.Website != "http://localhost:4002/connect" || !slices.Equal(app.RedirectURIs, []string{"http://localhost:4002/callback"}) ||
		app.CallbackURL != "http://localhost:4002/events" || app.OwnerAccountID != demo.PartnersAccountID {
		t.Errorf("app not pointed at the new port: %+v", app)
	}
	listed, err := store.ListListings(ctx, switchboard.ListingApproved)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(listed, func(a switchboard.DeveloperApp) bool { return a.ID == demo.SampleApp.ID }) {
		t.Errorf("the sample app is not in the catalog")
	}
}
