// Browser test of callback endpoint health: an app whose callback endpoint
// answers 410 Gone is disabled at the first callback (a block sent in line);
// the developer page shows it disabled with the reason and its failure rate,
// the merchant's connected-app page its state only; the developer enables it
// again from the page, redelivering the failed events since a time, and the
// page shows it active with how many events were queued again. Chromium
// runs in America/New_York, the demo account in Europe/Paris: the "since"
// field is prefilled, read and named in the account's zone, and the exact
// instant sent is checked.
//
// Run from the repository root (same variables as catalog.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/
// Signs in as owner@demo.test (SWITCHBOARD_OWNER_EMAIL overrides it). Each run
// registers one more unpublished app (unique name) and connects it to
// loc-bastille; the test disconnects it at the end.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, connectApp, envOr, getJson, isoSeconds, launchBrowser, openPage as openSitePage, postJson as postSiteJson, requireEnv,
  screenshot, signIn as signInAs, siteFromEnv, wallTime,
} from '../testlib/support.mjs';

const LOCATION_ID = 'loc-bastille';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const BROWSER_ZONE = 'America/New_York';

let origin;
let ownerEmail;
let password;
let browser;
let context;
let receiver; // { server, url, status, got: [body] }

function startReceiver() {
  const state = { got: [], status: 410 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      state.got.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(state.status);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      state.server = server;
      state.url = `http://127.0.0.1:${server.address().port}/hooks`;
      resolve(state);
    });
  });
}

