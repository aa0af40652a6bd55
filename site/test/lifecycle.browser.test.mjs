// Browser test of blocking and disconnecting from the Connections page: an
// app is connected through the API (no browser UI), with a callback URL on a
// tiny receiver on 127.0.0.1; the merchant blocks it from its actions menu
// (confirmation dialog with a reason), sees the status change and the app's
// next call refused with connection_blocked, unblocks it, opens its callback
// log, checks a member sees the actions disabled, then disconnects it
// (confirmation) and sees it leave the list. The
// receiver gets the signed callbacks. The delivery log shows each callback's
// attempts and checks the range of "Redeliver failed"; the app's page keeps
// the removed connection's callbacks, pages through them and redelivers one.
//
// Run from the repository root (same variables as catalog.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/
// Signs in as owner@demo.test (SWITCHBOARD_OWNER_EMAIL overrides it). Each run
// registers one more unpublished app (unique name) and connects it to
// loc-bastille; the connection is disconnected by the test, so other tests'
// demo connections are never touched. Optional: CHROMIUM_PATH.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, chooseAction, envOr, launchBrowser, openPage as openSitePage, postJson as postSiteJson, requireEnv, screenshot, signIn as signInAs,
  siteFromEnv, wallTime,
} from '../testlib/support.mjs';

const LOCATION_ID = 'loc-bastille';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let origin;
let ownerEmail;
let password;
let browser;
let context;
let receiver; // { server, url, got: [{ headers, body }] }

function openPage({ viewport, allow401 } = {}) {
  return openSitePage(context, { origin, viewport, allow401 });
}

function postJson(pathname, data, csrfToken) {
  return postSiteJson(context, origin, pathname, data, csrfToken);
}

function startReceiver() {
  const state = { got: [] };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      state.got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204);
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

