package api_test

import (
	"context"
	"encoding/json"
	"fmt"
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

// fatalTB records a Fatalf instead of failing the test that uses it.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

// TestExpandRoute: callAs's path is its route template filled from the
// path parameters, each one escaped segment; a shortened path (a template
// without the parameter's placeholder, as "/admin/v1/users" for
// "/admin/v1/users/{userId}" once was) or a missing value is refused, so a
// checked answer is always the answer of the operation really called.
func TestExpandRoute(t *testing.T) {
	tests := []struct {
		route   string
		params  map[string]string
		want    string
		refused bool
	}{
		{"/admin/v1/users", nil, "/admin/v1/users", false},
		{"/admin/v1/app-log?limit=2", nil, "/admin/v1/app-log?limit=2", false},
		{"/admin/v1/users/{userId}", map[string]string{"userId": "usr-member"}, "/admin/v1/users/usr-member", false},
		{"/admin/v1/teams/{teamId}/members/{userId}", map[string]string{"teamId": "../t", "userId": "USER#x"}, "/admin/v1/teams/..%2Ft/members/USER%23x", false},
		{"/admin/v1/users", map[string]string{"userId": "usr-member"}, "", true},
		{"/admin/v1/users/{userId}", nil, "", true},
		{"/admin/v1/teams/{teamId}/members/{userId}", map[string]string{"teamId": "t"}, "", true},
	}
	for _, tt := range tests {
		f := &fatalTB{TB: t}
		got := func() (got string) {
			defer func() {
				if r := recover(); r != nil && r != f {
					panic(r)
				}
			}()
			return expandRoute(f, tt.route, tt.params)
		}()
		if refused := f.msg != ""; refused != tt.refused || (!refused && got != tt.want) {
			t.Errorf("expandRoute(%s, %v) = %q (refusal %q), want %q refused=%v", tt.route, tt.params, got, f.msg, tt.want, tt.refused)
		}
	}
}
