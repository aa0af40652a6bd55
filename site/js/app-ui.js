// Shared pieces of the app pages: icons, level badges, status badges, dates,
// the one-time secret box and small response helpers.

import { h, srOnly, uid, safeHttpUrl } from './dom.js';
import { LEVELS } from './catalog-meta.js';
import { normalizeEndpoint } from './endpoint-health.js';

const AVATAR_TONES = 6;

export function str(value) {
  return typeof value === 'string' ? value : '';
}

export function strList(value) {
  return Array.isArray(value) ? value.filter((s) => typeof s === 'string' && s) : [];
}

// ---- icons ------------------------------------------------------------------

export function avatarFor(name) {
  const text = String(name || '?');
  const letter = (Array.from(text.trim())[0] || '?').toLocaleUpperCase();
  let hash = 0;
  for (const ch of text) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return h('span', { class: `app-icon app-icon--letter tone-${hash % AVATAR_TONES}`, 'aria-hidden': 'true' }, letter);
}

/** The app's icon (an already-sanitised URL) or a letter avatar when absent or broken. */
export function renderIcon(app, { size = 48 } = {}) {
  if (!app.iconUrl) return avatarFor(app.name);
  const img = h('img', {
    class: 'app-icon',
    src: app.iconUrl,
    alt: '',
    width: String(size),
    height: String(size),
    loading: 'lazy',
    decoding: 'async',
    referrerpolicy: 'no-referrer',
  });
  img.addEventListener('error', () => img.replaceWith(avatarFor(app.name)), { once: true });
  return img;
}

// ---- badges -----------------------------------------------------------------

export function renderLevelBadge(level) {
  const info = LEVELS[level];
  if (!info) {
    return level ? h('span', { class: 'badge badge--neutral', dataset: { testid: 'app-level' } }, level) : null;
  }
  const tipId = uid('level-tip');
  const tooltip = h('span', { class: 'tooltip', role: 'tooltip', id: tipId }, info.explanation);
  const badge = h('span', {
    class: `badge badge--${level} has-tooltip`,
    tabindex: '0',
    'aria-describedby': tipId,
    dataset: { testid: 'app-level' },
  }, srOnly('Connects at '), info.label, srOnly(' level'), tooltip);
  // WCAG 1.4.13: the tooltip can be dismissed with Escape without moving focus.
  badge.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') badge.classList.add('tooltip-dismissed');
  });
  const reset = () => badge.classList.remove('tooltip-dismissed');
  badge.addEventListener('blur', reset);
  badge.addEventListener('mouseleave', reset);
  return badge;
}

// revoked: the app's token was revoked without the merchant; the app cannot
// call until it is authorised again.
const STATUS_LABELS = { active: 'Active', blocked: 'Blocked', revoked: 'Needs re-authorisation' };

export function renderStatusBadge(status) {
  return h('span', { class: `badge badge--status-${STATUS_LABELS[status] ? status : 'unknown'}`, dataset: { testid: 'connection-status' } },
    STATUS_LABELS[status] || status || 'Unknown');
}

// ---- dates --------------------------------------------------------------------

/** Formats an ISO date in the account's time zone (falls back to the browser's). */
export function formatDate(iso, timeZone) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1971) return '';
  const options = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone: timeZone || undefined }).format(date);
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(date);
  }
}

export function timeElement(iso, timeZone) {
  const text = formatDate(iso, timeZone);
  return text ? h('time', { datetime: iso }, text) : null;
}

// ---- one-time secret ----------------------------------------------------------

/**
 * A highlighted box showing a client secret once, with a copy button.
 * `title` names the moment ('App registered', 'New secret').
 */
export function renderSecretBox({ title, clientId, secret, note, testId = 'client-secret', boxTestId = 'secret-box' }) {
  const titleId = uid('secret-title');
  const secretId = uid('secret-value');
  const copyStatus = h('span', { class: 'secret-box__copied', role: 'status', 'aria-live': 'polite' });
  const value = h('code', { class: 'secret-box__value', id: secretId, dataset: { testid: testId } }, secret);
  const copy = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'aria-describedby': secretId }, 'Copy secret');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copyStatus.textContent = 'Copied.';
    } catch {
      // Clipboard refused (permissions, insecure origin): select the text instead.
      const range = document.createRange();
      range.selectNodeContents(value);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      copyStatus.textContent = 'Copying is blocked here: the secret is selected, press Ctrl+C (⌘C) to copy it.';
    }
  });
  return h('section', { class: 'secret-box', 'aria-labelledby': titleId, dataset: { testid: boxTestId } },
    h('h2', { class: 'secret-box__title', id: titleId, tabindex: '-1' }, title),
    note ? h('p', { class: 'secret-box__note' }, note) : null,
    h('dl', { class: 'secret-box__list' },
      clientId ? [
        h('dt', {}, 'Client ID'),
        h('dd', {}, h('code', { class: 'mono', dataset: { testid: 'client-id' } }, clientId)),
      ] : null,
      h('dt', {}, 'Client secret'),
      h('dd', { class: 'secret-box__secret' }, value, copy, copyStatus),
    ),
    h('p', { class: 'secret-box__warning' },
      h('strong', {}, 'Copy the secret now: it will not be shown again. '),
      'Store it on your server only; if it is lost or leaked, rotate it.'),
  );
}

// ---- misc ---------------------------------------------------------------------

export function canManage(session) {
  const role = session && session.user ? session.user.role : '';
  return role === 'super_admin' || role === 'admin';
}

/** Random URL-safe string (for OAuth state). */
export function randomToken(bytes = 24) {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return btoa(String.fromCharCode(...buf)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Key under which Available apps remembers the target chosen for an OAuth state. */
export function connectTargetKey(state) {
  return `switchboard:connect-target:${state}`;
}

/** A catalog or developer app from the API, with URLs checked before use in links and images. */
export function normalizeApp(app) {
  return {
    id: str(app.id),
    name: str(app.name) || str(app.id) || 'Untitled app',
    description: str(app.description),
    category: str(app.category),
    level: str(app.level),
    scopes: strList(app.scopes),
    iconUrl: safeHttpUrl(app.iconUrl, { allowRelative: true }),
    developer: str(app.developer),
    website: safeHttpUrl(app.website),
    openUrl: safeHttpUrl(app.openUrl),
    multipleInstances: app.multipleInstances === true,
    // Its callback endpoint's health (developer answers) or state (the
    // catalog's); null when the answer has none, as after a change.
    callbackEndpoint: normalizeEndpoint(app.callbackEndpoint),
  };
}

/** A developer app (GET /admin/v1/developer/apps): the catalog fields plus the developer settings. */
export function normalizeDeveloperApp(app) {
  return {
    ...normalizeApp(app),
    rawIconUrl: str(app.iconUrl),
    rawWebsite: str(app.website),
    rawOpenUrl: str(app.openUrl),
    clientId: str(app.clientId) || str(app.id),
    redirectUris: strList(app.redirectUris),
    callbackUrl: str(app.callbackUrl),
    publicClient: app.publicClient === true,
    published: app.published === true,
    // '' (private), 'pending', 'approved' (listed) or 'rejected'
    listingStatus: ['pending', 'approved', 'rejected'].includes(app.listingStatus) ? app.listingStatus : '',
    listingReason: str(app.listingReason),
    secretRotatedAt: str(app.secretRotatedAt),
    updatedAt: str(app.updatedAt),
    createdAt: str(app.createdAt),
  };
}
