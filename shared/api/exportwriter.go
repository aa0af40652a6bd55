package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Exports are written outside the request that asks for them: the POST
// records a queued job, and RunExportsFunction, scheduled every minute,
// works the pending jobs. It reads the job's EntrySource a part at a time,
// writes each part to S3 as a complete file, then checkpoints the source's
// cursor, the part and the progress in the job with one conditional put.
// A run that dies between the two writes leaves the cursor where it was:
// the next run rewrites the same part under the same key. A lease in the
// job keeps two runs off one job.

// ExportPartEntries is how many entries one part holds at most: a part
// of calls with bodies stays a few tens of MB at most (bodies are capped
// at 64 KB a side), written in one request, and a merchant's spreadsheet
// opens it.
const ExportPartEntries = 5000

// exportPartBodyBytes bounds the bodies one part holds, estimated from the
// calls' request and response sizes: 5,000 calls of 64 KB a side would be
// 640 MB, more than the function's memory. A part ends at the page that
// passes it (a page adds at most 100 calls).
const exportPartBodyBytes = 64 << 20

// exportLease is how long a run holds a job without checkpointing: longer
// than one part takes, short enough that a crashed run's job is picked up
// by the next minutes' runs.
const exportLease = 3 * time.Minute

// exportStopMargin is how long before its deadline a run stops starting
// parts: the part in progress must be written and checkpointed in time.
const exportStopMargin = 90 * time.Second

// exportBodyReads bounds the concurrent body reads of one part.
const exportBodyReads = 16

// ExportSourceOpener builds the EntrySource a job reads. Each source kind
// has one. Another log plugs in with four pieces: a kind in switchboard,
// an EntrySource over its query (paged as ConnectionLogSource pages
// ListCalls), an opener in NewExportWriter's Sources, and routes that
// check the caller may read that log, then call Exports.Start and
// Exports.List with the source. The developer's view (ExportAppCalls) is
// the one kind whose entries differ: they name the account id and the
// location name instead of the connection, as its listing does. The job belongs to the caller's account
// whatever the calls' accounts; bodies are read by each call's own
// account (Call.AccountID).
type ExportSourceOpener func(ctx context.Context, e switchboard.Export) (switchboard.EntrySource, error)

// ExportWriter works export jobs.
type ExportWriter struct {
	Store switchboard.ExportStore
	Files switchboard.ExportFiles
	// Bodies returns the body archive one job reads through: a fresh one
	// per job, so its cache of archived batches lives as long as the job.
	Bodies  func() switchboard.BodiesReader
	Sources map[switchboard.ExportSourceKind]ExportSourceOpener
	// Locations names the locations of the developer's export's entries.
	Locations   LocationNames
	PartEntries int
	Now         func() time.Time
	Logger      *slog.Logger
}

// RunPending works every pending job whose lease is free, oldest first,
// until ctx's deadline is near, and returns how many parts it wrote. A
// job's error is logged and counted in the job; the run goes on with the
// next job, and fails (for the function's error metric) only when it
// cannot read the pending list.
func (w *ExportWriter) RunPending(ctx context.Context) (int, error) {
	jobs, err := w.Store.PendingExports(ctx)
	if err != nil {
		return 0, err
	}
	parts := 0
	for _, e := range jobs {
		if w.nearDeadline(ctx) {
			break
		}
		if e.LeaseUntil.After(w.Now()) {
			continue // another run holds it
		}
		n, err := w.Run(ctx, e)
		parts += n
		if err != nil {
			w.Logger.Error("export run failed", "exportId", e.ID, "accountId", e.AccountID, "error", err)
		}
	}
	return parts, nil
}

func (w *ExportWriter) nearDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && time.Until(d) < exportStopMargin
}

// save checkpoints e over prev: the next version, the lease renewed.
func (w *ExportWriter) save(ctx context.Context, e *switchboard.Export, lease time.Duration) error {
	prev := e.Version
	e.Version++
	e.UpdatedAt = w.Now().UTC()
	e.LeaseUntil = e.UpdatedAt.Add(lease)
	return w.Store.UpdateExport(ctx, *e, prev)
}

