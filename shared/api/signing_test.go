package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/lifecycle"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// TestCallbackSigningStandardWebhooks: callbacks carry the Standard
// Webhooks headers, signed with a per-app "whsec_" secret that is not the
// client secret, shown once, stored only sealed (the table holds nothing
// that signs), and rotatable with both signatures sent during the grace
// period (24 h by default), then the new one only.
func TestCallbackSigningStandardWebhooks(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	member := mustSignIn(t, env, "member@demo.test")
	other := mustOtherAccountAdmin(t, env)
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks")
	first := c.app.SigningSecret
	if !strings.HasPrefix(first, "whsec_") || first == c.app.ClientSecret {
		t.Fatalf("signing secret %q", first)
	}
	params := map[string]string{"appId": c.app.ClientID}
	devPath := "/admin/v1/developer/apps/" + c.app.ClientID
	if got := owner.call(t, api.GetDeveloperAppFunction(env), http.MethodGet, devPath, params, nil); strings.Contains(got.Body, first) || strings.Contains(got.Body, "signingSecret\"") {
		t.Errorf("the app's page shows the signing secret again: %s", got.Body)
	}
	mustNotHold(t, env, first)

	runRetrier(t, env, time.Now())
	got := rcv.of("connection.installed")
	if len(got) != 1 {
		t.Fatalf("installed callbacks: %d", len(got))
	}
	h := got[0].header
	if h.Get("webhook-id") != got[0].id || h.Get("webhook-timestamp") == "" || !strings.HasPrefix(h.Get("webhook-signature"), "v1,") || h.Get("Switchboard-Signature") != "" {
		t.Errorf("headers %v", h)
	}
	if err := webhook.Verify(first, h, got[0].body, time.Now()); err != nil {
		t.Errorf("the signing secret does not verify: %v", err)
	}
	if err := webhook.Verify(c.app.ClientSecret, h, got[0].body, time.Now()); err == nil {
		t.Error("the client secret verifies a callback")
	}

	// Rotation: admins of the owner only; the new secret is shown once.
	rotate := api.RotateSigningSecretFunction(env)
	mustStatus(t, "member rotates", member.call(t, rotate, http.MethodPost, devPath+"/signing-secret", params, nil), http.StatusForbidden)
	mustStatus(t, "other account rotates", other.call(t, rotate, http.MethodPost, devPath+"/signing-secret", params, nil), http.StatusNotFound)
	mustStatus(t, "bad grace", owner.call(t, rotate, http.MethodPost, devPath+"/signing-secret", params, map[string]any{"gracePeriodSeconds": -1}), http.StatusBadRequest)
	resp := owner.call(t, rotate, http.MethodPost, devPath+"/signing-secret", params, nil)
	mustStatus(t, "rotate", resp, http.StatusOK)
	var rotated struct {
		SigningSecret                  string
		ClientSecret                   string
		PreviousSigningSecretExpiresAt time.Time
	}
	_ = json.Unmarshal([]byte(resp.Body), &rotated)
	second := rotated.SigningSecret
	if !strings.HasPrefix(second, "whsec_") || second == first || rotated.ClientSecret != "" {
		t.Fatalf("rotation answer %s", resp.Body)
	}
	if d := time.Until(rotated.PreviousSigningSecretExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("grace period ends in %s, want 24 h", d)
	}
	mustNotHold(t, env, first)
	mustNotHold(t, env, second)

	// During the grace period both signatures are sent.
	mustStatus(t, "block", owner.call(t, api.BlockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "block"),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusOK)
	blocked := rcv.of("connection.blocked")
	if len(blocked) != 1 {
		t.Fatalf("blocked callbacks: %d", len(blocked))
	}
	if n := len(strings.Fields(blocked[0].header.Get("webhook-signature"))); n != 2 {
		t.Errorf("%d signatures during the grace period, want 2", n)
	}
	for _, s := range []string{first, second} {
		if err := webhook.Verify(s, blocked[0].header, blocked[0].body, time.Now()); err != nil {
			t.Errorf("during the grace period: %v", err)
		}
	}

	// After it, the new one only.
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	later := time.Now().Add(24*time.Hour + time.Minute)
	cb := &lifecycle.Callbacks{Apps: store, Deliveries: store, Sealer: api.SealerOf(env), Loopback: true,
		Client: lifecycle.NewHTTPClient(true), Now: func() time.Time { return later }}
	d, err := store.GetDelivery(context.Background(), demo.Account.ID, blocked[0].id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cb.Redeliver(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	again := rcv.of("connection.blocked")
	if len(again) != 2 {
		t.Fatalf("blocked callbacks: %d", len(again))
	}
	if err := webhook.Verify(second, again[1].header, again[1].body, time.Now()); err != nil {
		t.Errorf("after the grace period, the new secret: %v", err)
	}
	if err := webhook.Verify(first, again[1].header, again[1].body, time.Now()); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("after the grace period, the old secret: %v", err)
	}

	// A rotation without grace (a leaked secret) drops the old one at once.
	resp = owner.call(t, rotate, http.MethodPost, devPath+"/signing-secret", params, map[string]any{"gracePeriodSeconds": 0})
	mustStatus(t, "rotate now", resp, http.StatusOK)
	_ = json.Unmarshal([]byte(resp.Body), &rotated)
	mustStatus(t, "unblock", owner.call(t, api.UnblockConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "unblock"),
		map[string]string{"connectionId": c.connectionID}, nil), http.StatusOK)
	unblocked := rcv.of("connection.unblocked")
	if len(unblocked) != 1 || len(strings.Fields(unblocked[0].header.Get("webhook-signature"))) != 1 {
		t.Fatalf("unblocked callbacks %+v", unblocked)
	}
	if err := webhook.Verify(rotated.SigningSecret, unblocked[0].header, unblocked[0].body, time.Now()); err != nil {
		t.Errorf("after an immediate rotation: %v", err)
	}
	if err := webhook.Verify(second, unblocked[0].header, unblocked[0].body, time.Now()); err == nil {
		t.Error("the replaced secret still verifies after an immediate rotation")
	}
}

