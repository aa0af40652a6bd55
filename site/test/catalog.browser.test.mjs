// Browser test for the Switchboard admin app catalog.
//
// Run from the repository root:
//   SWITCHBOARD_URL=http://127.0.0.1:8080/ \
//   SWITCHBOARD_EXPECT_APPS="OrderLine POS,MailBloom" \
//   node --test site/test/
//
// Optional: CHROMIUM_PATH (default /usr/bin/chromium).
// Requests to origins other than SWITCHBOARD_URL's (e.g. third-party app icons)
// are answered locally with a placeholder PNG so the test never touches the
// internet and unreachable icon hosts do not show up as console errors.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../infra/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const SCREENSHOT_DIR = fileURLToPath(new URL('../../.local/screenshots/', import.meta.url));
const CHROMIUM_ARGS = [
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
const PLACEHOLDER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC',
  'base64',
);

let baseUrl;
let expectedApps;
let context;
let userDataDir;

function requireEnv(name, hint) {
  const value = process.env[name];
  if (!value || !value.trim()) {
    throw new Error(`${name} is not set. ${hint}`);
  }
  return value.trim();
}

/** Opens a new page with console / page-error capture and cross-origin isolation. */
async function openPage({ viewport = { width: 1280, height: 900 } } = {}) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${msg.location().url || 'unknown'})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  const origin = new URL(baseUrl).origin;
  await page.route((url) => url.origin !== origin && /^https?:$/.test(url.protocol), (route) =>
    route.fulfill({ status: 200, contentType: 'image/png', body: PLACEHOLDER_PNG }));
  return { page, errors };
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
  const errorText = (await page.locator('[data-testid="catalog-error"]').allInnerTexts()).join(' ').replace(/\s+/g, ' ');
  assert.fail(`Within ${timeoutMs} ms these apps were not shown: ${missing.join(', ')}. `
    + `Shown: [${shown.join(', ')}]${errorText ? `. Error panel: ${errorText}` : ''}`);
}

before(async () => {
  baseUrl = requireEnv('SWITCHBOARD_URL',
    'Set it to the base URL serving the admin site, e.g. SWITCHBOARD_URL=http://127.0.0.1:8080/');
  expectedApps = requireEnv('SWITCHBOARD_EXPECT_APPS',
    'Set it to the comma-separated names of the seeded apps, e.g. SWITCHBOARD_EXPECT_APPS="OrderLine POS,MailBloom"')
    .split(',').map((s) => s.trim()).filter(Boolean);
  assert.ok(expectedApps.length > 0, 'SWITCHBOARD_EXPECT_APPS contains no app names');

  userDataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

test('catalog shows every seeded app without console or page errors', { timeout: 30_000 }, async () => {
  const { page, errors } = await openPage();
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);

  // Layout basics: product name, navigation with the active item.
  await assert.doesNotReject(page.getByRole('banner').getByText('Switchboard', { exact: true }).waitFor());
  const active = page.getByRole('navigation').locator('a[aria-current="page"]');
  assert.equal((await active.textContent()).trim(), 'App catalog');

  await page.waitForLoadState('networkidle');
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('category filter requests category= and shows only that category', { timeout: 30_000 }, async () => {
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
    return url.pathname.endsWith('/admin/v1/apps') && url.searchParams.get('category') === value;
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

test('saves a full-page screenshot of the catalog', { timeout: 30_000 }, async () => {
  const { page } = await openPage();
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => window.scrollTo(0, 0));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, 'catalog.png');
  await page.screenshot({ path: file, fullPage: true });
  await page.close();
});

test('catalog fits a 360px wide viewport without horizontal scrolling', { timeout: 30_000 }, async () => {
  const { page } = await openPage({ viewport: { width: 360, height: 740 } });
  await page.goto(baseUrl);
  await waitForExpectedApps(page, 10_000);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the 360px viewport`);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'catalog-360.png'), fullPage: true });
  await page.close();
});
