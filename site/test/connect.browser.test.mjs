// Browser test of connecting an app end to end: My apps (register, secret
// shown once), the OAuth authorisation code flow through the consent page to
// a real app backend, Connections, the level rule of Available apps, and the
// OAuth error page.
//
// Run from the repository root (same variables as catalog.browser.test.mjs):
//   SWITCHBOARD_URL=http://127.0.0.1:3400/ SWITCHBOARD_PASSWORD=… node --test site/test/
// The flow signs in as owner@demo.test (super admin; SWITCHBOARD_OWNER_EMAIL
// overrides it) with SWITCHBOARD_PASSWORD. Optional: CHROMIUM_PATH.
//
// The test plays the third-party app with a tiny backend on 127.0.0.1 (random
// port): its /callback checks the state, exchanges the code at
// POST {SWITCHBOARD_URL}oauth2/v1/token with the client secret read from the
// page, and answers a "Connected" page with the connection_id.
// Each run registers one more app (with a unique name) in the account.
// Console errors fail a test, except Chromium's "Failed to load resource … 401"
// for GET /admin/v1/me while signed out.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  DEV_APPS_PATH, ME_PATH, envOr, isApi, launchBrowser, openPage as openSitePage, requireEnv, screenshot, signIn,
  siteFromEnv,
} from '../testlib/support.mjs';

let baseUrl;
let origin;
let ownerEmail;
let password;
let browser;
let context;
let backend; // { server, origin, redirectUri, client: { id, secret }, states: Set, results: [] }
let registered; // { clientId, name } of the app registered by the flow test

function openPage({ viewport, allow401 } = {}) {
  // Other origins (icons, app websites) are answered locally; the app backend is real.
  return openSitePage(context, { origin, viewport, allow401, isReal: (url) => url.origin === backend.origin });
}

async function ensureSignedIn() {
  const meResponse = await context.request.get(new URL(ME_PATH, origin).href, { failOnStatusCode: false });
  if (meResponse.status() === 200) {
    const me = await meResponse.json();
    if (me.user.email === ownerEmail) return me;
  }
  return signIn(context, origin, { email: ownerEmail, password });
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The third-party app's backend: /callback finishes the OAuth flow. */
function startBackend() {
  const state = { states: new Set(), results: [], client: null };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const send = (status, title, body) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">`
        + `<title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
    };
    if (url.pathname !== '/callback') return send(404, 'Not found', '');
    const q = url.searchParams;
    if (q.get('error')) return send(400, 'Not connected', `<p id="error">${escapeHtml(q.get('error'))}</p>`);
    if (!state.states.has(q.get('state'))) return send(400, 'Unknown state', '');
    state.states.delete(q.get('state'));
    if (!state.client) return send(500, 'No client credentials', '');
    const tokenResponse = await fetch(new URL('oauth2/v1/token', baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: q.get('code') || '',
        redirect_uri: state.redirectUri,
        client_id: state.client.id,
        client_secret: state.client.secret,
      }),
    });
    const token = await tokenResponse.json().catch(() => null);
    state.results.push({ status: tokenResponse.status, token });
    if (!tokenResponse.ok || !token || !token.connection_id) {
      return send(502, 'Token exchange failed', `<pre>${escapeHtml(JSON.stringify(token))}</pre>`);
    }
    return send(200, 'Connected', `<p>connection_id: <code id="connection-id">${escapeHtml(token.connection_id)}</code></p>`
      + `<p>location_id: <code id="location-id">${escapeHtml(token.location_id || '')}</code></p>`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      state.server = server;
      state.origin = `http://127.0.0.1:${port}`;
      state.redirectUri = `${state.origin}/callback`;
      resolve(state);
    });
  });
}

function authorizeUrl(params) {
  return `${new URL('oauth2/v1/authorize', baseUrl).href}?${new URLSearchParams(params)}`;
}

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3400/'));
  ownerEmail = envOr('SWITCHBOARD_OWNER_EMAIL', 'owner@demo.test');
  password = requireEnv('SWITCHBOARD_PASSWORD', `Set it to the password of ${ownerEmail}.`);
  backend = await startBackend();
  browser = await launchBrowser();
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
  if (backend) await new Promise((resolve) => backend.server.close(resolve));
});

