package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// fuzzSend calls h with a fuzzed req for the operation route (its path
// template in site/openapi.json): the answer may be any status the
// operation documents, never a 5xx, and its body must match that status's
// schema. The method is req's.
func fuzzSend(t testing.TB, h apigw.LambdaHandler, route string, req apigw.Request) apigw.Response {
	t.Helper()
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: handler error %v", req.RequestContext.HTTP.Method, route, err)
	}
	openapicheck.Fuzzed(t, req.RequestContext.HTTP.Method, route, resp.StatusCode, resp.Headers, resp.Body)
	// The schema check skips a body its status documents none for; such
	// an answer must still be JSON unless it says otherwise (the CSV
	// export, which the document describes as text/csv).
	if resp.Body != "" && !strings.HasPrefix(header(resp.Headers, "content-type"), "text/csv") && !json.Valid([]byte(resp.Body)) {
		t.Fatalf("%s %s: body is not JSON: %q", req.RequestContext.HTTP.Method, route, resp.Body)
	}
	return resp
}

// header is the value of the header name, whatever its case in headers.
func header(headers map[string]string, name string) string {
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
