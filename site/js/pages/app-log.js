// App log (#/app-log?type=&user=&app=&location=&from=&to=): the account's
// lifecycle events (apps installed, re-authorised, blocked, disconnected…),
// newest first, from GET /admin/v1/app-log. Filters combine and are kept in
// the address; "Load more" follows the API's cursor; "Download CSV" exports
// the filtered list through GET /admin/v1/app-log/export (a same-origin link,
// so the session cookie goes with it). Server strings are text only.
//
// Dates: "From" and "To" pick calendar days in the account's time zone (UTC
// when it has none), both days included. The address keeps the days
// (from=2026-11-01); the API gets instants: from = the start of the From day
// (inclusive), to = the start of the day after the To day (the API's to is
// exclusive). The CSV link carries the same instants.
//
// createAppLogList is the filters-and-table part, shared with the overview
// (./overview.js), which shows the newest events with fewer filters.

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
  { value: 'rate_limit', label: 'Near a rate limit' },
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

/** YYYY-MM-DD, or '' when value is not a real calendar day. */
export function validDay(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(str(value));
  if (!m) return '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? m[0] : '';
}

/** How far timeZone's wall clock is ahead of UTC at the instant ms. */
function zoneOffsetMs(ms, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type) => Number((parts.find((p) => p.type === type) || {}).value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
}

/**
 * The instant day (YYYY-MM-DD) starts in timeZone, as RFC 3339 UTC
 * ("2026-11-23T23:00:00Z" for 2026-11-24 in Europe/Paris); UTC when the zone
 * is empty or unknown; '' when day is not a date. Where midnight does not
 * exist (a DST change at 00:00) it is the first instant of that day.
 */
export function dayStart(day, timeZone) {
  const d = validDay(day);
  if (!d) return '';
  const [y, m, dd] = d.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, dd);
  let t = wall;
  if (timeZone && timeZone !== 'UTC') {
    try {
      t = wall - zoneOffsetMs(wall, timeZone);
      t = wall - zoneOffsetMs(t, timeZone); // the offset at the instant itself (DST)
    } catch {
      t = wall; // unknown zone: UTC
    }
  }
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** The day after day (YYYY-MM-DD). */
export function nextDay(day) {
  const [y, m, d] = validDay(day).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The API's query for the page's filters (see the header for from/to). */
export function appLogParams(filters, timeZone) {
  const q = {};
  for (const k of ['type', 'user', 'app', 'location']) if (filters[k]) q[k] = filters[k];
  if (validDay(filters.from)) q.from = dayStart(filters.from, timeZone);
  if (validDay(filters.to)) q.to = dayStart(nextDay(filters.to), timeZone);
  return q;
}

/** The page's filters read from the address (unknown values dropped). */
export function appLogFilters(query, locations) {
  return {
    type: EVENT_TYPES.some((t) => t.value === query.get('type')) ? query.get('type') : '',
    user: query.get('user') || '',
    app: query.get('app') || '',
    location: (locations || []).some((l) => l.id === query.get('location')) ? query.get('location') : '',
    from: validDay(query.get('from')),
    to: validDay(query.get('to')),
  };
}

/** The app log's address for filters (empty ones left out). */
export function appLogHref(filters) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  const qs = q.toString();
  return `#/app-log${qs ? `?${qs}` : ''}`;
}

const ALL_FIELDS = ['type', 'user', 'app', 'location', 'from', 'to'];

/**
 * The app log's filters and table. Options:
 *   filters   initial values ({ type, user, app, location, from, to })
 *   fields    the filters offered (the others stay as given)
 *   pageSize  events per request
 *   paged     false: only the newest pageSize events, no "Load more"
 *   signal    ends every request
 *   onChange  called with the filters after the user changes one
 * Returns { toolbar, list, reload }: the page places toolbar and list.
 */
