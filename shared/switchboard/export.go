package switchboard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// ExportFormat is the file format of an export's parts.
type ExportFormat string

// The export formats: one JSON object per line, or CSV with a header row.
const (
	ExportNDJSON ExportFormat = "ndjson"
	ExportCSV    ExportFormat = "csv"
)

// Valid reports whether f is a known format.
func (f ExportFormat) Valid() bool { return f == ExportNDJSON || f == ExportCSV }

// ExportState is where an export job stands.
type ExportState string

// The states of an export: queued until the export function first takes
// it, running while parts are written, then done or failed.
const (
	ExportQueued  ExportState = "queued"
	ExportRunning ExportState = "running"
	ExportDone    ExportState = "done"
	ExportFailed  ExportState = "failed"
)

// Finished reports whether the job will not change any more.
func (s ExportState) Finished() bool { return s == ExportDone || s == ExportFailed }

// ExportSourceKind names what an export reads: the connection log of a
// merchant, or the developer's view of an app's calls (see EntrySource).
type ExportSourceKind string

// The source kinds.
const (
	// ExportConnectionLog is the call log of one connection of the job's
	// account.
	ExportConnectionLog ExportSourceKind = "connection"
	// ExportAppCalls is the calls of one app of the job's account across
	// every account that connected it, as its developer lists them
	// (AppCallLog).
	ExportAppCalls ExportSourceKind = "app"
)

// ExportSource names the entries an export reads: a kind and the id of
// what it reads (a connection id for ExportConnectionLog, an app id for
// ExportAppCalls).
type ExportSource struct {
	Kind ExportSourceKind `json:"kind"`
	ID   string           `json:"id"`
}

// Limits of exports.
const (
	// MaxExportRange is the longest time range one export covers: the
	// call log's default retention.
	MaxExportRange = 90 * 24 * time.Hour
	// ExportLifetime is how long a job and its files are kept (DynamoDB
	// TTL on the job, an S3 lifecycle rule on the exports/ prefix).
	ExportLifetime = 7 * 24 * time.Hour
	// MaxUnfinishedExports bounds the queued and running exports of one
	// source, so that a loop of clicks cannot queue unbounded work.
	MaxUnfinishedExports = 3
	// exportRetentionGrace lets a range that starts at the very edge of the
	// log's retention (the site's "last 90 days" computed a moment before
	// the request arrives, a client clock a little ahead) through.
	exportRetentionGrace = 5 * time.Minute
)

// ExportRequest is what a caller asks for.
type ExportRequest struct {
	From   time.Time
	To     time.Time
	Format ExportFormat
	Bodies bool
}

// Validate checks r against the log it exports, as of now: from before to,
// at most MaxExportRange apart, from no older than the log's retention,
// and a known format. Call it on the normalized request: a to in the
// future is cut to now (Normalize), so the export is a fixed snapshot of
// the log.
func (r ExportRequest) Validate(now time.Time, retention time.Duration) error {
	switch {
	case r.From.IsZero() || r.To.IsZero():
		return Errorf(EInvalid, "from and to are required, as RFC 3339 times such as 2026-11-24T10:00:00Z")
	case !r.Format.Valid():
		return Errorf(EInvalid, "format must be ndjson or csv")
	case !r.From.Before(r.To):
		return Errorf(EInvalid, "from must be before to")
	case r.To.Sub(r.From) > MaxExportRange:
		return Errorf(EInvalid, "an export covers at most %d days: narrow from and to", int(MaxExportRange.Hours()/24))
	case r.From.Before(now.Add(-retention - exportRetentionGrace)):
		return Errorf(EInvalid, "from is older than the log's retention of %d days: calls before %s are no longer kept",
			int(retention.Hours()/24), now.Add(-retention).UTC().Format(time.RFC3339))
	case !r.From.Before(now):
		return Errorf(EInvalid, "from must be in the past")
	}
	return nil
}

// Normalize cuts a future to to now and drops sub-microsecond noise, so
// the stored range is the one the files hold.
func (r ExportRequest) Normalize(now time.Time) ExportRequest {
	r.From, r.To = r.From.UTC(), r.To.UTC()
	if r.To.After(now) {
		r.To = now.UTC()
	}
	return r
}

// ExportPart is one written file of an export: a complete ndjson or CSV
// file of up to a part's worth of entries.
type ExportPart struct {
	Number  int    `json:"number"`
	Key     string `json:"-"` // the S3 object key; clients get a URL instead
	Entries int    `json:"entries"`
	Bytes   int64  `json:"bytes"`
}

