// Package openapicheck checks answers the tests receive against the API
// document the site serves (site/openapi.json): the status must be one the
// operation documents, and the body must match that status's schema. Route
// tests call it on what they receive, so the document cannot drift from
// the handlers again (5 of 76 real answers once failed it).
package openapicheck

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

var (
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	errDoc error
)

// load reads site/openapi.json once, relative to this file (tests run in
// their package's directory).
func load() (routers.Router, error) {
	once.Do(func() {
		_, here, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(here), "..", "..", "site", "openapi.json")
		raw, errRead := os.ReadFile(path)
		if errRead != nil {
			errDoc = fmt.Errorf("read %s: %w", path, errRead)
			return
		}
		var err error
		doc, err = openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			errDoc = fmt.Errorf("load %s: %w", path, err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			errDoc = fmt.Errorf("%s is not a valid OpenAPI document: %w", path, err)
			return
		}
		router, errDoc = gorillamux.NewRouter(doc)
	})
	return router, errDoc
}

// Response fails tb unless the answer (status, headers, body) to method
// path is what site/openapi.json documents for that operation: a
// documented status and, for a JSON body, its schema. rawQuery is the
// request's query string, without "?".
func Response(tb testing.TB, method, path, rawQuery string, status int, headers map[string]string, body string) {
	tb.Helper()
	if err := Check(method, path, rawQuery, status, headers, body); err != nil {
		tb.Errorf("%s %s answered %d, which site/openapi.json does not document: %v\nbody: %.500s", method, path, status, err, body)
	}
}

// Check is Response returning what does not match, or nil.
func Check(method, path, rawQuery string, status int, headers map[string]string, body string) error {
	r, err := load()
	if err != nil {
		return err
	}
	// path is as sent, escaped: an id holding "/" is one %2F-escaped
	// segment, as API Gateway would route it.
	u, err := url.Parse("http://localhost" + path)
	if err != nil {
		return err
	}
	u.RawQuery = rawQuery
	req, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		return err
	}
	route, params, err := r.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no documented operation: %w", err)
	}
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 h,
		Body:                   io.NopCloser(bytes.NewReader([]byte(body))),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// Fuzzed fails tb when a fuzz target's answer from the operation method
// route (its template, "/admin/v1/users/{userId}") is a 5xx, a status the
// operation does not document, or a body that does not match that
// status's schema. The operation is found by its template, not by routing
// the path: a fuzzed path parameter (empty, "/", "..") may not route at
// all, yet the handler's answer must still be one the operation documents.
func Fuzzed(tb testing.TB, method, route string, status int, headers map[string]string, body string) {
	tb.Helper()
	if status >= 500 {
		tb.Fatalf("%s %s answered %d: %.500s", method, route, status, body)
	}
	if err := CheckRoute(method, route, status, headers, body); err != nil {
		tb.Fatalf("%s %s answered %d, which site/openapi.json does not document: %v\nbody: %.500s", method, route, status, err, body)
	}
}

// CheckRoute is Check for the operation named by its path template. The
// request's own path and query are not needed to check an answer, and a
// fuzzed one need not even parse as a URL.
func CheckRoute(method, route string, status int, headers map[string]string, body string) error {
	if _, err := load(); err != nil {
		return err
	}
	item := doc.Paths.Value(route)
	if item == nil {
		return fmt.Errorf("no documented path %s", route)
	}
	op := item.GetOperation(method)
	if op == nil {
		return fmt.Errorf("no documented operation %s %s", method, route)
	}
	req, err := http.NewRequest(method, "http://localhost/", nil)
	if err != nil {
		return err
	}
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req,
			Route: &routers.Route{Spec: doc, Path: route, PathItem: item, Method: method, Operation: op}},
		Status:  status,
		Header:  h,
		Body:    io.NopCloser(bytes.NewReader([]byte(body))),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// Route returns the documented operation's path template that method path
// reaches, and the path parameters routing reads from path, so a test can
// tell that the path it sent and the parameters it gave the handler name
// the same resource.
func Route(method, path string) (string, map[string]string, error) {
	r, err := load()
	if err != nil {
		return "", nil, err
	}
	u, err := url.Parse("http://localhost" + path)
	if err != nil {
		return "", nil, err
	}
	req, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		return "", nil, err
	}
	route, params, err := r.FindRoute(req)
	if err != nil {
		return "", nil, fmt.Errorf("no documented operation: %w", err)
	}
	return route.Path, params, nil
}
