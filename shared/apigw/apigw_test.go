package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestHandleWritesErrors(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantCode    string
		wantMessage string
		wantLogged  bool
	}{
		{"invalid", switchboard.Errorf(switchboard.EInvalid, "limit must be an integer"), http.StatusBadRequest, "invalid", "limit must be an integer", false},
		{"not found wrapped", fmt.Errorf("load: %w", switchboard.Errorf(switchboard.ENotFound, "no such app")), http.StatusNotFound, "not_found", "no such app", false},
		{"rate limited", switchboard.Errorf(switchboard.ERateLimited, "slow down"), http.StatusTooManyRequests, "rate_limited", "slow down", false},
		{"internal hides cause", errors.New("dial tcp 10.0.0.1:443: secret detail"), http.StatusInternalServerError, "internal", "An internal error occurred.", true},
		{"AWS failing through every retry is unavailable", fmt.Errorf("put order: %w", &retry.MaxAttemptsError{Attempt: 5, Err: errors.New("dial tcp: secret detail")}),
			http.StatusServiceUnavailable, "unavailable", "The service is busy; retry in a moment.", true},
		{"unknown code is internal", &switchboard.Error{Code: "made_up", Message: "x"}, http.StatusInternalServerError, "made_up", "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := apigw.Handle(platform.NewLogger(&logs, slog.LevelInfo), func(context.Context, apigw.Request) (apigw.Response, error) {
				return apigw.Response{}, tt.err
			})
			req := apigw.Request{RouteKey: "GET /x"}
			req.RequestContext.RequestID = "req-123"
			resp, err := h(context.Background(), req)
			if err != nil {
				t.Fatalf("handler returned error %v; API handlers must answer with a response", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", resp.Body, err)
			}
			if body.Error.Code != tt.wantCode || body.Error.Message != tt.wantMessage {
				t.Errorf("error = %+v, want code %q message %q", body.Error, tt.wantCode, tt.wantMessage)
			}
			if strings.Contains(resp.Body, "secret detail") {
				t.Errorf("internal cause leaked to the client: %s", resp.Body)
			}
			if got := resp.Headers["X-Request-Id"]; got != "req-123" {
				t.Errorf("X-Request-Id = %q, want req-123", got)
			}
			if logged := strings.Contains(logs.String(), "secret detail"); logged != tt.wantLogged {
				t.Errorf("cause logged = %v, want %v; logs: %s", logged, tt.wantLogged, logs.String())
			}
			if !strings.Contains(logs.String(), `"requestId":"req-123"`) {
				t.Errorf("access log lacks the request id: %s", logs.String())
			}
		})
	}
}

func TestHandleRecoversPanics(t *testing.T) {
	var logs bytes.Buffer
	h := apigw.Handle(platform.NewLogger(&logs, slog.LevelInfo), func(context.Context, apigw.Request) (apigw.Response, error) {
		panic("boom")
	})
	resp, err := h(context.Background(), apigw.Request{})
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got (%d, %v), want (500, nil)", resp.StatusCode, err)
	}
	if !strings.Contains(logs.String(), "panic") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestQueryInt(t *testing.T) {
	tests := []struct {
		raw     string
		want    int
		wantErr bool
	}{{"", 50, false}, {"7", 7, false}, {"-3", -3, false}, {"x", 0, true}, {"1e3", 0, true}, {"99999999999999999999", 0, true}}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			req := apigw.Request{QueryStringParameters: map[string]string{"limit": tt.raw}}
			got, err := apigw.QueryInt(req, "limit", 50)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("QueryInt(%q) = %d, %v; want %d, err %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
			if err != nil && switchboard.ErrorCode(err) != switchboard.EInvalid {
				t.Errorf("error code = %q, want invalid", switchboard.ErrorCode(err))
			}
		})
	}
}

