package api_test

import (
	"context"
	"maps"
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
	samePathParameters(tb, req)
	resp, err := h(context.Background(), req)
	if err != nil {
		tb.Fatalf("%s %s: handler error %v", req.RequestContext.HTTP.Method, req.RawPath, err)
	}
	openapicheck.Response(tb, req.RequestContext.HTTP.Method, req.RawPath, req.RawQueryString, resp.StatusCode, resp.Headers, resp.Body)
	return resp
}

// samePathParameters fails tb unless req's path routes, in site/openapi.json,
// to an operation whose path parameters are the ones the handler is given:
// a shortened or made-up path would have the answer checked against
// another operation than the one called.
func samePathParameters(tb testing.TB, req apigw.Request) {
	tb.Helper()
	route, routed, err := openapicheck.Route(req.RequestContext.HTTP.Method, req.RawPath)
	if err != nil {
		return // Response reports the path no operation documents
	}
	want := map[string]string{}
	for k, v := range req.PathParameters {
		want[k] = url.PathEscape(v)
	}
	if !maps.Equal(routed, want) {
		tb.Errorf("%s %s routes to %s with path parameters %v, but the handler is given %v", req.RequestContext.HTTP.Method, req.RawPath, route, routed, req.PathParameters)
	}
}
