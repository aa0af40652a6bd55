package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// maxExportBody bounds POST …/exports: four short fields.
const maxExportBody = 1 << 10

// ExportRequestBody is the body of POST …/exports. Times are strings so
// that a malformed one gets a message naming it.
type ExportRequestBody struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Format string `json:"format"`
	Bodies bool   `json:"bodies"`
}

// ExportPartView is one finished part as the API shows it: the link is
// presigned for an hour, and downloads the part under Filename.
type ExportPartView struct {
	Number   int    `json:"number"`
	Entries  int    `json:"entries"`
	Bytes    int64  `json:"bytes"`
	Filename string `json:"filename"`
	URL      string `json:"url,omitempty"`
}

// ExportView is an export job with its parts; URLs are given once the
// export is done, so a download is never half an export.
type ExportView struct {
	switchboard.Export
	Parts []ExportPartView `json:"parts"`
}

// ExportList is the answer of GET …/exports.
type ExportList struct {
	Exports []ExportView `json:"exports"`
}

// parseExportRequest reads and checks the body against the log's
// retention as of now.
func parseExportRequest(req apigw.Request, now time.Time, retention time.Duration) (switchboard.ExportRequest, error) {
	var in ExportRequestBody
	if err := apigw.DecodeJSON(req, &in, maxExportBody); err != nil {
		return switchboard.ExportRequest{}, err
	}
	r := switchboard.ExportRequest{Format: switchboard.ExportFormat(in.Format), Bodies: in.Bodies}
	for name, v := range map[string]struct {
		raw string
		dst *time.Time
	}{"from": {in.From, &r.From}, "to": {in.To, &r.To}} {
		if v.raw == "" {
			continue // Validate names the missing field
		}
		t, err := time.Parse(time.RFC3339, v.raw)
		if err != nil {
			return r, switchboard.Errorf(switchboard.EInvalid, "%s must be an RFC 3339 time such as 2026-11-24T10:00:00Z", name)
		}
		*v.dst = t
	}
	// A to in the future is cut to now first: "the last 90 days up to
	// the end of today" is a fine request.
	r = r.Normalize(now)
	return r, r.Validate(now, retention)
}

// Exports are what the export routes need: the jobs, and the files to
// sign their links.
type Exports struct {
	Store     switchboard.ExportStore
	Files     switchboard.ExportFiles
	Retention time.Duration
	Now       func() time.Time
}

// Start validates the request and records a queued job of src for p's
// account. The developer view's export calls it with its own source once
// the developer's ownership of the app is checked.
func (x Exports) Start(ctx context.Context, p switchboard.Principal, src switchboard.ExportSource, req apigw.Request) (apigw.Response, error) {
	now := x.Now().UTC()
	r, err := parseExportRequest(req, now, x.Retention)
	if err != nil {
		return apigw.Response{}, err
	}
	existing, err := x.Store.ListExports(ctx, p.AccountID, src)
	if err != nil {
		return apigw.Response{}, err
	}
	unfinished := 0
	for _, e := range existing {
		if !e.State.Finished() {
			unfinished++
		}
	}
	if unfinished >= switchboard.MaxUnfinishedExports {
		return apigw.Response{}, switchboard.Errorf(switchboard.EConflict, "%d exports of this log are still being written: wait for one to finish.", unfinished)
	}
	e := switchboard.Export{ID: switchboard.NewExportID(now), AccountID: p.AccountID, Source: src, From: r.From, To: r.To,
		Format: r.Format, Bodies: r.Bodies, State: switchboard.ExportQueued, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now,
		Parts: []switchboard.ExportPart{}, ExpiresAt: now.Add(switchboard.ExportLifetime).Truncate(time.Second), Version: 1} // TTL keeps seconds
	if err := x.Store.CreateExport(ctx, e); err != nil {
		return apigw.Response{}, err
	}
	view, err := x.view(ctx, e)
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.JSON(http.StatusAccepted, view)
}

// List returns src's exports in p's account, newest first.
func (x Exports) List(ctx context.Context, p switchboard.Principal, src switchboard.ExportSource) (apigw.Response, error) {
	jobs, err := x.Store.ListExports(ctx, p.AccountID, src)
	if err != nil {
		return apigw.Response{}, err
	}
	out := ExportList{Exports: make([]ExportView, 0, len(jobs))}
	for _, e := range jobs {
		v, err := x.view(ctx, e)
		if err != nil {
			return apigw.Response{}, err
		}
		out.Exports = append(out.Exports, v)
	}
	return apigw.JSON(http.StatusOK, out)
}

