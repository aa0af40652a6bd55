// Switchboard admin entry point.
//
// Adding a page: create a module under ./js/pages/ exporting a render function
// `render(outlet, { params, query, signal, setQuery })`, then add one entry to
// ROUTES below. Entries with a `nav` label get a link in the left navigation.
// Every route needs a session except those marked `public: true`.

import { startRouter } from './js/router.js';
import { h, clear, srOnly } from './js/dom.js';
import { loadSession, onSessionChange, getSession, isSignedIn, signOut } from './js/session.js';
import { renderCatalog } from './js/pages/catalog.js';
import { renderAppPage } from './js/pages/app.js';
import { renderSignin } from './js/pages/signin.js';
import { renderUsers } from './js/pages/users.js';
import { renderAcceptInvite } from './js/pages/accept-invite.js';
import { renderSignup, renderVerifySignup } from './js/pages/signup.js';
import { renderLocations } from './js/pages/locations.js';
import { renderSecurityLog } from './js/pages/security-log.js';
import { renderForgotPassword, renderResetPassword, renderChangePassword } from './js/pages/passwords.js';
import { renderConnections } from './js/pages/connections.js';
import { renderLogs } from './js/pages/logs.js';
import { renderAppLog } from './js/pages/app-log.js';
import { renderConnectedApp } from './js/pages/connected-app.js';
import { renderActivity } from './js/pages/activity.js';
import { renderOverview } from './js/pages/overview.js';
import { renderDeveloper } from './js/pages/developer.js';
import { renderOperatorListings } from './js/pages/operator.js';
import { renderConsent } from './js/pages/consent.js';
import { renderOauthError } from './js/pages/oauth-error.js';
import { renderNotifications, renderNotificationRule } from './js/pages/notifications.js';

const APP_NAME = 'Switchboard';
const DEFAULT_PATH = '/catalog';
const SIGNIN_PATH = '/signin';

const ROUTES = [
  { path: SIGNIN_PATH, title: 'Sign in', render: renderSignin, public: true },
  // Invitation links are opened signed out: the invitee has no password yet.
  { path: '/accept-invite', title: 'Accept invitation', render: renderAcceptInvite, public: true },
  { path: '/signup', title: 'Create an account', render: renderSignup, public: true },
  // The verification email links here; it signs the new super admin in.
  { path: '/signup/verify', title: 'Confirm your email', render: renderVerifySignup, public: true },
  { path: '/forgot-password', title: 'Forgot password', render: renderForgotPassword, public: true },
  // The reset email links here.
  { path: '/reset-password', title: 'Choose a new password', render: renderResetPassword, public: true },
  { path: '/me/password', title: 'Change password', render: renderChangePassword },
  { path: '/overview', title: 'Overview', nav: 'Overview', render: renderOverview },
  { path: '/connections', title: 'Connections', nav: 'Connections', render: renderConnections },
  { path: '/connections/:id/logs', title: 'Logs', render: renderLogs },
  { path: '/app-log', title: 'App log', nav: 'App log', render: renderAppLog },
  { path: '/connected/:id', title: 'Connected app', render: renderConnectedApp },
  { path: '/connections/:id/activity', title: 'Activity', render: renderActivity },
  { path: '/catalog', title: 'Available apps', nav: 'Available apps', render: renderCatalog },
  { path: '/apps/:id', title: 'App', render: renderAppPage },
  { path: '/developer', title: 'My apps', nav: 'My apps', render: renderDeveloper },
  // Platform operators only: the API answers 404 to everyone else.
  { path: '/operator/listings', title: 'App listings', render: renderOperatorListings },
  { path: '/consent', title: 'Connect an app', render: renderConsent },
  { path: '/oauth-error', title: 'App can’t be connected', render: renderOauthError, public: true },
  { path: '/locations', title: 'Locations', nav: 'Locations', render: renderLocations },
  { path: '/users', title: 'Users & teams', nav: 'Users & teams', render: renderUsers },
  // Super admins only: the API answers 403 to everyone else.
  { path: '/security-log', title: 'Security log', render: renderSecurityLog },
  { path: '/notifications', title: 'Notifications', nav: 'Notifications', render: renderNotifications },
  // Digest emails link here (footer and List-Unsubscribe).
  { path: '/notifications/:id', title: 'Notification rule', render: renderNotificationRule },
];

const ROLE_LABELS = { super_admin: 'Super admin', admin: 'Admin', member: 'Member', operator: 'Operator' };

