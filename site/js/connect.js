// The Connect control shared by Available apps (one per card) and the app page:
// the "Connect to" selector ("Account (all locations)" or one location), the
// level rule and the Connect button with its visible reason.
//
// How Connect starts the OAuth flow (decision):
// An authorisation request needs the app's redirect_uri, and the catalog does
// not expose it (only the app's developer sees it). So:
//  - for an app this account registered itself (found in GET
//    /admin/v1/developer/apps), Connect sends the browser to
//    /oauth2/v1/authorize with client_id, response_type=code,
//    scope=<level>[<scopes>], a random state and the first registered
//    redirect URI. The app's backend did not issue that state, so a backend
//    that checks its state will refuse it: this path is for developers trying
//    their own app. The chosen location is remembered (sessionStorage, keyed
//    by the state) so the consent page preselects it.
//  - for any other app, Connect opens the app's website in a new tab, where
//    the merchant starts the connection from the app (as on HubRise, where
//    many apps "require a configuration from the app first"); the app then
//    sends the browser back to Switchboard's consent page. Without a website
//    there is nothing to open and Connect is disabled with the reason.

import { h, srOnly, uid } from './dom.js';
import { apiGet } from './api.js';
import { normalizeDeveloperApp, randomToken, connectTargetKey } from './app-ui.js';
import { formatScope } from './permissions.js';

export const ACCOUNT_TARGET = 'account';
export const ACCOUNT_TARGET_LABEL = 'Account (all locations)';

/** The target from ?target=: a known location id, else the account. */
export function targetFromQuery(value, locations) {
  return (locations || []).some((l) => l.id === value) ? value : ACCOUNT_TARGET;
}

/** The ?target= value to keep in the address ('' for the account). */
export function targetQueryValue(target) {
  return target === ACCOUNT_TARGET ? '' : target;
}

/** The "Connect to" select (label it with a <label for=id>). */
export function renderTargetSelect({ id, locations, value }) {
  const select = h('select', { id, class: 'select', name: 'target', dataset: { testid: 'target-select' } },
    h('option', { value: ACCOUNT_TARGET }, ACCOUNT_TARGET_LABEL),
    (locations || []).map((l) => h('option', { value: l.id }, l.name || l.id)),
  );
  select.value = value;
  return select;
}

function targetLabel(target, locations) {
  if (target === ACCOUNT_TARGET) return ACCOUNT_TARGET_LABEL;
  const loc = (locations || []).find((l) => l.id === target);
  return loc ? loc.name || loc.id : target;
}

/**
 * Why Connect is unavailable for app, or ''.
 * ctx: { manager, target, ownApp } (ownApp: the developer app when this account registered it).
 */
export function connectBlocker(app, { manager, target, ownApp }) {
  if (!manager) return 'Only admins can connect apps.';
  if (app.level === 'account' && target !== ACCOUNT_TARGET) {
    return `${app.name} connects to the whole account: choose “${ACCOUNT_TARGET_LABEL}” in “Connect to”.`;
  }
  if (app.level === 'location' && target === ACCOUNT_TARGET) {
    return `${app.name} connects to one location at a time: choose a location in “Connect to”.`;
  }
  if (app.level !== 'account' && app.level !== 'location') return 'This app has no connection level.';
  if (!(ownApp && ownApp.redirectUris.length) && !app.website) {
    return 'This app has no website to start the connection from. Contact its developer.';
  }
  return '';
}

/**
 * The Connect button and its note, in a slot marked data-connect-slot=<app id>
 * (re-render it when the target or the own apps change).
 * ctx: { manager, target, locations, ownApp }.
 */
export function renderConnect(app, ctx) {
  const { target, locations, ownApp } = ctx;
  const blocker = connectBlocker(app, ctx);
  const direct = Boolean(ownApp && ownApp.redirectUris.length > 0);
  const noteId = uid('connect-note');
  const button = h('button', {
    type: 'button',
    class: 'btn btn--primary btn--connect',
    disabled: Boolean(blocker),
    'aria-describedby': noteId,
    dataset: { testid: 'connect' },
  }, 'Connect', srOnly(` ${app.name}`), !blocker && !direct ? h('span', { class: 'card__link-arrow', 'aria-hidden': 'true' }, '↗') : null);
  let note;
  if (blocker) {
    note = h('p', { class: 'connect-note connect-note--blocked', id: noteId, dataset: { testid: 'connect-reason' } }, blocker);
  } else if (direct) {
    note = h('p', { class: 'connect-note', id: noteId },
      `To: ${targetLabel(target, locations)}. You will review the permissions before anything is shared.`);
  } else {
    let host = '';
    try { host = new URL(app.website).host; } catch { /* checked by normalizeApp */ }
    note = h('p', { class: 'connect-note', id: noteId },
      `Opens ${host || 'the app’s website'} in a new tab: start the connection there, then approve it here.`);
  }
  button.addEventListener('click', () => {
    if (connectBlocker(app, ctx)) return;
    if (direct) {
      const oauthState = randomToken();
      try {
        sessionStorage.setItem(connectTargetKey(oauthState), targetQueryValue(target));
      } catch { /* storage unavailable: the consent page asks again */ }
      const params = new URLSearchParams({
        client_id: app.id,
        redirect_uri: ownApp.redirectUris[0],
        response_type: 'code',
        scope: formatScope(app.level, app.scopes),
        state: oauthState,
      });
      window.location.assign(`/oauth2/v1/authorize?${params}`);
    } else {
      window.open(app.website, '_blank', 'noopener,noreferrer');
    }
  });
  return h('div', { class: 'card__connect', dataset: { connectSlot: app.id } }, button, note);
}

/**
 * The account's own apps (id → developer app): their redirect URIs let Connect
 * start the real flow. Resolves to an empty Map when they cannot be loaded
 * (own apps then connect through their website like any other); rejects only
 * with the AbortError.
 */
export async function loadOwnApps(signal) {
  try {
    const body = await apiGet('/admin/v1/developer/apps', {}, { signal });
    const apps = Array.isArray(body.apps) ? body.apps.filter((a) => a && typeof a === 'object') : [];
    return new Map(apps.map(normalizeDeveloperApp).map((a) => [a.id, a]));
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    return new Map();
  }
}

/** The address of an app's page, keeping the chosen target. */
export function appPageHref(appId, target) {
  const t = targetQueryValue(target);
  return `#/apps/${encodeURIComponent(appId)}${t ? `?${new URLSearchParams({ target: t })}` : ''}`;
}