export function createAppLogList({ filters: initial, fields = ALL_FIELDS, pageSize = PAGE_SIZE, paged = true, signal, onChange = () => {} }) {
  const session = getSession();
  const timeZone = session && session.account ? session.account.timeZone || '' : '';
  const locations = session ? session.locations : [];
  const filters = { type: '', user: '', app: '', location: '', from: '', to: '', ...initial };
  let cursor = '';
  let shown = 0;

  const controls = {
    type: select('type', 'All activity', EVENT_TYPES.map((t) => [t.value, t.label]), filters.type),
    user: select('user', 'Anyone', filters.user ? [[filters.user, filters.user]] : [], filters.user),
    app: select('app', 'All apps', filters.app ? [[filters.app, filters.app]] : [], filters.app),
    location: select('location', 'Any location', locations.map((l) => [l.id, l.name || l.id]), filters.location),
    from: dateInput('from', filters.from),
    to: dateInput('to', filters.to),
  };
  const labels = { type: 'Activity', user: 'User', app: 'App', location: 'Location', from: 'From', to: 'To' };
  const offered = ALL_FIELDS.filter((f) => fields.includes(f));
  const hasDates = offered.includes('from') || offered.includes('to');
  const dateError = h('p', { class: 'applog-date-error', id: uid('date-error'), role: 'alert', hidden: true, dataset: { testid: 'app-log-date-error' } });
  const zoneNote = hasDates ? h('p', { class: 'field__hint applog-zone', dataset: { testid: 'app-log-zone' } },
    `Days in ${timeZone || 'UTC'} time, both included.`) : null;
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const toolbar = h('div', { class: 'toolbar' },
    h('div', {},
      h('div', { class: 'toolbar__fields' }, offered.map((f) => field(labels[f], controls[f]))),
      zoneNote, dateError),
    status);

  const rows = h('tbody', {});
  const table = h('div', { class: 'table-wrap', hidden: true },
    h('table', { class: 'table', dataset: { testid: 'app-log-table' } },
      h('caption', { class: 'visually-hidden' }, 'App activity, newest first'),
      eventTableHead(),
      rows));
  const more = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'app-log-more' } }, 'Load more');
  const moreWrap = h('p', { class: 'log-more', hidden: true }, more);
  const empty = h('div', {});
  const list = h('div', { class: 'applog-list' }, empty, table, moreWrap);

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());
  const fetchPage = pageFetcher(controller.signal, more);

  for (const f of offered) {
    controls[f].addEventListener('change', () => {
      for (const k of offered) filters[k] = k === 'from' || k === 'to' ? validDay(controls[k].value) : controls[k].value;
      if (!datesValid()) return;
      onChange({ ...filters });
      reload();
    });
  }
  more.addEventListener('click', () => loadPage());

  /** From after To asks for nothing: say so instead of asking the API. */
  function datesValid() {
    const bad = filters.from && filters.to && filters.from > filters.to;
    dateError.hidden = !bad;
    dateError.textContent = bad ? 'The From day must be on or before the To day.' : '';
    for (const k of ['from', 'to']) {
      if (bad) {
        controls[k].setAttribute('aria-invalid', 'true');
        controls[k].setAttribute('aria-describedby', dateError.id);
      } else {
        controls[k].removeAttribute('aria-invalid');
        controls[k].removeAttribute('aria-describedby');
      }
    }
    controls.from.max = filters.to || '';
    controls.to.min = filters.from || '';
    return !bad;
  }

  function reload() {
    cursor = '';
    shown = 0;
    clear(rows);
    clear(empty);
    table.hidden = true;
    moreWrap.hidden = true;
    loadPage();
  }

  async function loadPage() {
    status.textContent = shown ? 'Loading more activity…' : 'Loading activity…';
    const page = await fetchPage('/admin/v1/app-log', { ...appLogParams(filters, timeZone), limit: pageSize, cursor }, showError);
    if (!page) return;
    const events = Array.isArray(page.events) ? page.events.filter((e) => e && typeof e === 'object') : [];
    for (const e of events) rows.append(renderEventRow(e, { timeZone, locations }));
    shown += events.length;
    cursor = paged ? str(page.nextCursor) : '';
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
    status.textContent = paged
      ? `${shown} ${shown === 1 ? 'event' : 'events'}${cursor ? ' shown, more available' : ''}`
      : `The newest ${shown} ${shown === 1 ? 'event' : 'events'}${str(page.nextCursor) ? '' : ' (all of them)'}`;
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
    const wantUsers = offered.includes('user');
    const wantApps = offered.includes('app');
    if (!wantUsers && !wantApps) return;
    const [users, conns, apps] = await Promise.allSettled([
      wantUsers ? apiGet('/admin/v1/users', {}, { signal: controller.signal }) : null,
      wantApps ? apiGet('/admin/v1/connections', {}, { signal: controller.signal }) : null,
      wantApps ? apiGet('/admin/v1/apps', { limit: 100 }, { signal: controller.signal }) : null,
    ]);
    if (controller.signal.aborted) return;
    if (wantUsers && users.status === 'fulfilled' && Array.isArray(users.value.users)) {
      const list = users.value.users.filter((u) => u && typeof u === 'object')
        .map((u) => [str(u.id), str(u.name) || str(u.email) || str(u.id)]);
      fillOptions(controls.user, 'Anyone', list, filters.user);
    }
    if (!wantApps) return;
    const names = new Map();
    if (apps.status === 'fulfilled' && Array.isArray(apps.value.apps)) {
      for (const a of apps.value.apps) if (a && typeof a === 'object' && str(a.id)) names.set(str(a.id), str(a.name) || str(a.id));
    }
    if (conns.status === 'fulfilled' && Array.isArray(conns.value.connections)) {
      for (const c of conns.value.connections) if (c && typeof c === 'object' && str(c.appId)) names.set(str(c.appId), str(c.appName) || str(c.appId));
    }
    fillOptions(controls.app, 'All apps', [...names].sort((a, b) => a[1].localeCompare(b[1])), filters.app);
  }

  if (datesValid()) reload();
  loadOptions();
  return { toolbar, list, reload, filters: () => ({ ...filters }), timeZone };
}

export function renderAppLog(outlet, { query, signal, setQuery }) {
  const session = getSession();
  const locations = session ? session.locations : [];
  const exportLink = h('a', { class: 'btn btn--secondary', download: '', dataset: { testid: 'app-log-export' } },
    'Download CSV', srOnly(' of the filtered app log'));

  const log = createAppLogList({
    filters: appLogFilters(query, locations),
    signal,
    onChange: (filters) => {
      setQuery(filters);
      updateExportLink(filters);
    },
  });

  function updateExportLink(filters) {
    const qs = new URLSearchParams(appLogParams(filters, log.timeZone)).toString();
    exportLink.setAttribute('href', `/admin/v1/app-log/export${qs ? `?${qs}` : ''}`);
  }

  outlet.append(
    h('div', { class: 'page-header page-header--split' },
      h('div', {},
        h('h1', { class: 'page-title' }, 'App log'),
        h('p', { class: 'page-lead' }, 'Every app connected, re-authorised, blocked or disconnected in your account, and by whom.')),
      h('div', {}, exportLink,
        h('p', { class: 'muted applog-export-note' }, `The CSV holds the filtered list, up to the newest ${EXPORT_MAX_ROWS} events.`))),
    log.toolbar,
    log.list,
  );
  updateExportLink(log.filters());
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

function dateInput(name, value) {
  return h('input', {
    type: 'date', class: 'input applog-date', name, id: uid(`f-${name}`), value: value || '', dataset: { testid: `app-log-filter-${name}` },
  });
}