// mustNotHold fails if any item of the table holds secret, or the key it
// stands for, in any form a reader could use to sign.
func mustNotHold(t *testing.T, env *platform.Env, secret string) {
	t.Helper()
	out, err := env.DynamoDB().Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(env.Config.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(out.Items)
	for _, s := range []string{secret, strings.TrimPrefix(secret, webhook.SecretPrefix)} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the table holds the signing secret %q", s)
		}
	}
}

// TestCallbackDestinationNotFromStageName: the loopback allowance comes
// from configuration only (SWITCHBOARD_LOOPBACK_CALLBACKS, which
// template.yaml never sets), not from the stage's name: with stage "test"
// or "local" and no allowance, a loopback or private callback URL is
// refused at registration and at update, and nothing is dialled there.
func TestCallbackDestinationNotFromStageName(t *testing.T) {
	base := testenv.MustEnv(t)
	owner := mustSignIn(t, base, "owner@demo.test")
	app := mustRegisterApp(t, base, owner, posApp(map[string]any{"callbackUrl": "https://hooks.example/in"}))
	for _, stage := range []string{"test", "local"} {
		env := *base
		env.Config.Stage, env.Config.LoopbackCallbacks = stage, false
		for _, url := range []string{"http://localhost:8080/h", "http://127.0.0.1/h", "https://169.254.169.254/latest", "https://10.0.0.1/h", "https://[64:ff9b::a9fe:a9fe]/h"} {
			resp := owner.call(t, api.RegisterAppFunction(&env), http.MethodPost, "/admin/v1/developer/apps", nil, posApp(map[string]any{"callbackUrl": url}))
			wantStatus(t, stage+" register "+url, resp, http.StatusBadRequest, "invalid")
			resp = owner.call(t, api.UpdateDeveloperAppFunction(&env), http.MethodPatch, "/admin/v1/developer/apps/"+app.ClientID,
				map[string]string{"appId": app.ClientID}, map[string]any{"callbackUrl": url})
			wantStatus(t, stage+" update "+url, resp, http.StatusBadRequest, "invalid")
		}
	}
	// The tests' own configuration allows loopback (control).
	mustRegisterApp(t, base, owner, posApp(map[string]any{"callbackUrl": "http://127.0.0.1:9/h"}))
	if env, err := platform.ConfigFromEnv(func(k string) string {
		return map[string]string{"STAGE": "test", "TABLE_NAME": "t", "ARCHIVE_BUCKET": "b"}[k]
	}); err != nil || env.LoopbackCallbacks {
		t.Errorf("stage test without the variable: loopback %v, %v", env.LoopbackCallbacks, err)
	}
	raw, err := os.ReadFile(filepath.Join(testenv.MustRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), platform.LoopbackCallbacksVar) {
		t.Errorf("template.yaml mentions %s: a deployed stage could allow loopback callbacks", platform.LoopbackCallbacksVar)
	}
}

// TestRegistrationWritesSigningSecretWithTheApp: an app and its sealed
// signing secret are one write. Through a DynamoDB that refuses every
// UpdateItem, registration still succeeds and the app's callbacks can be
// signed; were the secret a second write, the app would stand without one.
func TestRegistrationWritesSigningSecretWithTheApp(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	tr := faults.New(1, map[faults.Service]faults.Rates{faults.DynamoDB: {faults.ServerError: 1}})
	tr.Match = func(r *http.Request, _ []byte) bool {
		return r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.UpdateItem"
	}
	faulty := *env
	faulty.AWS = faults.Apply(env.AWS, tr)
	resp := owner.call(t, api.RegisterAppFunction(&faulty), http.MethodPost, "/admin/v1/developer/apps", nil, map[string]any{
		"name": "One Write POS", "category": "pos", "level": "location", "scopes": []string{"orders.read"},
		"developer": "Dev", "redirectUris": []string{"https://one-write.example/cb"}, "callbackUrl": "https://one-write.example/events",
	})
	mustStatus(t, "register", resp, http.StatusCreated)
	var app struct{ ClientID, SigningSecret string }
	if err := json.Unmarshal([]byte(resp.Body), &app); err != nil || !strings.HasPrefix(app.SigningSecret, "whsec_") {
		t.Fatalf("registered app %s: %v", resp.Body, err)
	}
	secrets, err := dynamo.New(env.DynamoDB(), env.Config.TableName).AppSigningSecrets(context.Background(), app.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := api.SealerOf(env).Open(secrets.Current, app.ClientID)
	if err != nil || opened != app.SigningSecret {
		t.Errorf("stored signing secret opens to %q (%v), want the one shown", opened, err)
	}
}
