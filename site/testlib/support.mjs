// Helpers shared by the browser tests in site/test/ (*.browser.test.mjs).
//
// It lives outside site/test/ because `node --test site/test/` runs every
// .js/.mjs/.cjs file under a directory named "test" as a test file.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../infra/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../.local/screenshots/', import.meta.url));
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
// 1x1 light-grey PNG used for cross-origin images.
export const PLACEHOLDER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC',
  'base64',
);

export const ME_PATH = '/admin/v1/me';
export const SESSION_PATH = '/admin/v1/session';
export const DEV_APPS_PATH = '/admin/v1/developer/apps';
// Chromium logs every fetch answered with a 4xx as this console error. It is
// ignored only for the 401s a test expects (see openPage's allow401), nothing else.
export const EXPECTED_401_LOG = /^Failed to load resource: the server responded with a status of 401( \([^)]*\))?$/;

/** The trimmed value of the environment variable name; throws with hint when it is unset or blank. */
export function requireEnv(name, hint) {
  const value = process.env[name];
  if (!value || !value.trim()) throw new Error(`${name} is not set. ${hint}`);
  return value.trim();
}

/** SWITCHBOARD_URL (required) and its origin; example is the URL shown in the error message. */
export function siteFromEnv(example) {
  const baseUrl = requireEnv('SWITCHBOARD_URL',
    `Set it to the base URL serving the admin site, e.g. SWITCHBOARD_URL=${example}`);
  return { baseUrl, origin: new URL(baseUrl).origin };
}

/** The trimmed value of the environment variable name, or fallback when it is unset or empty. */
export function envOr(name, fallback) {
  return (process.env[name] || fallback).trim();
}

/**
 * Launches Debian's Chromium (CHROMIUM_PATH overrides /usr/bin/chromium) with a
 * fresh user-data directory. options are passed to launchPersistentContext.
 * Returns { context, close }; close() closes the browser and removes the directory.
 */
export async function launchBrowser({ prefix = 'switchboard-chromium-', ...options } = {}) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), prefix));
  let context;
  const close = async () => {
    if (context) await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      ...options,
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { context, close };
}

/**
 * Opens a new page in context with console / page-error capture; returns { page, errors }.
 * origin: the site under test. allow401: API paths whose 401 answer the test
 * expects; Chromium's "Failed to load resource … 401" console line for exactly
 * those URLs on origin is ignored (every other console error is recorded).
 * Requests to other http(s) origins, unless isReal(url) says they are real,
 * are answered with PLACEHOLDER_PNG (external: 'placeholder') or aborted
 * (external: 'abort'), so a test never touches the internet.
 */
export async function openPage(context, {
  origin,
  viewport = { width: 1280, height: 900 },
  allow401 = [],
  external = 'placeholder',
  isReal = () => false,
}) {
  assert.ok(origin, 'openPage needs the origin of the site under test');
  assert.ok(external === 'placeholder' || external === 'abort', `openPage: unknown external mode ${external}`);
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location().url || '';
    let pathname = '';
    try {
      pathname = new URL(url).pathname;
    } catch { /* not a URL */ }
    if (EXPECTED_401_LOG.test(msg.text()) && url.startsWith(origin) && allow401.includes(pathname)) return;
    errors.push(`console.error: ${msg.text()} (${url || 'unknown'})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.route((url) => url.origin !== origin && /^https?:$/.test(url.protocol) && !isReal(url),
    (route) => (external === 'abort'
      ? route.abort()
      : route.fulfill({ status: 200, contentType: 'image/png', body: PLACEHOLDER_PNG })));
  return { page, errors };
}

/** Whether req is method pathname (on any origin). */
export function isApi(req, pathname, method) {
  return new URL(req.url()).pathname === pathname && req.method() === method;
}

/**
 * Signs the browser context in as email through POST /admin/v1/session and
 * returns the session answer (user, account, locations, csrfToken).
 * what names the attempt in the failure message.
 */
export async function signIn(context, origin, { email, password }, what = `signing in as ${email}`) {
  const response = await context.request.post(new URL(SESSION_PATH, origin).href, {
    data: { email, password },
    headers: { 'Content-Type': 'application/json' },
    failOnStatusCode: false,
  });
  assert.equal(response.status(), 201, `${what}: HTTP ${response.status()} ${await response.text()}`);
  return response.json();
}

/** Saves a full-page screenshot as SCREENSHOT_DIR/name, scrolled to the top first unless scrollToTop is false. */
export async function screenshot(page, name, { scrollToTop = true } = {}) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  if (scrollToTop) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name), fullPage: true });
}

/** GETs an admin API path with the browser's session; fails unless it answers 200; returns the JSON. */
export async function getJson(context, origin, pathname) {
  const response = await context.request.get(new URL(pathname, origin).href, { failOnStatusCode: false });
  assert.equal(response.status(), 200, `GET ${pathname}: HTTP ${response.status()} ${await response.text()}`);
  return response.json();
}

/**
 * POSTs data as JSON with the CSRF token, without following redirects;
 * returns { status, body (parsed JSON or null), text }.
 */
export async function postJson(context, origin, pathname, data, csrfToken) {
  const response = await context.request.post(new URL(pathname, origin).href, {
    data,
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
    failOnStatusCode: false,
    maxRedirects: 0,
  });
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: response.status(), body, text };
}

/**
 * Consents for app ({ clientId, clientSecret }) with scope at locationId
 * (instance label optional) through the consent endpoint, then exchanges the
 * code; returns the token answer (access_token, connection_id, scope…).
 */
export async function connectApp(context, origin, { app, scope, locationId, label = '', redirectUri, csrfToken }) {
  const state = randomBytes(16).toString('hex');
  const decided = await postJson(context, origin, '/oauth2/v1/authorize', {
    client_id: app.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state,
    location_id: locationId,
    instance_label: label,
    approve: true,
  }, csrfToken);
  assert.equal(decided.status, 200, `authorize: HTTP ${decided.status} ${decided.text}`);
  const redirect = new URL(decided.body.redirectTo);
  assert.equal(redirect.searchParams.get('state'), state, 'authorize: the state did not come back');
  const code = redirect.searchParams.get('code');
  assert.ok(code, `authorize: no code in ${decided.body.redirectTo}`);
  const response = await context.request.post(new URL('/oauth2/v1/token', origin).href, {
    form: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: app.clientId, client_secret: app.clientSecret },
    failOnStatusCode: false,
  });
  const token = await response.json();
  assert.equal(response.status(), 200, `token: HTTP ${response.status()} ${JSON.stringify(token)}`);
  assert.equal(token.scope, scope);
  return token;
}

/**
 * "2026-11-24T10:00": date's wall time in timeZone, computed in Node (not by
 * the page under test), as a datetime-local field shows it.
 */
export function wallTime(date, timeZone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** RFC 3339 in UTC to the second, as the site sends times to the API. */
export function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Opens a Connections row's Actions menu and chooses its item data-testid=testid. */
export async function chooseAction(row, testid) {
  await row.locator('[data-testid="connection-actions"]').click();
  await row.locator(`[data-testid="${testid}"]`).click();
}
