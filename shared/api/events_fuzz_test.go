package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
	"github.com/switchboard-hq/switchboard/infra/testenv"
)

// FuzzEventPayloads mutates every events/*.json fixture and invokes its
// function the way the Lambda runtime does. Whatever the payload, an HTTP
// function answers with a non-5xx response and a JSON (or empty) body, and
// no function panics. Seeds are the fixtures themselves, so `make test`
// replays them all; `make fuzz` explores from there.
func FuzzEventPayloads(f *testing.F) {
	root := testenv.MustRoot(f)
	fixtures, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil || len(fixtures) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, path := range fixtures {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(path), b)
	}
	fns, err := testenv.MustTemplate(f).Functions()
	if err != nil {
		f.Fatal(err)
	}
	byFixture := map[string]string{}
	for _, fn := range fns {
		byFixture[samtemplate.FolderName(fn.LogicalID)+".json"] = fn.LogicalID
	}
	env := testenv.MustEnv(f)
	env.Config.SiteOrigin = "https://switchboard.example" // as deployed: sign-up and password reset need it for their links
	mustSeedDemo(f, env)
	handlers := map[string]lambda.Handler{}
	f.Fuzz(func(t *testing.T, fixture string, payload []byte) {
		fn, ok := byFixture[fixture]
		if !ok || constructors[fn] == nil {
			return
		}
		h, ok := handlers[fn]
		if !ok {
			h = lambda.NewHandler(constructors[fn](env))
			handlers[fn] = h
		}
		out, err := h.Invoke(context.Background(), payload)
		if err != nil {
			// The runtime could not decode the payload into the
			// function's event type: API Gateway never sends such a
			// thing, and the runtime reports it without calling us.
			if strings.Contains(err.Error(), "panic") {
				t.Fatalf("%s panicked: %v", fn, err)
			}
			return
		}
		var resp events.APIGatewayV2HTTPResponse
		if json.Unmarshal(out, &resp) != nil || resp.StatusCode == 0 {
			return // not an HTTP function
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("%s answered %d: %s", fn, resp.StatusCode, resp.Body)
		}
		if resp.Body != "" && !resp.IsBase64Encoded && !json.Valid([]byte(resp.Body)) &&
			!strings.HasPrefix(resp.Headers["Content-Type"], "text/csv") {
			t.Fatalf("%s answered %d with a body that is not JSON: %q", fn, resp.StatusCode, resp.Body)
		}
	})
}
