// Browser test for the Notifications page: an admin creates a rule through
// the wizard (name, type, frequency → apps → recipients), edits it and
// deletes it; a member sees the rules read-only.
//
// Run from the repository root, against a stack seeded with the demo data:
//   SWITCHBOARD_URL=http://127.0.0.1:3000/ SWITCHBOARD_PASSWORD=… node --test site/test/
//
// Optional: CHROMIUM_PATH, SWITCHBOARD_ADMIN_EMAIL (default admin@demo.test),
// SWITCHBOARD_MEMBER_EMAIL (default member@demo.test). Any console error or
// page error fails a test. Each run creates rules with unique names.

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

function openPage() {
  return openSitePage(context, { origin, external: 'abort' });
}

async function signInAs(email) {
  await context.clearCookies();
  return signIn(context, origin, { email, password });
}

function ruleRow(page, name) {
  return page.locator(`[data-testid="rule-row"][data-rule-name="${name.replace(/["\\]/g, '\\$&')}"]`);
}

async function openNotifications(page) {
  await page.goto(new URL('#/notifications', baseUrl).href);
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor({ timeout: 10_000 });
  await page.locator('[data-testid="sender-address"]').waitFor({ timeout: 10_000 });
}

function cells(row) {
  return row.locator('td').allInnerTexts();
}

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3000/'));
  password = requireEnv('SWITCHBOARD_PASSWORD', 'Set it to the demo users\' password.');
  adminEmail = envOr('SWITCHBOARD_ADMIN_EMAIL', 'admin@demo.test');
  memberEmail = envOr('SWITCHBOARD_MEMBER_EMAIL', 'member@demo.test');
  browser = await launchBrowser({ prefix: 'switchboard-chromium-notifications-' });
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

const isRuleWrite = (method) => (res) => res.request().method() === method && new URL(res.url()).pathname.startsWith('/admin/v1/notifications');

test('an admin creates a rule through the wizard, edits it and deletes it', { timeout: 60_000 }, async () => {
  const me = await signInAs(adminEmail);
  const { page, errors } = await openPage();
  await openNotifications(page);
  const active = page.getByRole('navigation').locator('a[aria-current="page"]');
  assert.equal((await active.textContent()).trim(), 'Notifications');
  assert.match(await page.locator('[data-testid="sender-address"]').innerText(), /@/);

  // Step 1: name, type, frequency. The name is required before going on.
  const name = `QA installs ${Date.now()}`;
  await page.getByRole('button', { name: 'Create rule' }).click();
  const wizard = page.locator('[data-testid="rule-wizard"]');
  await wizard.waitFor({ timeout: 10_000 });
  await wizard.getByRole('button', { name: 'Next' }).click();
  assert.equal(await wizard.locator('[data-testid="wizard-error"]').innerText(), 'Give the rule a name.');
  assert.equal(await wizard.getByLabel('Rule name').getAttribute('aria-invalid'), 'true');
  await wizard.getByLabel('Rule name').fill(name);
  // Typing a name answers the error: it goes, and the field is valid again.
  assert.equal(await wizard.locator('[data-testid="wizard-error"]').innerText(), '');
  assert.equal(await wizard.getByLabel('Rule name').getAttribute('aria-invalid'), null);
  await wizard.getByLabel('Event').selectOption('install');
  await wizard.getByLabel('Frequency').selectOption('hourly');
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 2: apps.
  await wizard.getByRole('heading', { name: /Step 2 of 3/ }).waitFor();
  await wizard.getByLabel('Chosen apps').check();
  await wizard.getByRole('button', { name: 'Next' }).click();
  assert.equal(await wizard.locator('[data-testid="wizard-error"]').innerText(), 'Choose at least one app, or all apps.');
  await wizard.getByLabel('MailBloom').check();
  await wizard.getByLabel('Insight BI').check();
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 3: recipients.
  await wizard.getByRole('heading', { name: /Step 3 of 3/ }).waitFor();
  await wizard.getByLabel('Specific users and teams').check();
  await wizard.getByLabel('Olivia Owner').check();
  await wizard.getByLabel('Kitchen (team)').check();
  const created = page.waitForResponse(isRuleWrite('POST'));
  await wizard.getByRole('button', { name: 'Create rule' }).click();
  const createResponse = await created;
  assert.equal(createResponse.status(), 201, `create rule: HTTP ${createResponse.status()} ${await createResponse.text()}`);
  assert.equal(createResponse.request().headers()['x-csrf-token'], me.csrfToken, 'POST without the CSRF token');
  const row = ruleRow(page, name);
  await row.waitFor({ timeout: 10_000 });
  assert.deepEqual((await cells(row)).slice(1, 5).map((s) => s.trim()),
    ['App installed', 'Once an hour', 'Insight BI, MailBloom', 'Olivia Owner, Kitchen (team)']);
  await screenshot(page, 'notifications.png');

  // Escape closes the Actions menu, from its button and from an item, and
  // the focus is back on the button.
  const actions = row.getByRole('button', { name: `Actions for ${name}` });
  await actions.click();
  assert.equal(await actions.getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('Escape');
  assert.equal(await actions.getAttribute('aria-expanded'), 'false');
  assert.equal(await row.getByRole('button', { name: 'Edit' }).count(), 0, 'Escape left the menu open');
  await actions.click();
  await row.getByRole('button', { name: 'Edit' }).focus();
  await page.keyboard.press('Escape');
  assert.equal(await row.getByRole('button', { name: 'Edit' }).count(), 0, 'Escape from an item left the menu open');
  assert.ok(await actions.evaluate((el) => el === document.activeElement), 'the focus is not back on Actions');

  // Edit through Actions → Edit: the wizard opens filled in.
  await actions.click();
  await row.getByRole('button', { name: 'Edit' }).click();
  await wizard.waitFor({ timeout: 10_000 });
  assert.equal(await wizard.getByLabel('Rule name').inputValue(), name);
  const renamed = `${name} (weekly)`;
  await wizard.getByLabel('Rule name').fill(renamed);
  await wizard.getByLabel('Frequency').selectOption('weekly');
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('All apps').check();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('Everyone in the account').check();
  const saved = page.waitForResponse(isRuleWrite('PUT'));
  await wizard.getByRole('button', { name: 'Save changes' }).click();
  const saveResponse = await saved;
  assert.equal(saveResponse.status(), 200, `save rule: HTTP ${saveResponse.status()} ${await saveResponse.text()}`);
  assert.equal(JSON.parse(saveResponse.request().postData()).version, 1, 'the edit sends the version it read');
  const editedRow = ruleRow(page, renamed);
  await editedRow.waitFor({ timeout: 10_000 });
  assert.deepEqual((await cells(editedRow)).slice(1, 5).map((s) => s.trim()),
    ['App installed', 'Once a week (Mondays)', 'All apps', 'Everyone in the account']);
  assert.equal(await ruleRow(page, name).count(), 0);

  // Delete through Actions → Delete, cancelled once, then confirmed.
  await editedRow.getByRole('button', { name: `Actions for ${renamed}` }).click();
  await editedRow.getByRole('button', { name: 'Delete' }).click();
  await editedRow.locator('[data-testid="confirm-delete"]').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await editedRow.locator('[data-testid="confirm-delete"]').count(), 0);
  await editedRow.getByRole('button', { name: `Actions for ${renamed}` }).click();
  await editedRow.getByRole('button', { name: 'Delete' }).click();
  const deleted = page.waitForResponse(isRuleWrite('DELETE'));
  await editedRow.getByRole('button', { name: 'Delete rule' }).click();
  assert.equal((await deleted).status(), 204);
  await editedRow.waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await page.locator('[data-testid="notifications-error"]').innerText(), '');

  await page.waitForLoadState('networkidle');
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});