// Run takes e's lease and writes its parts until the source ends or the
// deadline nears; it returns how many parts it wrote. Losing the job to
// another run (a conflict) ends the run quietly.
func (w *ExportWriter) Run(ctx context.Context, e switchboard.Export) (int, error) {
	e.State = switchboard.ExportRunning
	if err := w.save(ctx, &e, exportLease); err != nil {
		if switchboard.ErrorCode(err) == switchboard.EConflict {
			return 0, nil
		}
		return 0, err
	}
	open, ok := w.Sources[e.Source.Kind]
	if !ok {
		return 0, w.fail(ctx, &e, fmt.Errorf("no source for export kind %q", e.Source.Kind))
	}
	src, err := open(ctx, e)
	if err != nil {
		return 0, w.retryOrFail(ctx, &e, err)
	}
	bodies := w.Bodies()
	written := 0
	for {
		if w.nearDeadline(ctx) {
			// Hand the job to the next run now rather than when the lease ends.
			return written, w.save(ctx, &e, 0)
		}
		calls, next, err := readPart(ctx, src, e.Cursor, w.PartEntries, e.Bodies)
		if err != nil {
			return written, w.retryOrFail(ctx, &e, err)
		}
		if len(calls) > 0 || len(e.Parts) == 0 { // an empty export still gets its one (header-only) file
			part, err := w.writePart(ctx, e, len(e.Parts)+1, calls, bodies)
			if err != nil {
				return written, w.retryOrFail(ctx, &e, err)
			}
			e.Parts = append(e.Parts, part)
			e.Entries += part.Entries
			written++
		}
		e.Cursor = next
		if next == "" {
			e.State, e.LeaseUntil = switchboard.ExportDone, time.Time{}
		}
		if err := w.save(ctx, &e, exportLease); err != nil {
			if switchboard.ErrorCode(err) == switchboard.EConflict {
				return written, nil
			}
			return written, err
		}
		if e.State == switchboard.ExportDone {
			return written, nil
		}
	}
}

// retryOrFail counts a failed run in the job and releases it for the next
// run, or fails it after MaxExportAttempts. It returns cause.
func (w *ExportWriter) retryOrFail(ctx context.Context, e *switchboard.Export, cause error) error {
	if switchboard.ErrorCode(cause) == switchboard.EConflict {
		return nil
	}
	e.Attempts++
	if e.Attempts >= switchboard.MaxExportAttempts {
		return w.fail(ctx, e, cause)
	}
	if err := w.save(ctx, e, 0); err != nil && switchboard.ErrorCode(err) != switchboard.EConflict {
		return fmt.Errorf("%w (and release: %v)", cause, err)
	}
	return cause
}

// fail ends the job for good; the merchant reads why and starts another.
func (w *ExportWriter) fail(ctx context.Context, e *switchboard.Export, cause error) error {
	e.State = switchboard.ExportFailed
	e.Error = "The export could not be written. Start it again; if it fails again, contact support."
	if err := w.save(ctx, e, 0); err != nil && switchboard.ErrorCode(err) != switchboard.EConflict {
		return fmt.Errorf("%w (and fail: %v)", cause, err)
	}
	return cause
}

// readPart reads up to n calls from cursor, following the source's pages,
// and, with bodies, until their sizes pass exportPartBodyBytes.
func readPart(ctx context.Context, src switchboard.EntrySource, cursor string, n int, withBodies bool) ([]switchboard.Call, string, error) {
	var calls []switchboard.Call
	bodyBytes := 0
	first := true
	for len(calls) < n && (first || cursor != "") && (!withBodies || bodyBytes < exportPartBodyBytes) {
		first = false
		page, next, err := src.Page(ctx, cursor, min(n-len(calls), switchboard.MaxPageSize))
		if err != nil {
			return nil, "", fmt.Errorf("read export source: %w", err)
		}
		for _, c := range page {
			bodyBytes += c.RequestBytes + c.ResponseBytes
		}
		calls = append(calls, page...)
		cursor = next
	}
	return calls, cursor, nil
}

