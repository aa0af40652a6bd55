package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// One request id for both sides (issue 18): the merchant finds a call of
// the account by its X-Request-Id whatever the connection, and the app's
// developer lists the app's calls across accounts and finds the same id.

// FoundConnection is the connection a call found by request id went
// through: enough to open its log, and whether it is still connected.
type FoundConnection struct {
	ConnectionID  string `json:"connectionId"`
	AppID         string `json:"appId,omitempty"`
	AppName       string `json:"appName,omitempty"`
	InstanceLabel string `json:"instanceLabel,omitempty"`
	LocationID    string `json:"locationId,omitempty"`
	// Disconnected is true when the connection was disconnected (or, for
	// a very old entry, is gone): its log is still read until it expires.
	Disconnected   bool       `json:"disconnected"`
	DisconnectedAt *time.Time `json:"disconnectedAt,omitempty"`
}

// FoundCall is the answer of GET /admin/v1/calls/{requestId}: the entry as
// the logs page's detail shows it, and its connection.
type FoundCall struct {
	LogEntry
	Connection FoundConnection `json:"connection"`
}

// FindCall serves GET /admin/v1/calls/{requestId}: one key read finds the
// call, which must be the caller's account's (another account's id is a
// 404 like an unknown one); its connection is then read in that account,
// current or disconnected.
func FindCall(conns LogConnections, calls switchboard.AccountCalls, archive switchboard.BodyArchive) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		call, err := calls.FindAccountCall(ctx, p.AccountID, req.PathParameters["requestId"])
		if err != nil {
			return apigw.Response{}, err
		}
		found := FoundConnection{ConnectionID: call.ConnectionID, AppID: call.AppID, LocationID: call.LocationID}
		var connErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			c, err := logConnection(ctx, conns, p.AccountID, call.ConnectionID)
			switch {
			case err == nil:
				found = FoundConnection{ConnectionID: c.ID, AppID: c.AppID, AppName: c.AppName, InstanceLabel: c.InstanceLabel,
					LocationID: c.LocationID, Disconnected: c.DisconnectedAt != nil, DisconnectedAt: c.DisconnectedAt}
			case switchboard.ErrorCode(err) == switchboard.ENotFound:
				found.Disconnected = true // its record is gone; the entry outlives it until it expires
			default:
				connErr = err
			}
		}()
		entry, err := logEntry(ctx, archive, call)
		<-done
		if err != nil {
			return apigw.Response{}, err
		}
		if connErr != nil {
			return apigw.Response{}, connErr
		}
		return apigw.JSON(http.StatusOK, FoundCall{LogEntry: entry, Connection: found})
	}
}

