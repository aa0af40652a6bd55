// Browser test of the App log and of a connected app's page. An app this
// account registers is connected with one permission, then re-authorised
// with a second (through the API, no browser UI); the app now asks for a
// third. The merchant then:
//  - filters the App log by app and by activity type, sees the permission
//    change with its scopes before and after, and downloads the filtered CSV;
//  - narrows it to days (From/To in the account's time zone, both included):
//    yesterday only shows nothing, today shows the change, the CSV link
//    carries the same instants, and From after To is refused;
//  - finds the same events in the Overview's app log, filtered there, and
//    follows "See the full app log" to the App log with the same filters;
//  - opens the app's page from the log and sees, for the connection, the
//    permissions granted vs requested now vs used (none: the app never
//    called) with the missing one flagged, and Re-authorise, which starts the
//    consent flow for granted + missing.
// A second test reads the demo apps' pages (seeded roll-ups, see
// infra/demo/activity.go): StockWise's "Used in the last 30 days" column is
// the activity API's usedScopes, SpeedyDrop shows the overview's erroring
// alert.
//
// Run from the repository root (same variables as logs.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/
// Signs in as owner@demo.test (SWITCHBOARD_OWNER_EMAIL overrides it) and
// connects to the seeded location loc-bastille. Each run registers one more
// unpublished app with a unique name. Console errors fail the test, except
// Chromium's "Failed to load resource … 401" for GET /admin/v1/me.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, ME_PATH, connectApp, envOr, getJson, launchBrowser, openPage as openSitePage, postJson as postJsonTo, requireEnv,
  screenshot, signIn as signInAs, siteFromEnv,
} from '../testlib/support.mjs';

const LOCATION_ID = 'loc-bastille';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let baseUrl;
let origin;
let ownerEmail;
let password;
let browser;
let context;

function postJson(pathname, data, csrfToken) {
  return postJsonTo(context, origin, pathname, data, csrfToken);
}

/** Consents for the app with scope at the location and exchanges the code. */
function connect(app, scope, label, csrfToken) {
  return connectApp(context, origin, { app, scope, locationId: LOCATION_ID, label, redirectUri: REDIRECT_URI, csrfToken });
}

