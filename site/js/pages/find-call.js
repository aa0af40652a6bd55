// The logs page's "Request id" search box: every answer of the platform API
// carries X-Request-Id, and a merchant (or the app's developer, on its side)
// quotes it. GET /admin/v1/calls/{requestId} finds the call in the account
// whatever the connection, in one key read; the entry opens on this page
// when the call is this connection's, else on its own connection's logs
// page (current or disconnected), which opens it from ?requestId=.

import { h, uid } from '../dom.js';
import { apiGet } from '../api.js';

/** The search form; onOpen(requestId) opens a call of this connection. */
export function requestIdSearch({ connectionId, onOpen, signal }) {
  const inputId = uid('find-call');
  const input = h('input', {
    id: inputId, type: 'search', class: 'input input--small', name: 'requestId', autocomplete: 'off', spellcheck: 'false', maxlength: '200',
    placeholder: 'X-Request-Id', dataset: { testid: 'log-find-input' },
  });
  const submit = h('button', { type: 'submit', class: 'btn btn--secondary btn--small', dataset: { testid: 'log-find-submit' } }, 'Find');
  const message = h('p', { class: 'log-find__message', role: 'status', 'aria-live': 'polite', dataset: { testid: 'log-find-message' } });
  const form = h('form', { class: 'log-find', role: 'search', 'aria-label': 'Find a call by request id', dataset: { testid: 'log-find' } },
    h('label', { for: inputId, class: 'log-filter__label' }, 'Request id'), input, submit, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const requestId = input.value.trim();
    message.textContent = '';
    if (!requestId) {
      message.textContent = 'Enter a request id: the X-Request-Id header of an answer.';
      input.focus();
      return;
    }
    submit.setAttribute('aria-busy', 'true');
    try {
      const found = await apiGet(`/admin/v1/calls/${encodeURIComponent(requestId)}`, {}, { signal });
      const conn = found && found.connection && typeof found.connection.connectionId === 'string' ? found.connection.connectionId : '';
      if (conn === connectionId) {
        onOpen(requestId);
      } else if (conn) {
        const where = found.connection.disconnected ? ' (disconnected)' : '';
        message.textContent = `Opening the call in the logs of ${found.connection.appName || 'its connection'}${where}…`;
        window.location.hash = `#/connections/${encodeURIComponent(conn)}/logs?requestId=${encodeURIComponent(requestId)}`;
      }
    } catch (err) {
      if (signal && signal.aborted) return;
      message.textContent = err && err.status === 404
        ? 'No call of your account has this request id (entries are kept for the retention period).'
        : (err && err.message ? err.message : 'Something went wrong.');
    } finally {
      submit.removeAttribute('aria-busy');
    }
  });
  return form;
}
