package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestBootstrapOperator invokes the function as `make bootstrap-operator`
// does (the runtime's JSON path), follows the emailed link to set a
// password, and signs in as an operator who reads the listing requests. It
// also checks template.yaml grants exactly what the function used.
func TestBootstrapOperator(t *testing.T) {
	env := signupEnv(t)
	const id = "BootstrapOperatorFunction"
	var use awsUse
	invoke := func(payload string) (api.BootstrapOperatorOutput, error) {
		t.Helper()
		raw, err := lambda.NewHandler(constructors[id](use.envFor(env, id))).Invoke(context.Background(), []byte(payload))
		var out api.BootstrapOperatorOutput
		if err == nil {
			err = json.Unmarshal(raw, &out)
		}
		return out, err
	}
	out, err := invoke(`{"email":"Olga@Platform.test","name":"Olga Operator"}`)
	if err != nil || !out.Created || out.Email != "olga@platform.test" || out.UserID == "" {
		t.Fatalf("bootstrap: %+v %v", out, err)
	}
	first := mustLinkToken(t, mustSentEmail(t, "olga@platform.test"), signupOrigin+api.ResetPasswordPath)
	again, err := invoke(`{"email":"olga@platform.test"}`)
	if err != nil || again.Created || again.UserID != out.UserID {
		t.Fatalf("bootstrap again: %+v %v", again, err)
	}
	second := mustLinkToken(t, mustSentEmail(t, "olga@platform.test"), signupOrigin+api.ResetPasswordPath)
	if second == first {
		t.Error("running it again sent the same link")
	}
	if _, err := invoke(`{"email":"owner@demo.test"}`); err == nil {
		t.Errorf("a merchant's address became an operator: %v", err)
	}
	if _, err := invoke(`{"email":"not an address"}`); err == nil {
		t.Error("a bad address was accepted")
	}

	wantStatus(t, "set the password", callPublic(t, api.ConfirmPasswordResetFunction(env), "/admin/v1/password-reset/confirm",
		publicPost(`{"token":"`+second+`","password":"operator-rare-password"}`, "192.0.2.40")), 200, "")
	op := mustSignInWith(t, env, "olga@platform.test", "operator-rare-password")
	me := decode[api.Me](t, callAs(t, api.GetMeFunction(env), op, "GET", "/admin/v1/me", nil, ""))
	if me.User.Role != switchboard.RoleOperator || me.User.AccountID != switchboard.PlatformAccountID {
		t.Errorf("the bootstrapped user %+v", me.User)
	}
	wantStatus(t, "the operator lists listing requests", callAs(t, api.ListListingsFunction(env), op, "GET", "/admin/v1/operator/listings?status=pending", nil, ""), 200, "")

	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	var fn []samtemplate.Function
	for _, f := range fns {
		if f.LogicalID == id {
			fn = append(fn, f)
		}
	}
	missing, unused := use.problems(fn)
	for _, m := range missing {
		t.Errorf("template.yaml does not grant what the code calls: %s", m)
	}
	for _, u := range unused {
		t.Errorf("template.yaml grants what the code never used: %s", u)
	}
}
