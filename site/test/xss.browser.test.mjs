// Stored XSS: an app developer names an app with HTML, a connection gets an
// HTML instance label, and the app sends HTML in a platform call's body.
// Every page that shows them (My apps, Connections, the connected app's
// page, the app log, the call log and its detail panel) must show the text
// as written and create no element from it; the CSP would also refuse to run
// an inline handler, which the console-error check would report.
//
// Run from the repository root like the other browser tests:
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, ME_PATH, connectApp, envOr, launchBrowser, openPage, postJson, requireEnv, signIn, siteFromEnv,
} from '../testlib/support.mjs';

const LOCATION_ID = 'loc-bastille';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SCOPE = 'location[orders.read,orders.write]';

let baseUrl;
let origin;
let browser;
let context;
let password;
let ownerEmail;

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

/** Fails if markup from the payloads became elements, or a handler ran. */
async function assertInert(page, where) {
  const found = await page.evaluate(() => ({
    elements: document.querySelectorAll('[data-xss], img[src="x"], svg[onload], script[data-xss]').length,
    ran: window.__xss === undefined ? null : window.__xss,
  }));
  assert.deepEqual(found, { elements: 0, ran: null }, `${where}: injected markup became live`);
}

test('App names, labels and bodies with HTML are shown as text everywhere', { timeout: 120_000 }, async () => {
  await context.clearCookies();
  const me = await signIn(context, origin, { email: ownerEmail, password });
  const tag = randomBytes(3).toString('hex');
  const appName = `<img src=x data-xss onerror=window.__xss=1>Evil ${tag}`;
  const label = `<b data-xss>till</b>${tag}`;
  const registered = await postJson(context, origin, DEV_APPS_PATH, {
    name: appName,
    developer: '<svg onload=window.__xss=2>',
    description: '<script data-xss>window.__xss=3</script>',
    category: 'pos',
    level: 'location',
    scopes: ['orders.read', 'orders.write'],
    redirectUris: [REDIRECT_URI],
    multipleInstances: true,
    published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, `register: HTTP ${registered.status} ${registered.text}`);
  const token = await connectApp(context, origin, {
    app: registered.body, scope: SCOPE, locationId: LOCATION_ID, label, redirectUri: REDIRECT_URI, csrfToken: me.csrfToken,
  });
  const note = `<script data-xss>window.__xss=4</script><img src=x data-xss onerror=window.__xss=5>${tag}`;
  const call = await fetch(new URL(`/v1/locations/${LOCATION_ID}/orders`, origin), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ service_type: 'collection', customer_notes: note, items: [{ product_name: 'Margherita', price: '9.50 EUR', quantity: 1 }] }),
  });
  assert.equal(call.status, 201, `platform call: HTTP ${call.status} ${await call.text()}`);

  const { page, errors } = await openPage(context, { origin, allow401: [ME_PATH] });
  const pages = [
    ['My apps', '#/developer', appName],
    ['Connections', '#/connections', appName],
    ['the connected app', `#/connected/${encodeURIComponent(registered.body.clientId)}`, label],
    ['the app log', '#/app-log', appName],
    ['the call log', `#/connections/${token.connection_id}/logs`, appName],
  ];
  for (const [where, hash, text] of pages) {
    await page.goto(`${baseUrl}${hash}`);
    await page.waitForFunction((t) => document.querySelector('main')?.innerText.includes(t), text, { timeout: 10_000 })
      .catch(() => assert.fail(`${where}: the text ${JSON.stringify(text)} is not shown as written`));
    await assertInert(page, where);
  }
  // The call's detail panel shows the request body, HTML included, as text.
  await page.locator('[data-testid="log-open"]').first().click();
  const detail = page.locator('[data-testid="log-detail"]');
  await detail.getByText(tag, { exact: false }).first().waitFor({ timeout: 10_000 });
  assert.ok((await detail.innerText()).includes('<script data-xss>window.__xss=4</script>'), 'the body is not shown as written');
  await assertInert(page, 'the call detail');
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
});
