// Browser test of a log export: on a connection's Logs page, "Export"
// starts a CSV export with bodies of the last 24 hours; the export function
// runs (through the local stack's Invoke API, as `make invoke` does, or on
// the stack's own one-minute schedule when no Invoke URL is given); the
// list shows it done with one link per part; each part is downloaded
// through its presigned S3 link, and the rows of all parts, in order, equal
// the log as GET …/logs pages it: every call once, its fields, its bodies
// when it has some, and cells a spreadsheet would run as formulas guarded.
// Screenshot: exports-done.png.
//
// Run from the repository root against a stack whose demo connection
// SWITCHBOARD_EXPORT_CONNECTION holds SWITCHBOARD_EXPORT_ENTRIES calls
// (infra/local's TestEndToEnd seeds 10,000 through the call log's write
// path and sets both, with SWITCHBOARD_INVOKE_URL):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… SWITCHBOARD_EXPORT_CONNECTION=… \
//   SWITCHBOARD_EXPORT_ENTRIES=10000 [SWITCHBOARD_INVOKE_URL=http://127.0.0.1:3401] node --test site/test/
// Signs in as SWITCHBOARD_EMAIL (default owner@demo.test): every role exports.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  envOr, getJson, launchBrowser, openPage, requireEnv, screenshot, signIn, siteFromEnv,
} from '../testlib/support.mjs';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let baseUrl;
let origin;
let email;
let password;
let connectionId;
let entries;
let invokeUrl;
let browser;
let context;

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3400/'));
  email = envOr('SWITCHBOARD_EMAIL', 'owner@demo.test');
  password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${email}.`);
  connectionId = requireEnv('SWITCHBOARD_EXPORT_CONNECTION', 'Set it to a connection of the account whose log holds the calls to export (TestEndToEnd seeds one).');
  entries = Number(requireEnv('SWITCHBOARD_EXPORT_ENTRIES', 'Set it to the number of calls in that connection\'s log.'));
  invokeUrl = envOr('SWITCHBOARD_INVOKE_URL', '');
  browser = await launchBrowser({ acceptDownloads: true });
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

/** RFC 4180 CSV: fields in double quotes may hold commas, quotes ("") and line breaks. */
function parseCSV(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The cell a guarded export writes for value (see csvSafe in shared/api). */
function guarded(value) {
  return /^[=+\-@＝＋－＠\s]/u.test(value) ? `'${value}` : value;
}

