// Browser test of two things seen on the Connections page, with Chromium in
// another time zone (America/New_York) than the account's (the demo's
// Europe/Paris), so that a time read in the browser's zone shows:
//  - the block and unblock confirmations appear on the connection's own
//    row (right under it, announced), not as small text above the list;
//  - the callback log's "redeliver a range" fields are in the account's
//    zone, as the list's times are: prefilled with the account's wall time,
//    named under the fields, and sent as that zone's instants;
//  - the block dialog's "Unblock automatically at" is read in the
//    account's zone too, and names it under the field.
// Screenshots: connection-blocked-notice.png, callbacks-range-zone.png,
// block-until-zone.png.
//
// Run from the repository root (same variables as catalog.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3000/ SWITCHBOARD_PASSWORD=… node --test site/test/connection-feedback.browser.test.mjs
// Signs in as owner@demo.test (SWITCHBOARD_OWNER_EMAIL overrides it); each
// run registers one unpublished app and connects it to loc-canal.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, chooseAction, connectApp, envOr, isoSeconds, launchBrowser, openPage as openSitePage, postJson, requireEnv, screenshot, signIn,
  siteFromEnv, wallTime,
} from '../testlib/support.mjs';

const BROWSER_ZONE = 'America/New_York';
const LOCATION_ID = 'loc-canal';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let baseUrl;
let origin;
let browser;
let context;
let me;
let connectionId;

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3000/'));
  const email = envOr('SWITCHBOARD_OWNER_EMAIL', 'owner@demo.test');
  const password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${email}.`);
  browser = await launchBrowser({ timezoneId: BROWSER_ZONE });
  ({ context } = browser);
  me = await signIn(context, origin, { email, password });
  const registered = await postJson(context, origin, DEV_APPS_PATH, {
    name: `Zone Till ${randomBytes(3).toString('hex')}`, category: 'pos', level: 'location', scopes: ['orders.read'],
    developer: 'Browser test', redirectUris: [REDIRECT_URI],
  }, me.csrfToken);
  assert.equal(registered.status, 201, `register: ${registered.text}`);
  const token = await connectApp(context, origin, {
    app: registered.body, scope: 'location[orders.read]', locationId: LOCATION_ID, redirectUri: REDIRECT_URI, csrfToken: me.csrfToken,
  });
  connectionId = token.connection_id;
});

after(async () => {
  if (browser) await browser.close();
});

function openPage() {
  return openSitePage(context, { origin, viewport: { width: 1280, height: 900 } });
}

/** Asserts the confirmation text sits on its own row right under the connection's row. */
async function assertNoticeAtRow(page, row, text) {
  const notice = page.locator(`[data-testid="connection-notice"][data-connection-id="${connectionId}"]`);
  await notice.waitFor({ timeout: 10_000 });
  assert.match((await notice.innerText()).trim(), text);
  assert.ok(await notice.isVisible(), 'the confirmation is not visible');
  assert.equal(await notice.locator('[role="status"]').count(), 1, 'the confirmation is not announced (role=status)');
  // Next to the row: the very next table row, starting where the row ends.
  assert.ok(await row.evaluate((r) => r.nextElementSibling && r.nextElementSibling.dataset.testid === 'connection-notice'),
    'the confirmation is not the row right under the connection');
  const rowBox = await row.boundingBox();
  const noticeBox = await notice.boundingBox();
  assert.ok(noticeBox.y >= rowBox.y + rowBox.height - 1 && noticeBox.y <= rowBox.y + rowBox.height + 4,
    `the confirmation is at y=${noticeBox.y}, the row ends at y=${rowBox.y + rowBox.height}`);
  assert.ok(Math.abs(noticeBox.x - rowBox.x) < 2 && noticeBox.width >= rowBox.width - 2, 'the confirmation does not span the row');
  const fontSize = await notice.locator('p').evaluate((p) => parseFloat(getComputedStyle(p).fontSize));
  assert.ok(fontSize >= 14, `the confirmation's text is ${fontSize}px`);
  // Not also as the list's status, far above the row.
  assert.doesNotMatch(await page.locator('.results-status').first().innerText(), text);
  // The focus is back on the row's actions, where the user was.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'connection-actions');
}