test('register an app, authorise it through the consent page, see the connection', { timeout: 90_000 }, async () => {
  await context.clearCookies();
  const me = await ensureSignedIn();
  assert.ok(me.locations.length >= 2, `the account needs two locations, has ${me.locations.length}`);
  const target = me.locations[1];
  const appName = `Test Till ${randomBytes(3).toString('hex')}`;

  // ---- My apps: register a published, location-level app ----------------
  let { page, errors } = await openPage();
  await page.goto(`${baseUrl}#/developer`);
  await page.getByRole('heading', { level: 1, name: 'My apps' }).waitFor({ timeout: 10_000 });
  const form = page.locator('[data-testid="register-app-form"]');
  await form.getByLabel('App name').fill(appName);
  assert.equal(await form.getByLabel('Developer (shown to merchants)').inputValue(), me.account.name,
    'the developer field is not prefilled with the account name');
  await form.getByLabel('Description').fill('A till used by the browser test.');
  await form.getByLabel('Category').selectOption('pos');
  await form.getByLabel('One location at a time').check();
  await form.getByLabel('Orders: Read').check();
  await form.getByLabel('Orders: Write').check();
  await form.getByLabel('Redirect URIs').fill(backend.redirectUri);
  await form.getByLabel('Website').fill('https://till.example');
  await form.getByLabel('Open URL').fill('https://till.example/app');
  await form.getByLabel('Allow multiple instances').check();
  await form.getByLabel('Published', { exact: true }).check();
  const registerResponse = page.waitForResponse((res) => isApi(res.request(), DEV_APPS_PATH, 'POST'), { timeout: 10_000 });
  await form.getByRole('button', { name: 'Register app' }).click();
  const response = await registerResponse;
  const created = await response.json();
  assert.equal(response.status(), 201, `register: HTTP ${response.status()} ${JSON.stringify(created)}`);

  // The secret is read from the page (the response only confirms it).
  const box = page.locator('[data-testid="secret-box"]');
  await box.waitFor({ timeout: 5_000 });
  const secret = (await box.locator('[data-testid="client-secret"]').innerText()).trim();
  const clientId = (await box.locator('[data-testid="client-id"]').innerText()).trim();
  assert.equal(secret, created.clientSecret, 'the page shows another secret than the API returned');
  assert.equal(clientId, created.clientId);
  assert.match(await box.innerText(), /will not be shown again/);
  assert.ok(await box.getByRole('button', { name: 'Copy secret' }).isVisible());
  const listed = page.locator(`[data-testid="dev-app"][data-app-id="${clientId}"]`);
  await listed.waitFor({ timeout: 5_000 });
  // Publishing is a request: the app stays private until an operator approves it.
  assert.equal((await listed.locator('[data-testid="published-badge"]').innerText()).trim(), 'Awaiting review');
  assert.match(await listed.locator('[data-testid="dev-redirect-uris"]').innerText(), new RegExp(backend.redirectUri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await page.waitForLoadState('networkidle');
  await screenshot(page, 'developer.png');
  backend.client = { id: clientId, secret };
  registered = { clientId, name: appName };

  // Shown once: after a reload the secret is gone from the page.
  await page.reload();
  await page.locator(`[data-testid="dev-app"][data-app-id="${clientId}"]`).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('[data-testid="secret-box"]').count(), 0, 'the secret box is shown again after a reload');
  assert.ok(!(await page.content()).includes(secret), 'the secret is in the page after a reload');
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();

  // ---- the platform operator approves the listing ---------------------------
  await context.clearCookies();
  await signIn(context, origin, { email: envOr('SWITCHBOARD_OPERATOR_EMAIL', 'operator@demo.test'), password });
  ({ page, errors } = await openPage());
  await page.goto(`${baseUrl}#/operator/listings`);
  const request = page.locator(`[data-testid="listing-request"][data-app-id="${clientId}"]`);
  await request.waitFor({ timeout: 10_000 });
  await request.locator('[data-testid="approve-listing"]').click();
  await request.waitFor({ state: 'detached', timeout: 10_000 });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
  await context.clearCookies();
  await ensureSignedIn();
  const approved = await context.request.get(new URL(`${DEV_APPS_PATH}/${clientId}`, origin).href);
  assert.equal((await approved.json()).listingStatus, 'approved');

  // ---- the app starts the flow; the merchant is signed out --------------
  await context.clearCookies();
  ({ page, errors } = await openPage({ allow401: [ME_PATH] }));
  const oauthState = randomBytes(16).toString('hex');
  backend.states.add(oauthState);
  await page.goto(authorizeUrl({
    client_id: clientId,
    redirect_uri: backend.redirectUri,
    response_type: 'code',
    scope: 'location[orders.read]',
    state: oauthState,
    device_id: 'Till 1',
  }));
  // The guard sends to sign-in and back to the consent page with its query.
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor({ timeout: 10_000 });
  await page.getByLabel('Email').fill(ownerEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="consent-app-name"]').waitFor({ timeout: 10_000 });
  const hash = await page.evaluate(() => window.location.hash);
  assert.match(hash, /^#\/consent\?/);
  const kept = new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
  assert.equal(kept.get('state'), oauthState, `the consent page lost the state: ${hash}`);
  assert.equal(kept.get('redirect_uri'), backend.redirectUri);
  assert.equal(kept.get('scope'), 'location[orders.read]');

  // ---- consent ------------------------------------------------------------
  assert.equal((await page.locator('[data-testid="consent-app-name"]').innerText()).trim(), appName);
  assert.equal((await page.locator('[data-testid="consent-developer"]').innerText()).trim(), me.account.name);
  const perms = await page.locator('[data-testid="consent-permissions"]').innerText();
  assert.match(perms, /See orders and their details/);
  assert.doesNotMatch(perms, /Create and update orders/, 'a permission the request did not ask for is shown');
  const picker = page.locator('[data-testid="consent-locations"]');
  assert.equal(await picker.getByRole('radio').count(), me.locations.length, 'the picker does not list exactly the locations');
  assert.equal(await picker.getByRole('radio', { name: /All locations/ }).count(), 0, 'a location-level app offers the whole account');
  assert.equal(await page.getByLabel('Instance label (optional)').inputValue(), 'Till 1', 'the instance label is not prefilled from device_id');
  await picker.getByRole('radio', { name: target.name }).check();
  await page.waitForLoadState('networkidle');
  await screenshot(page, 'consent.png');

  const decision = page.waitForRequest((req) => isApi(req, '/oauth2/v1/authorize', 'POST'), { timeout: 10_000 });
  await page.getByRole('button', { name: 'Approve' }).click();
  const sent = (await decision).postDataJSON();
  assert.equal(sent.approve, true);
  assert.equal(sent.location_id, target.id);
  assert.equal(sent.instance_label, 'Till 1');
  assert.equal(sent.state, oauthState);

  // ---- the app's backend finished the flow ------------------------------
  await page.waitForURL((url) => url.origin === backend.origin, { timeout: 15_000 });
  await page.getByRole('heading', { name: 'Connected' }).waitFor({ timeout: 10_000 });
  const connectionId = (await page.locator('#connection-id').innerText()).trim();
  assert.match(connectionId, /\S/);
  assert.equal((await page.locator('#location-id').innerText()).trim(), target.id);
  const last = backend.results.at(-1);
  assert.equal(last.status, 200, `token exchange: ${JSON.stringify(last)}`);
  assert.equal(last.token.scope, 'location[orders.read]');

  // ---- Connections ----------------------------------------------------------
  await page.goto(`${baseUrl}#/connections`);
  const group = page.locator(`[data-testid="connection-group"][data-group="${target.id}"]`);
  await group.waitFor({ timeout: 10_000 });
  assert.equal((await group.locator('[data-testid="group-name"]').innerText()).trim(), target.name);
  const row = group.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
  await row.waitFor({ timeout: 5_000 });
  assert.equal((await row.locator('[data-testid="connection-app"]').innerText()).trim(), appName);
  assert.equal((await row.locator('[data-testid="connection-status"]').innerText()).trim(), 'Active');
  assert.equal((await row.locator('[data-testid="connection-instance"]').innerText()).trim(), 'Till 1');
  assert.equal((await row.locator('[data-testid="connection-last-used"]').innerText()).trim(), 'never');
  const open = new URL(await row.locator('[data-testid="open-app"]').getAttribute('href'));
  assert.equal(open.origin + open.pathname, 'https://till.example/app');
  assert.equal(open.searchParams.get('connection_id'), connectionId);
  assert.equal(open.searchParams.get('location_id'), target.id);
  assert.equal(await row.locator('[data-testid="open-app"]').getAttribute('target'), '_blank');
  assert.equal((await page.getByRole('navigation').locator('a[aria-current="page"]').innerText()).trim(), 'Connections');

  // Filters: another location hides it; its own location shows it.
  await page.getByLabel('Location', { exact: true }).selectOption(me.locations[0].id);
  assert.equal(await page.locator(`[data-connection-id="${connectionId}"]`).count(), 0);
  await page.getByLabel('Location', { exact: true }).selectOption(target.id);
  await page.getByLabel('Status').selectOption('active');
  await page.locator(`[data-connection-id="${connectionId}"]`).waitFor({ timeout: 5_000 });
  await page.getByLabel('Location', { exact: true }).selectOption({ index: 0 });
  await page.getByLabel('Status').selectOption({ index: 0 });
  await page.waitForLoadState('networkidle');
  await screenshot(page, 'connections.png');

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('Available apps: Connect is disabled, with the reason, when the level does not fit', { timeout: 30_000 }, async () => {
  const me = await ensureSignedIn();
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}#/catalog`);
  const card = page.locator('[data-testid="app-card"]').filter({
    has: page.locator('[data-testid="app-name"]', { hasText: /^OrderLine POS$/ }),
  });
  await card.waitFor({ timeout: 10_000 });
  assert.equal(await card.getAttribute('data-level'), 'location');
  const connect = card.getByRole('button', { name: /^Connect/ });
  const select = page.getByLabel('Connect to');

  await select.selectOption(me.locations[0].id);
  assert.ok(await connect.isEnabled(), 'Connect is disabled for a location-level app while a location is selected');

  await select.selectOption({ label: 'Account (all locations)' });
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('[data-testid="app-card"]')]
      .find((c) => c.querySelector('[data-testid="app-name"]').textContent.trim() === 'OrderLine POS');
    return el && el.querySelector('[data-testid="connect"]').disabled;
  }, null, { timeout: 5_000 });
  assert.ok(await connect.isDisabled(), 'Connect is enabled for a location-level app while "Account" is selected');
  const reason = card.locator('[data-testid="connect-reason"]');
  assert.ok(await reason.isVisible(), 'no visible explanation next to the disabled Connect');
  assert.match(await reason.innerText(), /one location/);
  assert.equal(await connect.getAttribute('aria-describedby'), await reason.getAttribute('id'));
  assert.match(await page.evaluate(() => window.location.hash), /^#\/catalog(\?|$)/);

  // An account-level app can be connected at the account.
  const accountCard = page.locator('[data-testid="app-card"][data-level="account"]').first();
  if (await accountCard.count()) {
    assert.ok(await accountCard.locator('[data-testid="connect"]').isEnabled(), 'Connect is disabled for an account-level app at the account');
  }
  // The app registered by the flow test connects through the real flow.
  if (registered) {
    await select.selectOption(me.locations[0].id);
    const own = page.locator(`[data-testid="app-card"][data-app-id="${registered.clientId}"]`);
    await own.waitFor({ timeout: 10_000 });
    // Connect starts the real flow once the account's own apps are known.
    await own.getByText(/You will review the permissions/).waitFor({ timeout: 10_000 });
    const navigation = page.waitForURL((url) => url.hash.startsWith('#/consent?'), { timeout: 10_000 });
    await own.locator('[data-testid="connect"]').click();
    await navigation;
    const q = new URL(page.url()).hash.replace(/^#\/consent\?/, '');
    const params = new URLSearchParams(q);
    assert.equal(params.get('client_id'), registered.clientId);
    assert.equal(params.get('redirect_uri'), backend.redirectUri);
    assert.equal(params.get('scope'), 'location[orders.read,orders.write]');
    await page.locator('[data-testid="consent-app-name"]').waitFor({ timeout: 10_000 });
    assert.ok(await page.getByRole('radio', { name: me.locations[0].name }).isChecked(),
      'the location chosen in Available apps is not preselected on the consent page');
  }

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('My apps: edit, rotate the secret (shown once, the old one stops working), unpublish', { timeout: 30_000 }, async () => {
  // Runs after the flow test in this file; if that failed, this fails too
  // rather than being skipped and looking green.
  assert.ok(registered, 'the app registered by the flow test is missing: that test failed');
  await ensureSignedIn();
  const { page, errors } = await openPage();
  await page.goto(`${baseUrl}#/developer`);
  let item = page.locator(`[data-testid="dev-app"][data-app-id="${registered.clientId}"]`);
  await item.waitFor({ timeout: 10_000 });

  // Edit (PATCH) keeps everything else.
  await item.getByRole('button', { name: /^Edit/ }).click();
  const editForm = page.locator('[data-testid="edit-app-form"]');
  assert.equal(await editForm.getByLabel('Redirect URIs').inputValue(), backend.redirectUri, 'the edit form is not prefilled');
  await editForm.getByLabel('Description').fill('A till used by the browser test, edited.');
  const patched = page.waitForResponse((res) => res.request().method() === 'PATCH', { timeout: 10_000 });
  await editForm.getByRole('button', { name: 'Save changes' }).click();
  assert.equal((await patched).status(), 200);
  item = page.locator(`[data-testid="dev-app"][data-app-id="${registered.clientId}"]`);
  await item.getByText('Changes saved.').waitFor({ timeout: 5_000 });

  // Rotate: confirm, then the new secret is shown once.
  await item.getByRole('button', { name: /^Rotate secret/ }).click();
  const rotated = page.waitForResponse((res) => res.request().method() === 'POST'
    && new URL(res.url()).pathname === `${DEV_APPS_PATH}/${registered.clientId}/secret`, { timeout: 10_000 });
  await item.locator('[data-testid="confirm-rotate"]').click();
  assert.equal((await rotated).status(), 200);
  item = page.locator(`[data-testid="dev-app"][data-app-id="${registered.clientId}"]`);
  const newSecret = (await item.locator('[data-testid="client-secret"]').innerText()).trim();
  assert.ok(newSecret && newSecret !== backend.client.secret, 'no new secret shown');
  assert.match(await item.locator('[data-testid="secret-box"]').innerText(), /will not be shown again/);

  // The token endpoint: the old secret is refused, the new one authenticates
  // (and then fails on the made-up code).
  const tokenWith = async (secret) => {
    const res = await fetch(new URL('oauth2/v1/token', baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: 'sbc_made-up', redirect_uri: backend.redirectUri,
        client_id: registered.clientId, client_secret: secret,
      }),
    });
    return (await res.json()).error;
  };
  assert.equal(await tokenWith(backend.client.secret), 'invalid_client', 'the old secret still works');
  assert.equal(await tokenWith(newSecret), 'invalid_grant', 'the new secret does not authenticate');
  backend.client.secret = newSecret;

  // Unpublish: the app leaves the catalog.
  await item.getByRole('button', { name: /^Unpublish/ }).click();
  item = page.locator(`[data-testid="dev-app"][data-app-id="${registered.clientId}"]`);
  await page.waitForFunction((id) => {
    const el = document.querySelector(`[data-testid="dev-app"][data-app-id="${id}"] [data-testid="published-badge"]`);
    return el && el.textContent.trim() === 'Not published';
  }, registered.clientId, { timeout: 5_000 });
  assert.ok(await item.getByRole('button', { name: /^Publish/ }).isVisible());
  const catalogEntry = await context.request.get(new URL(`/admin/v1/apps/${registered.clientId}`, origin).href, { failOnStatusCode: false });
  assert.equal(catalogEntry.status(), 404, 'an unpublished app is still in the catalog');

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('an authorisation request with an unregistered redirect_uri shows the OAuth error page', { timeout: 30_000 }, async () => {
  await ensureSignedIn();
  const { page, errors } = await openPage();
  await page.goto(authorizeUrl({
    client_id: 'orderline-pos',
    redirect_uri: 'https://evil.example/callback',
    response_type: 'code',
    scope: 'location[orders.read]',
    state: 'xyz',
  }));
  const message = page.locator('[data-testid="oauth-error-message"]');
  await message.waitFor({ timeout: 10_000 });
  assert.equal(new URL(page.url()).origin, origin, 'the browser left Switchboard');
  assert.match(await page.evaluate(() => window.location.hash), /^#\/oauth-error\?/);
  assert.equal(await message.innerText(), 'The return address in the link is not one the app registered.');
  assert.ok(await page.getByRole('heading', { level: 1, name: /can’t be connected/ }).isVisible());
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('the OAuth error page shows only fixed texts, never text from its link', { timeout: 30_000 }, async () => {
  const { page, errors } = await openPage({ allow401: true });
  const forged = 'Your account is suspended: call +1 555 0100 to restore it';
  await page.goto(new URL(`/#/oauth-error?${new URLSearchParams({ message: forged, reason: 'toString' })}`, origin).href);
  const message = page.locator('[data-testid="oauth-error-message"]');
  await message.waitFor({ timeout: 10_000 });
  assert.equal(await message.innerText(), 'Switchboard could not accept the app’s request.');
  assert.ok(!(await page.locator('body').innerText()).includes('555 0100'), 'the page shows text from its link');
  await page.goto(new URL('/#/oauth-error?reason=invalid_scope', origin).href);
  await page.waitForFunction(() => document.querySelector('[data-testid="oauth-error-message"]')?.textContent.includes('permissions'), null, { timeout: 5_000 });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
