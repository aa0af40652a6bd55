// Same-origin JSON client for the admin API. Every call goes through
// apiRequest(): it sends the session cookie (credentials: 'same-origin'), adds
// the X-CSRF-Token header on state-changing methods, and reports a 401 (the
// session ended) to the app through the onUnauthorized hook.
//
// This module imports nothing: the session module (./session.js) plugs in the
// CSRF token source and the 401 handler with configureApi() when it loads.

export class ApiError extends Error {
  constructor(message, { status = 0, code = '' } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const hooks = {
  /** @returns {string} the current CSRF token, or '' when signed out */
  csrfToken: () => '',
  /** Called on a 401 from any request that did not opt out. */
  onUnauthorized: () => {},
};

/** Plugs in the session: `{ csrfToken: () => string, onUnauthorized: (error) => void }`. */
export function configureApi({ csrfToken, onUnauthorized } = {}) {
  if (typeof csrfToken === 'function') hooks.csrfToken = csrfToken;
  if (typeof onUnauthorized === 'function') hooks.onUnauthorized = onUnauthorized;
}

function buildUrl(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * The one request helper.
 *   apiRequest('POST', '/admin/v1/session', { body: { email, password } })
 * Options:
 *   params  query parameters; entries that are undefined, null or '' are omitted
 *   body    JSON-serialised when present
 *   signal  AbortSignal
 *   notifyUnauthorized  (default true) call the onUnauthorized hook on a 401.
 *           Set it to false where a 401 is an expected answer (start-up /me,
 *           sign-in with wrong credentials, sign-out of an ended session).
 * Resolves to the parsed JSON body (null for an empty 2xx body, e.g. 204).
 * Rejects with ApiError (or the AbortError when aborted). Error bodies look
 * like {"error":{"code":"invalid","message":"..."}}.
 */
export async function apiRequest(method, path, { params, body, signal, notifyUnauthorized = true } = {}) {
  const verb = String(method || 'GET').toUpperCase();
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE_METHODS.has(verb)) {
    const token = hooks.csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }

  let response;
  let text;
  try {
    response = await fetch(buildUrl(path, params), {
      method: verb,
      credentials: 'same-origin',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    text = await response.text();
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError('Could not reach the server. Check your connection and try again.', { code: 'network' });
  }

  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined; // not JSON
    }
  }

  if (!response.ok) {
    const error = data && typeof data === 'object' ? data.error : null;
    const message = error && typeof error.message === 'string' && error.message.trim()
      ? error.message
      : `The server returned an error (HTTP ${response.status}).`;
    const code = error && typeof error.code === 'string' ? error.code : '';
    const apiError = new ApiError(message, { status: response.status, code });
    if (response.status === 401 && notifyUnauthorized) hooks.onUnauthorized(apiError);
    throw apiError;
  }

  if (data === undefined || (data !== null && typeof data !== 'object')) {
    throw new ApiError('The server returned an unexpected response.', { status: response.status, code: 'bad_response' });
  }
  return data;
}

/**
 * GET a JSON object. Resolves to the parsed body; rejects with ApiError when the
 * body is missing or not an object.
 */
export async function apiGet(path, params = {}, { signal } = {}) {
  const data = await apiRequest('GET', path, { params, signal });
  if (data === null || typeof data !== 'object') {
    throw new ApiError('The server returned an unexpected response.', { code: 'bad_response' });
  }
  return data;
}

/**
 * Returns fetchPage(path, params, onError) for a listing with a "Load more"
 * button: each call aborts the previous one, marks more busy while it runs,
 * and resolves to the page, or to null when it was aborted or failed (after
 * calling onError with the error). parentSignal aborts the one in flight.
 */
export function pageFetcher(parentSignal, more) {
  let current = null;
  parentSignal.addEventListener('abort', () => current && current.abort());
  return async (path, params, onError) => {
    if (current) current.abort();
    current = new AbortController();
    const { signal } = current;
    more.setAttribute('aria-busy', 'true');
    more.disabled = true;
    try {
      const page = await apiGet(path, params, { signal });
      return signal.aborted ? null : page;
    } catch (err) {
      if (!signal.aborted) onError(err);
      return null;
    } finally {
      more.removeAttribute('aria-busy');
      more.disabled = false;
    }
  };
}