test('block and unblock confirmations appear at the connection\'s row', { timeout: 60_000 }, async () => {
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}#/connections`);
  const row = page.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await row.waitFor({ timeout: 10_000 });
  const dialog = page.locator('dialog[open]');

  await chooseAction(row, 'block-connection');
  await dialog.locator('[data-testid="confirm"]').click();
  await dialog.waitFor({ state: 'detached' });
  await assertNoticeAtRow(page, row, /is blocked\.$/);
  await screenshot(page, 'connection-blocked-notice.png', { scrollToTop: false });

  await chooseAction(row, 'unblock-connection');
  await dialog.locator('[data-testid="confirm"]').click();
  await dialog.waitFor({ state: 'detached' });
  await assertNoticeAtRow(page, row, /is unblocked\.$/);
  assert.equal(await page.locator('[data-testid="connection-notice"]').count(), 1, 'the block\'s confirmation stayed beside the unblock\'s');
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('the callbacks range is read and prefilled in the account\'s time zone', { timeout: 60_000 }, async () => {
  const zone = me.account.timeZone;
  assert.ok(zone, 'the account has no time zone');
  const now = new Date();
  assert.notEqual(wallTime(now, zone), wallTime(now, BROWSER_ZONE), 'the browser and the account share a wall time: the test would prove nothing');
  const { page, errors } = await openPage();
  assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), BROWSER_ZONE);
  await page.goto(`${baseUrl}#/connections`);
  const row = page.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await row.waitFor({ timeout: 10_000 });
  await chooseAction(row, 'view-deliveries');
  const dialog = page.locator('dialog[open]');
  const from = dialog.locator('[data-testid="redeliver-from"]');
  const to = dialog.locator('[data-testid="redeliver-to"]');
  await to.waitFor({ timeout: 10_000 });

  // Prefilled with the account's wall time (now, and 7 days before).
  const shownTo = await to.inputValue();
  assert.ok([wallTime(now, zone), wallTime(new Date(now.getTime() + 60_000), zone)].includes(shownTo),
    `"to" is ${shownTo}; the account's time is ${wallTime(now, zone)}, the browser's ${wallTime(now, BROWSER_ZONE)}`);
  assert.equal((await from.inputValue()).slice(11), shownTo.slice(11), '"from" is not at the same wall time 7 days before');
  assert.match(await dialog.locator('[data-testid="redeliver-zone"]').innerText(), new RegExp(zone.replace('/', '\\/')));

  // Sent as the account's zone's instants: 10:00 in the account's zone.
  const wanted = new Date(Date.UTC(2026, 10, 24, 10, 0));
  const offsetMs = Date.parse(`${wallTime(wanted, zone)}:00Z`) - wanted.getTime(); // the zone's offset that day
  await from.fill('2026-11-24T10:00');
  await to.fill('2026-11-24T11:00');
  const sent = page.waitForRequest((req) => req.method() === 'POST' && req.url().endsWith(`/connections/${connectionId}/deliveries/redeliver`), { timeout: 10_000 });
  await dialog.locator('[data-testid="redeliver-failed"]').click();
  const body = (await sent).postDataJSON();
  assert.equal(body.from, isoSeconds(Date.UTC(2026, 10, 24, 10, 0) - offsetMs), `from ${body.from} is not 10:00 in ${zone}`);
  assert.equal(body.to, isoSeconds(Date.UTC(2026, 10, 24, 11, 1) - offsetMs), `to ${body.to} is not the end of 11:00 in ${zone}`);
  await page.waitForFunction(() => /No failed callback|queued/.test(document.querySelector('dialog[open] [data-testid="redeliver-range-status"]').textContent));
  await screenshot(page, 'callbacks-range-zone.png', { scrollToTop: false });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('the block\'s "Unblock automatically at" is read in the account\'s time zone', { timeout: 60_000 }, async () => {
  const zone = me.account.timeZone;
  assert.ok(zone, 'the account has no time zone');
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}#/connections`);
  const row = page.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await row.waitFor({ timeout: 10_000 });
  await chooseAction(row, 'block-connection');
  const dialog = page.locator('dialog[open]');
  const until = dialog.locator('[data-testid="block-until"]');
  await until.waitFor({ timeout: 10_000 });
  assert.match(await dialog.locator('[data-testid="block-until-zone"]').innerText(), new RegExp(zone.replace('/', '\\/')),
    'the field does not name the account\'s zone');
  assert.equal(await until.getAttribute('aria-describedby'), await dialog.locator('[data-testid="block-until-zone"]').getAttribute('id'));

  // 10:00 in the account's zone on a day 30 days ahead (within the year the
  // API allows): its instant differs from 10:00 in the browser's zone.
  const day = new Date(Date.now() + 30 * 86_400_000);
  const wallDay = wallTime(day, zone).slice(0, 10);
  const [y, m, d] = wallDay.split('-').map(Number);
  const noonUTC = Date.UTC(y, m - 1, d, 10, 0);
  const offsetMs = Date.parse(`${wallTime(new Date(noonUTC), zone)}:00Z`) - noonUTC; // the zone's offset that day
  const browserOffsetMs = Date.parse(`${wallTime(new Date(noonUTC), BROWSER_ZONE)}:00Z`) - noonUTC;
  assert.notEqual(offsetMs, browserOffsetMs, 'the browser and the account share an offset: the test would prove nothing');
  await until.fill(`${wallDay}T10:00`);
  await screenshot(page, 'block-until-zone.png', { scrollToTop: false });
  const sent = page.waitForRequest((req) => req.method() === 'POST' && req.url().endsWith(`/connections/${connectionId}/block`), { timeout: 10_000 });
  await dialog.locator('[data-testid="confirm"]').click();
  const body = (await sent).postDataJSON();
  assert.equal(body.until, isoSeconds(Date.UTC(y, m - 1, d, 10, 0) - offsetMs), `until ${body.until} is not 10:00 in ${zone} on ${wallDay}`);
  await dialog.waitFor({ state: 'detached' });
  // The row says the same wall time back, in the account's zone.
  await row.locator('[data-testid="connection-block-until"]').waitFor();

  await chooseAction(row, 'unblock-connection');
  await dialog.locator('[data-testid="confirm"]').click();
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