const main = document.getElementById('main');
const shell = document.querySelector('.shell');
const sidenav = document.getElementById('sidenav');
const sessionBar = document.getElementById('session-bar');
const appAlert = document.getElementById('app-alert');

// Skip link: focus the main region without touching the hash route.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

// ---- guard: signed-out visitors only see public routes ---------------------

/** A safe in-app path from ?next= ('/catalog?category=pos'), or ''. */
function safeNext(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '';
  const path = value.split('?')[0];
  if (path === SIGNIN_PATH || /[\\\s]/.test(value)) return '';
  return value;
}

function guard({ path, query }) {
  if (path === SIGNIN_PATH) {
    return isSignedIn() ? `#${safeNext(query.get('next')) || DEFAULT_PATH}` : null;
  }
  const route = ROUTES.find((r) => r.path === path);
  if (route && route.public) return null;
  if (isSignedIn()) return null;
  // Remember where the visitor wanted to go (path and query of the hash).
  const wanted = window.location.hash.replace(/^#/, '');
  const next = safeNext(wanted);
  return next && next !== DEFAULT_PATH
    ? `#${SIGNIN_PATH}?${new URLSearchParams({ next })}`
    : `#${SIGNIN_PATH}`;
}

// ---- header and navigation -------------------------------------------------

function renderChrome() {
  const session = getSession();
  shell.classList.toggle('shell--signed-out', !session);
  sidenav.hidden = !session;
  clear(sessionBar);
  sessionBar.hidden = !session;
  if (!session) return;

  const { user, account } = session;
  const signOutButton = h('button', { type: 'button', class: 'btn btn--topbar', dataset: { testid: 'sign-out' } }, 'Sign out');
  signOutButton.addEventListener('click', () => onSignOut(signOutButton));

  sessionBar.append(
    h('p', { class: 'topbar__who' },
      account.name
        ? h('span', { class: 'topbar__account', title: account.name },
          srOnly('Account: '), h('span', { dataset: { testid: 'session-account' } }, account.name))
        : null,
      h('span', { class: 'topbar__user' },
        srOnly('Signed in as '),
        h('span', { class: 'topbar__user-name', title: user.email || user.name, dataset: { testid: 'session-user' } }, user.name),
        user.role ? srOnly(', role: ') : null,
        user.role
          ? h('span', { class: 'role-badge', dataset: { testid: 'session-role' } }, ROLE_LABELS[user.role] || user.role)
          : null,
      ),
    ),
    h('a', { class: 'btn btn--topbar', href: '#/me/password', dataset: { testid: 'change-password' } }, 'Change password'),
    signOutButton,
  );
}

async function onSignOut(button) {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  button.setAttribute('aria-busy', 'true');
  button.textContent = 'Signing out…';
  showAlert('');
  try {
    await signOut(); // on success the session change re-renders header and page
  } catch (err) {
    button.removeAttribute('aria-disabled');
    button.removeAttribute('aria-busy');
    button.textContent = 'Sign out';
    showAlert(`Couldn’t sign out: ${err && err.message ? err.message : 'something went wrong.'}`);
  }
}

function showAlert(message) {
  appAlert.textContent = message;
}
window.addEventListener('hashchange', () => showAlert(''));

// ---- start-up ----------------------------------------------------------------

let router = null;
let loadingTimer = 0;

onSessionChange(({ reason }) => {
  renderChrome();
  if (reason !== 'loaded') showAlert('');
  if (router) router.refresh();
});

function showStartupError(err) {
  clearTimeout(loadingTimer);
  clear(main);
  document.title = `Couldn’t start · ${APP_NAME}`;
  const heading = h('h1', { class: 'panel__title', tabindex: '-1' }, 'Couldn’t start Switchboard admin');
  main.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'startup-error' } },
    heading,
    h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.'),
    h('button', { type: 'button', class: 'btn btn--primary', onclick: start }, 'Retry'),
  ));
  heading.focus();
}

async function start() {
  clear(main);
  // Only show a loading line when /me is slow, to avoid a flash on every load.
  loadingTimer = setTimeout(() => {
    main.append(h('p', { class: 'results-status', role: 'status' }, 'Loading…'));
  }, 300);
  try {
    await loadSession();
  } catch (err) {
    showStartupError(err);
    return;
  }
  clearTimeout(loadingTimer);
  clear(main);
  router = startRouter({
    routes: ROUTES,
    defaultPath: DEFAULT_PATH,
    outlet: main,
    navList: document.getElementById('nav-list'),
    appName: APP_NAME,
    guard,
  });
}

start();