test('a member sees the rules read-only, and a rule\'s own page', { timeout: 60_000 }, async () => {
  // An admin makes a rule through the API for the member to see.
  const admin = await signInAs(adminEmail);
  const name = `QA errors ${Date.now()}`;
  const res = await context.request.post(new URL('/admin/v1/notifications', origin).href, {
    headers: { 'X-CSRF-Token': admin.csrfToken, 'Content-Type': 'application/json', Origin: origin },
    data: { name, type: 'errors', frequency: 'daily', allApps: true, appIds: [], recipients: { mode: 'super_admins', userIds: [], teamIds: [] } },
  });
  assert.equal(res.status(), 201, `create rule: HTTP ${res.status()} ${await res.text()}`);
  const rule = await res.json();

  await signInAs(memberEmail);
  const { page, errors } = await openPage();
  await openNotifications(page);
  const row = ruleRow(page, name);
  await row.waitFor({ timeout: 10_000 });
  assert.deepEqual((await cells(row)).map((s) => s.trim()), [name, 'App errors', 'Once a day', 'All apps', 'Super admins only']);
  assert.ok(await page.locator('[data-testid="read-only-note"]').isVisible(), 'members are told why they cannot edit');
  // The top bar names the member's role, and nothing there says "Admin".
  const topbar = page.locator('header.topbar');
  assert.match(await topbar.innerText(), /Member/);
  assert.doesNotMatch(await topbar.innerText(), /\bAdmin\b/);
  for (const label of ['Create rule', /^Actions/, 'Edit', 'Delete']) {
    assert.equal(await page.getByRole('button', { name: label }).count(), 0, `a member sees "${label}" buttons`);
  }

  // The rule's own page, where digest emails link to.
  await row.getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name: 'Notification rule' }).waitFor({ timeout: 10_000 });
  assert.ok(page.url().endsWith(`#/notifications/${rule.id}`), page.url());
  await ruleRow(page, name).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByRole('button').filter({ hasText: /Actions|Edit|Delete/ }).count(), 0);

  await page.waitForLoadState('networkidle');
  await screenshot(page, 'notifications-member.png', { scrollToTop: false });
  assert.deepEqual(errors, [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();

  const cleanup = await signInAs(adminEmail);
  const del = await context.request.delete(new URL(`/admin/v1/notifications/${rule.id}`, origin).href, {
    headers: { 'X-CSRF-Token': cleanup.csrfToken, Origin: origin },
  });
  assert.equal(del.status(), 204);
});
