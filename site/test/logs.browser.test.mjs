// Browser test of a connection's Logs page: an app gets a token through the
// API (no browser UI), calls the platform API with it, and the merchant sees
// those calls in Connections → Actions → View logs, as HubRise's logs page
// shows them: TIME (to the second, the account's zone as "UTC+01:00"),
// RESOURCE, METHOD, URL, RESPONSE and the duration, newest first; the filter
// ("Edit": several resources, methods and status classes; "Reset"), which
// survives a reload; one call's archived request and response; the bodies
// downloaded as themselves (the JSON answered, pretty-printed; the JSON the
// app sent), which the API serves; the detail readable at 1440 px, 1280 px
// and 390 px (screenshots logs-detail-<width>.png). A second test filters on
// two dimensions where the newest page of the listing holds no match: the
// page keeps reading older calls instead of saying that nothing matches. A
// third downloads a CSV request as CSV, with its own content type.
//
// Run from the repository root (same variables as catalog.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/
// The test signs in as owner@demo.test (SWITCHBOARD_OWNER_EMAIL overrides it)
// with SWITCHBOARD_PASSWORD, and connects to the seeded location loc-bastille.
// Optional: CHROMIUM_PATH.
// Each run registers one more unpublished app (with a unique name) in the
// account and connects it. Console errors fail the test, except Chromium's
// "Failed to load resource … 401" for GET /admin/v1/me while signed out.
// The download link is answered by the API with the file (bodies are
// archived many to an S3 object, which a presigned URL cannot slice).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, ME_PATH, chooseAction, connectApp, envOr, getJson, launchBrowser, openPage as openSitePage, postJson as postJsonTo, requireEnv, screenshot,
  signIn as signInAs, siteFromEnv,
} from '../testlib/support.mjs';

const LOCATION_ID = 'loc-bastille';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SCOPE = 'location[orders.read,orders.write]';
const ORDERS_PATH = `/v1/locations/${LOCATION_ID}/orders`;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

let baseUrl;
let origin;
let ownerEmail;
let password;
let browser;
let context;

function openPage({ viewport, allow401 } = {}) {
  // Other origins (icons) are answered locally; loopback ones (the local S3
  // emulator serving downloads) are real.
  return openSitePage(context, { origin, viewport, allow401, isReal: (url) => LOOPBACK_HOSTS.has(url.hostname) });
}

function signIn() {
  return signInAs(context, origin, { email: ownerEmail, password });
}

function postJson(pathname, data, csrfToken) {
  return postJsonTo(context, origin, pathname, data, csrfToken);
}

function adminGet(pathname) {
  return getJson(context, origin, pathname);
}

/** Calls the platform API as the app does (outside the browser, no cookies); body is sent as JSON. */
async function callApi(pathname, token, { method = 'GET', body } = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(new URL(pathname, origin), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, text: await response.text(), requestId: response.headers.get('x-request-id') };
}

const ORDER = { service_type: 'delivery', items: [{ product_name: 'Margherita', sku_ref: 'PZ-MARG', price: '12.50 EUR', quantity: 2 }] };