/** The calendar day (YYYY-MM-DD) date falls on in timeZone. */
function dayIn(date, timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** YYYY-MM-DD plus n days. */
function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The wall clock ("YYYY-MM-DD HH:MM") of an instant in timeZone. */
function wallClock(iso, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function adminGet(pathname) {
  return getJson(context, origin, pathname);
}

async function rowTypes(page) {
  return page.locator('[data-testid="app-log-row"]').evaluateAll((els) => els.map((el) => el.dataset.type));
}

async function waitForRowTypes(page, want) {
  await page.waitForFunction((types) => {
    const rows = [...document.querySelectorAll('[data-testid="app-log-row"]')].map((el) => el.dataset.type);
    return rows.join(',') === types.join(',') && !/Loading/.test(document.querySelector('.results-status')?.textContent || '');
  }, want, { timeout: 10_000 }).catch(async () => {
    assert.deepEqual(await rowTypes(page), want, 'the app log rows');
  });
}

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3400/'));
  ownerEmail = envOr('SWITCHBOARD_OWNER_EMAIL', 'owner@demo.test');
  password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${ownerEmail}.`);
  browser = await launchBrowser();
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

test('App log: filtered by app and type, exported; the app page shows granted vs requested scopes', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signInAs(context, origin, { email: ownerEmail, password });
  assert.ok(me.locations.some((l) => l.id === LOCATION_ID), `the account has no location ${LOCATION_ID}`);

  // ---- the app: registered, connected, re-authorised with more -----------
  const appName = `Audit Till ${randomBytes(3).toString('hex')}`;
  const label = `Till ${randomBytes(2).toString('hex')}`;
  const registered = await postJson(DEV_APPS_PATH, {
    name: appName,
    developer: me.account.name,
    description: 'An app used by the app-log browser test.',
    category: 'pos',
    level: 'location',
    scopes: ['orders.read', 'orders.write', 'catalog.read'],
    redirectUris: [REDIRECT_URI],
    multipleInstances: true,
    published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, `register: HTTP ${registered.status} ${registered.text}`);
  const app = registered.body;
  const first = await connect(app, 'location[orders.read]', label, me.csrfToken);
  const second = await connect(app, 'location[catalog.read,orders.read]', label, me.csrfToken);
  assert.equal(second.connection_id, first.connection_id, 're-authorising made a new connection');
  const connectionId = first.connection_id;

  // ---- App log: the app's three events, then only the permission change --
  const { page, errors } = await openSitePage(context, { origin, allow401: [ME_PATH] });
  await page.goto(`${baseUrl}#/app-log`);
  await page.getByRole('heading', { level: 1, name: 'App log' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.sidenav__link[aria-current="page"]').innerText(), 'App log');
  const appFilter = page.locator('[data-testid="app-log-filter-app"]');
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid="app-log-filter-app"] option')]
    .some((o) => o.value === id), app.clientId, { timeout: 10_000 });
  await appFilter.selectOption(app.clientId);
  await waitForRowTypes(page, ['scopes_updated', 'reinstalled', 'installed']);
  const rows = page.locator('[data-testid="app-log-row"]');
  for (const row of await rows.all()) {
    assert.equal((await row.locator('[data-testid="app-log-app"]').innerText()).trim(), appName);
    assert.equal((await row.locator('[data-testid="app-log-actor"]').innerText()).trim(), me.user.name);
  }
  await page.locator('[data-testid="app-log-filter-type"]').selectOption('scopes_updated');
  await waitForRowTypes(page, ['scopes_updated']);
  const change = rows.first();
  assert.equal((await change.locator('[data-testid="app-log-type"]').innerText()).trim(), 'Permissions changed');
  assert.match(await change.innerText(), new RegExp(`${label}`), 'the row does not name the instance');
  const codes = await change.locator('[data-testid="app-log-scopes"] code').allInnerTexts();
  assert.deepEqual(codes, ['location[orders.read]', 'location[catalog.read,orders.read]']);
  const hash = new URL(page.url()).hash;
  assert.match(hash, /type=scopes_updated/);
  assert.match(hash, new RegExp(`app=${app.clientId}`));

  // The CSV link exports the same filtered list.
  const href = await page.locator('[data-testid="app-log-export"]').getAttribute('href');
  const exported = await context.request.get(new URL(href, origin).href);
  assert.equal(exported.status(), 200);
  assert.match(exported.headers()['content-type'], /^text\/csv/);
  const lines = (await exported.text()).trim().split('\n');
  assert.equal(lines.length, 2, `the CSV: ${lines.join('\n')}`);
  assert.match(lines[0], /^at,type,app_id,app_name,/);
  assert.match(lines[1], new RegExp(`,scopes_updated,${app.clientId},${appName},${LOCATION_ID},${label},${connectionId},user,`));

  // ---- days: From and To in the account's time zone, both included -------
  const timeZone = me.account.timeZone || 'UTC';
  assert.equal((await page.locator('[data-testid="app-log-zone"]').innerText()).trim(), `Days in ${timeZone} time, both included.`);
  const today = dayIn(new Date(), timeZone);
  const fromInput = page.locator('[data-testid="app-log-filter-from"]');
  const toInput = page.locator('[data-testid="app-log-filter-to"]');
  await toInput.fill(addDays(today, -1));
  await page.locator('[data-testid="app-log-empty"]').waitFor({ timeout: 10_000 });
  assert.equal(await rows.count(), 0, 'events made today are listed up to yesterday');
  assert.match(new URL(page.url()).hash, new RegExp(`to=${addDays(today, -1)}`));
  // From after To: refused in the page, the list is left as it was.
  await fromInput.fill(today);
  const dateError = page.locator('[data-testid="app-log-date-error"]');
  await dateError.waitFor({ timeout: 5_000 });
  assert.match(await dateError.innerText(), /From day must be on or before the To day/);
  assert.equal(await fromInput.getAttribute('aria-invalid'), 'true');
  await toInput.fill(today);
  await waitForRowTypes(page, ['scopes_updated']);
  assert.ok(await dateError.isHidden(), 'the date error stays once the range is valid');
  assert.equal(await fromInput.getAttribute('aria-invalid'), null);
  const dated = new URL(page.url()).hash;
  assert.match(dated, new RegExp(`from=${today}`));
  assert.match(dated, new RegExp(`to=${today}`));
  // The CSV link asks for the same days as instants: From's midnight, and
  // the midnight after To (the API's to is exclusive).
  const datedHref = new URL(await page.locator('[data-testid="app-log-export"]').getAttribute('href'), origin);
  assert.equal(datedHref.searchParams.get('app'), app.clientId);
  assert.equal(datedHref.searchParams.get('type'), 'scopes_updated');
  assert.equal(wallClock(datedHref.searchParams.get('from'), timeZone), `${today} 00:00`);
  assert.equal(wallClock(datedHref.searchParams.get('to'), timeZone), `${addDays(today, 1)} 00:00`);
  const datedCsv = await context.request.get(datedHref.href);
  assert.equal(datedCsv.status(), 200);
  assert.deepEqual((await datedCsv.text()).trim().split('\n'), lines, 'the dated CSV differs from the undated one for events made today');
  const yesterdayHref = new URL(datedHref.href);
  yesterdayHref.searchParams.set('to', datedHref.searchParams.get('from'));
  yesterdayHref.searchParams.delete('from');
  const beforeCsv = await context.request.get(yesterdayHref.href);
  assert.equal((await beforeCsv.text()).trim().split('\n').length, 1, 'the CSV up to today\'s midnight holds events');
  await screenshot(page, 'app-log.png');

  // ---- the Overview's app log: filtered there, then the full app log --------
  await page.goto(`${baseUrl}#/overview`);
  const overviewLog = page.locator('[data-testid="overview-app-log"]');
  await overviewLog.waitFor({ timeout: 10_000 });
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid="overview-app-log"] [data-testid="app-log-filter-app"] option')]
    .some((o) => o.value === id), app.clientId, { timeout: 10_000 });
  await overviewLog.locator('[data-testid="app-log-filter-app"]').selectOption(app.clientId);
  await waitForRowTypes(page, ['scopes_updated', 'reinstalled', 'installed']);
  await overviewLog.locator('[data-testid="app-log-filter-type"]').selectOption('reinstalled');
  await waitForRowTypes(page, ['reinstalled']);
  assert.equal((await overviewLog.locator('[data-testid="app-log-app"]').innerText()).trim(), appName);
  assert.match(new URL(page.url()).hash, new RegExp(`^#/overview\\?.*app=${app.clientId}`));
  const fullLog = overviewLog.locator('[data-testid="overview-app-log-link"]');
  assert.equal(await fullLog.getAttribute('href'), `#/app-log?type=reinstalled&app=${app.clientId}`);
  await fullLog.click();
  await page.waitForURL((url) => url.hash.startsWith('#/app-log?'), { timeout: 5_000 });
  await waitForRowTypes(page, ['reinstalled']);
  assert.equal(await page.locator('[data-testid="app-log-filter-type"]').inputValue(), 'reinstalled');
  await page.locator('[data-testid="app-log-filter-type"]').selectOption('scopes_updated');
  await waitForRowTypes(page, ['scopes_updated']);

  // ---- the app's page, from the log ---------------------------------------
  await change.locator('[data-testid="app-log-app"]').click();
  await page.waitForURL((url) => url.hash === `#/connected/${app.clientId}`, { timeout: 5_000 });
  await page.getByRole('heading', { level: 1, name: appName }).waitFor({ timeout: 10_000 });
  const conn = page.locator(`[data-testid="connected-connection"][data-connection-id="${connectionId}"]`);
  await conn.waitFor({ timeout: 10_000 });
  assert.equal((await conn.locator('[data-testid="connected-instance"]').innerText()).trim(), `· ${label}`);
  const scopeRows = await conn.locator('[data-testid="scope-row"]').evaluateAll((els) => els.map((el) => [
    el.dataset.permission, el.dataset.granted, el.dataset.requested]));
  assert.deepEqual(scopeRows.sort(), [
    ['catalog.read', 'true', 'true'],
    ['orders.read', 'true', 'true'],
    ['orders.write', 'false', 'true'],
  ]);
  // The app never called: nothing used in the last 30 days, as the activity API says.
  const activity = await adminGet(`/admin/v1/connections/${encodeURIComponent(connectionId)}/activity?days=30`);
  assert.deepEqual(activity.usedScopes, []);
  assert.deepEqual(await conn.locator('[data-testid="scope-row"]').evaluateAll((els) => els.map((el) => el.dataset.used)), ['false', 'false', 'false']);
  assert.equal((await conn.locator('[data-testid="scope-row"][data-permission="catalog.read"] [data-testid="scope-used"]').innerText()).trim(),
    'No (granted, unused)');
  assert.equal((await conn.locator('[data-testid="scopes-missing"]').innerText()).trim(), 'orders.write');
  const alert = page.locator(`[data-testid="alert-missing-scopes"][data-connection-id="${connectionId}"]`);
  assert.match(await alert.innerText(), /orders\.write/);
  // Recent activity: this app's events only, newest first.
  const recent = await page.locator('[data-testid="connected-app-events"] [data-testid="app-log-row"]')
    .evaluateAll((els) => els.map((el) => `${el.dataset.appId}:${el.dataset.type}`));
  assert.deepEqual(recent, [`${app.clientId}:scopes_updated`, `${app.clientId}:reinstalled`, `${app.clientId}:installed`]);
  await screenshot(page, 'connected-app.png');

  // Re-authorise opens the consent page for what is granted plus what is missing.
  await conn.locator('[data-testid="reauthorise"]').click();
  await page.waitForURL((url) => url.hash.startsWith('#/consent?'), { timeout: 10_000 });
  const consent = new URLSearchParams(new URL(page.url()).hash.slice('#/consent?'.length));
  assert.equal(consent.get('client_id'), app.clientId);
  assert.equal(consent.get('device_id'), label);
  assert.deepEqual(consent.get('scope').replace(/^location\[|\]$/g, '').split(',').sort(), ['catalog.read', 'orders.read', 'orders.write']);

  assert.deepEqual(errors, [], 'console errors');
  await page.close();
});

