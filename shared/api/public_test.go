package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// public calls h with req as API Gateway hands a request without a session
// (sign-in, OAuth, invitations, a refused anonymous call) to the route at
// path, which sets the request's path and query when it has none, and
// checks the answer against site/openapi.json as signedIn.call does, so
// the anonymous answers cannot drift from the document either.
func public(tb testing.TB, h apigw.LambdaHandler, path string, req apigw.Request) apigw.Response {
	tb.Helper()
	if req.RawPath == "" {
		req.RawPath, req.RawQueryString, _ = strings.Cut(path, "?")
	}
	return send(tb, h, req)
}

// send calls h with req as API Gateway hands it over (session or not) and
// checks the answer against site/openapi.json: the helpers that build their
// own request (app log, connections, deliveries) go through it. A request
// given only QueryStringParameters gets the query string API Gateway would
// have seen, so the query-dependent checks see it too.
func send(tb testing.TB, h apigw.LambdaHandler, req apigw.Request) apigw.Response {
	tb.Helper()
	if req.RawQueryString == "" && len(req.QueryStringParameters) > 0 {
		q := url.Values{}
		for k, v := range req.QueryStringParameters {
			q.Set(k, v)
		}
		req.RawQueryString = q.Encode()
	}
	resp, err := h(context.Background(), req)
	if err != nil {
		tb.Fatalf("%s %s: handler error %v", req.RequestContext.HTTP.Method, req.RawPath, err)
	}
	openapicheck.Response(tb, req.RequestContext.HTTP.Method, req.RawPath, req.RawQueryString, resp.StatusCode, resp.Headers, resp.Body)
	return resp
}
