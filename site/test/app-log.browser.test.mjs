// Browser test of the App log and of a connected app's page. An app this
// account registers is connected with one permission, then re-authorised
// with a second (through the API, no browser UI); the app now asks for a
// third. The merchant then:
//  - filters the App log by app and by activity type, sees the permission
//    change with its scopes before and after, and downloads the filtered CSV;
//  - opens the app's page from the log and sees, for the connection, the
//    permissions granted vs requested now with the missing one flagged, and
//    Re-authorise, which starts the consent flow for granted + missing.
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
  DEV_APPS_PATH, ME_PATH, connectApp, envOr, launchBrowser, openPage as openSitePage, postJson as postJsonTo, requireEnv,
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
  await screenshot(page, 'app-log.png');

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
