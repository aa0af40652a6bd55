// Logs (#/connections/:id/logs?resource=&method=&status=, each a comma list):
// the calls an app made with one connection's token, newest first, as
// HubRise's logs page shows them: TIME (with seconds, the account's zone
// written "UTC+01:00" in the heading), RESOURCE, METHOD, URL, RESPONSE,
// plus the duration. "Edit" opens the filter (resources, methods, status
// classes, several of each), "Reset" clears it; the filter lives in the
// address, so it survives a reload. A page at a time ("Load
// more" follows the API's cursor; filtered pages that come back empty with
// a cursor are followed, see loadPage). A detail panel shows one call's archived
// request and response; bodies are always rendered as text (textContent in a
// <pre>), never parsed as HTML; it opens beside the list on wide screens
// and over it on narrow ones, so the list keeps its width. Downloads go
// through the API, which checks the account and answers the body itself.

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet, pageFetcher } from '../api.js';
import { getSession } from '../session.js';
import { str, timeElement } from '../app-ui.js';
import { zoneOffset, secondsTime } from '../log-time.js';
import { requestIdSearch } from './find-call.js';
import { renderLogExports } from './log-exports.js';

const PAGE_SIZE = 50;
// Empty pages with a cursor followed in a row before asking (see loadPage).
const AUTO_READS = 10;
const RESOURCES = ['orders', 'customers', 'catalog', 'location', 'account'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const STATUSES = [
  { value: '2xx', label: 'Success (2xx)' },
  { value: '4xx', label: 'Client errors (4xx)' },
  { value: '5xx', label: 'Server errors (5xx)' },
];
const UNAVAILABLE = {
  not_archived: 'The bodies of this call are unavailable: they could not be archived when the call was made.',
  expired: 'The bodies of this call are unavailable: they are no longer kept.',
};

export function renderLogs(outlet, { params, query, signal, setQuery }) {
  const connectionId = params.id || '';
  const base = `/admin/v1/connections/${encodeURIComponent(connectionId)}/logs`;
  const session = getSession();
  const timeZone = session ? session.account.timeZone : '';
  const locations = session ? session.locations : [];
  // Each filter is a list; a value the page does not offer is dropped.
  const fromQuery = (name, allowed) => (query.get(name) || '').split(',').filter((v, i, all) => allowed.includes(v) && all.indexOf(v) === i);
  const filters = {
    resource: fromQuery('resource', RESOURCES),
    method: fromQuery('method', METHODS),
    status: fromQuery('status', STATUSES.map((st) => st.value)),
  };
  const asQuery = () => Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, v.join(',')]));
  let cursor = '';
  let shown = 0;
  let selectedRow = null;

  const title = h('h1', { class: 'page-title' }, 'Logs');
  const header = h('dl', { class: 'log-header', dataset: { testid: 'log-header' } });
  const zone = zoneOffset(new Date(), timeZone);
  const groups = [
    checkGroup('resource', 'Resources', RESOURCES.map((r) => [r, r])),
    checkGroup('method', 'Methods', METHODS.map((m) => [m, m])),
    checkGroup('status', 'Responses', STATUSES.map((st) => [st.value, st.label])),
  ];
  const filterPanelId = uid('log-filter');
  const edit = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'aria-expanded': 'false', 'aria-controls': filterPanelId,
    dataset: { testid: 'log-filter-edit' } }, 'Edit', srOnly(' the filter'));
  const reset = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'log-filter-reset' } }, 'Reset', srOnly(' the filter'));
  const summary = h('span', { class: 'log-filter__summary', dataset: { testid: 'log-filter-summary' } });
  const filterPanel = h('div', { class: 'log-filter__panel', id: filterPanelId, hidden: true, dataset: { testid: 'log-filter-panel' } },
    ...groups.map((g) => g.fieldset),
    h('div', { class: 'log-filter__done' }, h('button', { type: 'button', class: 'btn btn--primary btn--small', onclick: () => closeFilter(true) }, 'Done')));
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const rows = h('tbody', {});
  const table = h('div', { class: 'table-wrap' },
    h('table', { class: 'table log-table', dataset: { testid: 'log-table' } },
      h('caption', { class: 'visually-hidden' }, `Calls, newest first, times in ${zone}`),
      h('thead', {}, h('tr', {}, [`Time (${zone})`, 'Resource', 'Method', 'URL', 'Response', 'Duration', '']
        .map((t, i) => h('th', { scope: 'col', dataset: i === 0 ? { testid: 'log-time-heading' } : {} }, t)))),
      rows));
  const more = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'log-more' } }, 'Load more');
  const moreWrap = h('p', { class: 'log-more', hidden: true }, more);
  const empty = h('div', {});
  const body = h('div', { class: 'log-list' }, empty, table, moreWrap);
  const detail = h('section', { class: 'log-detail', 'aria-label': 'Call details', tabindex: '-1', hidden: true, dataset: { testid: 'log-detail' } });

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());
  outlet.append(
    h('div', { class: 'page-header' },
      h('p', { class: 'log-back' }, h('a', { href: '#/connections' }, '← Connections')),
      title,
      header),
    renderLogExports(`${base.replace(/\/logs$/, '')}/exports`, { signal, timeZone }),
    h('div', { class: 'toolbar log-filter' },
      h('div', { class: 'log-filter__bar' }, h('span', { class: 'log-filter__label' }, 'Filter'), summary, edit, reset),
      filterPanel,
      requestIdSearch({ connectionId, onOpen: (id) => showDetail(id), signal: controller.signal }),
      status),
    h('div', { class: 'log-layout' }, body, detail),
  );

  const fetchPage = pageFetcher(controller.signal, more);

  for (const g of groups) {
    g.fieldset.addEventListener('change', () => {
      filters[g.name] = g.values();
      applyFilter();
    });
  }
  edit.addEventListener('click', () => (filterPanel.hidden ? openFilter() : closeFilter(true)));
  filterPanel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      closeFilter(true);
    }
  });
  reset.addEventListener('click', () => {
    for (const g of groups) filters[g.name] = [];
    applyFilter();
  });
  function openFilter() {
    filterPanel.hidden = false;
    edit.setAttribute('aria-expanded', 'true');
    const first = filterPanel.querySelector('input');
    if (first) first.focus();
  }
  function closeFilter(refocus) {
    filterPanel.hidden = true;
    edit.setAttribute('aria-expanded', 'false');
    if (refocus) edit.focus();
  }
  function applyFilter() {
    for (const g of groups) g.set(filters[g.name]);
    showSummary();
    setQuery(asQuery());
    reload();
  }
  more.addEventListener('click', () => loadPage());

  function reload() {
    cursor = '';
    shown = 0;
    selectedRow = null;
    clear(rows);
    clear(empty);
    table.hidden = true;
    moreWrap.hidden = true;
    closeDetail();
    loadPage();
  }

  // Escape closes the detail panel, which is over the list on a phone.
  detail.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !detail.hidden) {
      event.preventDefault();
      const close = detail.querySelector('[data-testid="log-detail-close"]');
      if (close) close.click();
    }
  });

  // With several filters the API reads one filtered listing and filters its
  // page on the others, so a page may come back empty with a cursor: older
  // calls may still match. Such pages are followed up to AUTO_READS times in
  // a row; after that the list offers "Load more" (it never claims that
  // nothing matches while a cursor remains).
  async function loadPage() {
    for (let reads = 0; ; reads += 1) {
      status.textContent = shown ? 'Loading more calls…' : 'Loading calls…';
      const page = await fetchPage(base, { ...asQuery(), limit: PAGE_SIZE, cursor }, showError);
      if (!page) return;
      if (page.connection && typeof page.connection === 'object') renderHeader(page.connection);
      const calls = Array.isArray(page.calls) ? page.calls.filter((c) => c && typeof c === 'object') : [];
      for (const c of calls) rows.append(renderRow(c));
      shown += calls.length;
      const next = str(page.nextCursor);
      const stuck = next && next === cursor; // a cursor that does not move would loop
      cursor = stuck ? '' : next;
      if (calls.length > 0 || !cursor || reads + 1 >= AUTO_READS) break;
    }
    clear(empty);
    table.hidden = shown === 0;
    moreWrap.hidden = !cursor;
    const filtered = groups.some((g) => filters[g.name].length > 0);
    if (shown === 0 && cursor) {
      status.textContent = 'No match yet, older calls remain';
      empty.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'logs-searching' } },
        h('h2', { class: 'panel__title' }, 'No match among the most recent calls'),
        h('p', { class: 'panel__text' }, 'Older calls have not been searched yet: load more to keep looking.')));
      return;
    }
    if (shown === 0) {
      status.textContent = '';
      empty.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'logs-empty' } },
        h('h2', { class: 'panel__title' }, filtered ? 'No call matches these filters' : 'No calls yet'),
        h('p', { class: 'panel__text' }, filtered
          ? 'Change the filters to see more calls.'
          : 'Calls this app makes with its token will appear here.')));
      return;
    }
    status.textContent = `${shown} ${shown === 1 ? 'call' : 'calls'}${cursor ? ' shown, more available' : ''}`;
  }

  function renderHeader(c) {
    const appName = str(c.appName) || str(c.appId);
    title.textContent = appName ? `Logs · ${appName}` : 'Logs';
    document.title = `${title.textContent} · Switchboard`;
    const locationId = str(c.locationId);
    const location = locations.find((l) => l.id === locationId);
    clear(header);
    const item = (label, value, testid) => [h('dt', {}, label), h('dd', { dataset: { testid } }, value)];
    // Ids the token reaches; none when its scope does not grant the resource.
    const ids = (list, none) => {
      const values = Array.isArray(list) ? list.map(str).filter(Boolean) : [];
      if (values.length === 0) return h('span', { class: 'muted' }, none);
      return values.flatMap((id, i) => (i === 0 ? [h('code', {}, id)] : [', ', h('code', {}, id)]));
    };
    header.append(
      ...item('Token', [h('code', {}, str(c.token) || 'sbt_••••'),
        h('span', { class: 'muted log-note' }, ' Only the last four characters are kept.')], 'log-token'),
      ...item('Scope', h('code', {}, str(c.scope)), 'log-scope'),
      ...item('Location', locationId ? (location && location.name ? `${location.name} (${locationId})` : locationId) : 'All locations (account)', 'log-location'),
      ...item('Catalogs', ids(c.catalogIds, 'None (not in the scope)'), 'log-catalogs'),
      ...item('Customer lists', ids(c.customerListIds, 'None (not in the scope)'), 'log-customer-lists'),
      ...item('Connection', h('code', {}, str(c.connectionId) || connectionId), 'log-connection'),
      // A disconnected connection's log stays readable until it expires;
      // the header says so, since the connection no longer calls.
      ...(str(c.disconnectedAt) ? item('Status', [h('strong', {}, 'Disconnected'), ' ', timeElement(str(c.disconnectedAt), timeZone) || '',
        h('span', { class: 'muted log-note' }, ' The log is read-only and kept until it expires.')], 'log-disconnected') : []),
    );
  }

  function renderRow(c) {
    const requestId = str(c.requestId);
    const code = Number(c.status) || 0;
    const open = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'log-open' } },
      'Details', srOnly(` of ${str(c.method)} ${str(c.path)}`));
    const url = `${str(c.path)}${c.query ? `?${str(c.query)}` : ''}`;
    const row = h('tr', { dataset: { testid: 'log-row', requestId } },
      h('td', { 'data-label': `Time (${zone})`, class: 'log-time' }, secondsTime(str(c.at), timeZone, zone) || '—'),
      h('td', { 'data-label': 'Resource' }, str(c.resource) || '—'),
      h('td', { 'data-label': 'Method' }, h('code', {}, str(c.method))),
      h('td', { 'data-label': 'URL', class: 'log-path' }, h('span', { class: 'log-url' }, url)),
      h('td', { 'data-label': 'Response' }, h('span', { class: `badge log-status log-status--${Math.floor(code / 100)}xx` }, String(code || '—'))),
      h('td', { 'data-label': 'Duration', class: 'log-duration' }, `${Number(c.latencyMs) || 0} ms`),
      h('td', { class: 'log-open' }, open));
    open.addEventListener('click', () => {
      if (selectedRow) selectedRow.removeAttribute('aria-current');
      selectedRow = row;
      row.setAttribute('aria-current', 'true');
      showDetail(requestId);
    });
    return row;
  }

  function closeDetail() {
    clear(detail);
    detail.hidden = true;
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
      detail.append(h('div', { class: 'panel panel--error', role: 'alert' },
        h('h2', { class: 'panel__title' }, 'Couldn’t load this call'),
        h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.')));
      return;
    }
    const call = entry.call && typeof entry.call === 'object' ? entry.call : {};
    const close = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'log-detail-close' } }, 'Close', srOnly(' the details'));
    close.addEventListener('click', () => {
      closeDetail();
      if (selectedRow) {
        selectedRow.removeAttribute('aria-current');
        const button = selectedRow.querySelector('button');
        if (button) button.focus();
      }
    });
    const heading = h('h2', { class: 'log-detail__title' }, h('code', {}, str(call.method)), ' ', h('span', { class: 'log-detail__path' }, str(call.path)));
    clear(detail);
    detail.append(
      h('div', { class: 'log-detail__head' }, heading, close),
      h('dl', { class: 'log-facts' },
        fact('Request id', h('code', {}, requestId)),
        fact('Time', secondsTime(str(call.at), timeZone, zone, true) || '—'),
        fact('Resource', str(call.resource) || '—'),
        fact('Status', String(Number(call.status) || '—')),
        fact('Duration', `${Number(call.latencyMs) || 0} ms`),
        fact('Sizes', `${Number(call.requestBytes) || 0} B sent · ${Number(call.responseBytes) || 0} B received`)),
    );
    if (entry.bodiesUnavailable && !entry.request && !entry.response) {
      detail.append(h('p', { class: 'log-unavailable', dataset: { testid: 'log-bodies-unavailable' } },
        UNAVAILABLE[entry.bodiesUnavailable] || 'The bodies of this call are unavailable.'));
    } else {
      detail.append(renderBody('Request', 'request', entry.request, requestId), renderBody('Response', 'response', entry.response, requestId));
    }
    detail.focus();
  }

  function renderBody(label, kind, b, requestId) {
    const headingId = uid(`log-${kind}`);
    const section = h('section', { class: 'log-body', 'aria-labelledby': headingId, dataset: { testid: `log-${kind}` } });
    // The API answers the body itself (Content-Disposition: attachment):
    // JSON as <requestId>-<kind>.json, anything else under its own type
    // and name, which an empty download attribute leaves to the answer.
    const isJson = Boolean(b && b.isJson);
    const download = h('a', {
      class: 'btn btn--secondary btn--small', href: `${base}/${encodeURIComponent(requestId)}/${kind}`, download: isJson ? `${requestId}-${kind}.json` : '',
      dataset: { testid: `log-download-${kind}` },
    }, `Download ${kind}`, srOnly(isJson ? ' as a JSON file' : ' as a file'));
    const hasBody = Boolean(b && typeof b === 'object' && str(b.body));
    section.append(h('div', { class: 'log-body__head' }, h('h3', { id: headingId }, label), hasBody ? download : null));
    if (!b || typeof b !== 'object') {
      section.append(h('p', { class: 'log-unavailable' }, `The ${kind} body is no longer available.`));
      return section;
    }
    const headers = b.headers && typeof b.headers === 'object' ? Object.entries(b.headers) : [];
    const headerText = headers.map(([k, v]) => `${k}: ${str(v)}`).sort().join('\n');
    const pre = (text, testid) => {
      const el = h('pre', { class: 'log-pre', tabindex: '0', dataset: { testid } });
      el.textContent = text; // text only: bodies may hold markup
      return el;
    };
    if (headerText) section.append(h('h4', {}, 'Headers'), pre(headerText, `log-${kind}-headers`));
    section.append(h('h4', {}, b.isJson ? 'Body (JSON)' : 'Body'),
      str(b.body) ? pre(str(b.body), `log-${kind}-body`) : h('p', { class: 'muted' }, 'Empty body'));
    return section;
  }

  function showError(err) {
    status.textContent = '';
    clear(empty);
    table.hidden = shown === 0;
    const notFound = err && err.status === 404;
    const retry = h('button', { type: 'button', class: 'btn btn--primary', onclick: () => reload() }, 'Retry');
    empty.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'logs-error' } },
      h('h2', { class: 'panel__title' }, notFound ? 'Connection not found' : 'Couldn’t load the logs'),
      h('p', { class: 'panel__text' }, notFound
        ? 'This connection does not exist in your account, or it was disconnected.'
        : (err && err.message ? err.message : 'Something went wrong.')),
      notFound ? h('a', { class: 'btn btn--primary', href: '#/connections' }, 'Back to connections') : retry));
  }

  // "Resources: orders, account · Responses: 4xx", or "All calls".
  function showSummary() {
    const parts = groups.filter((g) => filters[g.name].length > 0).map((g) => `${g.legend}: ${filters[g.name].join(', ')}`);
    summary.textContent = parts.length ? parts.join(' · ') : 'All calls';
    reset.disabled = parts.length === 0;
  }
  for (const g of groups) g.set(filters[g.name]);
  showSummary();
  reload();
  // A call found by request id on another connection's page opens here.
  if (query.get('requestId')) showDetail(query.get('requestId'));
  return () => controller.abort();
}

/** A fieldset of checkboxes for one filter; values() reads it, set(list) fills it. */
function checkGroup(name, legend, options) {
  const boxes = options.map(([value, label]) => {
    const id = uid(`f-${name}`);
    const input = h('input', { type: 'checkbox', id, name, value, dataset: { testid: `log-filter-${name}-${value}` } });
    return { input, el: h('div', { class: 'log-filter__option' }, input, h('label', { for: id }, label)) };
  });
  const fieldset = h('fieldset', { class: 'log-filter__group' }, h('legend', {}, legend), ...boxes.map((b) => b.el));
  return {
    name,
    legend,
    fieldset,
    values: () => boxes.filter((b) => b.input.checked).map((b) => b.input.value),
    set: (list) => { for (const b of boxes) b.input.checked = list.includes(b.input.value); },
  };
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}
