package openapicheck

import (
	"strings"
	"testing"
)

// TestCheckRoute: an answer is checked against the operation named by its
// template, whatever path it was sent to; an undocumented status, a body
// off its schema and an unknown operation are each refused.
func TestCheckRoute(t *testing.T) {
	jsonHeaders := map[string]string{"content-type": "application/json"}
	notFound := `{"error":{"code":"not_found","message":"not found"}}`
	tests := []struct {
		name, method, route string
		status              int
		body, wantErr       string
	}{
		{"documented error", "GET", "/admin/v1/connections/{connectionId}/activity", 404, notFound, ""},
		{"undocumented status", "GET", "/admin/v1/overview", 404, notFound, "status is not supported"},
		{"body off its schema", "GET", "/admin/v1/connections/{connectionId}/activity", 404, `{"error":"not_found"}`, "response body doesn't match"},
		{"unknown error code", "GET", "/admin/v1/connections/{connectionId}/activity", 404, `{"error":{"code":"gone","message":"x"}}`, "response body doesn't match"},
		{"unknown path", "GET", "/admin/v1/nowhere", 200, `{}`, "no documented path"},
		{"unknown method", "PATCH", "/admin/v1/overview", 200, `{}`, "no documented operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRoute(tt.method, tt.route, tt.status, jsonHeaders, tt.body)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one with %q", err, tt.wantErr)
			}
		})
	}
}

// failed records whether a check failed the test, without failing this one.
type failed struct {
	testing.TB
	msg string
}

func (f *failed) Helper() {}
func (f *failed) Fatalf(format string, args ...any) {
	f.msg = format
	panic(f)
}

// TestFuzzedRefuses5xx: a fuzz answer of 500 fails even where the
// operation documents no 500 body to compare it with, and a documented 4xx
// passes.
func TestFuzzedRefuses5xx(t *testing.T) {
	run := func(status int, body string) (msg string) {
		f := &failed{TB: t}
		defer func() {
			if r := recover(); r != nil && r != f {
				panic(r)
			}
			msg = f.msg
		}()
		Fuzzed(f, "GET", "/admin/v1/apps", status, map[string]string{"content-type": "application/json"}, body)
		return ""
	}
	if msg := run(500, `{"error":{"code":"internal","message":"internal error"}}`); msg == "" {
		t.Error("a 500 passed")
	}
	if msg := run(400, `{"error":{"code":"invalid","message":"limit is not a number"}}`); msg != "" {
		t.Errorf("a documented 400 failed: %s", msg)
	}
}
