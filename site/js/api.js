// Same-origin JSON client for the admin API.

export class ApiError extends Error {
  constructor(message, { status = 0, code = '' } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * GET a JSON resource. `params` entries that are undefined, null or '' are omitted.
 * Resolves to the parsed body; rejects with ApiError (or the AbortError when aborted).
 * Error bodies look like {"error":{"code":"invalid","message":"..."}}.
 */
export async function apiGet(path, params = {}, { signal } = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  const url = qs ? `${path}?${qs}` : path;

  let response;
  let text;
  try {
    response = await fetch(url, {
      method: 'GET',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      signal,
    });
    text = await response.text();
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError('Could not reach the server. Check your connection and try again.', { code: 'network' });
  }

  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }

  if (!response.ok) {
    const error = body && typeof body === 'object' ? body.error : null;
    const message = error && typeof error.message === 'string' && error.message.trim()
      ? error.message
      : `The server returned an error (HTTP ${response.status}).`;
    const code = error && typeof error.code === 'string' ? error.code : '';
    throw new ApiError(message, { status: response.status, code });
  }

  if (body === null || typeof body !== 'object') {
    throw new ApiError('The server returned an unexpected response.', { status: response.status, code: 'bad_response' });
  }
  return body;
}
