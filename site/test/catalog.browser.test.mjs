// Browser test for the Switchboard admin site: sign-in, app catalog, sign-out.
//
// Run from the repository root:
//   SWITCHBOARD_URL=http://127.0.0.1:8080/ \
//   SWITCHBOARD_EXPECT_APPS="OrderLine POS,MailBloom" \
//   SWITCHBOARD_EMAIL=member@demo.test SWITCHBOARD_PASSWORD=… \
//   node --test site/test/
//
// Optional: CHROMIUM_PATH (default /usr/bin/chromium).
// The sign-in test makes one deliberately wrong sign-in attempt for
// SWITCHBOARD_EMAIL (it counts toward the API's failed-attempt limit).
// Any console error or page error fails a test, except Chromium's own
// "Failed to load resource: … status of 401" line for the 401s a test expects
// (GET /admin/v1/me while signed out, POST /admin/v1/session with a wrong password).
// Requests to origins other than SWITCHBOARD_URL's (e.g. third-party app icons)
// are answered locally with a placeholder PNG so the test never touches the
// internet and unreachable icon hosts do not show up as console errors.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ME_PATH, SESSION_PATH, isApi, launchBrowser, openPage as openSitePage, requireEnv, screenshot, signIn,
  siteFromEnv,
} from '../testlib/support.mjs';

const APPS_PATH = '/admin/v1/apps';
const ROLE_LABELS = { super_admin: 'Super admin', admin: 'Admin', member: 'Member' };

let baseUrl;
let origin;
let expectedApps;
let email;
let password;
let browser;
let context;

/**
 * Opens a new page with console / page-error capture and cross-origin isolation.
 * allow401: API paths whose 401 answer the test expects; Chromium's
 * "Failed to load resource … 401" console line for exactly those URLs is ignored.
 */
function openPage({ viewport, allow401 } = {}) {
  return openSitePage(context, { origin, viewport, allow401 });
}

async function names(page) {
  return page.locator('[data-testid="app-name"]').allTextContents();
}

/** Waits until every expected name is shown, clicking "Load more" while needed. */
async function waitForExpectedApps(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let shown = [];
  while (Date.now() < deadline) {
    shown = (await names(page)).map((n) => n.trim());
    const missing = expectedApps.filter((name) => !shown.includes(name));
    if (missing.length === 0) return shown;
    const more = page.getByRole('button', { name: 'Load more' });
    if (await more.isVisible() && await more.isEnabled()) await more.click();
    else await page.waitForTimeout(100);
  }
  const missing = expectedApps.filter((name) => !shown.includes(name));
  const errorText = (await page.locator('[data-testid="catalog-error"], [data-testid="startup-error"]').allInnerTexts())
    .join(' ').replace(/\s+/g, ' ');
  const where = await page.evaluate(() => window.location.hash);
  assert.fail(`Within ${timeoutMs} ms these apps were not shown: ${missing.join(', ')}. `
    + `Shown: [${shown.join(', ')}] at ${where || '(no hash)'}${errorText ? `. Error panel: ${errorText}` : ''}`);
}

/** Waits for the sign-in page and checks the signed-out chrome. */
async function expectSignInPage(page) {
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor({ timeout: 10_000 });
  assert.match(await page.evaluate(() => window.location.hash), /^#\/signin(\?|$)/);
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').count(), 0,
    'navigation links are shown while signed out');
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, '"Sign out" is shown while signed out');
}

/** Makes sure the browser context holds a session cookie (signs in through the API when needed). */
async function ensureSignedIn() {
  const meResponse = await context.request.get(new URL(ME_PATH, origin).href, { failOnStatusCode: false });
  if (meResponse.status() === 200) return meResponse.json();
  assert.equal(meResponse.status(), 401, `GET ${ME_PATH}: HTTP ${meResponse.status()} ${await meResponse.text()}`);
  return signIn(context, origin, { email, password }, `signing in as ${email} through the API`);
}

