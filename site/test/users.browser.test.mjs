// Browser test for the Users & teams page: an admin sees the demo teams,
// creates a team and adds a member; a member sees everything read-only.
//
// Run from the repository root, against a stack seeded with the demo data:
//   SWITCHBOARD_URL=http://127.0.0.1:3000/ SWITCHBOARD_PASSWORD=… node --test site/test/
//
// Optional: CHROMIUM_PATH (default /usr/bin/chromium), SWITCHBOARD_ADMIN_EMAIL
// (default admin@demo.test), SWITCHBOARD_MEMBER_EMAIL (default member@demo.test).
// Both users must have SWITCHBOARD_PASSWORD. Any console error or page error
// fails a test. Each run creates one team with a unique name.

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
const SESSION_PATH = '/admin/v1/session';

let baseUrl;
let origin;
let password;
let adminEmail;
let memberEmail;
let context;
let userDataDir;

function requireEnv(name, hint) {
  const value = process.env[name];
  if (!value || !value.trim()) throw new Error(`${name} is not set. ${hint}`);
  return value.trim();
}

/** Opens a page that records console errors and page errors. */
async function openPage() {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${msg.location().url || 'unknown'})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  // Nothing outside the site under test is fetched.
  await page.route((url) => url.origin !== origin && /^https?:$/.test(url.protocol), (route) => route.abort());
  return { page, errors };
}

/** Replaces the browser's session with a new one for email, signed in through the API. */
async function signInAs(email) {
  await context.clearCookies();
  const response = await context.request.post(new URL(SESSION_PATH, origin).href, {
    data: { email, password },
    headers: { 'Content-Type': 'application/json' },
    failOnStatusCode: false,
  });
  assert.equal(response.status(), 201, `signing in as ${email}: HTTP ${response.status()} ${await response.text()}`);
  return response.json();
}

function teamCard(page, name) {
  return page.locator(`[data-testid="team-card"][data-team-name="${name.replace(/["\\]/g, '\\$&')}"]`);
}

async function memberNames(card) {
  return (await card.locator('[data-testid="member-name"]').allTextContents()).map((s) => s.trim()).sort();
}

async function openUsersPage(page) {
  await page.goto(new URL('#/users', baseUrl).href);
  await page.getByRole('heading', { level: 1, name: 'Users & teams' }).waitFor({ timeout: 10_000 });
  await teamCard(page, 'Kitchen').waitFor({ timeout: 10_000 });
  await teamCard(page, 'Marketing').waitFor({ timeout: 10_000 });
}

before(async () => {
  baseUrl = requireEnv('SWITCHBOARD_URL', 'Set it to the base URL serving the admin site, e.g. SWITCHBOARD_URL=http://127.0.0.1:3000/');
  origin = new URL(baseUrl).origin;
  password = requireEnv('SWITCHBOARD_PASSWORD', 'Set it to the demo users\' password.');
  adminEmail = (process.env.SWITCHBOARD_ADMIN_EMAIL || 'admin@demo.test').trim();
  memberEmail = (process.env.SWITCHBOARD_MEMBER_EMAIL || 'member@demo.test').trim();
  userDataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-chromium-users-'));
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

test('an admin sees the demo teams, creates a team and adds a member', { timeout: 30_000 }, async () => {
  const me = await signInAs(adminEmail);
  const { page, errors } = await openPage();
  await openUsersPage(page);

  assert.deepEqual(await memberNames(teamCard(page, 'Kitchen')), ['Mia Member']);
  assert.deepEqual(await memberNames(teamCard(page, 'Marketing')), ['Adam Admin', 'Mia Member']);
  assert.ok(await page.locator('[data-testid="invite-form"]').isVisible(), 'admins see the invite form');
  const emails = (await page.locator('[data-testid="user-row"] td[data-label="Email"]').allTextContents()).map((s) => s.trim());
  for (const email of ['owner@demo.test', 'admin@demo.test', 'member@demo.test']) {
    assert.ok(emails.includes(email), `user ${email} is not listed: ${emails.join(', ')}`);
  }
  const active = page.getByRole('navigation').locator('a[aria-current="page"]');
  assert.equal((await active.textContent()).trim(), 'Users & teams');

  const name = `QA team ${Date.now()}`;
  await page.getByLabel('New team name').fill(name);
  const created = page.waitForResponse((res) => new URL(res.url()).pathname === '/admin/v1/teams' && res.request().method() === 'POST');
  await page.getByRole('button', { name: 'Create team' }).click();
  const createResponse = await created;
  assert.equal(createResponse.status(), 201, `create team: HTTP ${createResponse.status()} ${await createResponse.text()}`);
  assert.equal(createResponse.request().headers()['x-csrf-token'], me.csrfToken, 'POST /admin/v1/teams without the CSRF token');
  const card = teamCard(page, name);
  await card.waitFor({ timeout: 10_000 });
  assert.equal((await card.locator('[data-testid="team-members"]').innerText()).trim(), 'No members yet.');

  await card.getByLabel(`Add to ${name}`).selectOption({ label: 'Mia Member' });
  const added = page.waitForResponse((res) => res.request().method() === 'PUT' && new URL(res.url()).pathname.includes('/members/'));
  await card.getByRole('button', { name: 'Add member' }).click();
  const addResponse = await added;
  assert.equal(addResponse.status(), 200, `add member: HTTP ${addResponse.status()} ${await addResponse.text()}`);
  assert.equal(addResponse.request().headers()['x-csrf-token'], me.csrfToken, 'PUT …/members/… without the CSRF token');
  await card.locator('[data-testid="member-name"]', { hasText: 'Mia Member' }).waitFor({ timeout: 10_000 });
  assert.deepEqual(await memberNames(card), ['Mia Member']);
  assert.equal(await page.locator('[data-testid="users-error"]').innerText(), '');

  await page.waitForLoadState('networkidle');
  await page.evaluate(() => window.scrollTo(0, 0));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'users.png'), fullPage: true });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('a member sees users and teams read-only, without the invite form', { timeout: 30_000 }, async () => {
  await signInAs(memberEmail);
  const { page, errors } = await openPage();
  await openUsersPage(page);

  assert.deepEqual(await memberNames(teamCard(page, 'Marketing')), ['Adam Admin', 'Mia Member']);
  assert.ok(await page.locator('[data-testid="users-table"]').isVisible(), 'members see the users');
  for (const testid of ['invite-form', 'create-team-form', 'add-member-form']) {
    assert.equal(await page.locator(`[data-testid="${testid}"]`).count(), 0, `a member sees ${testid}`);
  }
  for (const label of ['Remove', 'Rename', 'Delete', 'Deactivate']) {
    assert.equal(await page.getByRole('button', { name: label }).count(), 0, `a member sees "${label}" buttons`);
  }
  assert.equal(await page.getByRole('combobox').count(), 0, 'a member sees role or member pickers');

  await page.waitForLoadState('networkidle');
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'users-member.png'), fullPage: true });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
