// Browser test for getting into Switchboard without the seed: a person signs
// up from the sign-in page, opens the verification link from the email
// (read back from the SES emulator), lands signed in on the locations page,
// adds a location, connects an app of theirs at it, signs out and signs in
// again with the password they chose; then resets the password from the
// email, changes it from the top bar and reads the security log.
//
// Run from the repository root, against a running local stack:
//   SWITCHBOARD_URL=http://127.0.0.1:3000/ SWITCHBOARD_SES_URL=http://127.0.0.1:8005 node --test site/test/
//
// SWITCHBOARD_SES_URL is the SES emulator (aws-ses-v2-local), whose
// GET /store lists the mail sent. Each run signs up a new unique address.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEV_APPS_PATH, ME_PATH, connectApp, getJson, launchBrowser, openPage as openSitePage, postJson, requireEnv, screenshot, siteFromEnv,
} from '../testlib/support.mjs';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let baseUrl;
let origin;
let sesUrl;
let browser;
let context;
// The account the first test signs up, for the next ones.
let founder = null;

before(async () => {
  ({ baseUrl, origin } = siteFromEnv('http://127.0.0.1:3000/'));
  sesUrl = requireEnv('SWITCHBOARD_SES_URL', 'Set it to the SES emulator, e.g. SWITCHBOARD_SES_URL=http://127.0.0.1:8005').replace(/\/+$/, '');
  browser = await launchBrowser({ prefix: 'switchboard-chromium-accounts-' });
  ({ context } = browser);
});

after(async () => {
  if (browser) await browser.close();
});

/**
 * Waits for the newest email to `to` whose subject matches, from the SES
 * emulator; returns { subject, text, html }.
 */