/** The whole log, newest first, as the Logs page's API pages it. */
async function readLog() {
  const calls = [];
  let cursor = '';
  do {
    const page = await getJson(context, origin,
      `/admin/v1/connections/${encodeURIComponent(connectionId)}/logs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    calls.push(...page.calls);
    cursor = page.nextCursor || '';
  } while (cursor);
  return calls;
}

/** Runs the export function once through the Invoke API; returns its result. */
async function invokeExports() {
  const event = await readFile(new URL('../../events/run-exports.json', import.meta.url), 'utf8');
  const response = await fetch(new URL('/2015-03-31/functions/RunExportsFunction/invocations', invokeUrl), { method: 'POST', body: event });
  const text = await response.text();
  assert.equal(response.status, 200, `invoke RunExportsFunction: HTTP ${response.status} ${text}`);
  assert.ok(!response.headers.get('x-amz-function-error'), `RunExportsFunction failed: ${text}`);
  return JSON.parse(text);
}

test('Export: a 10,000-call log exported from the Logs page, downloaded in parts whose rows equal the log', { timeout: 600_000 }, async () => {
  await context.clearCookies();
  await signIn(context, origin, { email, password });
  const { page, errors } = await openPage(context, { origin, isReal: (url) => LOOPBACK_HOSTS.has(url.hostname) });
  await page.goto(`${baseUrl}#/connections/${encodeURIComponent(connectionId)}/logs`);
  await page.locator('[data-testid="log-table"] tbody tr').first().waitFor();

  // ---- start the export ----------------------------------------------------
  const exports = page.locator('[data-testid="log-exports"]');
  await exports.locator('[data-testid="export-open"]').click();
  await exports.locator('[data-testid="export-range"]').selectOption('24h');
  await exports.locator('[data-testid="export-format-csv"]').check();
  await exports.locator('[data-testid="export-bodies"]').check();
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/exports'));
  await exports.locator('[data-testid="export-start"]').click();
  const answer = await posted;
  assert.equal(answer.status(), 202, `POST …/exports: HTTP ${answer.status()} ${await answer.text()}`);
  const { id } = await answer.json();
  const row = exports.locator(`[data-testid="export-row"][data-export-id="${id}"]`);
  await row.waitFor();
  assert.match(await row.getAttribute('data-state'), /^(queued|running|done)$/);

  // ---- let the function run ------------------------------------------------
  if (invokeUrl) {
    for (let run = 0; run < 10; run += 1) {
      const result = await invokeExports();
      const list = await getJson(context, origin, `/admin/v1/connections/${encodeURIComponent(connectionId)}/exports`);
      const job = list.exports.find((e) => e.id === id);
      if (job.state === 'done' || job.state === 'failed') break;
      if (result.done === 0) await sleep(2000); // another run (the stack's schedule) holds the lease
    }
  }
  await row.and(page.locator('[data-state="done"]')).waitFor({ timeout: invokeUrl ? 60_000 : 300_000 });
  const links = row.locator('[data-testid="export-part"]');
  const parts = await links.count();
  assert.equal(parts, Math.ceil(entries / 5000), 'one link per part of up to 5,000 calls');
  await screenshot(page, 'exports-done.png');

  // ---- download every part -------------------------------------------------
  const rows = [];
  let header;
  for (let i = 0; i < parts; i += 1) {
    const downloading = page.waitForEvent('download', { timeout: 30_000 });
    await links.nth(i).click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), new RegExp(`^calls-${connectionId}-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z-part-000${i + 1}\\.csv$`));
    const parsed = parseCSV(await readFile(await download.path(), 'utf8'));
    header = header || parsed[0];
    assert.deepEqual(parsed[0], header, `part ${i + 1} starts with the header: each part is a complete file`);
    rows.push(...parsed.slice(1));
  }
  const col = Object.fromEntries(header.map((name, i) => [name, i]));

  // ---- the rows are the log ------------------------------------------------
  const log = await readLog();
  assert.equal(log.length, entries, `the log holds ${log.length} calls, the test seeded ${entries}`);
  assert.equal(rows.length, log.length, 'the export holds every call of the log');
  let withBodies = 0;
  let formulas = 0;
  for (let i = 0; i < log.length; i += 1) {
    const c = log[i];
    const r = rows[i];
    const want = {
      at: c.at, request_id: c.requestId, connection_id: c.connectionId, resource: c.resource, method: c.method,
      path: guarded(c.path), query: guarded(c.query || ''), status: String(c.status), latency_ms: String(c.latencyMs),
      request_bytes: String(c.requestBytes), response_bytes: String(c.responseBytes), error: c.error || '', bodies_archived: String(c.bodiesArchived),
    };
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, r[col[k]]]));
    assert.deepEqual(got, want, `row ${i + 1}`);
    if (c.bodiesArchived) {
      withBodies += 1;
      assert.match(r[col.request_body], /^\{"n":\d+\}$/, `row ${i + 1} carries the request body`);
      assert.equal(r[col.response_body], '{"ok":true}');
      assert.equal(JSON.parse(r[col.request_headers]).authorization, '[redacted]');
    } else {
      assert.equal(r[col.bodies_unavailable], 'not_archived', `row ${i + 1} says why it has no bodies`);
    }
    if ((c.query || '').startsWith('=')) formulas += 1;
  }
  assert.ok(withBodies > 0 && formulas > 0, `the log has calls with bodies (${withBodies}) and formula-like queries (${formulas}) to check`);
  assert.deepEqual(errors, []);
  await page.close();
});
