package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// maxAppLogReads bounds the reads behind one page of the app log. The store
// filters after reading a time range, so a narrow filter can leave a read
// short; a few more reads fill the page, and the bound keeps a filter that
// matches almost nothing from scanning a year of events in one request (the
// client then follows the cursor).
const maxAppLogReads = 10

// maxFilterValueLength bounds the id filters: ids are short, and a value
// longer than any id can only be a mistake or a probe.
const maxFilterValueLength = 128

// AppLogActor says who caused an event, with the user's name resolved so
// that clients need not read the user directory.
type AppLogActor struct {
	Type   switchboard.ActorType `json:"type"`
	UserID string                `json:"userId,omitempty"`
	// Name is the user's name, the app's name, or "Switchboard"; empty for a
	// user who has since been removed from the account.
	Name string `json:"name,omitempty"`
}

// AppLogEntry is one event of the app log as the API shows it: the
// connection's snapshot is reduced to what a merchant reads, the scope
// before and after.
type AppLogEntry struct {
	ID            string                   `json:"id"`
	Type          switchboard.AppEventType `json:"type"`
	At            time.Time                `json:"at"`
	ConnectionID  string                   `json:"connectionId"`
	AppID         string                   `json:"appId"`
	AppName       string                   `json:"appName,omitempty"`
	LocationID    string                   `json:"locationId,omitempty"`
	InstanceLabel string                   `json:"instanceLabel,omitempty"`
	Actor         AppLogActor              `json:"actor"`
	Reason        string                   `json:"reason,omitempty"`
	ScopeBefore   string                   `json:"scopeBefore,omitempty"`
	ScopeAfter    string                   `json:"scopeAfter,omitempty"`
}

