// App log (#/app-log?type=&user=&app=&location=): the account's lifecycle
// events (apps installed, re-authorised, blocked, disconnected…), newest
// first, from GET /admin/v1/app-log. Filters combine and are kept in the
// address; "Load more" follows the API's cursor; "Download CSV" exports the
// filtered list through GET /admin/v1/app-log/export (a same-origin link, so
// the session cookie goes with it). Server strings are text only.

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet, pageFetcher } from '../api.js';
import { getSession } from '../session.js';
import { str, timeElement } from '../app-ui.js';

const PAGE_SIZE = 50;
const EXPORT_MAX_ROWS = '10,000';

/** Every event type the API knows, in the order the filter offers them. */
export const EVENT_TYPES = [
  { value: 'installed', label: 'Connected' },
  { value: 'reinstalled', label: 'Re-authorised' },
  { value: 'scopes_updated', label: 'Permissions changed' },
  { value: 'instance_added', label: 'Instance added' },
  { value: 'blocked', label: 'Blocked' },
  { value: 'unblocked', label: 'Unblocked' },
  { value: 'uninstalled', label: 'Disconnected' },
  { value: 'erroring', label: 'Erroring' },
  { value: 'access_revoked', label: 'Access revoked' },
];

export function eventTypeLabel(type) {
  const t = EVENT_TYPES.find((e) => e.value === type);
  return t ? t.label : type || 'Unknown';
}

const ACTOR_FALLBACK = { user: 'A removed user', app: 'The app', system: 'Switchboard' };

/** Who caused an event, in words. */
export function actorText(actor) {
  const a = actor && typeof actor === 'object' ? actor : {};
  const type = str(a.type) || 'user';
  const name = str(a.name) || ACTOR_FALLBACK[type] || 'Unknown';
  return type === 'app' ? `${name} (the app)` : name;
}

/** The location's name from /me, the id when unknown, or the account. */
export function locationText(locationId, locations) {
  if (!locationId) return 'All locations (account)';
  const loc = (locations || []).find((l) => l.id === locationId);
  return loc && loc.name ? loc.name : locationId;
}

/** One app-log row's cells (shared with the connected app's page). */
export function renderEventRow(e, { timeZone, locations, showApp = true }) {
  const type = str(e.type);
  const before = str(e.scopeBefore);
  const after = str(e.scopeAfter);
  const details = [];
  if (str(e.reason)) details.push(h('span', { class: 'applog-reason', dataset: { testid: 'app-log-reason' } }, str(e.reason)));
  if (before && after && before !== after) {
    details.push(h('span', { class: 'applog-scopes', dataset: { testid: 'app-log-scopes' } },
      h('code', {}, before), h('span', { 'aria-hidden': 'true' }, ' → '), srOnly(' changed to '), h('code', {}, after)));
  } else if (after || before) {
    details.push(h('span', { class: 'applog-scopes', dataset: { testid: 'app-log-scopes' } }, h('code', {}, after || before)));
  }
  const appId = str(e.appId);
  const appName = str(e.appName) || appId;
  return h('tr', { dataset: { testid: 'app-log-row', eventId: str(e.id), type, appId } },
    h('td', { 'data-label': 'Time' }, timeElement(str(e.at), timeZone) || '—'),
    h('td', { 'data-label': 'Activity' },
      h('span', { class: `badge applog-type applog-type--${type.replace(/[^a-z_]/g, '')}`, dataset: { testid: 'app-log-type' } }, eventTypeLabel(type))),
    showApp ? h('td', { 'data-label': 'App' },
      h('a', { href: `#/connected/${encodeURIComponent(appId)}`, dataset: { testid: 'app-log-app' } }, appName)) : null,
    h('td', { 'data-label': 'Location' }, locationText(str(e.locationId), locations),
      str(e.instanceLabel) ? h('span', { class: 'muted applog-instance' }, ` · ${str(e.instanceLabel)}`) : null),
    h('td', { 'data-label': 'By', dataset: { testid: 'app-log-actor' } }, actorText(e.actor)),
    h('td', { 'data-label': 'Details', class: 'applog-details' }, details.length ? details : h('span', { class: 'muted' }, '—')),
  );
}

export function eventTableHead({ showApp = true } = {}) {
  const cols = ['Time', 'Activity', showApp ? 'App' : null, 'Location', 'By', 'Details'].filter(Boolean);
  return h('thead', {}, h('tr', {}, cols.map((t) => h('th', { scope: 'col' }, t))));
}

