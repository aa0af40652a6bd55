// Browser test of rate-limit headroom: a fresh app's connection makes 405
// calls to GET /v1/rate_limits within one minute (81 % of the 500-a-minute
// limit); the last answer agrees with its X-RateLimit-* headers; the
// connection's Activity page shows each window's limit, use now and peaks
// as numbers and bars, equal to the admin API's; the Overview lists the
// connection under "Near a rate limit today"; and an admin creates a
// "Near a rate limit" notification rule through the wizard. Screenshots:
// rate-limits.png, overview-near-limit.png, rule-rate-limit.png.
//
// Run from the repository root (same variables as catalog.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, connectApp, envOr, getJson, launchBrowser, openPage as openSitePage, postJson, requireEnv, screenshot, signIn, siteFromEnv,
} from '../testlib/support.mjs';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const CALLS = 405;
const PARALLEL = 15;

let baseUrl;
let origin;
let ownerEmail;
let password;
let browser;
let context;

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

/** Calls GET /v1/rate_limits n times, PARALLEL at a time; returns the last answer with its headers. */
async function callMany(token, n) {
  let last = null;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next += 1;
      const res = await fetch(new URL('/v1/rate_limits', origin), { headers: { Authorization: `Bearer ${token}` } });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      const used = body.rate_limits[0].used;
      if (!last || used > last.body.rate_limits[0].used) last = { body, headers: res.headers };
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return last;
}

test('A connection past 80 % of its minute limit: the API, the Activity panel, the Overview and a rate limit rule', { timeout: 180_000 }, async () => {
  await context.clearCookies();
  const me = await signIn(context, origin, { email: ownerEmail, password });
  const name = `Busy Till ${randomBytes(3).toString('hex')}`;
  const registered = await postJson(context, origin, DEV_APPS_PATH, {
    name, developer: me.account.name, description: 'Used by the rate-limit browser test.',
    category: 'pos', level: 'location', scopes: ['orders.read'], redirectUris: [REDIRECT_URI], multipleInstances: true, published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, registered.text);
  const token = await connectApp(context, origin, {
    app: registered.body, scope: 'location[orders.read]', locationId: me.locations[0].id, redirectUri: REDIRECT_URI, csrfToken: me.csrfToken,
  });
  const id = token.connection_id;

  // All the calls in one UTC minute: start early in a minute.
  let second = new Date().getUTCSeconds();
  if (second > 15) await new Promise((r) => { setTimeout(r, (61 - second) * 1000); });
  second = new Date().getUTCSeconds();
  const started = Date.now();
  const last = await callMany(token.access_token, CALLS);
  const took = Date.now() - started;
  assert.ok(second + took / 1000 < 60, `the calls took ${took} ms from :${second}: they spread over two minutes`);
  const [minute, hour, day] = last.body.rate_limits;
  assert.deepEqual([minute.window, hour.window, day.window], ['minute', 'hour', 'day']);
  assert.equal(minute.used, CALLS);
  assert.equal(minute.remaining, 500 - CALLS);
  // The headers describe the window with the fewest calls remaining: the minute.
  assert.equal(last.headers.get('x-ratelimit-limit'), '500');
  assert.equal(last.headers.get('x-ratelimit-remaining'), String(minute.remaining));
  assert.equal(last.headers.get('x-ratelimit-reset'), String(minute.reset));

  const api = await getJson(context, origin, `/admin/v1/connections/${encodeURIComponent(id)}/rate_limits`);
  const apiMinute = api.windows.find((w) => w.window === 'minute');
  assert.equal(apiMinute.peakToday, CALLS);
  assert.equal(apiMinute.peak7Days, CALLS);
  assert.ok(api.windows.find((w) => w.window === 'hour').used >= CALLS);

  const { page, errors } = await openSitePage(context, { origin });
  await page.goto(`${baseUrl}#/connections/${encodeURIComponent(id)}/activity`);
  const row = page.locator('[data-testid="rate-limit-row"][data-window="minute"]');
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('[data-testid="rate-limit-row"]').count(), 3);
  assert.equal((await row.locator('[data-testid="rate-limit"]').innerText()).trim(), '500');
  assert.equal(await row.locator('[data-testid="rate-peak-today"]').getAttribute('data-value'), String(CALLS));
  assert.match(await row.locator('[data-testid="rate-peak-7days"]').innerText(), /405 · 81 %/);
  assert.equal(await row.locator('.rate-bar--near').count() >= 2, true, 'the minute\'s peak bars are not drawn as near the limit');
  const hourRow = page.locator('[data-testid="rate-limit-row"][data-window="hour"]');
  assert.equal(await hourRow.locator('.rate-bar--near').count(), 0, 'the hour is far from its limit');
  await page.locator('[data-testid="rate-limits"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'rate-limits.png');

  const overview = await getJson(context, origin, '/admin/v1/overview');
  const near = overview.nearRateLimit.find((n) => n.connectionId === id);
  assert.ok(near, 'the API does not list the connection as near its limit');
  assert.deepEqual(near.windows.map((w) => w.window), ['minute']);
  await page.goto(`${baseUrl}#/overview`);
  const item = page.locator(`[data-testid="near-rate-limit-item"][data-connection-id="${id}"]`);
  await item.waitFor({ timeout: 10_000 });
  assert.match(await item.innerText(), new RegExp(`${name}[\\s\\S]*Per minute: peak 405 of 500 \\(81 %\\)`));
  await item.scrollIntoViewIfNeeded();
  await screenshot(page, 'overview-near-limit.png', { scrollToTop: false });

  // The rule type in the wizard.
  await page.goto(`${baseUrl}#/notifications`);
  await page.getByRole('button', { name: 'Create rule' }).click();
  const wizard = page.locator('[data-testid="rule-wizard"]');
  await wizard.waitFor({ timeout: 10_000 });
  const ruleName = `Near the limit ${Date.now()}`;
  await wizard.getByLabel('Rule name').fill(ruleName);
  await wizard.getByLabel('Event').selectOption('rate_limit');
  await wizard.getByLabel('Frequency').selectOption('hourly');
  await screenshot(page, 'rule-rate-limit.png', { scrollToTop: false });
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('heading', { name: /Step 2 of 3/ }).waitFor();
  await wizard.getByLabel('All apps').check();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('heading', { name: /Step 3 of 3/ }).waitFor();
  const created = page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/admin/v1/notifications');
  await wizard.getByRole('button', { name: 'Create rule' }).click();
  assert.equal((await created).status(), 201);
  const rules = await getJson(context, origin, '/admin/v1/notifications');
  const rule = rules.rules.find((r) => r.name === ruleName);
  assert.equal(rule && rule.type, 'rate_limit');
  const ruleRow = page.locator('tr', { hasText: ruleName });
  await ruleRow.waitFor({ timeout: 10_000 });
  assert.match(await ruleRow.innerText(), /Near a rate limit/);
  // Tidy up: the demo account keeps no test rule.
  const del = await context.request.delete(new URL(`/admin/v1/notifications/${encodeURIComponent(rule.id)}`, origin).href,
    { headers: { 'X-CSRF-Token': me.csrfToken }, failOnStatusCode: false });
  assert.equal(del.status(), 204, await del.text());
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