/** What shared/webhook.Verify does (Standard Webhooks), in JavaScript. */
function verifies(signingSecret, headers, body) {
  const key = Buffer.from(String(signingSecret).replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  const fresh = Math.abs(Date.now() / 1000 - Number(headers['webhook-timestamp'])) < 300;
  return fresh && String(headers['webhook-signature'] || '').split(' ').includes(`v1,${mac}`);
}

async function waitFor(predicate, what, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

before(async () => {
  ({ origin } = siteFromEnv('http://127.0.0.1:3400/'));
  ownerEmail = envOr('SWITCHBOARD_OWNER_EMAIL', 'owner@demo.test');
  password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${ownerEmail}.`);
  receiver = await startReceiver();
  browser = await launchBrowser();
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
  if (receiver) await new Promise((resolve) => receiver.server.close(resolve));
});

test('Connections: block with confirmation, unblock, callbacks, disconnect', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await signInAs(context, origin, { email: ownerEmail, password });

  // ---- the app, connected through the API --------------------------------
  const appName = `Lifecycle Till ${randomBytes(3).toString('hex')}`;
  const registered = await postJson(DEV_APPS_PATH, {
    name: appName, developer: me.account.name, description: 'An app used by the lifecycle browser test.',
    category: 'pos', level: 'location', scopes: ['orders.read'], redirectUris: [REDIRECT_URI],
    callbackUrl: receiver.url, multipleInstances: true, published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, `register: HTTP ${registered.status} ${registered.text}`);
  const { clientId, clientSecret, signingSecret } = registered.body;
  const decided = await postJson('/oauth2/v1/authorize', {
    client_id: clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'location[orders.read]',
    state: 'st', location_id: LOCATION_ID, approve: true, instance_label: 'Front till',
  }, me.csrfToken);
  assert.equal(decided.status, 200, `authorize: HTTP ${decided.status} ${decided.text}`);
  const code = new URL(decided.body.redirectTo).searchParams.get('code');
  const tokenResponse = await context.request.post(new URL('/oauth2/v1/token', origin).href, {
    form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret },
    failOnStatusCode: false,
  });
  const token = await tokenResponse.json();
  assert.equal(tokenResponse.status(), 200, `token: ${JSON.stringify(token)}`);
  const connectionId = token.connection_id;
  const callApi = async () => {
    const r = await fetch(new URL('/v1/location', origin), { headers: { Authorization: `Bearer ${token.access_token}` } });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  assert.equal((await callApi()).status, 200);

  // ---- block from the actions menu, with confirmation ----------------------
  const { page, errors } = await openPage();
  await page.goto(new URL(`#/connections?app=${encodeURIComponent(clientId)}`, origin).href);
  const row = page.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await row.waitFor();
  assert.equal((await row.locator('[data-testid="connection-status"]').innerText()).trim(), 'Active');
  // One "Actions" menu per row, as HubRise shows, in HubRise's order; by
  // keyboard: Enter opens it on its first item, arrows move, Escape closes
  // it and gives the focus back to its button.
  const actions = row.locator('[data-testid="connection-actions"]');
  const menu = row.locator('[data-testid="connection-menu"]');
  assert.equal(await row.locator('button:visible, a.btn:visible').count(), 1, 'the row shows more than one button');
  assert.equal(await menu.isVisible(), false);
  await actions.focus();
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'visible' });
  assert.equal(await actions.getAttribute('aria-expanded'), 'true');
  const labels = (await menu.locator('[role="menuitem"]').allInnerTexts()).map((t) => t.trim());
  const wantLabels = ['View activity', 'View logs', 'Callbacks', 'Block', 'Disconnect']; // no Open: the app has no openUrl
  assert.equal(labels.length, wantLabels.length, `menu items: ${labels.join(' | ')}`);
  wantLabels.forEach((w, i) => assert.ok(labels[i].startsWith(w), `menu item ${i}: ${labels[i]}, want ${w}`));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'view-activity');
  // The open menu is whole on the screen, and the row stays in sight (not
  // clipped or scrolled away inside the table's wrapper).
  const placed = await page.evaluate((id) => {
    const m = document.querySelector(`[data-testid="connection-row"][data-connection-id="${id}"] [data-testid="connection-menu"]`).getBoundingClientRect();
    const app = document.querySelector(`[data-testid="connection-row"][data-connection-id="${id}"] [data-testid="connection-app"]`);
    const a = app.getBoundingClientRect();
    const hit = document.elementFromPoint(a.left + 2, a.top + a.height / 2);
    return { inside: m.left >= 0 && m.top >= 0 && m.right <= innerWidth && m.bottom <= innerHeight, appShown: app.contains(hit) };
  }, connectionId);
  assert.deepEqual(placed, { inside: true, appShown: true });
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'view-logs');
  await screenshot(page, 'lifecycle-actions-menu.png', { scrollToTop: false });
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'connection-actions', 'Escape did not give the focus back');
  assert.equal(await actions.getAttribute('aria-expanded'), 'false');
  await chooseAction(row, 'block-connection');
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Block .*\?/);
  // Cancelling changes nothing, and gives the focus back to the row's menu.
  await dialog.locator('[data-testid="cancel"]').click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'connection-actions', 'the focus is lost after the dialog');
  assert.equal((await callApi()).status, 200, 'cancelled block blocked the app');

  await chooseAction(row, 'block-connection');
  await dialog.locator('[data-testid="block-reason"]').fill('Duplicate orders');
  // Unblocked automatically in 30 days (the API takes up to a year); the
  // field is in the account's time zone, as the row is.
  const untilAt = new Date(Date.now() + 30 * 86_400_000);
  await dialog.locator('[data-testid="block-until"]').fill(wallTime(untilAt, me.account.timeZone));
  await screenshot(page, 'lifecycle-block-dialog.png', { scrollToTop: false });
  await dialog.locator('[data-testid="confirm"]').click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction((id) => {
    const badge = document.querySelector(`[data-testid="connection-row"][data-connection-id="${id}"] [data-testid="connection-status"]`);
    return badge && badge.textContent.trim() === 'Blocked';
  }, connectionId, { timeout: 10_000 });
  const refused = await callApi();
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error.code, 'connection_blocked');
  // The blocked row says why and until when.
  assert.equal((await row.locator('[data-testid="connection-block-reason"]').innerText()).trim(), 'Reason: Duplicate orders');
  const until = row.locator('[data-testid="connection-block-until"]');
  assert.match((await until.innerText()).trim(), /^Until \S/);
  const shownUntil = Date.parse(await until.locator('time').getAttribute('datetime'));
  assert.ok(Math.abs(shownUntil - untilAt.getTime()) < 60_000, `blocked until ${new Date(shownUntil).toISOString()}, want ${untilAt.toISOString()}`);
  await screenshot(page, 'lifecycle-blocked.png');

  // ---- unblock ---------------------------------------------------------------
  await chooseAction(row, 'unblock-connection');
  await dialog.locator('[data-testid="confirm"]').click();
  await page.waitForFunction((id) => {
    const badge = document.querySelector(`[data-testid="connection-row"][data-connection-id="${id}"] [data-testid="connection-status"]`);
    return badge && badge.textContent.trim() === 'Active';
  }, connectionId, { timeout: 10_000 });
  assert.equal((await callApi()).status, 200);

  // ---- the callbacks the app got, and their log ------------------------------
  await waitFor(() => receiver.got.filter((g) => /connection\.(blocked|unblocked)/.test(g.body)).length === 2, 'block and unblock callbacks');
  for (const g of receiver.got) {
    assert.ok(verifies(signingSecret, g.headers, g.body), `callback signature does not verify: ${g.body}`);
  }
  const blockedEvent = JSON.parse(receiver.got.find((g) => g.body.includes('connection.blocked')).body);
  assert.equal(blockedEvent.connection_id, connectionId);
  assert.equal(blockedEvent.reason, 'Duplicate orders');
  await chooseAction(row, 'view-deliveries');
  await page.waitForFunction(() => document.querySelectorAll('dialog[open] [data-testid="delivery"]').length >= 2, null, { timeout: 10_000 });
  const delivery = dialog.locator(`[data-testid="delivery"][data-event-id="${blockedEvent.id}"]`);
  assert.equal(await delivery.getAttribute('data-state'), 'succeeded');
  const before = receiver.got.length;
  await delivery.locator('[data-testid="redeliver"]').click();
  await waitFor(() => receiver.got.length === before + 1, 'the redelivery');
  assert.equal(receiver.got[before].headers['webhook-id'], blockedEvent.id, 'redelivery changed the event id');
  // Its attempts: the first, then the redelivery, each with its answer.
  await delivery.locator('[data-testid="attempts"] summary').click();
  await page.waitForFunction((id) => document.querySelectorAll(
    `dialog[open] [data-testid="delivery"][data-event-id="${id}"] [data-testid="attempt"]`).length === 2, blockedEvent.id, { timeout: 10_000 });
  const attempts = delivery.locator('[data-testid="attempt"]');
  assert.deepEqual(await attempts.evaluateAll((rows) => rows.map((r) => [r.dataset.trigger, r.dataset.status])),
    [['first', '204'], ['redeliver', '204']]);
  assert.match(await attempts.nth(1).innerText(), /HTTP 204/);
  // Redeliver the failed callbacks of a range: the range is checked, and
  // none failed here.
  await dialog.locator('[data-testid="redeliver-from"]').fill('2030-01-02T10:00');
  await dialog.locator('[data-testid="redeliver-to"]').fill('2030-01-01T10:00');
  await dialog.locator('[data-testid="redeliver-failed"]').click();
  await page.waitForFunction(() => /before the end/.test(document.querySelector('dialog[open] [data-testid="redeliver-range-status"]').textContent));
  await dialog.locator('[data-testid="redeliver-from"]').fill('2020-01-01T00:00');
  await dialog.locator('[data-testid="redeliver-to"]').fill('2030-01-01T00:00');
  await dialog.locator('[data-testid="redeliver-failed"]').click();
  await page.waitForFunction(() => /No failed callback/.test(document.querySelector('dialog[open] [data-testid="redeliver-range-status"]').textContent));
  assert.equal(receiver.got.length, before + 1, 'a range with nothing failed sent callbacks');
  await screenshot(page, 'lifecycle-callbacks.png', { scrollToTop: false });
  await dialog.locator('[data-testid="close"]').click();
  await dialog.waitFor({ state: 'detached' });

  // Ten more blocks and unblocks, through the API: more callbacks than one
  // page of the app's delivery log holds.
  for (let i = 0; i < 10; i += 1) {
    for (const action of ['block', 'unblock']) {
      const r = await postJson(`/admin/v1/connections/${connectionId}/${action}`, {}, me.csrfToken);
      assert.equal(r.status, 200, `${action}: HTTP ${r.status} ${r.text}`);
    }
  }

  // ---- a member sees the actions disabled -----------------------------------
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
  await context.clearCookies();
  await signInAs(context, origin, { email: 'member@demo.test', password });
  const { page: memberPage, errors: memberErrors } = await openPage();
  await memberPage.goto(new URL(`#/connections?app=${encodeURIComponent(clientId)}`, origin).href);
  const memberRow = memberPage.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await memberRow.waitFor();
  await memberRow.locator('[data-testid="connection-actions"]').click();
  assert.equal(await memberRow.locator('[data-testid="block-connection"]').isDisabled(), true, 'member can block');
  assert.equal(await memberRow.locator('[data-testid="disconnect-connection"]').isDisabled(), true, 'member can disconnect');
  assert.deepEqual(memberErrors, [], `Unexpected console/page errors:\n${memberErrors.join('\n')}`);
  await memberPage.close();
  await context.clearCookies();
  await signInAs(context, origin, { email: ownerEmail, password });
  const { page: ownerPage, errors: ownerErrors } = await openPage();
  await ownerPage.goto(new URL(`#/connections?app=${encodeURIComponent(clientId)}`, origin).href);
  const ownerRow = ownerPage.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await ownerRow.waitFor();

  // ---- disconnect: the page says blocking is better to come back -------------
  await chooseAction(ownerRow, 'disconnect-connection');
  const ownerDialog = ownerPage.locator('dialog[open]');
  assert.match(await ownerDialog.innerText(), /block it instead/i);
  // The dialog names the instance, not only the app.
  assert.equal((await ownerDialog.getByRole('heading', { level: 2 }).innerText()).trim(), `Disconnect ${appName} (Front till)?`);
  await ownerDialog.locator('[data-testid="confirm"]').click();
  await ownerRow.waitFor({ state: 'detached', timeout: 10_000 });
  const gone = await callApi();
  assert.equal(gone.status, 401);
  assert.equal(gone.body.error.code, 'invalid_token');
  await waitFor(() => receiver.got.some((g) => g.body.includes('connection.uninstalled')), 'the uninstalled callback');

  // ---- the developer's side: My apps → Callbacks, across accounts -----------
  await ownerPage.goto(new URL('#/developer', origin).href);
  const card = ownerPage.locator(`[data-testid="dev-app"][data-app-id="${clientId}"]`);
  await card.locator('[data-testid="app-deliveries"]').click();
  await ownerPage.waitForFunction(() => [...document.querySelectorAll('dialog[open] [data-testid="delivery"]')]
    .some((d) => d.textContent.includes('connection.uninstalled')), null, { timeout: 10_000 });
  await ownerPage.locator('dialog[open] [data-testid="close"]').click();

  // ---- the app's page: its delivery log keeps the removed connection's -------
  await ownerPage.goto(new URL(`#/connected/${encodeURIComponent(clientId)}`, origin).href);
  const log = ownerPage.locator('[data-testid="connected-app-deliveries"]');
  await log.locator('[data-testid="delivery"]').first().waitFor({ timeout: 10_000 });
  const moreButton = log.locator('[data-testid="deliveries-more"]');
  let pages = 1;
  for (; pages < 20 && await moreButton.isVisible(); pages += 1) {
    const shown = await log.locator('[data-testid="delivery"]').count();
    await moreButton.click();
    await ownerPage.waitForFunction(({ n }) => {
      const section = document.querySelector('[data-testid="connected-app-deliveries"]');
      const button = section.querySelector('[data-testid="deliveries-more"]');
      return section.querySelectorAll('[data-testid="delivery"]').length > n || (button.hidden && !button.disabled);
    }, { n: shown }, { timeout: 10_000 });
  }
  const rows = log.locator('[data-testid="delivery"]');
  // installed, blocked, unblocked, 10 × (blocked, unblocked), uninstalled
  assert.equal(await rows.count(), 24, 'the app delivery log lists every callback of the removed connection');
  assert.ok(pages > 1, 'the app delivery log came in one page');
  const connectionIds = await rows.evaluateAll((els) => [...new Set(els.map((e) => e.dataset.connectionId))]);
  assert.deepEqual(connectionIds, [connectionId]);
  const uninstalledRow = rows.filter({ hasText: 'connection.uninstalled' });
  assert.match(await uninstalledRow.locator('[data-testid="delivery-connection"]').innerText(), /Removed connection/);
  const uninstalledEvent = JSON.parse(receiver.got.find((g) => g.body.includes('connection.uninstalled')).body);
  const sent = receiver.got.length;
  await uninstalledRow.locator('[data-testid="redeliver"]').click();
  await waitFor(() => receiver.got.length === sent + 1, 'the redelivery from the app page');
  assert.equal(receiver.got[sent].headers['webhook-id'], uninstalledEvent.id);
  assert.ok(verifies(signingSecret, receiver.got[sent].headers, receiver.got[sent].body), 'redelivery signature');
  await screenshot(ownerPage, 'lifecycle-app-deliveries.png');
  assert.deepEqual(ownerErrors, [], `Unexpected console/page errors:\n${ownerErrors.join('\n')}`);
  await ownerPage.close();
});