function apiRequestsOf(page) {
  const seen = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === APPS_PATH) seen.push(req.url());
  });
  return seen;
}

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:8080/'));
  expectedApps = requireEnv('SWITCHBOARD_EXPECT_APPS',
    'Set it to the comma-separated names of the seeded apps, e.g. SWITCHBOARD_EXPECT_APPS="OrderLine POS,MailBloom"')
    .split(',').map((s) => s.trim()).filter(Boolean);
  assert.ok(expectedApps.length > 0, 'SWITCHBOARD_EXPECT_APPS contains no app names');
  email = requireEnv('SWITCHBOARD_EMAIL',
    'Set it to the email of a seeded admin user, e.g. SWITCHBOARD_EMAIL=member@demo.test');
  password = process.env.SWITCHBOARD_PASSWORD || '';
  if (!password) {
    throw new Error('SWITCHBOARD_PASSWORD is not set. Set it to the password of SWITCHBOARD_EMAIL\'s user.');
  }

  browser = await launchBrowser();
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

test('signed out: the site shows the sign-in page; a wrong password shows the API message', { timeout: 30_000 }, async () => {
  await context.clearCookies();
  const { page, errors } = await openPage({ allow401: [ME_PATH, SESSION_PATH] });
  const appRequests = apiRequestsOf(page);
  await page.goto(baseUrl);
  await expectSignInPage(page);
  assert.equal((await page.title()).startsWith('Sign in'), true, `title "${await page.title()}"`);

  const emailField = page.getByLabel('Email');
  const passwordField = page.getByLabel('Password');
  assert.equal(await emailField.getAttribute('autocomplete'), 'username');
  assert.equal(await passwordField.getAttribute('autocomplete'), 'current-password');
  assert.equal(await passwordField.getAttribute('type'), 'password');
  assert.ok(await emailField.evaluate((el) => el === document.activeElement), 'the email field does not have focus');

  await page.waitForLoadState('networkidle');
  await screenshot(page, 'signin.png', { scrollToTop: false });

  await emailField.fill(email);
  await passwordField.fill(`${password}-wrong`);
  const responsePromise = page.waitForResponse((res) => isApi(res.request(), SESSION_PATH, 'POST'), { timeout: 10_000 });
  await page.getByRole('button', { name: 'Sign in' }).click();
  const response = await responsePromise;
  const body = await response.json().catch(() => null);
  assert.equal(response.status(), 401, `wrong password: HTTP ${response.status()} ${JSON.stringify(body)}`);
  const message = body && body.error && body.error.message;
  assert.ok(message, `401 body has no error.message: ${JSON.stringify(body)}`);

  const alert = page.locator('[data-testid="signin-error"]');
  await page.waitForFunction((text) => {
    const el = document.querySelector('[data-testid="signin-error"]');
    return el && el.textContent.trim() === text;
  }, message.trim(), { timeout: 5_000 });
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.ok(await alert.isVisible());
  assert.equal(await passwordField.getAttribute('aria-invalid'), 'true');
  assert.ok(await passwordField.evaluate((el) => el === document.activeElement && el.value === ''),
    'after a wrong password the password field is not emptied and focused');
  await expectSignInPage(page);
  assert.deepEqual(appRequests, [], 'the catalog was requested while signed out');

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('signing in shows the catalog with every seeded app and the user in the header', { timeout: 30_000 }, async () => {
  await context.clearCookies();
  const { page, errors } = await openPage({ allow401: [ME_PATH] });
  await page.goto(baseUrl);
  await expectSignInPage(page);

  // Hold the sign-in response to see the busy state.
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const isSessionUrl = (url) => url.pathname === SESSION_PATH;
  await page.route(isSessionUrl, async (route) => {
    if (route.request().method() === 'POST') await gate;
    await route.continue();
  });

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const responsePromise = page.waitForResponse((res) => isApi(res.request(), SESSION_PATH, 'POST'), { timeout: 10_000 });
  const button = page.getByRole('button', { name: 'Sign in' });
  await button.click();
  await page.waitForFunction(() => {
    const el = document.querySelector('form button[type="submit"]');
    return el && el.getAttribute('aria-busy') === 'true' && el.getAttribute('aria-disabled') === 'true';
  }, null, { timeout: 5_000 });
  release();
  const response = await responsePromise;
  const me = await response.json().catch(() => null);
  assert.equal(response.status(), 201, `sign-in: HTTP ${response.status()} ${JSON.stringify(me)}`);
  await page.unroute(isSessionUrl);

  await waitForExpectedApps(page, 10_000);
  assert.match(await page.evaluate(() => window.location.hash), /^#\/catalog(\?|$)/);

  // Header: product name, account, user and role, "Sign out".
  const banner = page.getByRole('banner');
  await assert.doesNotReject(banner.getByText('Switchboard', { exact: true }).waitFor());
  assert.equal((await banner.locator('[data-testid="session-user"]').innerText()).trim(), me.user.name);
  if (me.account && me.account.name) {
    assert.equal((await banner.locator('[data-testid="session-account"]').innerText()).trim(), me.account.name);
  }
  assert.equal((await banner.locator('[data-testid="session-role"]').innerText()).trim(),
    ROLE_LABELS[me.user.role] || me.user.role);
  assert.ok(await banner.getByRole('button', { name: 'Sign out' }).isVisible());

  const active = page.getByRole('navigation').locator('a[aria-current="page"]');
  assert.equal((await active.textContent()).trim(), 'Available apps');

  await page.waitForLoadState('networkidle');
  await screenshot(page, 'catalog.png');

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('category filter requests category= and shows only that category', { timeout: 30_000 }, async () => {
  await ensureSignedIn();
  const { page, errors } = await openPage();
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);

  // Pick the category label of a shown app; prefer one that not every card shares.
  const labels = (await page.locator('[data-testid="app-card"] [data-testid="app-category"]').allTextContents())
    .map((s) => s.trim());
  assert.ok(labels.length > 0, 'no app cards shown');
  const counts = new Map();
  for (const l of labels) counts.set(l, (counts.get(l) || 0) + 1);
  const label = [...counts.keys()].find((l) => counts.get(l) < labels.length) || labels[0];

  const select = page.getByLabel('Category');
  const value = await select.evaluate((el, text) => {
    const option = [...el.options].find((o) => o.textContent.trim() === text);
    return option ? option.value : null;
  }, label);
  assert.ok(value, `no category filter option labelled "${label}"`);

  const requestPromise = page.waitForRequest((req) => {
    const url = new URL(req.url());
    return url.pathname.endsWith(APPS_PATH) && url.searchParams.get('category') === value;
  }, { timeout: 10_000 });
  await select.selectOption(value);
  const request = await requestPromise;
  assert.equal(new URL(request.url()).searchParams.get('category'), value);
  const response = await request.response();
  assert.ok(response && response.ok(), `filtered request failed with HTTP ${response && response.status()}`);

  // Wait for the list to re-render with only the chosen category.
  const cards = page.locator('[data-testid="app-card"]');
  await page.waitForFunction((expected) => {
    const tags = [...document.querySelectorAll('[data-testid="app-card"] [data-testid="app-category"]')];
    return tags.length > 0 && tags.every((t) => t.textContent.trim() === expected);
  }, label, { timeout: 10_000 });
  const filteredLabels = (await cards.locator('[data-testid="app-category"]').allTextContents()).map((s) => s.trim());
  assert.ok(filteredLabels.length > 0);
  assert.ok(filteredLabels.length <= labels.length);
  for (const l of filteredLabels) assert.equal(l, label);
  for (const card of await cards.all()) assert.equal(await card.getAttribute('data-category'), value);

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('search box requests q=, shows only matching apps, survives a reload; clearing shows all again', { timeout: 45_000 }, async () => {
  const SEARCH = 'loop';
  const MATCH = 'Loyalty Loop'; // seeded by infra/demo/demo.go
  const NO_MATCH = 'no-such-app-zq';
  assert.ok(expectedApps.includes(MATCH), `SWITCHBOARD_EXPECT_APPS does not include "${MATCH}"`);
  await ensureSignedIn();
  const { page, errors } = await openPage();
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);

  const search = page.getByRole('searchbox', { name: 'Search apps' });
  assert.equal(await search.getAttribute('type'), 'search');
  const isSearchRequest = (req, q) => {
    const url = new URL(req.url());
    return url.pathname === APPS_PATH && req.method() === 'GET' && (url.searchParams.get('q') || '') === q;
  };
  /** Waits until the cards show only names containing text (any case), at least one. */
  const waitForOnlyMatches = (text) => page.waitForFunction((q) => {
    const shown = [...document.querySelectorAll('[data-testid="app-name"]')].map((n) => n.textContent.trim());
    return shown.length > 0 && shown.every((n) => n.toLowerCase().includes(q));
  }, text, { timeout: 10_000 });
  const checkOnlyMatch = async () => {
    const shown = (await names(page)).map((n) => n.trim());
    assert.deepEqual(shown.filter((n) => expectedApps.includes(n)), [MATCH],
      `searching "${SEARCH}" shows [${shown.join(', ')}]`);
    assert.match(await page.locator('.results-status').innerText(), new RegExp(`matching “${SEARCH}”`));
  };

  // Typing (debounced) requests q=loop and shows only the matching apps.
  const requestPromise = page.waitForRequest((req) => isSearchRequest(req, SEARCH), { timeout: 10_000 });
  await search.pressSequentially(SEARCH, { delay: 40 });
  const request = await requestPromise;
  assert.match(request.url(), /[?&]q=loop(&|$)/);
  const response = await request.response();
  assert.ok(response && response.ok(), `search request failed with HTTP ${response && response.status()}`);
  await waitForOnlyMatches(SEARCH);
  await checkOnlyMatch();
  assert.match(await page.evaluate(() => window.location.hash), /^#\/catalog\?(.*&)?q=loop(&|$)/);

  // The search is kept in the address: a reload shows the same results.
  await page.reload();
  await waitForOnlyMatches(SEARCH);
  assert.equal(await page.getByRole('searchbox', { name: 'Search apps' }).inputValue(), SEARCH);
  await checkOnlyMatch();

  // No match: Enter searches at once and the empty state names the search.
  const noMatchRequest = page.waitForRequest((req) => isSearchRequest(req, NO_MATCH), { timeout: 10_000 });
  await search.fill(NO_MATCH);
  await search.press('Enter');
  await noMatchRequest;
  await page.getByRole('heading', { name: `No apps match “${NO_MATCH}”` }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('[data-testid="app-card"]').count(), 0);

  // Clearing the search shows every app again, without q=.
  const allRequest = page.waitForRequest((req) => isSearchRequest(req, ''), { timeout: 10_000 });
  await search.fill('');
  await allRequest;
  await waitForExpectedApps(page, 10_000);
  assert.doesNotMatch(await page.evaluate(() => window.location.hash), /[?&]q=/);

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('clicking an app\'s name opens its page: description, permissions in plain words, Connect follows the level', { timeout: 30_000 }, async () => {
  // Seeded by infra/demo/demo.go: an account-level app.
  const APP = 'Loyalty Loop';
  const DESCRIPTION = 'Points and rewards that follow customers across every location.';
  const PLAIN_PERMISSIONS = [ // customers.read, customers.write, orders.read (site/js/permissions.js)
    'See customers and their contact details',
    'Create and update customers',
    'See orders and their details',
  ];
  assert.ok(expectedApps.includes(APP), `SWITCHBOARD_EXPECT_APPS does not include "${APP}"`);
  const me = await ensureSignedIn();
  assert.ok(me.locations && me.locations.length > 0, 'the signed-in account has no location');
  const manager = me.user.role === 'admin' || me.user.role === 'super_admin';
  const { page, errors } = await openPage();
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);

  const card = page.locator('[data-testid="app-card"]').filter({
    has: page.locator('[data-testid="app-name"]', { hasText: new RegExp(`^${APP}$`) }),
  });
  const appId = await card.getAttribute('data-app-id');
  assert.equal(await card.getAttribute('data-level'), 'account');
  await card.getByRole('link', { name: APP, exact: true }).click();
  await page.waitForURL((url) => url.hash === `#/apps/${encodeURIComponent(appId)}`, { timeout: 10_000 });

  const heading = page.getByRole('heading', { level: 1, name: APP, exact: true });
  await heading.waitFor({ timeout: 10_000 });
  assert.ok(await heading.evaluate((el) => el === document.activeElement), 'the app name (h1) does not have focus');
  assert.ok((await page.title()).startsWith(APP), `title "${await page.title()}"`);
  assert.equal((await page.locator('[data-testid="app-description"]').innerText()).trim(), DESCRIPTION);
  assert.match(await page.locator('[data-testid="app-level"]').innerText(), /Account/);
  assert.match(await page.locator('[data-testid="app-level-explanation"]').innerText(), /whole merchant account/);

  const access = page.getByRole('region', { name: 'What it can access' });
  const perms = (await access.locator('[data-testid="app-permissions"] .perm-list__text').allInnerTexts()).map((s) => s.trim());
  assert.deepEqual(perms, PLAIN_PERMISSIONS);

  const website = page.locator('[data-testid="app-website"]');
  assert.equal(await website.getAttribute('target'), '_blank');
  assert.match(await website.getAttribute('rel'), /\bnoopener\b/);

  // A location is selected: Connect is disabled, with the visible reason.
  const connectBox = page.locator('[data-testid="app-connect"]');
  await connectBox.getByLabel('Connect to').selectOption(me.locations[0].id);
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="app-connect"] [data-testid="connect"]');
    return el && el.disabled;
  }, null, { timeout: 5_000 });
  const connect = connectBox.getByRole('button', { name: /^Connect/ });
  assert.ok(await connect.isDisabled(), 'Connect is enabled for an account-level app while a location is selected');
  const reason = connectBox.locator('[data-testid="connect-reason"]');
  assert.ok(await reason.isVisible(), 'no visible explanation next to the disabled Connect');
  assert.equal(await connect.getAttribute('aria-describedby'), await reason.getAttribute('id'));
  assert.match(await page.evaluate(() => window.location.hash),
    new RegExp(`^#/apps/${encodeURIComponent(appId)}\\?target=${encodeURIComponent(me.locations[0].id)}$`));
  if (manager) {
    assert.match(await reason.innerText(), /whole account/);
    await connectBox.getByLabel('Connect to').selectOption({ label: 'Account (all locations)' });
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="app-connect"] [data-testid="connect"]');
      return el && !el.disabled;
    }, null, { timeout: 5_000 });
  } else {
    assert.equal((await reason.innerText()).trim(), 'Only admins can connect apps.');
    assert.ok(await page.locator('[data-testid="member-notice"]').isVisible());
  }

  await page.waitForLoadState('networkidle');
  await screenshot(page, 'app-page.png', { scrollToTop: false });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('catalog fits a 360px wide viewport without horizontal scrolling', { timeout: 30_000 }, async () => {
  await ensureSignedIn();
  const { page, errors } = await openPage({ viewport: { width: 360, height: 740 } });
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);
  assert.ok(await page.getByRole('button', { name: 'Sign out' }).isVisible(), '"Sign out" is not visible at 360px');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the 360px viewport`);
  await page.waitForLoadState('networkidle');
  await screenshot(page, 'catalog-360.png', { scrollToTop: false });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('"Sign out" returns to the sign-in page and reloading stays signed out', { timeout: 30_000 }, async () => {
  const me = await ensureSignedIn();
  const { page, errors } = await openPage({ allow401: [ME_PATH] });
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);

  const requestPromise = page.waitForRequest((req) => isApi(req, SESSION_PATH, 'DELETE'), { timeout: 10_000 });
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  const request = await requestPromise;
  assert.equal(request.headers()['x-csrf-token'], me.csrfToken, 'DELETE /admin/v1/session without the CSRF token from /me');
  const response = await request.response();
  assert.equal(response && response.status(), 204, `sign-out: HTTP ${response && response.status()}`);
  await expectSignInPage(page);

  const appRequests = apiRequestsOf(page);
  await page.reload();
  await expectSignInPage(page);
  await page.waitForLoadState('networkidle');
  assert.deepEqual(appRequests, [], 'the catalog was requested after signing out');
  const meAfter = await context.request.get(new URL(ME_PATH, origin).href, { failOnStatusCode: false });
  assert.equal(meAfter.status(), 401, `GET ${ME_PATH} after signing out: HTTP ${meAfter.status()}`);

  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