// AppCall is one call as the app's developer sees it: the same entry and
// request id as the merchant's, naming the merchant by account id and
// location name only, as far as the merchant's grant goes (no connection,
// user or account name).
type AppCall struct {
	RequestID      string    `json:"requestId"`
	AccountID      string    `json:"accountId"`
	LocationName   string    `json:"locationName,omitempty"`
	At             time.Time `json:"at"`
	Resource       string    `json:"resource"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	Query          string    `json:"query,omitempty"`
	Status         int       `json:"status"`
	LatencyMs      int64     `json:"latencyMs"`
	RequestBytes   int       `json:"requestBytes"`
	ResponseBytes  int       `json:"responseBytes"`
	BodiesArchived bool      `json:"bodiesArchived"`
	Error          string    `json:"error,omitempty"`
}

// AppCallPage is the answer of the developer's listing.
type AppCallPage struct {
	Calls      []AppCall `json:"calls"`
	NextCursor string    `json:"nextCursor,omitempty"`
}

// AppCallEntry is one call with its bodies, for the developer.
type AppCallEntry struct {
	Call              AppCall  `json:"call"`
	BodiesAvailable   bool     `json:"bodiesAvailable"`
	BodiesUnavailable string   `json:"bodiesUnavailable,omitempty"`
	Request           *LogBody `json:"request,omitempty"`
	Response          *LogBody `json:"response,omitempty"`
}

// LocationNames reads the names of an account's locations.
type LocationNames interface {
	ListLocations(ctx context.Context, accountID string) ([]switchboard.Location, error)
}

var _ LocationNames = (*dynamo.Store)(nil)

// appCalls turns calls into the developer's entries, naming each
// location: one read of the locations per account on the page.
func appCalls(ctx context.Context, locs LocationNames, calls []switchboard.Call) ([]AppCall, error) {
	names := map[string]map[string]string{}
	for _, c := range calls {
		if c.LocationID != "" {
			names[c.AccountID] = nil
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	sem := make(chan struct{}, 8)
	for account := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ls, err := locs.ListLocations(ctx, account)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = err
				return
			}
			byID := map[string]string{}
			for _, l := range ls {
				byID[l.ID] = l.Name
			}
			names[account] = byID
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	out := make([]AppCall, len(calls))
	for i, c := range calls {
		out[i] = appCallOf(c, names[c.AccountID][c.LocationID])
	}
	return out, nil
}

// appCallOf is c as its app's developer sees it: the listing and the
// developer's export share it, so their entries cannot drift apart.
func appCallOf(c switchboard.Call, locationName string) AppCall {
	return AppCall{RequestID: c.RequestID, AccountID: c.AccountID, LocationName: locationName, At: c.At,
		Resource: c.Resource, Method: c.Method, Path: c.Path, Query: c.Query, Status: c.Status, LatencyMs: c.LatencyMs,
		RequestBytes: c.RequestBytes, ResponseBytes: c.ResponseBytes, BodiesArchived: c.BodiesArchived, Error: c.Error}
}

// ListAppCalls serves GET /admin/v1/developer/apps/{appId}/calls for the
// app's developer (another account's app is a 404): the app's calls in
// every account that connected it, newest first, with the logs page's
// filters (resource, method, status, from, to) and cursor. Calls appear
// once the roll-up has closed their minute; one call is found at once by
// request id (GetAppCall).
func ListAppCalls(apps switchboard.DeveloperAppStore, log switchboard.AppCallLog, locs LocationNames) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		app, err := ownedApp(ctx, apps, p, req.PathParameters["appId"])
		if err != nil {
			return apigw.Response{}, err
		}
		f, err := callFilter(req)
		if err != nil {
			return apigw.Response{}, err
		}
		page, err := log.ListAppCalls(ctx, app.ID, f)
		if err != nil {
			return apigw.Response{}, err
		}
		calls, err := appCalls(ctx, locs, page.Calls)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, AppCallPage{Calls: calls, NextCursor: page.NextCursor})
	}
}

// appCall finds the request's {requestId} among the calls of the
// request's {appId}, which p's account must own.
func appCall(ctx context.Context, apps switchboard.DeveloperAppStore, log switchboard.AppCallLog, p switchboard.Principal, req apigw.Request) (switchboard.Call, error) {
	app, err := ownedApp(ctx, apps, p, req.PathParameters["appId"])
	if err != nil {
		return switchboard.Call{}, err
	}
	return log.FindAppCall(ctx, app.ID, req.PathParameters["requestId"])
}

// GetAppCall serves GET /admin/v1/developer/apps/{appId}/calls/{requestId}:
// the developer's side of a support conversation, one key read whatever
// the account, with the bodies the merchant sees.
func GetAppCall(apps switchboard.DeveloperAppStore, log switchboard.AppCallLog, locs LocationNames, archive switchboard.BodyArchive) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		call, err := appCall(ctx, apps, log, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		entry, err := logEntry(ctx, archive, call)
		if err != nil {
			return apigw.Response{}, err
		}
		named, err := appCalls(ctx, locs, []switchboard.Call{call})
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, AppCallEntry{Call: named[0], BodiesAvailable: entry.BodiesAvailable,
			BodiesUnavailable: entry.BodiesUnavailable, Request: entry.Request, Response: entry.Response})
	}
}

// DownloadAppCallBody serves GET …/developer/apps/{appId}/calls/{requestId}/request
// and …/response: the merchant's download (bodyDownload) after the
// developer's check.
func DownloadAppCallBody(apps switchboard.DeveloperAppStore, log switchboard.AppCallLog, archive switchboard.BodyArchive) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		kind, err := bodyKindOf(req)
		if err != nil {
			return apigw.Response{}, err
		}
		call, err := appCall(ctx, apps, log, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return bodyDownload(ctx, archive, call, kind)
	}
}

// FindCallFunction is FindCallFunction in template.yaml.
func FindCallFunction(env *platform.Env) apigw.LambdaHandler {
	return logRoute(env, func(s, bodies *dynamo.Store) AuthedHandler { return FindCall(s, s, bodies) })
}

// ListAppCallsFunction is ListAppCallsFunction in template.yaml.
func ListAppCallsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListAppCalls(s, s, s) })
}

// GetAppCallFunction is GetAppCallFunction in template.yaml.
func GetAppCallFunction(env *platform.Env) apigw.LambdaHandler {
	return logRoute(env, func(s, bodies *dynamo.Store) AuthedHandler { return GetAppCall(s, s, s, bodies) })
}

// DownloadAppCallBodyFunction is DownloadAppCallBodyFunction in template.yaml.
func DownloadAppCallBodyFunction(env *platform.Env) apigw.LambdaHandler {
	return logRoute(env, func(s, bodies *dynamo.Store) AuthedHandler { return DownloadAppCallBody(s, s, bodies) })
}