test('App pages of the demo apps: scopes used in the last 30 days, and the overview\'s erroring alert', { timeout: 60_000 }, async () => {
  await context.clearCookies();
  await signInAs(context, origin, { email: ownerEmail, password });
  const { page, errors } = await openSitePage(context, { origin, allow401: [ME_PATH] });

  // StockWise: granted catalog.read, catalog.write, orders.read; its seeded
  // calls use some of them (catalog.write never).
  const activity = await adminGet('/admin/v1/connections/con_demo_stockwise/activity?days=30');
  assert.ok(activity.usedScopes.includes('orders.read'), `StockWise used ${activity.usedScopes}`);
  assert.ok(!activity.usedScopes.includes('catalog.write'), `StockWise used ${activity.usedScopes}`);
  await page.goto(`${baseUrl}#/connected/stockwise`);
  const conn = page.locator('[data-testid="connected-connection"][data-connection-id="con_demo_stockwise"]');
  await conn.waitFor({ timeout: 10_000 });
  await page.getByRole('columnheader', { name: 'Used in the last 30 days' }).waitFor({ timeout: 5_000 });
  const used = await conn.locator('[data-testid="scope-row"]').evaluateAll((els) => els.map((el) => [el.dataset.permission, el.dataset.used]));
  assert.deepEqual(used.filter(([, u]) => u === 'true').map(([p]) => p).sort(), [...activity.usedScopes].sort(),
    'the Used column is not the activity API\'s usedScopes');
  assert.ok(used.some(([p, u]) => p === 'catalog.write' && u === 'false'), `rows ${JSON.stringify(used)}`);
  assert.equal((await conn.locator('[data-testid="scope-row"][data-permission="orders.read"] [data-testid="scope-used"]').innerText()).trim(), 'Yes');
  assert.equal((await conn.locator('[data-testid="scope-row"][data-permission="catalog.write"] [data-testid="scope-used"]').innerText()).trim(),
    'No (granted, unused)');
  assert.equal(await page.locator('[data-testid="alert-erroring"]').count(), 0, 'StockWise is healthy');
  // Its daily calls to customers are refused 403 insufficient_scope: not
  // used, refused for lack of it, and never requested ("No", not "No longer").
  assert.ok(activity.refusedScopes.includes('customers.read'), `StockWise refused ${activity.refusedScopes}`);
  assert.ok(!activity.usedScopes.includes('customers.read'), `StockWise used ${activity.usedScopes}`);
  const customers = conn.locator('[data-testid="scope-row"][data-permission="customers.read"]');
  assert.equal((await customers.locator('[data-testid="scope-used"]').innerText()).trim(), 'No');
  assert.equal((await customers.locator('[data-testid="scope-refused"]').innerText()).trim(), 'Yes');
  assert.equal((await customers.locator('[data-testid="scope-requested"]').innerText()).trim(), 'No');
  assert.equal((await conn.locator('[data-testid="scope-row"][data-permission="orders.read"] [data-testid="scope-refused"]').innerText()).trim(), 'No');

  // SpeedyDrop answers 5xx: the overview's reason is an alert on its page.
  const overview = await adminGet('/admin/v1/overview');
  const entry = overview.needsAttention.find((a) => a.connectionId === 'con_demo_speedydrop' && a.reason === 'erroring');
  assert.ok(entry, `the overview does not list SpeedyDrop as erroring: ${JSON.stringify(overview.needsAttention)}`);
  await page.goto(`${baseUrl}#/connected/speedydrop`);
  const alert = page.locator('[data-testid="alert-erroring"][data-connection-id="con_demo_speedydrop"]');
  await alert.waitFor({ timeout: 10_000 });
  assert.equal(await alert.getAttribute('data-reason'), 'erroring');
  assert.ok((await alert.innerText()).includes(entry.message), `alert "${await alert.innerText()}" lacks "${entry.message}"`);
  assert.equal(await alert.locator('[data-testid="alert-action"]').getAttribute('href'), '#/connections/con_demo_speedydrop/logs?status=5xx');
  assert.equal(await page.locator('[data-testid="connected-app-no-alerts"]').count(), 0);
  await screenshot(page, 'connected-app-erroring.png');
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
