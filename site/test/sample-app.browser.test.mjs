// Browser test of what a newcomer does on `make run`: sign in as the demo
// merchant, choose a location in Available apps, click Connect on the
// "Switchboard Sample App" (served by the local stack, its address read from
// the catalog card), consent, land on the sample app's own page showing what
// the platform API answered it, place a test order from it, then open that
// connection's logs in the admin site and find those very calls (by their
// request ids).
// Screenshots: sample-app-consent.png, sample-app.png, sample-app-logs.png.
//
// Run from the repository root against `make run` (same variables as
// catalog.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3000/ SWITCHBOARD_PASSWORD=… node --test site/test/sample-app.browser.test.mjs
// It signs in as owner@demo.test (SWITCHBOARD_OWNER_EMAIL overrides it).
// Each run makes one more connection of the sample app (it allows one per
// location: a second run re-authorises it). Optional: CHROMIUM_PATH.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseAction, envOr, launchBrowser, openPage as openSitePage, requireEnv, screenshot, signIn, siteFromEnv,
} from '../testlib/support.mjs';

const APP_NAME = 'Switchboard Sample App';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

let baseUrl;
let origin;
let ownerEmail;
let password;
let browser;
let context;

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3000/'));
  ownerEmail = envOr('SWITCHBOARD_OWNER_EMAIL', 'owner@demo.test');
  password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${ownerEmail}.`);
  browser = await launchBrowser();
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

function openPage(options = {}) {
  // The sample app is served on loopback by the local stack: real.
  return openSitePage(context, { origin, ...options, isReal: (url) => LOOPBACK_HOSTS.has(url.hostname) });
}

test('a newcomer connects the sample app from the catalog and sees its calls in the logs', { timeout: 120_000 }, async () => {
  const me = await signIn(context, origin, { email: ownerEmail, password });
  const location = me.locations.find((l) => l.id === 'loc-bastille') || me.locations[0];
  assert.ok(location, 'the demo account has no location');

  // ---- Available apps: Connect opens the sample app in a new tab ---------
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}#/catalog`);
  await page.getByLabel('Connect to').selectOption(location.id);
  const card = page.locator('[data-testid="app-card"]').filter({
    has: page.locator('[data-testid="app-name"]', { hasText: new RegExp(`^${APP_NAME}$`) }),
  });
  await card.waitFor({ timeout: 10_000 });
  const connect = card.locator('[data-testid="connect"]');
  assert.ok(await connect.isEnabled(), 'Connect is disabled on the sample app with a location chosen');
  const popup = context.waitForEvent('page', { timeout: 10_000 });
  await connect.click();
  const app = await popup;
  const appErrors = [];
  app.on('pageerror', (err) => appErrors.push(`pageerror: ${err.message}`));
  app.on('console', (msg) => { if (msg.type() === 'error') appErrors.push(`console.error: ${msg.text()}`); });

  // ---- the app sent the browser to the consent page, with state and PKCE --
  await app.locator('[data-testid="consent-app-name"]').waitFor({ timeout: 15_000 });
  const hash = new URL(app.url()).hash;
  const params = new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
  assert.equal(params.get('code_challenge_method'), 'S256', `no PKCE in the authorisation request: ${hash}`);
  assert.ok((params.get('state') || '').length >= 32, `no state in the authorisation request: ${hash}`);
  const sampleOrigin = new URL(params.get('redirect_uri')).origin;
  assert.equal((await app.locator('[data-testid="consent-app-name"]').innerText()).trim(), APP_NAME);
  await app.locator('[data-testid="consent-locations"]').getByRole('radio', { name: location.name }).check();
  await app.setViewportSize({ width: 1280, height: 900 });
  await app.waitForLoadState('networkidle');
  await screenshot(app, 'sample-app-consent.png');
  await app.getByRole('button', { name: 'Approve' }).click();

  // ---- the sample app's own page: what the API answered ------------------
  await app.waitForURL((url) => url.origin === sampleOrigin && url.pathname.startsWith('/connections/'), { timeout: 20_000 });
  const section = app.locator('[data-testid="sample-connection"]');
  await section.waitFor({ timeout: 10_000 });
  assert.equal((await app.locator('[data-testid="location-name"]').innerText()).trim(), location.name);
  const connectionId = await section.getAttribute('data-connection-id');
  const calls = app.locator('[data-testid="api-call"]');
  assert.equal(await calls.count(), 2, 'the sample app did not make its first two API calls');
  assert.deepEqual((await app.locator('[data-testid="call-status"]').allInnerTexts()).map((s) => s.trim()), ['200', '200']);
  // A few orders: the app places a test order (orders.write), then lists them.
  await app.locator('[data-testid="create-order"]').click();
  await app.locator('[data-testid="orders"] tbody tr').first().waitFor({ timeout: 10_000 });
  assert.deepEqual((await app.locator('[data-testid="call-status"]').allInnerTexts()).map((s) => s.trim()), ['200', '200', '201', '200']);
  assert.match(await app.locator('[data-testid="orders"]').innerText(), /19\.00 EUR/);
  const requestIds = (await app.locator('[data-testid="request-id"]').allInnerTexts()).map((s) => s.trim());
  assert.ok(requestIds.every((id) => id.length > 0), 'a call has no request id');
  await screenshot(app, 'sample-app.png');
  assert.deepEqual(appErrors, [], `errors on the sample app's pages:\n${appErrors.join('\n')}`);
  await app.close();

  // ---- Connections → View logs: the same calls ----------------------------
  await page.goto(`${baseUrl}#/connections`);
  const row = page.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.equal((await row.locator('[data-testid="connection-app"]').innerText()).trim(), APP_NAME);
  await chooseAction(row, 'view-logs');
  await page.locator('[data-testid="log-connection"]').waitFor({ timeout: 10_000 });
  assert.equal((await page.locator('[data-testid="log-connection"]').innerText()).trim(), connectionId);
  // Calls are logged just after their answer: reload until both are in.
  for (let i = 0; ; i += 1) {
    const shown = await page.locator('[data-testid="log-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.requestId));
    if (requestIds.every((id) => shown.includes(id))) break;
    assert.ok(i < 20, `the logs show ${JSON.stringify(shown)}, not the sample app's calls ${JSON.stringify(requestIds)}`);
    await page.waitForTimeout(500);
    await page.reload();
    await page.locator('[data-testid="log-connection"]').waitFor({ timeout: 10_000 });
  }
  const paths = await page.locator('[data-testid="log-row"] td.log-path').allInnerTexts();
  assert.ok(paths.some((p) => p.includes('/v1/location')), `no /v1/location call listed: ${paths}`);
  assert.ok(paths.some((p) => p.includes(`/v1/locations/${location.id}/orders`)), `no orders call listed: ${paths}`);
  const methods = await page.locator('[data-testid="log-row"]').evaluateAll((rows) => rows.map((r) => r.textContent));
  assert.ok(methods.some((t) => /POST/.test(t) && /201/.test(t)), 'the test order (POST, 201) is not in the logs');
  await page.waitForLoadState('networkidle');
  await screenshot(page, 'sample-app-logs.png');
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
