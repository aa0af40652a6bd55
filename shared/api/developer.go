package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/oauth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// appInput is what a developer sends to register or change an app. Pointers
// tell "absent" from "empty" on PATCH.
type appInput struct {
	Name              *string   `json:"name"`
	Description       *string   `json:"description"`
	Category          *string   `json:"category"`
	Level             *string   `json:"level"`
	Scopes            *[]string `json:"scopes"`
	IconURL           *string   `json:"iconUrl"`
	Developer         *string   `json:"developer"`
	Website           *string   `json:"website"`
	OpenURL           *string   `json:"openUrl"`
	MultipleInstances *bool     `json:"multipleInstances"`
	RedirectURIs      *[]string `json:"redirectUris"`
	CallbackURL       *string   `json:"callbackUrl"`
	PublicClient      *bool     `json:"publicClient"`
	Published         *bool     `json:"published"`
}

func (in appInput) applyTo(a *switchboard.DeveloperApp) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Name, in.Name)
	set(&a.Description, in.Description)
	set(&a.Category, in.Category)
	if in.Level != nil {
		a.Level = switchboard.Level(*in.Level)
	}
	if in.Scopes != nil {
		a.Scopes = *in.Scopes
	}
	set(&a.IconURL, in.IconURL)
	set(&a.Developer, in.Developer)
	set(&a.Website, in.Website)
	set(&a.OpenURL, in.OpenURL)
	set(&a.CallbackURL, in.CallbackURL)
	if in.RedirectURIs != nil {
		a.RedirectURIs = *in.RedirectURIs
	}
	for dst, src := range map[*bool]*bool{&a.MultipleInstances: in.MultipleInstances, &a.PublicClient: in.PublicClient, &a.Published: in.Published} {
		if src != nil {
			*dst = *src
		}
	}
}

// registeredApp is the answer to registration and rotation: the secret
// appears here once and is never shown again.
type registeredApp struct {
	switchboard.DeveloperApp
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret,omitempty"`
	// SigningSecret ("whsec_…") verifies callbacks; shown at registration
	// and at its rotation only.
	SigningSecret string `json:"signingSecret,omitempty"`
}

// ownedApp returns the app if p's account owns it; another account's app is
// not found.
func ownedApp(ctx context.Context, store switchboard.DeveloperAppStore, p switchboard.Principal, appID string) (switchboard.DeveloperApp, error) {
	app, err := store.GetDeveloperApp(ctx, appID)
	if err != nil {
		return switchboard.DeveloperApp{}, err
	}
	if app.OwnerAccountID != p.AccountID {
		return switchboard.DeveloperApp{}, switchboard.Errorf(switchboard.ENotFound, "app not found")
	}
	return app, nil
}

// managedApp returns the app of the request's {appId} for a change: the
// caller must be an admin of the owning account.
func managedApp(ctx context.Context, store switchboard.DeveloperAppStore, p switchboard.Principal, req apigw.Request) (switchboard.DeveloperApp, error) {
	if err := requireManager(p); err != nil {
		return switchboard.DeveloperApp{}, err
	}
	return ownedApp(ctx, store, p, req.PathParameters["appId"])
}

// respondWithApp answers with the app as stored after a change, and with
// the client secret when one was just made (the only time it is shown).
func respondWithApp(ctx context.Context, store switchboard.DeveloperAppStore, appID string, status int, secret, signingSecret string) (apigw.Response, error) {
	saved, err := store.GetDeveloperApp(ctx, appID)
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.JSON(status, registeredApp{DeveloperApp: saved, ClientID: saved.ID, ClientSecret: secret, SigningSecret: signingSecret})
}

// newSigningSecret makes a signing secret for appID and stores it sealed;
// the one it replaces keeps signing for grace. It returns the secret in
// clear, to be shown once.
func newSigningSecret(ctx context.Context, store switchboard.DeveloperAppStore, sealer *auth.Sealer, appID string, grace time.Duration) (string, error) {
	if sealer == nil {
		return "", fmt.Errorf("no signing key configured (CALLBACK_SIGNING_KEY)")
	}
	secret := webhook.NewSecret()
	now := time.Now().UTC()
	if err := store.SetSigningSecret(ctx, appID, sealer.Seal(secret, appID), now, now.Add(grace)); err != nil {
		return "", err
	}
	return secret, nil
}