export function renderAppLog(outlet, { query, signal, setQuery }) {
  const session = getSession();
  const timeZone = session ? session.account.timeZone : '';
  const locations = session ? session.locations : [];
  const filters = {
    type: EVENT_TYPES.some((t) => t.value === query.get('type')) ? query.get('type') : '',
    user: query.get('user') || '',
    app: query.get('app') || '',
    location: locations.some((l) => l.id === query.get('location')) ? query.get('location') : '',
  };
  let cursor = '';
  let shown = 0;

  const typeSelect = select('type', 'All activity', EVENT_TYPES.map((t) => [t.value, t.label]), filters.type);
  const userSelect = select('user', 'Anyone', filters.user ? [[filters.user, filters.user]] : [], filters.user);
  const appSelect = select('app', 'All apps', filters.app ? [[filters.app, filters.app]] : [], filters.app);
  const locationSelect = select('location', 'Any location', locations.map((l) => [l.id, l.name || l.id]), filters.location);
  const exportLink = h('a', { class: 'btn btn--secondary', download: '', dataset: { testid: 'app-log-export' } },
    'Download CSV', srOnly(' of the filtered app log'));
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const rows = h('tbody', {});
  const table = h('div', { class: 'table-wrap', hidden: true },
    h('table', { class: 'table', dataset: { testid: 'app-log-table' } },
      h('caption', { class: 'visually-hidden' }, 'App activity, newest first'),
      eventTableHead(),
      rows));
  const more = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'app-log-more' } }, 'Load more');
  const moreWrap = h('p', { class: 'log-more', hidden: true }, more);
  const empty = h('div', {});

  outlet.append(
    h('div', { class: 'page-header page-header--split' },
      h('div', {},
        h('h1', { class: 'page-title' }, 'App log'),
        h('p', { class: 'page-lead' }, 'Every app connected, re-authorised, blocked or disconnected in your account, and by whom.')),
      h('div', {}, exportLink,
        h('p', { class: 'muted applog-export-note' }, `The CSV holds the filtered list, up to the newest ${EXPORT_MAX_ROWS} events.`))),
    h('div', { class: 'toolbar' },
      h('div', { class: 'toolbar__fields' },
        field('Activity', typeSelect), field('User', userSelect), field('App', appSelect), field('Location', locationSelect)),
      status),
    empty, table, moreWrap,
  );

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());
  const fetchPage = pageFetcher(controller.signal, more);

  for (const s of [typeSelect, userSelect, appSelect, locationSelect]) {
    s.addEventListener('change', () => {
      filters.type = typeSelect.value;
      filters.user = userSelect.value;
      filters.app = appSelect.value;
      filters.location = locationSelect.value;
      setQuery(filters);
      reload();
    });
  }
  more.addEventListener('click', () => loadPage());

  function updateExportLink() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    const qs = q.toString();
    exportLink.setAttribute('href', `/admin/v1/app-log/export${qs ? `?${qs}` : ''}`);
  }

  function reload() {
    cursor = '';
    shown = 0;
    clear(rows);
    clear(empty);
    table.hidden = true;
    moreWrap.hidden = true;
    updateExportLink();
    loadPage();
  }

  async function loadPage() {
    status.textContent = shown ? 'Loading more activity…' : 'Loading activity…';
    const page = await fetchPage('/admin/v1/app-log', { ...filters, limit: PAGE_SIZE, cursor }, showError);
    if (!page) return;
    const events = Array.isArray(page.events) ? page.events.filter((e) => e && typeof e === 'object') : [];
    for (const e of events) rows.append(renderEventRow(e, { timeZone, locations }));
    shown += events.length;
    cursor = str(page.nextCursor);
    table.hidden = shown === 0;
    moreWrap.hidden = !cursor;
    if (shown === 0 && !cursor) {
      status.textContent = '';
      const filtered = Object.values(filters).some(Boolean);
      empty.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'app-log-empty' } },
        h('h2', { class: 'panel__title' }, filtered ? 'No activity matches these filters' : 'No app activity yet'),
        h('p', { class: 'panel__text' }, filtered
          ? 'Change the filters to see more activity.'
          : 'Connecting, re-authorising, blocking or disconnecting an app will appear here.')));
      return;
    }
    status.textContent = `${shown} ${shown === 1 ? 'event' : 'events'}${cursor ? ' shown, more available' : ''}`;
  }

  function showError(err) {
    status.textContent = '';
    clear(empty);
    const retry = h('button', { type: 'button', class: 'btn btn--primary', onclick: () => reload() }, 'Retry');
    empty.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'app-log-error' } },
      h('h2', { class: 'panel__title' }, 'Couldn’t load the app log'),
      h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.'),
      retry));
  }

  /** Fills the user and app filters; a failure leaves them with what the address had. */
  async function loadOptions() {
    const [users, conns, apps] = await Promise.allSettled([
      apiGet('/admin/v1/users', {}, { signal: controller.signal }),
      apiGet('/admin/v1/connections', {}, { signal: controller.signal }),
      apiGet('/admin/v1/apps', { limit: 100 }, { signal: controller.signal }),
    ]);
    if (controller.signal.aborted) return;
    if (users.status === 'fulfilled' && Array.isArray(users.value.users)) {
      const list = users.value.users.filter((u) => u && typeof u === 'object')
        .map((u) => [str(u.id), str(u.name) || str(u.email) || str(u.id)]);
      fillOptions(userSelect, 'Anyone', list, filters.user);
    }
    const names = new Map();
    if (apps.status === 'fulfilled' && Array.isArray(apps.value.apps)) {
      for (const a of apps.value.apps) if (a && typeof a === 'object' && str(a.id)) names.set(str(a.id), str(a.name) || str(a.id));
    }
    if (conns.status === 'fulfilled' && Array.isArray(conns.value.connections)) {
      for (const c of conns.value.connections) if (c && typeof c === 'object' && str(c.appId)) names.set(str(c.appId), str(c.appName) || str(c.appId));
    }
    fillOptions(appSelect, 'All apps', [...names].sort((a, b) => a[1].localeCompare(b[1])), filters.app);
  }

  reload();
  loadOptions();
  return () => controller.abort();
}

function fillOptions(el, anyLabel, options, value) {
  const list = options.slice();
  if (value && !list.some(([v]) => v === value)) list.push([value, value]); // keep the address's filter
  clear(el);
  el.append(h('option', { value: '' }, anyLabel), ...list.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value;
}

function select(name, anyLabel, options, value) {
  const el = h('select', { class: 'select', name, id: uid(`f-${name}`), dataset: { testid: `app-log-filter-${name}` } },
    h('option', { value: '' }, anyLabel),
    options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value;
  return el;
}

function field(label, control) {
  return h('div', { class: 'field' }, h('label', { class: 'field__label', for: control.id }, label), control);
}