async function waitForMail(to, subject, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${sesUrl}/store`);
    assert.equal(response.status, 200, `GET ${sesUrl}/store: HTTP ${response.status}`);
    const { emails = [] } = await response.json();
    const mail = emails.filter((e) => (e.destination?.to || []).includes(to) && subject.test(e.subject || '')).at(-1);
    if (mail) return { subject: mail.subject, text: mail.body?.text || '', html: mail.body?.html || '' };
    if (Date.now() > deadline) {
      throw new Error(`no email to ${to} matching ${subject} within ${timeoutMs} ms; mail to it: ${
        emails.filter((e) => (e.destination?.to || []).includes(to)).map((e) => e.subject).join(' | ') || 'none'}`);
    }
    await new Promise((resolve) => { setTimeout(resolve, 250); });
  }
}

/**
 * The site page a link of the email opens, on the origin under test: the
 * stack's configured site origin is localhost while the test may browse
 * 127.0.0.1, and a cookie set on one is not sent to the other.
 */
function linkOnSite(text, hashPrefix) {
  const match = text.match(/https?:\/\/\S+/g)?.find((u) => new URL(u).hash.startsWith(hashPrefix));
  assert.ok(match, `no link to ${hashPrefix} in the email:\n${text}`);
  return new URL(new URL(match).hash, baseUrl).href;
}

test('sign up from the sign-in page, verify from the email, sign out and sign in again', { timeout: 60_000 }, async () => {
  await context.clearCookies();
  const stamp = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const email = `founder-${stamp}@signup.test`;
  const accountName = `Chez Test ${stamp}`;
  const password = 'plenty of unrelated words';
  const { page, errors } = await openSitePage(context, { origin, external: 'abort', allow401: ['/admin/v1/me'] });

  await page.goto(new URL('#/signin', baseUrl).href);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor({ timeout: 10_000 });
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Create your Switchboard account' }).waitFor({ timeout: 10_000 });

  await page.getByLabel('Business name').fill(accountName);
  await page.getByLabel('First location (optional)').fill('Bastille');
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await page.getByLabel('Your name').fill('Frida Founder');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.match(await page.locator('[data-testid="signup-error"]').innerText(), /at least 12 characters/);

  await page.getByLabel('Password').fill('password1234');
  let answered = page.waitForResponse((res) => new URL(res.url()).pathname === '/admin/v1/signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.equal((await answered).status(), 400, 'a common password is refused by the API');
  assert.match(await page.locator('[data-testid="signup-error"]').innerText(), /common/);

  await page.getByLabel('Password').fill(password);
  answered = page.waitForResponse((res) => new URL(res.url()).pathname === '/admin/v1/signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.equal((await answered).status(), 202);
  await page.locator('[data-testid="signup-sent"]').waitFor({ timeout: 10_000 });
  await screenshot(page, 'signup-sent.png');

  const mail = await waitForMail(email, /^Confirm your email/);
  assert.ok(mail.subject.includes(accountName), `subject ${mail.subject}`);
  await page.goto(linkOnSite(mail.text, '#/signup/verify?token='));
  await page.locator('[data-testid="session-account"]', { hasText: accountName }).waitFor({ timeout: 15_000 });
  assert.equal((await page.locator('[data-testid="session-role"]').innerText()).trim(), 'Super admin');
  assert.equal((await page.locator('[data-testid="session-user"]').innerText()).trim(), 'Frida Founder');
  assert.ok(!page.url().includes('token='), `the token stayed in the address bar: ${page.url()}`);
  // The new account starts on its locations, with the one named at sign-up.
  await page.getByRole('heading', { level: 1, name: 'Locations' }).waitFor({ timeout: 10_000 });
  await page.locator('[data-testid="location-name"]', { hasText: 'Bastille' }).waitFor({ timeout: 10_000 });
  await page.getByLabel('New location name').fill('Canal');
  await page.getByRole('button', { name: 'Add location' }).click();
  await page.locator('[data-testid="location-name"]', { hasText: 'Canal' }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'signup-verified.png');
  // The catalog offers the new location as a target at once.
  await page.getByRole('navigation').getByRole('link', { name: 'Available apps' }).click();
  await page.locator('[data-testid="target-select"] option', { hasText: 'Canal' }).waitFor({ state: 'attached', timeout: 10_000 });

  // An app of the new account's own connects at the new location: the
  // platform API and the connections page both name it.
  const me = await getJson(context, origin, ME_PATH);
  const canal = me.locations.find((l) => l.name === 'Canal');
  assert.ok(canal, `no Canal in ${JSON.stringify(me.locations)}`);
  const appName = `Founder Till ${stamp}`;
  const registered = await postJson(context, origin, DEV_APPS_PATH, {
    name: appName, developer: accountName, description: 'Used by the accounts browser test.', category: 'pos', level: 'location',
    scopes: ['orders.read'], redirectUris: [REDIRECT_URI], published: false,
  }, me.csrfToken);
  assert.equal(registered.status, 201, registered.text);
  const token = await connectApp(context, origin, {
    app: registered.body, scope: 'location[orders.read]', locationId: canal.id, redirectUri: REDIRECT_URI, csrfToken: me.csrfToken,
  });
  const location = await context.request.get(new URL('/v1/location', origin).href, { headers: { Authorization: `Bearer ${token.access_token}` } });
  assert.equal(location.status(), 200, await location.text());
  assert.equal((await location.json()).name, 'Canal');
  await page.goto(new URL('#/connections', baseUrl).href);
  const group = page.locator(`[data-testid="connection-group"][data-group="${canal.id}"]`);
  await group.locator('[data-testid="connection-app"]', { hasText: appName }).waitFor({ timeout: 10_000 });

  await page.locator('[data-testid="sign-out"]').click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor({ timeout: 10_000 });
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="session-account"]', { hasText: accountName }).waitFor({ timeout: 15_000 });

  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
  founder = { email, password, accountName };
});

test('forgot password: reset from the email, then change it from the top bar', { timeout: 60_000 }, async () => {
  assert.ok(founder, 'the sign-up test did not finish');
  await context.clearCookies();
  const { page, errors } = await openSitePage(context, { origin, external: 'abort', allow401: ['/admin/v1/me'] });
  await page.goto(new URL('#/signin', baseUrl).href);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor({ timeout: 10_000 });
  await page.getByLabel('Email').fill(founder.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.locator('[data-testid="forgot-sent"]').waitFor({ timeout: 10_000 });

  const mail = await waitForMail(founder.email, /^Choose a new Switchboard password$/);
  await page.goto(linkOnSite(mail.text, '#/reset-password?token='));
  const reset = 'a brand new set of words';
  await page.getByLabel('New password', { exact: true }).fill(reset);
  await page.getByLabel('Repeat the new password').fill(reset);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.locator('[data-testid="reset-done"]').waitFor({ timeout: 10_000 });

  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(founder.email);
  await page.getByLabel('Password').fill(founder.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="signin-error"]', { hasText: 'incorrect' }).waitFor({ timeout: 10_000 });
  await page.getByLabel('Password').fill(reset);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="session-account"]', { hasText: founder.accountName }).waitFor({ timeout: 15_000 });

  await page.locator('[data-testid="change-password"]').click();
  await page.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor({ timeout: 10_000 });
  const changed = 'yet another string of words';
  await page.getByLabel('Current password').fill(reset);
  await page.getByLabel('New password', { exact: true }).fill(changed);
  await page.getByLabel('Repeat the new password').fill(changed);
  const answered = page.waitForResponse((res) => new URL(res.url()).pathname === '/admin/v1/me/password');
  await page.getByRole('button', { name: 'Change password' }).click();
  assert.equal((await answered).status(), 204);
  await page.locator('[data-testid="change-password-done"]', { hasText: 'changed' }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'change-password.png');
  // This session carries on, and the super admin's security log shows all of it.
  await page.goto(new URL('#/users', baseUrl).href);
  await page.locator('[data-testid="security-log-link"]').click();
  await page.getByRole('heading', { level: 1, name: 'Security log' }).waitFor({ timeout: 10_000 });
  for (const type of ['signup', 'signins', 'password_reset', 'password_changed']) {
    await page.locator(`[data-testid="security-row"][data-type="${type}"]`).first().waitFor({ timeout: 10_000 });
  }
  await screenshot(page, 'security-log.png');

  assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), [], `Unexpected console/page errors:\n${errors.join('\n')}`);
  await page.close();
});
