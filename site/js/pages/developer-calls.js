// An app's calls, on its developer's page (My apps → Calls): the calls the
// app made in every account that connected it, newest first, with the logs
// page's filters (resource, method, response class) and a "Request id"
// search box, as GET /admin/v1/developer/apps/{appId}/calls serves them.
// Each entry names the merchant by account id and location name only. A
// call is listed once the scheduled roll-up closed its minute; the request
// id finds it at once. Bodies are rendered as text only, and downloaded
// through the API, which checks the app is the caller's. The section's
// Export control is the Logs page's (renderLogExports) over the app's
// exports: the same entries, across accounts, in files.

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet, pageFetcher } from '../api.js';
import { str } from '../app-ui.js';
import { zoneOffset, secondsTime } from '../log-time.js';
import { renderLogExports } from './log-exports.js';

const BASE = '/admin/v1/developer/apps';
const CHOICES = {
  resource: ['orders', 'customers', 'catalog', 'location', 'account'],
  method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  status: ['2xx', '4xx', '5xx'],
};
const LABELS = { resource: 'Resource', method: 'Method', status: 'Response' };
const UNAVAILABLE = {
  not_archived: 'The bodies of this call are unavailable: they could not be archived when the call was made.',
  expired: 'The bodies of this call are unavailable: they are no longer kept.',
};

/**
 * A "Calls" button and the section it opens (built on first opening);
 * signal is the page's: leaving it stops the exports' polling.
 */
export function appCallsSection(app, { timeZone, signal }) {
  const panelId = uid('app-calls');
  const toggle = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'aria-expanded': 'false', 'aria-controls': panelId,
    dataset: { testid: 'app-calls-toggle' } }, 'Calls', srOnly(` of ${app.name}`));
  const panel = h('section', { class: 'dev-calls', id: panelId, hidden: true, 'aria-label': `Calls of ${app.name}`, dataset: { testid: 'app-calls' } });
  let built = false;
  toggle.addEventListener('click', () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open && !built) {
      built = true;
      buildCalls(panel, app, timeZone, signal);
    }
  });
  return h('div', { class: 'dev-app__calls' }, toggle, panel);
}