before(async () => {
  ({ origin } = siteFromEnv('http://127.0.0.1:3400/'));
  ownerEmail = envOr('SWITCHBOARD_OWNER_EMAIL', 'owner@demo.test');
  password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${ownerEmail}.`);
  receiver = await startReceiver();
  browser = await launchBrowser({ timezoneId: BROWSER_ZONE });
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
  if (receiver) await new Promise((resolve) => receiver.server.close(resolve));
});

test('My apps: a callback endpoint answering 410 is disabled, shown, and enabled again with a redelivery', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signInAs(context, origin, { email: ownerEmail, password });
  const postJson = (pathname, data) => postSiteJson(context, origin, pathname, data, me.csrfToken);

  // ---- the app, connected through the API ------------------------------------
  const appName = `Gone Till ${randomBytes(3).toString('hex')}`;
  const registered = await postJson(DEV_APPS_PATH, {
    name: appName, developer: me.account.name, description: 'An app used by the endpoint health browser test.',
    category: 'pos', level: 'location', scopes: ['orders.read'], redirectUris: [REDIRECT_URI],
    callbackUrl: receiver.url, multipleInstances: true, published: false,
  });
  assert.equal(registered.status, 201, `register: HTTP ${registered.status} ${registered.text}`);
  const { clientId, clientSecret } = registered.body;
  const token = await connectApp(context, origin, {
    app: { clientId, clientSecret }, scope: 'location[orders.read]', locationId: LOCATION_ID, label: 'Gone till', redirectUri: REDIRECT_URI, csrfToken: me.csrfToken,
  });
  const connectionId = token.connection_id;
  const since = new Date(Date.now() - 60_000); // before every event of this test

  // A block is announced in line: the endpoint answers 410 and is disabled
  // at once; the unblock that follows is not even attempted.
  const block = await postJson(`/admin/v1/connections/${encodeURIComponent(connectionId)}/block`, { reason: 'Endpoint health test' });
  assert.equal(block.status, 200, `block: ${block.text}`);
  const unblock = await postJson(`/admin/v1/connections/${encodeURIComponent(connectionId)}/unblock`, {});
  assert.equal(unblock.status, 200, `unblock: ${unblock.text}`);
  const posts = receiver.got.length;
  const dev = await getJson(context, origin, `${DEV_APPS_PATH}/${encodeURIComponent(clientId)}`);
  assert.equal(dev.callbackEndpoint.state, 'disabled', `endpoint ${JSON.stringify(dev.callbackEndpoint)}`);

  // ---- the developer page shows it disabled -----------------------------------
  const { page, errors } = await openSitePage(context, { origin });
  await page.goto(new URL('#/developer', origin).href);
  const article = page.locator(`[data-testid="dev-app"][data-app-id="${clientId}"]`);
  const health = article.locator('[data-testid="endpoint-health"]');
  await health.waitFor();
  assert.equal(await health.getAttribute('data-state'), 'disabled');
  assert.equal((await health.locator('[data-testid="endpoint-state"]').innerText()).trim(), 'Disabled');
  assert.match(await health.locator('[data-testid="endpoint-reason"]').innerText(), /410 Gone/);
  assert.match(await health.locator('[data-testid="endpoint-rates"]').innerText(), /100 % failed in 24 hours \(\d+ of \d+\)/);
  await article.scrollIntoViewIfNeeded();
  await screenshot(page, 'endpoint-disabled-developer.png', { scrollToTop: false });

  // ---- the merchant's page of the app: the state only -------------------------
  await page.goto(new URL(`#/connected/${encodeURIComponent(clientId)}`, origin).href);
  const status = page.locator('[data-testid="connected-app-endpoint"]');
  await status.waitFor();
  assert.equal((await status.locator('[data-testid="endpoint-state"]').innerText()).trim(), 'Disabled');
  assert.doesNotMatch(await status.innerText(), /410|failed in/, 'the merchant sees more than the state');
  await status.scrollIntoViewIfNeeded();
  await screenshot(page, 'endpoint-disabled-merchant.png', { scrollToTop: false });

  // ---- enable it again, redelivering the failed events since `since` ----------
  receiver.status = 204;
  await page.goto(new URL('#/developer', origin).href);
  await health.waitFor();
  await health.locator('[data-testid="endpoint-enable"]').click();
  const sinceInput = health.locator('[data-testid="endpoint-since"]');
  assert.equal(await health.locator('[data-testid="endpoint-redeliver"]').isChecked(), true);
  // Prefilled with the time it was disabled, as the account's wall time,
  // and the zone named under the field.
  const zone = me.account.timeZone;
  assert.ok(zone, 'the account has no time zone');
  assert.notEqual(wallTime(since, zone), wallTime(since, BROWSER_ZONE), 'the browser and the account share a wall time: the test would prove nothing');
  assert.equal(await sinceInput.inputValue(), wallTime(new Date(dev.callbackEndpoint.disabledAt), zone),
    `"since" is not ${dev.callbackEndpoint.disabledAt} in ${zone}`);
  assert.match(await health.locator('[data-testid="endpoint-since-zone"]').innerText(), new RegExp(zone.replace('/', '\\/')));
  // Typed as the account's wall time of `since`: sent as that minute's instant.
  await sinceInput.fill(wallTime(since, zone));
  const sent = page.waitForRequest((req) => req.method() === 'POST' && req.url().endsWith(`/developer/apps/${encodeURIComponent(clientId)}/callback-endpoint/enable`));
  await screenshot(page, 'endpoint-enable-form.png', { scrollToTop: false });
  await health.locator('[data-testid="endpoint-enable-confirm"]').click();
  assert.equal((await sent).postDataJSON().redeliverSince, isoSeconds(Math.floor(since.getTime() / 60_000) * 60_000),
    `redeliverSince is not ${wallTime(since, zone)} in ${zone}`);
  const enabled = page.locator(`[data-testid="dev-app"][data-app-id="${clientId}"] [data-testid="endpoint-health"][data-state="active"]`);
  await enabled.waitFor();
  const notice = await page.locator(`[data-testid="dev-app"][data-app-id="${clientId}"] .form-notice[role="status"]`).innerText();
  const queued = Number((notice.match(/(\d+) failed events? (is|are) sent again/) || [])[1]);
  assert.ok(queued >= 2, `notice "${notice}": want the block and the unblock queued again`);
  await screenshot(page, 'endpoint-enabled-developer.png', { scrollToTop: false });

  // The queued events are the block and the unblock (and the install, when
  // the retrier failed it before the enable): pending again, due now; the
  // install may also still be pending on its own retry schedule.
  const log = await getJson(context, origin, `${DEV_APPS_PATH}/${encodeURIComponent(clientId)}/deliveries`);
  const pending = log.deliveries.filter((d) => d.state === 'pending').map((d) => d.type);
  assert.ok(pending.length >= queued && log.deliveries.every((d) => d.state !== 'failed'), `deliveries ${JSON.stringify(log.deliveries.map((d) => [d.type, d.state]))}`);
  assert.ok(pending.includes('connection.blocked') && pending.includes('connection.unblocked'), `pending ${pending.join(', ')}`);
  assert.equal(receiver.got.length, posts, 'the enable posted in line; the retrier sends the queued events');
  assert.deepEqual(errors, []);

  // ---- clean up ------------------------------------------------------------------
  const gone = await context.request.delete(new URL(`/admin/v1/connections/${encodeURIComponent(connectionId)}`, origin).href,
    { headers: { 'X-CSRF-Token': me.csrfToken }, failOnStatusCode: false });
  assert.equal(gone.status(), 204);
});