// Export is one export job and its progress.
type Export struct {
	ID        string       `json:"id"`
	AccountID string       `json:"accountId"`
	Source    ExportSource `json:"source"`
	From      time.Time    `json:"from"`
	To        time.Time    `json:"to"`
	Format    ExportFormat `json:"format"`
	Bodies    bool         `json:"bodies"`
	State     ExportState  `json:"state"`
	CreatedBy string       `json:"createdBy"`
	CreatedAt time.Time    `json:"createdAt"`
	UpdatedAt time.Time    `json:"updatedAt"`
	// Entries counts the entries written in finished parts.
	Entries int          `json:"entries"`
	Parts   []ExportPart `json:"parts"`
	// Error says why a failed export failed, in words for the merchant.
	Error string `json:"error,omitempty"`
	// ExpiresAt is when the job and its files are deleted.
	ExpiresAt time.Time `json:"expiresAt"`

	// Cursor is the source's cursor after the last finished part: a run
	// that dies mid-part starts again from it (the part's object is
	// rewritten under the same key). Not part of the API.
	Cursor string `json:"-"`
	// Version counts the job's writes; every update is conditional on it,
	// so two runs cannot both advance one job.
	Version int `json:"-"`
	// LeaseUntil is when the run working the job gives it up if it has
	// not finished; another run takes it after that.
	LeaseUntil time.Time `json:"-"`
	// Attempts counts the runs that ended in an error; the job fails for
	// good after MaxExportAttempts of them.
	Attempts int `json:"-"`
}

// MaxExportAttempts is how many failed runs an export survives: a passing
// outage is retried by the next runs, a lasting one ends the job.
const MaxExportAttempts = 5

// NewExportID returns an export id that sorts by creation time.
func NewExportID(at time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return fmt.Sprintf("exp_%016x%s", at.UnixNano(), hex.EncodeToString(b[:]))
}

// ExportStore keeps export jobs.
type ExportStore interface {
	// CreateExport stores a new queued job.
	CreateExport(ctx context.Context, e Export) error
	// ListExports returns the unexpired jobs of one source in an account,
	// newest first.
	ListExports(ctx context.Context, accountID string, src ExportSource) ([]Export, error)
	// PendingExports returns the queued and running jobs of every account,
	// oldest first, for the export function.
	PendingExports(ctx context.Context) ([]Export, error)
	// UpdateExport writes e if its stored version is still prevVersion
	// (e.Version must be prevVersion+1); EConflict when another writer
	// got there first. A finished job leaves the pending list.
	UpdateExport(ctx context.Context, e Export, prevVersion int) error
}

// ExportEntry is one entry written to an export: a call and, when the
// export asked for them, its bodies or why they are unavailable.
type ExportEntry struct {
	Call Call
	// LocationName names the call's location in the developer's export
	// (ExportAppCalls), as the developer's listing does; empty in a
	// merchant's, whose entries name the connection instead.
	LocationName      string
	Bodies            *CallBodies
	BodiesUnavailable string // "not_archived" or "expired"
}

// EntrySource reads the entries an export writes, page by page, in the
// order the files list them. The cursor is opaque and kept in the job
// between runs, so a source must accept a cursor it returned in an earlier
// process. Bodies are not the source's concern: the writer reads them
// through the BodyArchive for every source alike.
type EntrySource interface {
	// Page returns up to limit calls after cursor ("" for the first page)
	// and the cursor of the next page, "" when there is none.
	Page(ctx context.Context, cursor string, limit int) ([]Call, string, error)
}

// ConnectionLogSource is the EntrySource of one connection's log over a
// time range, newest first as the Logs page lists it.
type ConnectionLogSource struct {
	Log                     CallLog
	AccountID, ConnectionID string
	From, To                time.Time
}

// Page implements EntrySource.
func (s ConnectionLogSource) Page(ctx context.Context, cursor string, limit int) ([]Call, string, error) {
	page, err := s.Log.ListCalls(ctx, s.AccountID, s.ConnectionID, CallFilter{From: s.From, To: s.To, Limit: min(limit, MaxPageSize), Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	return page.Calls, page.NextCursor, nil
}

// AppCallsSource is the EntrySource of one app's calls across accounts
// over a time range, newest first as the developer's listing gives them.
type AppCallsSource struct {
	Log      AppCallLog
	AppID    string
	From, To time.Time
}

// Page implements EntrySource.
func (s AppCallsSource) Page(ctx context.Context, cursor string, limit int) ([]Call, string, error) {
	page, err := s.Log.ListAppCalls(ctx, s.AppID, CallFilter{From: s.From, To: s.To, Limit: min(limit, MaxPageSize), Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	return page.Calls, page.NextCursor, nil
}

// BodiesReader reads both archived sides of a call at once, through the
// body archive's read path (BodyArchive.GetBody reads one side the same
// way); ENotFound once they have expired.
type BodiesReader interface {
	GetBodies(ctx context.Context, c Call) (CallBodies, error)
}

// ExportFiles keeps the parts of exports.
type ExportFiles interface {
	// PutPart stores one part under key, to be downloaded as filename.
	PutPart(ctx context.Context, key, contentType, filename string, body []byte) error
	// PartURL returns a time-limited URL that downloads the part as
	// filename.
	PartURL(ctx context.Context, key, filename string) (string, error)
}