function buildCalls(panel, app, timeZone, signal) {
  const base = `${BASE}/${encodeURIComponent(app.id)}/calls`;
  const zone = zoneOffset(new Date(), timeZone);
  const controller = new AbortController();
  if (signal) signal.addEventListener('abort', () => controller.abort());
  let cursor = '';
  const selects = Object.fromEntries(Object.entries(CHOICES).map(([name, values]) => {
    const id = uid(`calls-${name}`);
    const select = h('select', { id, name, class: 'input input--small', dataset: { testid: `app-calls-${name}` } },
      h('option', { value: '' }, 'All'), ...values.map((v) => h('option', { value: v }, v)));
    return [name, { select, el: h('div', { class: 'dev-calls__filter' }, h('label', { for: id }, LABELS[name]), select) }];
  }));
  const findId = uid('calls-find');
  const findInput = h('input', { id: findId, type: 'search', class: 'input input--small', autocomplete: 'off', spellcheck: 'false', maxlength: '200',
    placeholder: 'X-Request-Id of a call', dataset: { testid: 'app-calls-find-input' } });
  const findForm = h('form', { class: 'dev-calls__find', role: 'search', 'aria-label': 'Find a call by request id' },
    h('label', { for: findId }, 'Request id'), findInput,
    h('button', { type: 'submit', class: 'btn btn--secondary btn--small', dataset: { testid: 'app-calls-find-submit' } }, 'Find'));
  const filterForm = h('form', { class: 'dev-calls__filters', 'aria-label': 'Filter the calls' },
    ...Object.values(selects).map((s) => s.el),
    h('button', { type: 'submit', class: 'btn btn--secondary btn--small', dataset: { testid: 'app-calls-apply' } }, 'Apply'));
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite', dataset: { testid: 'app-calls-status' } });
  const rows = h('tbody', {});
  const table = h('div', { class: 'table-wrap', hidden: true },
    h('table', { class: 'table log-table', dataset: { testid: 'app-calls-table' } },
      h('caption', { class: 'visually-hidden' }, `Calls of ${app.name}, newest first, times in ${zone}`),
      h('thead', {}, h('tr', {}, [`Time (${zone})`, 'Account', 'Location', 'Method', 'URL', 'Response', 'Request id']
        .map((t) => h('th', { scope: 'col' }, t)))),
      rows));
  const more = h('button', { type: 'button', class: 'btn btn--secondary btn--small', hidden: true, dataset: { testid: 'app-calls-more' } }, 'Load more');
  const detail = h('div', { class: 'dev-calls__detail', tabindex: '-1', hidden: true, 'aria-label': 'Call details', dataset: { testid: 'app-call-detail' } });
  panel.append(
    h('p', { class: 'muted' }, 'The calls your app made in every account that connected it. A call is listed a few minutes after it was made; its request id finds it at once.'),
    renderLogExports(`${BASE}/${encodeURIComponent(app.id)}/exports`, { signal: controller.signal, timeZone, heading: 'h4' }),
    findForm, filterForm, status, table, more, detail);
  const fetchPage = pageFetcher(controller.signal, more);

  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    reload();
  });
  findForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = findInput.value.trim();
    if (id) showDetail(id);
  });
  more.addEventListener('click', () => loadPage());

  function reload() {
    cursor = '';
    clear(rows);
    table.hidden = true;
    loadPage();
  }

  async function loadPage() {
    status.textContent = 'Loading calls…';
    const params = { limit: 50 };
    for (const [name, s] of Object.entries(selects)) if (s.select.value) params[name] = s.select.value;
    if (cursor) params.cursor = cursor;
    const page = await fetchPage(base, params, (err) => {
      status.textContent = err && err.message ? err.message : 'Couldn’t load the calls.';
    });
    if (!page) return;
    const calls = Array.isArray(page.calls) ? page.calls : [];
    for (const c of calls) rows.append(renderRow(c));
    cursor = typeof page.nextCursor === 'string' ? page.nextCursor : '';
    more.hidden = !cursor;
    table.hidden = rows.children.length === 0;
    status.textContent = rows.children.length === 0
      ? (cursor ? 'No matching call in this stretch: load more to read older calls.' : 'No calls yet.')
      : `${rows.children.length} call${rows.children.length === 1 ? '' : 's'} shown`;
  }

  function renderRow(c) {
    const requestId = str(c.requestId);
    const open = h('button', { type: 'button', class: 'link-button', dataset: { testid: 'app-call-open' } }, h('code', {}, requestId));
    open.addEventListener('click', () => showDetail(requestId));
    return h('tr', { dataset: { testid: 'app-call-row', requestId } },
      h('td', {}, secondsTime(str(c.at), timeZone, zone) || '—'),
      h('td', {}, h('code', {}, str(c.accountId))),
      h('td', {}, str(c.locationName) || '—'),
      h('td', {}, str(c.method)),
      h('td', { class: 'log-url' }, str(c.path)),
      h('td', {}, String(Number(c.status) || '—')),
      h('td', {}, open));
  }

  async function showDetail(requestId) {
    clear(detail);
    detail.hidden = false;
    detail.append(h('p', { class: 'results-status', role: 'status' }, 'Loading call…'));
    let entry;
    try {
      entry = await apiGet(`${base}/${encodeURIComponent(requestId)}`, {}, { signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted) return;
      clear(detail);
      detail.append(h('p', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'app-call-error' } }, err && err.status === 404
        ? 'No call of this app has this request id (entries are kept for the retention period).'
        : (err && err.message ? err.message : 'Something went wrong.')));
      return;
    }
    const call = entry.call && typeof entry.call === 'object' ? entry.call : {};
    clear(detail);
    detail.append(
      h('h3', { class: 'log-detail__title' }, h('code', {}, str(call.method)), ' ', h('span', { class: 'log-detail__path' }, str(call.path))),
      h('dl', { class: 'log-facts' },
        fact('Request id', h('code', { dataset: { testid: 'app-call-request-id' } }, str(call.requestId))),
        fact('Account', h('code', { dataset: { testid: 'app-call-account' } }, str(call.accountId))),
        fact('Location', str(call.locationName) || '—'),
        fact('Time', secondsTime(str(call.at), timeZone, zone, true) || '—'),
        fact('Status', String(Number(call.status) || '—')),
        fact('Duration', `${Number(call.latencyMs) || 0} ms`)));
    if (entry.bodiesUnavailable && !entry.request && !entry.response) {
      detail.append(h('p', { class: 'log-unavailable' }, UNAVAILABLE[entry.bodiesUnavailable] || 'The bodies of this call are unavailable.'));
    } else {
      for (const kind of ['request', 'response']) {
        const b = entry[kind] && typeof entry[kind] === 'object' ? entry[kind] : null;
        const text = b ? str(b.body) : '';
        const pre = h('pre', { class: 'log-pre', tabindex: '0', dataset: { testid: `app-call-${kind}-body` } });
        pre.textContent = text; // text only: bodies may hold markup
        detail.append(h('h4', {}, kind === 'request' ? 'Request' : 'Response',
          text ? h('a', { class: 'btn btn--secondary btn--small', href: `${base}/${encodeURIComponent(requestId)}/${kind}`,
            download: '', dataset: { testid: `app-call-download-${kind}` } }, `Download ${kind}`, srOnly(' as a file')) : null),
        text ? pre : h('p', { class: 'muted' }, b ? 'Empty body' : `The ${kind} body is no longer available.`));
      }
    }
    detail.focus();
  }

  reload();
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}