// ListDeveloperApps serves GET /admin/v1/developer/apps, each app with its
// callback endpoint's health.
func ListDeveloperApps(store switchboard.DeveloperAppStore, endpoints switchboard.EndpointStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, _ apigw.Request) (apigw.Response, error) {
		apps, err := store.ListDeveloperApps(ctx, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		out := make([]developerAppView, 0, len(apps))
		for _, a := range apps {
			v, err := withEndpoint(ctx, endpoints, registeredApp{DeveloperApp: a, ClientID: a.ID})
			if err != nil {
				return apigw.Response{}, err
			}
			out = append(out, v)
		}
		return apigw.JSON(http.StatusOK, map[string]any{"apps": out})
	}
}

// RegisterApp serves POST /admin/v1/developer/apps: the client secret and
// the callback signing secret are shown in its answer, and never again.
// loopback admits loopback callback URLs (platform.Config.LoopbackCallbacks).
func RegisterApp(store switchboard.DeveloperAppStore, sealer *auth.Sealer, loopback bool) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		if err := requireManager(p); err != nil {
			return apigw.Response{}, err
		}
		var in appInput
		if err := apigw.DecodeJSON(req, &in, 32768); err != nil {
			return apigw.Response{}, err
		}
		app := switchboard.DeveloperApp{App: switchboard.App{ID: oauth.NewAppID()}, OwnerAccountID: p.AccountID}
		in.applyTo(&app)
		if err := switchboard.ValidateCallbackURL(app.CallbackURL, loopback); err != nil {
			return apigw.Response{}, err
		}
		if sealer == nil {
			return apigw.Response{}, fmt.Errorf("register app: no signing key configured (CALLBACK_SIGNING_KEY)")
		}
		secret, hash := oauth.NewClientSecret()
		// The signing secret is sealed before the app exists (the seal is
		// bound to the app's id) and written with it: one write, so no app
		// ever stands without the secret its callbacks are signed with.
		signing := webhook.NewSecret()
		if err := store.RegisterApp(ctx, app, hash, sealer.Seal(signing, app.ID)); err != nil {
			return apigw.Response{}, err
		}
		return respondWithApp(ctx, store, app.ID, http.StatusCreated, secret, signing)
	}
}

// GetDeveloperApp serves GET /admin/v1/developer/apps/{appId}.
func GetDeveloperApp(store switchboard.DeveloperAppStore, endpoints switchboard.EndpointStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := ownedApp(ctx, store, p, req.PathParameters["appId"])
		if err != nil {
			return apigw.Response{}, err
		}
		v, err := withEndpoint(ctx, endpoints, registeredApp{DeveloperApp: app, ClientID: app.ID})
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, v)
	}
}

// UpdateDeveloperApp serves PATCH /admin/v1/developer/apps/{appId};
// publishing is the "published" field. loopback is RegisterApp's.
func UpdateDeveloperApp(store switchboard.DeveloperAppStore, loopback bool) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := managedApp(ctx, store, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		var in appInput
		if err := apigw.DecodeJSON(req, &in, 32768); err != nil {
			return apigw.Response{}, err
		}
		in.applyTo(&app)
		if err := switchboard.ValidateCallbackURL(app.CallbackURL, loopback); err != nil {
			return apigw.Response{}, err
		}
		if err := store.UpdateDeveloperApp(ctx, app); err != nil {
			return apigw.Response{}, err
		}
		return respondWithApp(ctx, store, app.ID, http.StatusOK, "", "")
	}
}

// RotateAppSecret serves POST /admin/v1/developer/apps/{appId}/secret: the
// old secret stops working at once; the new one is shown once.
func RotateAppSecret(store switchboard.DeveloperAppStore) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := managedApp(ctx, store, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		secret, hash := oauth.NewClientSecret()
		if err := store.SetAppSecret(ctx, app.ID, hash, time.Now()); err != nil {
			return apigw.Response{}, err
		}
		return respondWithApp(ctx, store, app.ID, http.StatusOK, secret, "")
	}
}

