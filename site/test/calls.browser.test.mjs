// Browser test of finding a call by its request id (issue 18): the app's
// answers carry X-Request-Id; on a connection's Logs page the merchant types
// one into "Request id" and the call opens, on this page when it is this
// connection's, else on its own connection's logs page; an unknown id says
// so. On the developer's side, My apps → Calls shows the app's calls with
// the logs page's filters (the listing follows the scheduled roll-up, which
// the Go tests play) and finds the same request id at once: the entry names
// the merchant's account id and location name, with the bodies and their
// download links; its Export control starts an export of the app's calls.
//
// Run from the repository root (same variables as logs.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/
// Signs in as owner@demo.test (SWITCHBOARD_OWNER_EMAIL overrides it); each
// run registers one more unpublished app and connects it twice.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, ME_PATH, connectApp, envOr, launchBrowser, openPage as openSitePage, postJson as postJsonTo, requireEnv, screenshot,
  signIn as signInAs, siteFromEnv,
} from '../testlib/support.mjs';

const LOCATION_ID = 'loc-bastille';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SCOPE = 'location[orders.read]';

let baseUrl;
let origin;
let ownerEmail;
let password;
let browser;
let context;

async function callApi(pathname, token) {
  const response = await fetch(new URL(pathname, origin), { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, text: await response.text(), requestId: response.headers.get('x-request-id') };
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

/** Registers an app, connects it twice at LOCATION_ID and makes one call with each token. */
async function twoConnections(me) {
  const appName = `Request Id Till ${randomBytes(3).toString('hex')}`;
  const registered = await postJsonTo(context, origin, DEV_APPS_PATH, {
    name: appName, developer: me.account.name, description: 'An app used by the request-id browser test.', category: 'pos',
    level: 'location', scopes: ['orders.read'], redirectUris: [REDIRECT_URI], multipleInstances: true, published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, `register: HTTP ${registered.status} ${registered.text}`);
  const made = [];
  for (const label of ['till one', 'till two']) {
    const token = await connectApp(context, origin, {
      app: registered.body, scope: SCOPE, locationId: LOCATION_ID, label, redirectUri: REDIRECT_URI, csrfToken: me.csrfToken,
    });
    const answer = await callApi('/v1/location', token.access_token);
    assert.equal(answer.status, 200, `GET /v1/location: HTTP ${answer.status} ${answer.text}`);
    assert.ok(answer.requestId, 'the answer carries no X-Request-Id');
    made.push({ connectionId: token.connection_id, requestId: answer.requestId });
  }
  return { appName, appId: registered.body.clientId, made };
}

test('Request id: the logs page opens a call of the account by its id, whatever the connection', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signInAs(context, origin, { email: ownerEmail, password });
  const { made } = await twoConnections(me);
  const [one, two] = made;

  const { page, errors } = await openSitePage(context, { origin, allow401: [ME_PATH] });
  await page.goto(`${baseUrl}#/connections/${one.connectionId}/logs`);
  await page.locator('[data-testid="log-row"]').first().waitFor({ timeout: 10_000 });
  const input = page.getByRole('searchbox', { name: 'Request id' });

  // This connection's call opens beside the list.
  await input.fill(one.requestId);
  await page.locator('[data-testid="log-find-submit"]').click();
  const detail = page.locator('[data-testid="log-detail"]');
  await detail.getByText(one.requestId, { exact: true }).waitFor({ timeout: 10_000 });
  assert.match(await detail.innerText(), /\/v1\/location/);

  // The other connection's call: its own logs page opens, with the entry.
  await input.fill(two.requestId);
  await page.locator('[data-testid="log-find-submit"]').click();
  await page.waitForURL((url) => url.hash === `#/connections/${two.connectionId}/logs?requestId=${encodeURIComponent(two.requestId)}`, { timeout: 10_000 });
  await page.locator('[data-testid="log-detail"]').getByText(two.requestId, { exact: true }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'logs-find-request-id.png');

  // An id of no call of the account.
  const unknown = `nope-${randomBytes(4).toString('hex')}`;
  await page.getByRole('searchbox', { name: 'Request id' }).fill(unknown);
  await page.locator('[data-testid="log-find-submit"]').click();
  await page.locator('[data-testid="log-find-message"]').getByText(/No call of your account has this request id/).waitFor({ timeout: 10_000 });
  const blocked = errors.filter((e) => !/status of 404/.test(e));
  assert.deepEqual(blocked, [], `Unexpected console/page errors:\n${blocked.join('\n')}`);
});

test('Developer: My apps → Calls filters the app\'s calls and finds a request id, naming the account and location only', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signInAs(context, origin, { email: ownerEmail, password });
  const location = me.locations.find((l) => l.id === LOCATION_ID);
  const { appId, made } = await twoConnections(me);

  const { page, errors } = await openSitePage(context, { origin, allow401: [ME_PATH] });
  await page.goto(`${baseUrl}#/developer`);
  const article = page.locator(`[data-testid="dev-app"][data-app-id="${appId}"]`);
  await article.waitFor({ timeout: 10_000 });
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === `${DEV_APPS_PATH}/${appId}/calls`);
  await article.locator('[data-testid="app-calls-toggle"]').click();
  assert.equal((await listed).status(), 200);
  const section = article.locator('[data-testid="app-calls"]');
  await section.locator('[data-testid="app-calls-status"]').getByText(/calls? shown|No calls yet|load more/).waitFor({ timeout: 10_000 });

  // The filters are the logs page's, sent as its query parameters.
  // exact: the section's Export form has "Include request and response bodies".
  await section.getByLabel('Response', { exact: true }).selectOption('5xx');
  await section.getByLabel('Method', { exact: true }).selectOption('GET');
  const filtered = page.waitForRequest((r) => new URL(r.url()).pathname === `${DEV_APPS_PATH}/${appId}/calls`);
  await section.locator('[data-testid="app-calls-apply"]').click();
  const query = new URL((await filtered).url()).searchParams;
  assert.equal(query.get('status'), '5xx');
  assert.equal(query.get('method'), 'GET');
  assert.equal(query.get('resource'), null);

  // The merchant's request id, found at once on the developer's side.
  await section.getByRole('searchbox', { name: 'Request id' }).fill(made[1].requestId);
  await section.locator('[data-testid="app-calls-find-submit"]').click();
  const detail = section.locator('[data-testid="app-call-detail"]');
  await detail.locator('[data-testid="app-call-request-id"]').getByText(made[1].requestId, { exact: true }).waitFor({ timeout: 10_000 });
  assert.equal((await detail.locator('[data-testid="app-call-account"]').innerText()).trim(), me.account.id);
  assert.match(await detail.innerText(), new RegExp(location.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  const text = await detail.innerText();
  assert.ok(!text.includes(made[1].connectionId), 'the developer\'s entry names the merchant\'s connection');
  const href = await detail.locator('[data-testid="app-call-download-response"]').getAttribute('href');
  assert.equal(href, `${DEV_APPS_PATH}/${appId}/calls/${encodeURIComponent(made[1].requestId)}/response`);
  const body = await page.evaluate(async (url) => (await fetch(url)).text(), href);
  assert.match(body, new RegExp(LOCATION_ID), 'the downloaded response is not the location the app read');
  await screenshot(page, 'developer-calls.png');

  // The Logs page's Export control, over the app's exports (the writer and
  // the files are exports.browser.test.mjs's): started, it is listed.
  await section.locator('[data-testid="export-open"]').click();
  await section.locator('[data-testid="export-format-ndjson"]').check();
  const started = page.waitForResponse((r) => new URL(r.url()).pathname === `${DEV_APPS_PATH}/${appId}/exports` && r.request().method() === 'POST');
  await section.locator('[data-testid="export-start"]').click();
  assert.equal((await started).status(), 202);
  const exportRow = section.locator('[data-testid="export-row"]').first();
  await exportRow.waitFor({ timeout: 10_000 });
  assert.match(await exportRow.innerText(), /NDJSON/);

  // Another app's call (or none) is not found through this app.
  await section.getByRole('searchbox', { name: 'Request id' }).fill(`nope-${randomBytes(4).toString('hex')}`);
  await section.locator('[data-testid="app-calls-find-submit"]').click();
  await section.locator('[data-testid="app-call-error"]').getByText(/No call of this app has this request id/).waitFor({ timeout: 10_000 });
  const blocked = errors.filter((e) => !/status of 404/.test(e));
  assert.deepEqual(blocked, [], `Unexpected console/page errors:\n${blocked.join('\n')}`);
});