// AppLogPage is the answer of GET /admin/v1/app-log.
type AppLogPage struct {
	Events     []AppLogEntry `json:"events"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// appLogQuery reads the filters shared by the listing and the export.
// API Gateway joins a repeated parameter's values with commas, so
// type=a&type=b and type=a,b arrive alike.
func appLogQuery(req apigw.Request) (switchboard.AppEventFilter, error) {
	q := req.QueryStringParameters
	var f switchboard.AppEventFilter
	if raw := strings.TrimSpace(q["type"]); raw != "" {
		seen := map[switchboard.AppEventType]bool{}
		for _, part := range strings.Split(raw, ",") {
			t := switchboard.AppEventType(strings.TrimSpace(part))
			if t == "" {
				continue
			}
			if !t.Valid() {
				return f, switchboard.Errorf(switchboard.EInvalid, "type %q is not an app-log event type; use %s", clip(string(t)), eventTypeList())
			}
			if !seen[t] {
				seen[t] = true
				f.Types = append(f.Types, t)
			}
		}
	}
	for name, dst := range map[string]*string{"user": &f.ActorUserID, "app": &f.AppID, "location": &f.LocationID, "connection": &f.ConnectionID} {
		v := strings.TrimSpace(q[name])
		if utf8.RuneCountInString(v) > maxFilterValueLength || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return f, switchboard.Errorf(switchboard.EInvalid, "%s must be an id of at most %d characters", name, maxFilterValueLength)
		}
		*dst = v
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if raw := q[name]; raw != "" {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				return f, switchboard.Errorf(switchboard.EInvalid, "%s must be an RFC 3339 time such as 2026-11-24T10:00:00Z", name)
			}
			*dst = t
		}
	}
	return f, f.Validate()
}

func eventTypeList() string {
	names := make([]string, len(switchboard.AppEventTypes))
	for i, t := range switchboard.AppEventTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// clip keeps an echoed value short in error messages.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// readAppLog reads up to limit events from cursor, following the store's
// cursor through short pages, at most maxReads times.
func readAppLog(ctx context.Context, log switchboard.AppLog, accountID string, f switchboard.AppEventFilter, cursor string, limit, maxReads int) ([]switchboard.AppEvent, string, error) {
	var events []switchboard.AppEvent
	for read := 0; read < maxReads && len(events) < limit; read++ {
		page, err := log.ListEvents(ctx, accountID, f, switchboard.PageRequest{Limit: min(limit-len(events), switchboard.MaxPageSize), Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		events = append(events, page.Events...)
		cursor = page.NextCursor
		if cursor == "" {
			break
		}
	}
	return events, cursor, nil
}

// actorNames resolves actors' names: one read of the account's users,
// which are few, rather than one per event.
type actorNames map[string]string

func loadActorNames(ctx context.Context, dir switchboard.UserDirectory, accountID string) (actorNames, error) {
	users, err := dir.ListUsers(ctx, accountID)
	if err != nil {
		return nil, err
	}
	names := actorNames{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	return names, nil
}

// systemActorName is how events Switchboard caused itself are signed.
const systemActorName = "Switchboard"

func (n actorNames) entry(e switchboard.AppEvent) AppLogEntry {
	out := AppLogEntry{ID: e.ID, Type: e.Type, At: e.At, ConnectionID: e.ConnectionID, AppID: e.AppID,
		LocationID: e.LocationID, Reason: e.Reason}
	for _, c := range []*switchboard.Connection{e.After, e.Before} {
		if c != nil {
			out.AppName, out.InstanceLabel = c.AppName, c.InstanceLabel
			break
		}
	}
	if e.Before != nil {
		out.ScopeBefore = e.Before.Scope
	}
	if e.After != nil {
		out.ScopeAfter = e.After.Scope
	}
	out.Actor = AppLogActor{Type: e.ActorType, UserID: e.ActorUserID}
	switch e.ActorType {
	case "", switchboard.ActorUser: // events written before actor types were users'
		out.Actor.Type, out.Actor.Name = switchboard.ActorUser, n[e.ActorUserID]
	case switchboard.ActorApp:
		out.Actor.Name = out.AppName
	case switchboard.ActorSystem:
		out.Actor.Name = systemActorName
	}
	return out
}

// ListAppLog serves GET /admin/v1/app-log?type=&user=&app=&location=
// &connection=&from=&to=&cursor=&limit=: the caller's account's lifecycle
// events, newest first, for every role. Pages are full unless the log
// ends or maxAppLogReads reads were not enough; nextCursor then continues.
func ListAppLog(log switchboard.AppLog, dir switchboard.UserDirectory) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		f, err := appLogQuery(req)
		if err != nil {
			return apigw.Response{}, err
		}
		limit, err := apigw.QueryInt(req, "limit", switchboard.DefaultPageSize)
		if err != nil {
			return apigw.Response{}, err
		}
		if limit < 1 || limit > switchboard.MaxPageSize {
			return apigw.Response{}, switchboard.Errorf(switchboard.EInvalid, "limit must be between 1 and %d", switchboard.MaxPageSize)
		}
		events, next, err := readAppLog(ctx, log, p.AccountID, f, req.QueryStringParameters["cursor"], limit, maxAppLogReads)
		if err != nil {
			return apigw.Response{}, err
		}
		names, err := loadActorNames(ctx, dir, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		page := AppLogPage{Events: make([]AppLogEntry, 0, len(events)), NextCursor: next}
		for _, e := range events {
			page.Events = append(page.Events, names.entry(e))
		}
		return apigw.JSON(http.StatusOK, page)
	}
}

// ListAppLogFunction is ListAppLogFunction in template.yaml.
func ListAppLogFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ListAppLog(s, s) })
}

// MaxAppLogExportRows bounds an export: a year of a busy account's log fits,
// and the file stays well under Lambda's 6 MB response limit (a row is a
// few hundred bytes). A bigger selection is cut to the newest rows, and the
// X-Export-Truncated header says so.
const MaxAppLogExportRows = 10_000

// maxAppLogExportReads bounds the reads of one export: enough for the row
// limit in full pages, with room for filters that keep few events.
const maxAppLogExportReads = 300

// appLogCSVHeader names the export's columns; rows follow AppLogEntry.
var appLogCSVHeader = []string{"at", "type", "app_id", "app_name", "location_id", "instance_label", "connection_id",
	"actor_type", "actor_user_id", "actor_name", "reason", "scope_before", "scope_after", "event_id"}

func appLogCSVRow(e AppLogEntry) []string {
	row := []string{e.At.UTC().Format(time.RFC3339Nano), string(e.Type), e.AppID, e.AppName, e.LocationID, e.InstanceLabel, e.ConnectionID,
		string(e.Actor.Type), e.Actor.UserID, e.Actor.Name, e.Reason, e.ScopeBefore, e.ScopeAfter, e.ID}
	for i, cell := range row {
		row[i] = csvSafe(cell)
	}
	return row
}

// csvSafe keeps a spreadsheet from running a cell as a formula (CSV
// injection): a cell that starts with one of = + - @ or their fullwidth
// forms (which spreadsheets fold to ASCII), or with whitespace, a control
// or an invisible format character (zero-width space, BOM, bidi marks: some
// spreadsheets skip them before a formula), is prefixed with a single
// quote, which spreadsheets show as text. Instance labels and reasons are
// free text, hence the guard on every cell.
func csvSafe(cell string) string {
	r, _ := utf8.DecodeRuneInString(cell)
	if cell != "" && (strings.ContainsRune("=+-@＝＋－＠", r) || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
		return "'" + cell
	}
	return cell
}

// ExportAppLog serves GET /admin/v1/app-log/export with the listing's
// filters: the filtered log, newest first, as a CSV attachment of at most
// maxRows rows. X-Export-Rows counts them; X-Export-Truncated is true when
// more events matched (narrow the time range to get the rest).
func ExportAppLog(log switchboard.AppLog, dir switchboard.UserDirectory, maxRows int) AuthedHandler {
	return func(ctx context.Context, p switchboard.Principal, req apigw.Request) (apigw.Response, error) {
		f, err := appLogQuery(req)
		if err != nil {
			return apigw.Response{}, err
		}
		events, next, err := readAppLog(ctx, log, p.AccountID, f, "", maxRows, maxAppLogExportReads)
		if err != nil {
			return apigw.Response{}, err
		}
		names, err := loadActorNames(ctx, dir, p.AccountID)
		if err != nil {
			return apigw.Response{}, err
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write(appLogCSVHeader) // a bytes.Buffer does not fail; w.Error reports any error below
		for _, e := range events {
			_ = w.Write(appLogCSVRow(names.entry(e)))
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return apigw.Response{}, fmt.Errorf("write app-log CSV: %w", err)
		}
		// A cursor left means more events matched than were exported;
		// the last read may also have ended exactly at the limit.
		truncated := next != ""
		if truncated && len(events) == maxRows {
			more, err := log.ListEvents(ctx, p.AccountID, f, switchboard.PageRequest{Limit: 1, Cursor: next})
			if err != nil {
				return apigw.Response{}, err
			}
			truncated = len(more.Events) > 0 || more.NextCursor != ""
		}
		name := "app-log-" + time.Now().UTC().Format("20060102T150405Z") + ".csv"
		return apigw.Response{StatusCode: http.StatusOK, Body: buf.String(), Headers: map[string]string{
			"Content-Type":           "text/csv; charset=utf-8",
			"Content-Disposition":    `attachment; filename="` + name + `"`,
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
			"X-Export-Rows":          strconv.Itoa(len(events)),
			"X-Export-Truncated":     strconv.FormatBool(truncated),
		}}, nil
	}
}

// ExportAppLogFunction is ExportAppLogFunction in template.yaml.
func ExportAppLogFunction(env *platform.Env) apigw.LambdaHandler {
	return sessionRoute(env, func(s *dynamo.Store) AuthedHandler { return ExportAppLog(s, s, MaxAppLogExportRows) })
}