// writePart encodes calls (and their bodies when the job asks) as one
// complete file and stores it.
func (w *ExportWriter) writePart(ctx context.Context, e switchboard.Export, number int, calls []switchboard.Call, archive switchboard.BodiesReader) (switchboard.ExportPart, error) {
	entries, err := exportEntries(ctx, calls, e.Bodies, archive)
	if err != nil {
		return switchboard.ExportPart{}, err
	}
	if e.Source.Kind == switchboard.ExportAppCalls {
		// One read of the locations per account in the part, as the
		// listing reads them per page.
		named, err := appCalls(ctx, w.Locations, calls)
		if err != nil {
			return switchboard.ExportPart{}, fmt.Errorf("name the locations of export %s: %w", e.ID, err)
		}
		for i := range entries {
			entries[i].LocationName = named[i].LocationName
		}
	}
	data, err := encodePart(e.Format, e.Source.Kind, e.Bodies, entries)
	if err != nil {
		return switchboard.ExportPart{}, err
	}
	ext, contentType := exportFileType(e.Format)
	key := s3store.ExportPartKey(e.AccountID, e.ID, number, ext)
	if err := w.Files.PutPart(ctx, key, contentType, exportFilename(e, number), data); err != nil {
		return switchboard.ExportPart{}, err
	}
	return switchboard.ExportPart{Number: number, Key: key, Entries: len(entries), Bytes: int64(len(data))}, nil
}

func exportFileType(f switchboard.ExportFormat) (ext, contentType string) {
	if f == switchboard.ExportCSV {
		return "csv", "text/csv; charset=utf-8"
	}
	return "ndjson", "application/x-ndjson"
}

// exportFilename names a part for its download: what it exports, the
// range, and the part's number.
func exportFilename(e switchboard.Export, number int) string {
	ext, _ := exportFileType(e.Format)
	const stamp = "20060102T150405Z"
	return fmt.Sprintf("calls-%s-%s-%s-part-%04d.%s", downloadName(e.Source.ID), e.From.UTC().Format(stamp), e.To.UTC().Format(stamp), number, ext)
}