/** Registers an unpublished app with scopes, consents at LOCATION_ID and exchanges the code (API only). */
async function connectNewApp(me, name, scopes) {
  const registered = await postJson(DEV_APPS_PATH, {
    name,
    developer: me.account.name,
    description: 'An app used by the logs browser test.',
    category: 'pos',
    level: 'location',
    scopes,
    redirectUris: [REDIRECT_URI],
    multipleInstances: true,
    published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, `register: HTTP ${registered.status} ${registered.text}`);
  return connectApp(context, origin, {
    app: registered.body, scope: `location[${scopes.join(',')}]`, locationId: LOCATION_ID, redirectUri: REDIRECT_URI, csrfToken: me.csrfToken,
  });
}

async function rowPaths(page) {
  return (await page.locator('[data-testid="log-row"] td.log-path').allInnerTexts()).map((s) => s.trim());
}

async function waitForRows(page, n) {
  await page.waitForFunction((count) => document.querySelectorAll('[data-testid="log-row"]').length === count
    && !/Loading/.test(document.querySelector('.results-status')?.textContent || ''), n, { timeout: 10_000 });
}

/** "UTC+01:00": timeZone's offset at date, as HubRise writes it. */
function utcOffset(date, timeZone) {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(date)
    .find((p) => p.type === 'timeZoneName').value;
  return `UTC${name.replace(/^GMT/, '') || '+00:00'}`;
}

/** "2026-12-06 08:33:22": iso in timeZone, to the second. */
function localSeconds(iso, timeZone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3400/'));
  ownerEmail = envOr('SWITCHBOARD_OWNER_EMAIL', 'owner@demo.test');
  password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${ownerEmail}.`);
  browser = await launchBrowser({ acceptDownloads: true });
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

test('Logs: the calls made with a token, filtered, with their bodies and the download', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signIn();
  assert.ok(me.csrfToken, 'the session answer has no csrfToken');
  const location = me.locations.find((l) => l.id === LOCATION_ID);
  assert.ok(location, `the account has no location ${LOCATION_ID}`);

  // ---- the app: register, authorise, exchange the code (API only) ---------
  const appName = `Log Till ${randomBytes(3).toString('hex')}`;
  const registered = await postJson(DEV_APPS_PATH, {
    name: appName,
    developer: me.account.name,
    description: 'An app used by the logs browser test.',
    category: 'pos',
    level: 'location',
    scopes: ['orders.read', 'orders.write'],
    redirectUris: [REDIRECT_URI],
    multipleInstances: true,
    published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, `register: HTTP ${registered.status} ${registered.text}`);
  const { clientId, clientSecret } = registered.body;
  assert.ok(clientId && clientSecret, `register: no client credentials in ${registered.text}`);

  const state = randomBytes(16).toString('hex');
  const decided = await postJson('/oauth2/v1/authorize', {
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SCOPE,
    state,
    location_id: LOCATION_ID,
    approve: true,
  }, me.csrfToken);
  assert.equal(decided.status, 200, `authorize: HTTP ${decided.status} ${decided.text}`);
  const redirect = new URL(decided.body.redirectTo);
  assert.equal(`${redirect.origin}${redirect.pathname}`, REDIRECT_URI);
  assert.equal(redirect.searchParams.get('state'), state);
  const code = redirect.searchParams.get('code');
  assert.ok(code, `authorize: no code in ${decided.body.redirectTo}`);

  const tokenResponse = await context.request.post(new URL('/oauth2/v1/token', origin).href, {
    form: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      client_secret: clientSecret,
    },
    failOnStatusCode: false,
  });
  const token = await tokenResponse.json();
  assert.equal(tokenResponse.status(), 200, `token: HTTP ${tokenResponse.status()} ${JSON.stringify(token)}`);
  const accessToken = token.access_token;
  const connectionId = token.connection_id;
  assert.ok(accessToken && connectionId, `token: ${JSON.stringify(token)}`);
  assert.equal(token.scope, SCOPE);

  // ---- the app posts an order, then calls location, account, location ----
  const posted = await callApi(ORDERS_PATH, accessToken, { method: 'POST', body: ORDER });
  assert.equal(posted.status, 201, `POST ${ORDERS_PATH}: HTTP ${posted.status} ${posted.text}`);
  await sleep(30);
  const made = [];
  for (const p of ['/v1/location', '/v1/account', '/v1/location']) {
    const answer = await callApi(p, accessToken);
    assert.equal(answer.status, 200, `GET ${p}: HTTP ${answer.status} ${answer.text}`);
    made.push({ path: p, ...answer });
    await sleep(30); // distinct timestamps, so "newest first" is one order
  }
  const location2 = made[2];
  assert.equal(JSON.parse(location2.text).id, LOCATION_ID);

  // What the API lists (newest first), to match the page against.
  const listed = await adminGet(`/admin/v1/connections/${encodeURIComponent(connectionId)}/logs`);
  assert.deepEqual(listed.calls.map((c) => [c.resource, c.method, c.path, c.status]), [
    ['location', 'GET', '/v1/location', 200],
    ['account', 'GET', '/v1/account', 200],
    ['location', 'GET', '/v1/location', 200],
    ['orders', 'POST', ORDERS_PATH, 201],
  ], `the API's log of the connection: ${JSON.stringify(listed.calls)}`);
  assert.deepEqual(listed.calls.map((c) => c.requestId), [...made.map((m) => m.requestId).reverse(), posted.requestId],
    'the logged request ids are not those of the calls made (X-Request-Id), newest first');
  const newest = listed.calls[0];

  // ---- Connections → View logs ------------------------------------------
  const { page, errors } = await openPage({ allow401: [ME_PATH] });
  await page.goto(`${baseUrl}#/connections`);
  const row = page.locator(`[data-testid="connection-group"][data-group="${LOCATION_ID}"] `
    + `[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.equal((await row.locator('[data-testid="connection-app"]').innerText()).trim(), appName);
  assert.notEqual((await row.locator('[data-testid="connection-last-used"]').innerText()).trim(), 'never',
    'the connection shows no activity after three calls');
  await chooseAction(row, 'view-logs');
  await page.waitForURL((url) => url.hash === `#/connections/${connectionId}/logs`, { timeout: 5_000 });
  await page.getByRole('heading', { level: 1, name: `Logs · ${appName}` }).waitFor({ timeout: 10_000 });
  assert.equal((await page.locator('[data-testid="log-scope"]').innerText()).trim(), SCOPE);
  assert.equal((await page.locator('[data-testid="log-location"]').innerText()).trim(), `${location.name} (${LOCATION_ID})`);
  assert.equal((await page.locator('[data-testid="log-connection"]').innerText()).trim(), connectionId);
  // The token shows only its last four characters, as HubRise does.
  assert.equal((await page.locator('[data-testid="log-token"] code').innerText()).trim(), `sbt_••••${accessToken.slice(-4)}`);
  assert.equal(listed.connection.token, `sbt_••••${accessToken.slice(-4)}`);
  // The scope grants orders only: no catalog or customer list is reached.
  assert.deepEqual([listed.connection.catalogIds, listed.connection.customerListIds], [[], []]);
  assert.equal((await page.locator('[data-testid="log-catalogs"]').innerText()).trim(), 'None (not in the scope)');
  assert.equal((await page.locator('[data-testid="log-customer-lists"]').innerText()).trim(), 'None (not in the scope)');
  assert.ok(!(await page.content()).includes(accessToken), 'the token is in the page');

  // Newest first, with HubRise's columns: TIME (to the second, the
  // account's zone in the heading as "UTC+01:00"), RESOURCE, METHOD, URL,
  // RESPONSE, and the duration.
  await waitForRows(page, 4);
  const rows = page.locator('[data-testid="log-row"]');
  assert.deepEqual(await rows.evaluateAll((els) => els.map((el) => el.dataset.requestId)), listed.calls.map((c) => c.requestId),
    'the page does not list the calls in the API\'s order (newest first)');
  assert.deepEqual(await rowPaths(page), ['/v1/location', '/v1/account', '/v1/location', ORDERS_PATH]);
  const zone = utcOffset(new Date(), me.account.timeZone);
  assert.match(zone, /^UTC[+-]\d\d:\d\d$/);
  const headings = (await page.locator('[data-testid="log-table"] thead th').allInnerTexts()).map((s) => s.trim());
  assert.deepEqual(headings.slice(0, 6), [`TIME (${zone})`, 'RESOURCE', 'METHOD', 'URL', 'RESPONSE', 'DURATION']);
  for (let i = 0; i < 4; i += 1) {
    const call = listed.calls[i];
    const cells = (await rows.nth(i).locator('td').allInnerTexts()).map((s) => s.trim());
    assert.equal(cells[0], localSeconds(call.at, me.account.timeZone), `row ${i}: time ${cells[0]} of ${call.at}`);
    assert.deepEqual(cells.slice(1, 5), [call.resource, call.method, call.path, String(call.status)], `row ${i}: ${cells.join(' | ')}`);
    assert.equal(cells[5], `${call.latencyMs} ms`, `row ${i}: duration`);
  }
  assert.match(await page.getByRole('status').first().innerText(), /^4 calls$/);

  // ---- the filter: Edit opens the multi-select, Reset clears it ----------
  const edit = page.locator('[data-testid="log-filter-edit"]');
  const panel = page.locator('[data-testid="log-filter-panel"]');
  const check = (name, value) => page.locator(`[data-testid="log-filter-${name}-${value}"]`);
  assert.equal(await panel.isVisible(), false);
  await edit.click();
  await panel.waitFor({ state: 'visible' });
  assert.equal(await edit.getAttribute('aria-expanded'), 'true');
  await check('method', 'POST').check();
  await waitForRows(page, 1);
  assert.deepEqual(await rowPaths(page), [ORDERS_PATH]);
  assert.deepEqual(await rows.evaluateAll((els) => els.map((el) => el.dataset.requestId)), [posted.requestId]);
  assert.match(await page.evaluate(() => window.location.hash), /[?&]method=POST(&|$)/);
  // Two methods: any of them.
  await check('method', 'GET').check();
  await waitForRows(page, 4);
  assert.match(decodeURIComponent(await page.evaluate(() => window.location.hash)), /[?&]method=GET,POST(&|$)/);
  await check('method', 'POST').uncheck();
  await waitForRows(page, 3);
  assert.deepEqual(await rows.evaluateAll((els) => els.map((el) => el.dataset.requestId)), made.map((m) => m.requestId).reverse(),
    'the GET filter does not list exactly the three GET calls, newest first');
  for (const row of await rows.all()) assert.equal((await row.locator('td').nth(2).innerText()).trim(), 'GET');
  // Resources and methods combine; several resources: any of them.
  await check('resource', 'account').check();
  await waitForRows(page, 1);
  assert.deepEqual(await rowPaths(page), ['/v1/account']);
  await check('resource', 'orders').check();
  await waitForRows(page, 1);
  assert.deepEqual(await rowPaths(page), ['/v1/account'], 'GET of orders or account: the order was POSTed');
  await check('method', 'GET').uncheck();
  await waitForRows(page, 2);
  assert.deepEqual(await rowPaths(page), ['/v1/account', ORDERS_PATH]);
  // Status classes: no call here answered 4xx.
  await check('status', '4xx').check();
  await page.locator('[data-testid="logs-empty"]').waitFor({ timeout: 10_000 });
  assert.match(await page.locator('[data-testid="logs-empty"]').innerText(), /No call matches these filters/);
  await check('status', '2xx').check();
  await waitForRows(page, 2);
  await screenshot(page, 'logs-filter.png');
  // The filter survives a reload: it is in the address.
  const filteredHash = await page.evaluate(() => window.location.hash);
  await page.reload();
  await waitForRows(page, 2);
  assert.equal(await page.evaluate(() => window.location.hash), filteredHash);
  assert.deepEqual(await rowPaths(page), ['/v1/account', ORDERS_PATH]);
  assert.match(await page.locator('[data-testid="log-filter-summary"]').innerText(), /^Resources: orders, account · Responses: 2xx, 4xx$/);
  await edit.click();
  for (const [name, value, on] of [['resource', 'account', true], ['resource', 'orders', true], ['status', '2xx', true],
    ['status', '4xx', true], ['method', 'GET', false], ['resource', 'location', false]]) {
    assert.equal(await check(name, value).isChecked(), on, `${name}=${value} after the reload`);
  }
  // Escape closes the panel and gives the focus back to Edit.
  await check('resource', 'account').focus();
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'log-filter-edit');
  // Reset clears every filter.
  await page.locator('[data-testid="log-filter-reset"]').click();
  await waitForRows(page, 4);
  assert.equal(await page.evaluate(() => window.location.hash), `#/connections/${connectionId}/logs`);
  assert.equal((await page.locator('[data-testid="log-filter-summary"]').innerText()).trim(), 'All calls');
  await edit.click();
  await check('resource', 'location').check();
  await waitForRows(page, 2);
  assert.deepEqual(await rowPaths(page), ['/v1/location', '/v1/location']);
  assert.deepEqual(await rows.evaluateAll((els) => els.map((el) => el.dataset.requestId)),
    listed.calls.filter((c) => c.resource === 'location').map((c) => c.requestId));
  await edit.click();

  // ---- one call's bodies --------------------------------------------------
  const entry = await adminGet(`/admin/v1/connections/${encodeURIComponent(connectionId)}/logs/${encodeURIComponent(newest.requestId)}`);
  assert.equal(entry.bodiesAvailable, true, `the newest call's bodies are unavailable: ${JSON.stringify(entry)}`);
  await page.locator(`[data-testid="log-row"][data-request-id="${newest.requestId}"] [data-testid="log-open"]`).click();
  const detail = page.locator('[data-testid="log-detail"]');
  await detail.locator('[data-testid="log-response-body"]').waitFor({ timeout: 10_000 });
  assert.equal((await detail.getByRole('heading', { level: 2 }).innerText()).trim(), 'GET /v1/location');
  const requestHeaders = await detail.locator('[data-testid="log-request-headers"]').innerText();
  assert.match(requestHeaders, /^authorization: \[redacted\]$/im, `request headers:\n${requestHeaders}`);
  assert.ok(!requestHeaders.includes(accessToken), 'the token is shown in the request headers');
  const responseBody = await detail.locator('[data-testid="log-response-body"]').innerText();
  assert.match(responseBody, /"id": "loc-bastille"/);
  assert.deepEqual(JSON.parse(responseBody), JSON.parse(location2.text));
  assert.equal(responseBody, entry.response.body);
  assert.ok(await detail.getByRole('heading', { level: 4, name: 'Body (JSON)' }).first().isVisible());

  // ---- download the response ----------------------------------------------
  const downloading = page.waitForEvent('download', { timeout: 15_000 });
  await detail.locator('[data-testid="log-download-response"]').click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), `${newest.requestId}-response.json`);
  const file = await download.path();
  assert.ok(file, `the download failed: ${await download.failure()}`);
  // The body itself, pretty-printed: not a wrapper with an escaped string.
  const downloaded = await readFile(file, 'utf8');
  assert.equal(downloaded, JSON.stringify(JSON.parse(location2.text), null, 2), 'the download is not the JSON answered, pretty-printed');
  assert.equal(downloaded, entry.response.body);
  // The headers stay in the detail panel.
  assert.match(await detail.locator('[data-testid="log-response-headers"]').innerText(), /content-type: application\/json/i);
  // The page stays on the logs (the download does not navigate away).
  assert.equal(await page.evaluate(() => window.location.hash), `#/connections/${connectionId}/logs?resource=location`);

  await page.waitForLoadState('networkidle');
  await screenshot(page, 'logs.png');

  // ---- the order the app POSTed: the request downloads as the JSON sent ---
  await page.locator(`[data-testid="log-row"][data-request-id="${posted.requestId}"]`).count(); // (filtered to location: reset first)
  await page.locator('[data-testid="log-filter-reset"]').click();
  await waitForRows(page, 4);
  await page.locator(`[data-testid="log-row"][data-request-id="${posted.requestId}"] [data-testid="log-open"]`).click();
  await detail.locator('[data-testid="log-request-body"]').waitFor({ timeout: 10_000 });
  const sending = page.waitForEvent('download', { timeout: 15_000 });
  await detail.locator('[data-testid="log-download-request"]').click();
  const sent = await sending;
  assert.equal(sent.suggestedFilename(), `${posted.requestId}-request.json`);
  assert.deepEqual(JSON.parse(await readFile(await sent.path(), 'utf8')), ORDER, 'the downloaded request is not the order the app sent');
  assert.match(await detail.locator('[data-testid="log-request-headers"]').innerText(), /^content-type: application\/json$/im);

  // ---- readable at 1440 px, 1280 px and on a phone -------------------------
  for (const [width, height] of [[1440, 900], [1280, 800], [390, 844]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    const layout = await page.evaluate(() => {
      // An inline element has one client rect per line it is laid out on.
      const lines = (el) => el.getClientRects().length;
      const path = document.querySelector('[data-testid="log-row"] td.log-path .log-url');
      const open = document.querySelector('[data-testid="log-row"] [data-testid="log-open"]');
      const panel = document.querySelector('[data-testid="log-detail"]');
      const title = panel.querySelector('.log-detail__path');
      const box = (el) => el.getBoundingClientRect();
      return {
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        pathLines: lines(path),
        openRight: box(open).right,
        openWidth: box(open).width,
        openText: open.scrollWidth - open.clientWidth,
        panelRight: box(panel).right,
        panelLeft: box(panel).left,
        titleLines: lines(title),
        vw: window.innerWidth,
      };
    });
    assert.ok(layout.overflow <= 0, `${width} px: the page scrolls sideways by ${layout.overflow} px`);
    assert.ok(layout.pathLines <= 2, `${width} px: the URL ${ORDERS_PATH} wraps on ${layout.pathLines} lines`);
    assert.ok(layout.titleLines <= 2, `${width} px: the detail's path wraps on ${layout.titleLines} lines`);
    assert.ok(layout.openText <= 0 && layout.openRight <= layout.vw, `${width} px: "Details" is cut (${JSON.stringify(layout)})`);
    assert.ok(layout.panelLeft >= 0 && layout.panelRight <= layout.vw, `${width} px: the detail panel is outside the screen`);
    await screenshot(page, `logs-detail-${width}.png`, { scrollToTop: false });
  }
  // Escape closes the detail.
  await detail.focus();
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'hidden' });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('Logs: two filters whose newest page holds no match keep reading older calls', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signIn();
  const token = await connectNewApp(me, `Busy Till ${randomBytes(3).toString('hex')}`, ['orders.read']);
  const accessToken = token.access_token;
  const connectionId = token.connection_id;

  // One GET of orders, then more GETs of the location than fit on a page
  // (50): filtered by method GET and resource orders, the API reads the GET
  // listing, whose newest page holds location calls only.
  const orders = await callApi(ORDERS_PATH, accessToken);
  assert.equal(orders.status, 200, `GET ${ORDERS_PATH}: HTTP ${orders.status} ${orders.text}`);
  await sleep(30);
  for (let batch = 0; batch < 6; batch += 1) {
    const answers = await Promise.all(Array.from({ length: 10 }, () => callApi('/v1/location', accessToken)));
    for (const a of answers) assert.equal(a.status, 200, `GET /v1/location: HTTP ${a.status} ${a.text}`);
  }
  const base = `/admin/v1/connections/${encodeURIComponent(connectionId)}/logs`;
  const first = await adminGet(`${base}?method=GET&resource=orders&limit=50`);
  if (first.calls.length === 0) {
    // What the page must not take for "no match": an empty page with a cursor.
    assert.ok(first.nextCursor, 'the first filtered page is empty and has no cursor, yet an orders call was made');
  }

  const { page, errors } = await openPage({ allow401: [ME_PATH] });
  await page.goto(`${baseUrl}#/connections/${encodeURIComponent(connectionId)}/logs?method=GET&resource=orders`);
  await waitForRows(page, 1);
  assert.deepEqual(await page.locator('[data-testid="log-row"]').evaluateAll((els) => els.map((el) => el.dataset.requestId)), [orders.requestId]);
  assert.deepEqual(await rowPaths(page), [ORDERS_PATH]);
  assert.equal(await page.locator('[data-testid="logs-empty"]').count(), 0, 'the page said no call matches');
  assert.equal(await page.locator('[data-testid="logs-searching"]').count(), 0);
  assert.match(await page.getByRole('status').first().innerText(), /^1 call$/);
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('Logs: a body that is not JSON downloads as itself, with its own content type', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signIn();
  const token = await connectNewApp(me, `Csv Till ${randomBytes(3).toString('hex')}`, ['orders.read', 'orders.write']);
  const csv = 'sku,qty\nPZ-MARG,2\n';
  const response = await fetch(new URL(ORDERS_PATH, origin), {
    method: 'POST', headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'text/csv; charset=utf-8' }, body: csv,
  });
  const answer = await response.text();
  const requestId = response.headers.get('x-request-id');
  assert.ok(response.status >= 400 && response.status < 500, `POST of a CSV order: HTTP ${response.status} ${answer}`);

  const { page, errors } = await openPage({ allow401: [ME_PATH] });
  await page.goto(`${baseUrl}#/connections/${encodeURIComponent(token.connection_id)}/logs`);
  await waitForRows(page, 1);
  await page.locator(`[data-testid="log-row"][data-request-id="${requestId}"] [data-testid="log-open"]`).click();
  const detail = page.locator('[data-testid="log-detail"]');
  await detail.locator('[data-testid="log-request-body"]').waitFor({ timeout: 10_000 });
  assert.equal(await detail.locator('[data-testid="log-request-body"]').textContent(), csv);
  assert.match(await detail.locator('[data-testid="log-request-headers"]').innerText(), /^content-type: text\/csv; charset=utf-8$/im);

  // The request: the CSV as sent, named and typed as CSV.
  const downloading = page.waitForEvent('download', { timeout: 15_000 });
  await detail.locator('[data-testid="log-download-request"]').click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), `${requestId}-request.csv`);
  assert.equal(await readFile(await download.path(), 'utf8'), csv);
  const served = await context.request.get(new URL(`/admin/v1/connections/${encodeURIComponent(token.connection_id)}/logs/${requestId}/request`, origin).href);
  assert.equal(served.headers()['content-type'], 'text/csv; charset=utf-8');
  // The answer, a JSON error: pretty-printed JSON.
  const answering = page.waitForEvent('download', { timeout: 15_000 });
  await detail.locator('[data-testid="log-download-response"]').click();
  const answered = await answering;
  assert.equal(answered.suggestedFilename(), `${requestId}-response.json`);
  assert.equal(await readFile(await answered.path(), 'utf8'), JSON.stringify(JSON.parse(answer), null, 2));
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