// rotateSigningInput is the optional body of a signing secret rotation.
type rotateSigningInput struct {
	// GracePeriodSeconds is how long the replaced secret keeps signing
	// beside the new one: 0 drops it at once (a leaked secret), absent
	// means SigningSecretGrace.
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds"`
}

// RotateSigningSecret serves POST
// /admin/v1/developer/apps/{appId}/signing-secret, admins of the owning
// account only: a new signing secret, shown once; callbacks carry both
// signatures during the grace period.
func RotateSigningSecret(store switchboard.DeveloperAppStore, sealer *auth.Sealer) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := managedApp(ctx, store, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		grace := switchboard.SigningSecretGrace
		if req.Body != "" {
			var in rotateSigningInput
			if err := apigw.DecodeJSON(req, &in, 1024); err != nil {
				return apigw.Response{}, err
			}
			if in.GracePeriodSeconds != nil {
				g := time.Duration(*in.GracePeriodSeconds) * time.Second
				if *in.GracePeriodSeconds < 0 || g > switchboard.MaxSigningSecretGrace {
					return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "gracePeriodSeconds must be 0 to %d", int64(switchboard.MaxSigningSecretGrace/time.Second))
				}
				grace = g
			}
		}
		signing, err := newSigningSecret(ctx, store, sealer, app.ID, grace)
		if err != nil {
			return apigw.Response{}, err
		}
		return respondWithApp(ctx, store, app.ID, http.StatusOK, "", signing)
	}
}

// SealerOf is the sealer of the function's signing key, or nil when the
// function was given none (only those that sign or make signing secrets
// are: see template.yaml).
func SealerOf(env *platform.Env) *auth.Sealer {
	if len(env.Config.SigningKey) == 0 {
		return nil
	}
	s, err := auth.NewSealer(env.Config.SigningKey)
	if err != nil {
		return nil // ConfigFromEnv checked the length already
	}
	return s
}

// GetApp serves GET /admin/v1/apps/{appId}: a published app of the
// catalog, with its callback endpoint's state (not its failures, which are
// the developer's).
func GetApp(catalog switchboard.AppCatalog, endpoints switchboard.EndpointStore) AuthedHandler {
	return func(ctx context.Context, _ switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := catalog.GetApp(ctx, req.PathParameters["appId"])
		if err != nil {
			return apigw.Response{}, err
		}
		e, err := endpoints.GetCallbackEndpoint(ctx, app.ID)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, catalogAppView{App: app, CallbackEndpoint: switchboard.EndpointStatus{State: e.State}})
	}
}

// ListDeveloperAppsFunction is ListDeveloperAppsFunction in template.yaml.
func ListDeveloperAppsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListDeveloperApps(s, s) })
}

// RegisterAppFunction is RegisterAppFunction in template.yaml.
func RegisterAppFunction(env *platform.Env) apigw.LambdaHandler {
	sealer := SealerOf(env)
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return RegisterApp(s, sealer, env.Config.LoopbackCallbacks) })
}

// GetDeveloperAppFunction is GetDeveloperAppFunction in template.yaml.
func GetDeveloperAppFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return GetDeveloperApp(s, s) })
}

// UpdateDeveloperAppFunction is UpdateDeveloperAppFunction in template.yaml.
func UpdateDeveloperAppFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return UpdateDeveloperApp(s, env.Config.LoopbackCallbacks) })
}

// RotateAppSecretFunction is RotateAppSecretFunction in template.yaml.
func RotateAppSecretFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return RotateAppSecret(s) })
}

// RotateSigningSecretFunction is RotateSigningSecretFunction in template.yaml.
func RotateSigningSecretFunction(env *platform.Env) apigw.LambdaHandler {
	sealer := SealerOf(env)
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return RotateSigningSecret(s, sealer) })
}

// GetAppFunction is GetAppFunction in template.yaml.
func GetAppFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return GetApp(s, s) })
}