// exportEntries reads the bodies of calls when asked, several at a time,
// through the body archive's read path (the archived batch, else the feed
// item). A body gone with the archive's lifecycle is "expired", as the
// Logs page says; any other error fails the part.
func exportEntries(ctx context.Context, calls []switchboard.Call, withBodies bool, archive switchboard.BodiesReader) ([]switchboard.ExportEntry, error) {
	entries := make([]switchboard.ExportEntry, len(calls))
	for i, c := range calls {
		entries[i].Call = c
	}
	if !withBodies {
		return entries, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(exportBodyReads)
	for i := range entries {
		e := &entries[i]
		if !e.Call.BodiesArchived {
			e.BodiesUnavailable = bodiesNotArchived
			continue
		}
		g.Go(func() error {
			b, err := archive.GetBodies(gctx, e.Call)
			if switchboard.ErrorCode(err) == switchboard.ENotFound {
				e.BodiesUnavailable = bodiesExpired
				return nil
			}
			if err != nil {
				return fmt.Errorf("bodies of %s: %w", e.Call.RequestID, err)
			}
			e.Bodies = &b
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return entries, nil
}

// ExportLine is one line of an ndjson export: the call as the Logs page's
// API gives it, and with bodies, both sides or why they are unavailable.
type ExportLine struct {
	switchboard.Call
	Request           *switchboard.ArchivedBody `json:"request,omitempty"`
	Response          *switchboard.ArchivedBody `json:"response,omitempty"`
	BodiesUnavailable string                    `json:"bodiesUnavailable,omitempty"`
}

// AppExportLine is one line of a developer's ndjson export: the call as
// the developer's listing gives it (AppCall: the account id and location
// name, no connection), and with bodies, both sides or why they are
// unavailable.
type AppExportLine struct {
	AppCall
	Request           *switchboard.ArchivedBody `json:"request,omitempty"`
	Response          *switchboard.ArchivedBody `json:"response,omitempty"`
	BodiesUnavailable string                    `json:"bodiesUnavailable,omitempty"`
}

// ExportCSVHeader names the CSV columns of a merchant's export,
// AppExportCSVHeader those of a developer's (the account and location in
// place of the connection); ExportCSVBodyHeader follows when the export
// has bodies. Headers are JSON objects in one cell.
var (
	ExportCSVHeader = []string{"at", "request_id", "connection_id", "resource", "method", "path", "query", "status",
		"latency_ms", "request_bytes", "response_bytes", "error", "bodies_archived"}
	AppExportCSVHeader = []string{"at", "request_id", "account_id", "location_name", "resource", "method", "path", "query", "status",
		"latency_ms", "request_bytes", "response_bytes", "error", "bodies_archived"}
	ExportCSVBodyHeader = []string{"request_headers", "request_body", "response_status", "response_headers", "response_body", "bodies_unavailable"}
)

// exportCSVRow is one entry's row, every cell guarded against formula
// injection as the app-log export's are (csvSafe): paths, queries and
// bodies are the apps' free text.
func exportCSVRow(e switchboard.ExportEntry, kind switchboard.ExportSourceKind, withBodies bool) ([]string, error) {
	c := e.Call
	who := []string{c.ConnectionID}
	if kind == switchboard.ExportAppCalls {
		who = []string{c.AccountID, e.LocationName}
	}
	row := append(append([]string{c.At.UTC().Format(time.RFC3339Nano), c.RequestID}, who...), c.Resource, c.Method, c.Path, c.Query,
		strconv.Itoa(c.Status), strconv.FormatInt(c.LatencyMs, 10), strconv.Itoa(c.RequestBytes), strconv.Itoa(c.ResponseBytes),
		c.Error, strconv.FormatBool(c.BodiesArchived))
	if withBodies {
		var reqHeaders, respHeaders, respStatus, reqBody, respBody string
		if e.Bodies != nil {
			rh, err := json.Marshal(e.Bodies.Request.Headers)
			if err != nil {
				return nil, err
			}
			sh, err := json.Marshal(e.Bodies.Response.Headers)
			if err != nil {
				return nil, err
			}
			reqHeaders, respHeaders = string(rh), string(sh)
			reqBody, respBody = e.Bodies.Request.Body, e.Bodies.Response.Body
			if e.Bodies.Response.Status != 0 {
				respStatus = strconv.Itoa(e.Bodies.Response.Status)
			}
		}
		row = append(row, reqHeaders, reqBody, respStatus, respHeaders, respBody, e.BodiesUnavailable)
	}
	for i, cell := range row {
		row[i] = csvSafe(cell)
	}
	return row, nil
}

// encodePart writes entries as one complete file of the format.
func encodePart(format switchboard.ExportFormat, kind switchboard.ExportSourceKind, withBodies bool, entries []switchboard.ExportEntry) ([]byte, error) {
	var buf bytes.Buffer
	if format == switchboard.ExportCSV {
		cw := csv.NewWriter(&buf)
		header := ExportCSVHeader
		if kind == switchboard.ExportAppCalls {
			header = AppExportCSVHeader
		}
		if withBodies {
			header = append(append([]string{}, header...), ExportCSVBodyHeader...)
		}
		_ = cw.Write(header) // a bytes.Buffer does not fail; cw.Error reports any error below
		for _, e := range entries {
			row, err := exportCSVRow(e, kind, withBodies)
			if err != nil {
				return nil, fmt.Errorf("encode export row %s: %w", e.Call.RequestID, err)
			}
			_ = cw.Write(row)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil, fmt.Errorf("write export CSV: %w", err)
		}
		return buf.Bytes(), nil
	}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range entries {
		var line any
		if kind == switchboard.ExportAppCalls {
			l := AppExportLine{AppCall: appCallOf(e.Call, e.LocationName), BodiesUnavailable: e.BodiesUnavailable}
			if e.Bodies != nil {
				l.Request, l.Response = &e.Bodies.Request, &e.Bodies.Response
			}
			line = l
		} else {
			l := ExportLine{Call: e.Call, BodiesUnavailable: e.BodiesUnavailable}
			if e.Bodies != nil {
				l.Request, l.Response = &e.Bodies.Request, &e.Bodies.Response
			}
			line = l
		}
		if err := enc.Encode(line); err != nil {
			return nil, fmt.Errorf("encode export line %s: %w", e.Call.RequestID, err)
		}
	}
	return buf.Bytes(), nil
}

// batchCache keeps the archived batches one job has read: an export reads
// calls in time order, so consecutive calls share their minute's batch,
// and each batch is fetched once rather than once per call and side. It
// holds a few batches (a busy account's minute can be megabytes).
type batchCache struct {
	inner switchboard.BodyBatches
	mu    sync.Mutex
	order []string
	slots map[string]*batchSlot
}

type batchSlot struct {
	once   sync.Once
	bodies map[string]switchboard.CallBodies
	err    error
}

const batchCacheSize = 8

func newBatchCache(inner switchboard.BodyBatches) *batchCache {
	return &batchCache{inner: inner, slots: map[string]*batchSlot{}}
}

// PutBatch is never called by an export; it passes through.
func (c *batchCache) PutBatch(ctx context.Context, accountID string, minute time.Time, bodies map[string]switchboard.CallBodies) error {
	return c.inner.PutBatch(ctx, accountID, minute, bodies)
}

// GetBatch reads a batch once per cache life; concurrent readers of one
// batch wait for the first.
func (c *batchCache) GetBatch(ctx context.Context, accountID string, minute time.Time) (map[string]switchboard.CallBodies, error) {
	k := accountID + "#" + minute.UTC().Format(time.RFC3339)
	c.mu.Lock()
	slot, ok := c.slots[k]
	if !ok {
		slot = &batchSlot{}
		c.slots[k] = slot
		c.order = append(c.order, k)
		if len(c.order) > batchCacheSize {
			delete(c.slots, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.mu.Unlock()
	slot.once.Do(func() { slot.bodies, slot.err = c.inner.GetBatch(ctx, accountID, minute) })
	if slot.err != nil && switchboard.ErrorCode(slot.err) != switchboard.ENotFound {
		c.mu.Lock()
		if c.slots[k] == slot {
			delete(c.slots, k) // a failed read is tried again, not remembered
		}
		c.mu.Unlock()
	}
	return slot.bodies, slot.err
}

// NewExportWriter builds the writer over the table and the archive bucket,
// with the sources known today.
func NewExportWriter(store *dynamo.Store, batches switchboard.BodyBatches, files switchboard.ExportFiles, logger *slog.Logger) *ExportWriter {
	return &ExportWriter{
		Store:  store,
		Files:  files,
		Bodies: func() switchboard.BodiesReader { return store.WithBodyBatches(newBatchCache(batches)) },
		Sources: map[switchboard.ExportSourceKind]ExportSourceOpener{
			switchboard.ExportConnectionLog: ConnectionLogOpener(store),
			switchboard.ExportAppCalls:      AppCallsOpener(store),
		},
		Locations:   store,
		PartEntries: ExportPartEntries,
		Now:         time.Now,
		Logger:      logger,
	}
}

// ConnectionLogOpener opens a connection export's source: the connection's
// log in the job's account over the job's range. The connection is not
// read again: the POST checked it, and a disconnected connection's log is
// exported as long as it is kept.
func ConnectionLogOpener(log switchboard.CallLog) ExportSourceOpener {
	return func(_ context.Context, e switchboard.Export) (switchboard.EntrySource, error) {
		return switchboard.ConnectionLogSource{Log: log, AccountID: e.AccountID, ConnectionID: e.Source.ID, From: e.From, To: e.To}, nil
	}
}

// AppCallsOpener opens a developer's export's source: the app's calls in
// every account over the job's range. The app is not read again: the POST
// checked the job's account owns it, and the job is listed to that
// account only.
func AppCallsOpener(log switchboard.AppCallLog) ExportSourceOpener {
	return func(_ context.Context, e switchboard.Export) (switchboard.EntrySource, error) {
		return switchboard.AppCallsSource{Log: log, AppID: e.Source.ID, From: e.From, To: e.To}, nil
	}
}

// RunExports is the scheduled export run.
func RunExports(w *ExportWriter, logger *slog.Logger) ScheduledHandler {
	return func(ctx context.Context, _ events.CloudWatchEvent) (ScheduledResult, error) {
		ctx = platform.WithLogger(ctx, logger)
		n, err := w.RunPending(ctx)
		logger.Info("exports run", "parts", n, "error", err)
		return ScheduledResult{Done: n}, err
	}
}

// RunExportsFunction is RunExportsFunction in template.yaml, run every
// minute: a queued export starts within a minute.
func RunExportsFunction(env *platform.Env) ScheduledHandler {
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	s3c := env.S3()
	w := NewExportWriter(store, s3store.New(s3c, env.Config.ArchiveBucket), s3store.NewExports(s3c, env.Config.ArchiveBucket), env.Logger)
	return RunExports(w, env.Logger)
}
