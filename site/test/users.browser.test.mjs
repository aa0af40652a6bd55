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
import { envOr, launchBrowser, openPage as openSitePage, requireEnv, screenshot, signIn, siteFromEnv } from '../testlib/support.mjs';

let baseUrl;
let origin;
let password;
let adminEmail;
let memberEmail;
let browser;
let context;

/** Opens a page that records console errors and page errors. */
function openPage() {
  // Nothing outside the site under test is fetched.
  return openSitePage(context, { origin, external: 'abort' });
}

/** Replaces the browser's session with a new one for email, signed in through the API. */
async function signInAs(email) {
  await context.clearCookies();
  return signIn(context, origin, { email, password });
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
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3000/'));
  password = requireEnv('SWITCHBOARD_PASSWORD', 'Set it to the demo users\' password.');
  adminEmail = envOr('SWITCHBOARD_ADMIN_EMAIL', 'admin@demo.test');
  memberEmail = envOr('SWITCHBOARD_MEMBER_EMAIL', 'member@demo.test');
  browser = await launchBrowser({ prefix: 'switchboard-chromium-users-' });
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
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
  await screenshot(page, 'users.png');
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
  await screenshot(page, 'users-member.png', { scrollToTop: false });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