func TestHandleAddsSecurityHeadersWithoutOverridingTheHandlers(t *testing.T) {
	h := apigw.Handle(platform.NewLogger(&bytes.Buffer{}, slog.LevelInfo), func(context.Context, apigw.Request) (apigw.Response, error) {
		return apigw.Response{StatusCode: http.StatusFound, Headers: map[string]string{"Referrer-Policy": "same-origin"}}, nil
	})
	resp, _ := h(context.Background(), apigw.Request{})
	want := map[string]string{
		"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "same-origin", // the handler's own choice stands
		"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	}
	for k, v := range want {
		if got := resp.Headers[k]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	errResp, _ := apigw.Handle(platform.NewLogger(&bytes.Buffer{}, slog.LevelInfo), func(context.Context, apigw.Request) (apigw.Response, error) {
		return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "bad")
	})(context.Background(), apigw.Request{})
	if errResp.Headers["X-Content-Type-Options"] != "nosniff" || errResp.Headers["Referrer-Policy"] != "no-referrer" {
		t.Errorf("error responses lack the security headers: %v", errResp.Headers)
	}
}

// TestDecodeJSONStrict: duplicate keys (which JSON parsers resolve
// differently, so a check and a use could read different values) and
// field names in the wrong case (which encoding/json would match silently)
// are refused with 400 invalid, at every depth; exact bodies decode.
func TestDecodeJSONStrict(t *testing.T) {
	type inner struct {
		Label string `json:"label"`
	}
	type body struct {
		Name   *string          `json:"name"`
		Items  []inner          `json:"items"`
		Nested *inner           `json:"nested"`
		Tags   map[string]inner `json:"tags"`
		Any    map[string]any   `json:"any"`
	}
	req := func(s string) apigw.Request {
		return apigw.Request{Headers: map[string]string{"content-type": "application/json"}, Body: s}
	}
	for _, bad := range []string{
		`{"name":"a","name":"b"}`,
		`{"Name":"a"}`,
		`{"NAME":"a"}`,
		`{"nested":{"label":"a","label":"b"}}`,
		`{"nested":{"Label":"a"}}`,
		`{"items":[{"label":"a"},{"LABEL":"b"}]}`,
		`{"tags":{"x":{"Label":"a"}}}`,
		`{"tags":{"x":{},"x":{}}}`,
		`{"any":{"k":1,"k":2}}`,
		`{"any":{"k":[{"a":1,"a":2}]}}`,
		`{"name":"a\u0000","nAme":"b"}`,
	} {
		var v body
		err := apigw.DecodeJSON(req(bad), &v, 4096)
		if switchboard.ErrorCode(err) != switchboard.EInvalid {
			t.Errorf("%s: error %v, want invalid", bad, err)
		}
	}
	for _, good := range []string{
		`{"name":"a","items":[{"label":"x"}],"nested":{"label":"y"},"tags":{"Label":{"label":"z"},"label":{}},"any":{"K":1,"k":2}}`,
		`{}`,
	} {
		var v body
		if err := apigw.DecodeJSON(req(good), &v, 4096); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
}

func TestClientAddress(t *testing.T) {
	tests := []struct {
		header, sourceIP, want string
	}{
		{"198.51.100.10:46532", "130.176.0.1", "198.51.100.10"},
		{"2001:db8:1:2:3:4:5:6:46532", "130.176.0.1", "2001:db8:1:2::/64"},
		{"::ffff:198.51.100.10:443", "130.176.0.1", "198.51.100.10"},
		{"", "192.0.2.1", "192.0.2.1"},
		{"not-an-address", "192.0.2.1", "192.0.2.1"},
		{"", "2001:db8::7", "2001:db8::/64"},
	}
	for _, tt := range tests {
		req := apigw.Request{Headers: map[string]string{}}
		if tt.header != "" {
			req.Headers["cloudfront-viewer-address"] = tt.header
		}
		req.RequestContext.HTTP.SourceIP = tt.sourceIP
		if got := apigw.ClientAddress(req); got != tt.want {
			t.Errorf("ClientAddress(%q, %q) = %q, want %q", tt.header, tt.sourceIP, got, tt.want)
		}
	}
}
