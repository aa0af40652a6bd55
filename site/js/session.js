// Session state: who is signed in, for which account, and the CSRF token that
// every state-changing request must carry. Loaded from GET /admin/v1/me at
// start-up; changed by signIn(), signOut() and by any 401 from the API.
//
// Listeners registered with onSessionChange(fn) are called with
// { signedIn, reason } where reason is 'loaded' | 'signed-in' | 'signed-out' | 'expired'.

import { apiRequest, configureApi, ApiError } from './api.js';

const ME = '/admin/v1/me';
const SESSION = '/admin/v1/session';

let current = null; // { user, account, locations, csrfToken } while signed in
let endReason = ''; // why the last session ended: 'signed-out' | 'expired' | ''
const listeners = new Set();

configureApi({
  csrfToken: () => (current ? current.csrfToken : ''),
  onUnauthorized: () => {
    if (current) end('expired');
  },
});

function str(value) {
  return typeof value === 'string' ? value : '';
}

/** Validates and copies a /me (or sign-in) body. Throws ApiError when it is malformed. */
function parseSession(body) {
  const user = body && typeof body === 'object' ? body.user : null;
  const account = body && typeof body === 'object' ? body.account : null;
  if (!user || typeof user !== 'object' || !account || typeof account !== 'object' || !str(body.csrfToken)) {
    throw new ApiError('The server returned an unexpected response.', { code: 'bad_response' });
  }
  return Object.freeze({
    user: Object.freeze({
      id: str(user.id),
      accountId: str(user.accountId),
      email: str(user.email),
      name: str(user.name) || str(user.email),
      role: str(user.role),
      active: user.active !== false,
    }),
    account: Object.freeze({ id: str(account.id), name: str(account.name), timeZone: str(account.timeZone) }),
    locations: Object.freeze((Array.isArray(body.locations) ? body.locations : [])
      .filter((loc) => loc && typeof loc === 'object')
      .map((loc) => Object.freeze({ id: str(loc.id), accountId: str(loc.accountId), name: str(loc.name) }))),
    csrfToken: body.csrfToken,
  });
}

function emit(reason) {
  const detail = { signedIn: Boolean(current), reason };
  for (const fn of [...listeners]) fn(detail);
}

function start(session, reason) {
  current = session;
  endReason = '';
  emit(reason);
}

function end(reason) {
  current = null;
  endReason = reason;
  emit(reason);
}

/** Subscribes to session changes; returns an unsubscribe function. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The current session ({ user, account, locations, csrfToken }) or null. */
export function getSession() {
  return current;
}

export function isSignedIn() {
  return current !== null;
}

/** Returns and forgets why the last session ended ('signed-out', 'expired' or ''). */
export function takeEndReason() {
  const reason = endReason;
  endReason = '';
  return reason;
}

/**
 * Loads the session from GET /admin/v1/me. Resolves to true when signed in,
 * false on 401. Rejects with ApiError for anything else (network, 5xx…).
 */
export async function loadSession() {
  try {
    const body = await apiRequest('GET', ME, { notifyUnauthorized: false });
    start(parseSession(body), 'loaded');
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      if (current) end('expired');
      else emit('loaded');
      return false;
    }
    throw err;
  }
}

/**
 * POST /admin/v1/session. Resolves when signed in; rejects with ApiError
 * (401 wrong credentials, 429 rate limited, 400 invalid input…) whose message
 * comes from the API and can be shown as is (as text).
 */
export async function signIn(email, password) {
  const body = await apiRequest('POST', SESSION, { body: { email, password }, notifyUnauthorized: false });
  start(parseSession(body), 'signed-in');
}

/**
 * Starts the session a route other than sign-in answered with (a verified
 * sign-up, a password reset): the body is the same as sign-in's. Throws
 * ApiError when it is malformed.
 */
export function adoptSession(body) {
  start(parseSession(body), 'signed-in');
}

/**
 * DELETE /admin/v1/session with the CSRF token. A 401 means the session had
 * already ended: that counts as signed out. On a 403 (stale token, e.g. the
 * session was renewed in another tab) the token is reloaded once and the
 * request retried. Other failures reject and keep the session.
 */
export async function signOut() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await apiRequest('DELETE', SESSION, { notifyUnauthorized: false });
      break;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 401) break;
      if (err.status !== 403 || attempt > 0) throw err;
      if (!(await refreshToken())) break; // the session is already gone
    }
  }
  end('signed-out');
}

/**
 * Reloads /me quietly, for pages that changed what it holds (locations):
 * other pages read the new values when they next render. Resolves false
 * when the session is gone.
 */
export function reloadSession() {
  return refreshToken();
}

/** Reloads /me quietly (no change event). False when the session is gone. */
async function refreshToken() {
  try {
    current = parseSession(await apiRequest('GET', ME, { notifyUnauthorized: false }));
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return false;
    throw err;
  }
}