func (x Exports) view(ctx context.Context, e switchboard.Export) (ExportView, error) {
	v := ExportView{Export: e, Parts: make([]ExportPartView, 0, len(e.Parts))}
	for _, p := range e.Parts {
		pv := ExportPartView{Number: p.Number, Entries: p.Entries, Bytes: p.Bytes, Filename: exportFilename(e, p.Number)}
		if e.State == switchboard.ExportDone {
			url, err := x.Files.PartURL(ctx, p.Key, pv.Filename)
			if err != nil {
				return ExportView{}, err
			}
			pv.URL = url
		}
		v.Parts = append(v.Parts, pv)
	}
	return v, nil
}

// connectionExportSource checks the connection is the caller's account's,
// current or disconnected while its log is kept, as the Logs page does.
func connectionExportSource(ctx context.Context, conns LogConnections, p switchboard.Principal, req apigw.Request) (switchboard.ExportSource, error) {
	c, err := logConnection(ctx, conns, p.AccountID, strings.TrimSpace(req.PathParameters["connectionId"]))
	if err != nil {
		return switchboard.ExportSource{}, err
	}
	return switchboard.ExportSource{Kind: switchboard.ExportConnectionLog, ID: c.ID}, nil
}

// CreateConnectionExport serves POST /admin/v1/connections/{connectionId}/exports
// {from, to, format, bodies}: 202 with the queued job. Every role reads
// the log, so every role exports it.
func CreateConnectionExport(conns LogConnections, x Exports) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		src, err := connectionExportSource(ctx, conns, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return x.Start(ctx, p, src, req)
	}
}

// ListConnectionExports serves GET /admin/v1/connections/{connectionId}/exports.
func ListConnectionExports(conns LogConnections, x Exports) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		src, err := connectionExportSource(ctx, conns, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return x.List(ctx, p, src)
	}
}

// exportsOn builds the export routes' dependencies from env.
func exportsOn(env *platform.Env, s *dynamo.Store) Exports {
	return Exports{Store: s, Files: s3store.NewExports(env.S3(), env.Config.ArchiveBucket), Retention: logRetention(env), Now: time.Now}
}

// logRetention is how long the call log keeps entries: LOG_RETENTION_DAYS,
// 90 days when a configuration built by hand leaves it unset (as the
// store's default is).
func logRetention(env *platform.Env) time.Duration {
	if env.Config.LogRetentionDays < 1 {
		return 90 * 24 * time.Hour
	}
	return time.Duration(env.Config.LogRetentionDays) * 24 * time.Hour
}

// CreateConnectionExportFunction is CreateConnectionExportFunction in template.yaml.
func CreateConnectionExportFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return CreateConnectionExport(s, exportsOn(env, s)) })
}

// ListConnectionExportsFunction is ListConnectionExportsFunction in template.yaml.
func ListConnectionExportsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListConnectionExports(s, exportsOn(env, s)) })
}

// appExportSource checks p's account owns the request's {appId}, as the
// developer's listing of its calls does: another account's app is a 404.
func appExportSource(ctx context.Context, apps switchboard.DeveloperAppStore, p switchboard.Principal, req apigw.Request) (switchboard.ExportSource, error) {
	app, err := ownedApp(ctx, apps, p, strings.TrimSpace(req.PathParameters["appId"]))
	if err != nil {
		return switchboard.ExportSource{}, err
	}
	return switchboard.ExportSource{Kind: switchboard.ExportAppCalls, ID: app.ID}, nil
}

// CreateAppExport serves POST /admin/v1/developer/apps/{appId}/exports
// {from, to, format, bodies}: 202 with the queued export of the app's
// calls across accounts. Every role of the developer's account lists the
// calls, so every role exports them; the job is the developer account's.
func CreateAppExport(apps switchboard.DeveloperAppStore, x Exports) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		src, err := appExportSource(ctx, apps, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return x.Start(ctx, p, src, req)
	}
}

// ListAppExports serves GET /admin/v1/developer/apps/{appId}/exports.
func ListAppExports(apps switchboard.DeveloperAppStore, x Exports) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		src, err := appExportSource(ctx, apps, p, req)
		if err != nil {
			return apigw.Response{}, err
		}
		return x.List(ctx, p, src)
	}
}

// CreateAppExportFunction is CreateAppExportFunction in template.yaml.
func CreateAppExportFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return CreateAppExport(s, exportsOn(env, s)) })
}

// ListAppExportsFunction is ListAppExportsFunction in template.yaml.
func ListAppExportsFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListAppExports(s, exportsOn(env, s)) })
}
