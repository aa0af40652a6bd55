// Connections (#/connections?location=&app=&status=): the apps connected to
// the account, grouped by target — "All locations (account)" for account-level
// apps, then one group per location (names from /me). Filters apply in the
// page (the list is one request; the API has no paging for it) and are kept
// in the address.

import { h, clear, uid } from '../dom.js';
import { apiGet } from '../api.js';
import { getSession } from '../session.js';
import { LEVELS } from '../catalog-meta.js';
import { str, normalizeApp, renderStatusBadge, timeElement } from '../app-ui.js';
import { parseScope, describePermission, PROFILE_WORDING } from '../permissions.js';
import { renderConnectionActions } from '../connection-actions.js';

const ACCOUNT_GROUP = 'account';
const STATUSES = [
  { value: 'active', label: 'Active' },
  { value: 'blocked', label: 'Blocked' },
  { value: 'revoked', label: 'Needs re-authorisation' },
];
const CATALOG_PAGE = 100;
const CATALOG_MAX_PAGES = 20;

export function renderConnections(outlet, { query, signal, setQuery }) {
  const session = getSession();
  const locations = session ? session.locations : [];
  const timeZone = session ? session.account.timeZone : '';
  // Members see block and disconnect disabled; the API refuses them anyway.
  const canManage = Boolean(session && session.user && (session.user.role === 'super_admin' || session.user.role === 'admin'));
  const filters = {
    location: query.get('location') || '',
    app: query.get('app') || '',
    status: STATUSES.some((s) => s.value === query.get('status')) ? query.get('status') : '',
  };
  let connections = [];
  let catalog = new Map(); // appId → catalog app (for openUrl)

  const locationSelect = h('select', { class: 'select', name: 'location', id: uid('f-location') });
  const appSelect = h('select', { class: 'select', name: 'app', id: uid('f-app') });
  const statusSelect = h('select', { class: 'select', name: 'status', id: uid('f-status') },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s.value }, s.label)));
  statusSelect.value = filters.status;
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'connections-body' });

  outlet.append(
    h('div', { class: 'page-header page-header--split' },
      h('div', {},
        h('h1', { class: 'page-title' }, 'Connections'),
        h('p', { class: 'page-lead' }, 'The apps connected to your account and to each of your locations.'),
      ),
      h('a', { class: 'btn btn--primary', href: '#/catalog' }, 'See available apps'),
    ),
    h('div', { class: 'toolbar' },
      h('div', { class: 'toolbar__fields' },
        field('Location', locationSelect),
        field('App', appSelect),
        field('Status', statusSelect),
      ),
      status,
    ),
    body,
  );

  for (const select of [locationSelect, appSelect, statusSelect]) {
    select.addEventListener('change', () => {
      filters.location = locationSelect.value;
      filters.app = appSelect.value;
      filters.status = statusSelect.value;
      setQuery(filters);
      showList();
    });
  }

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());

  async function load() {
    clear(body);
    status.textContent = 'Loading connections…';
    body.setAttribute('aria-busy', 'true');
    const [conns, apps] = await Promise.allSettled([
      apiGet('/admin/v1/connections', {}, { signal: controller.signal }),
      loadCatalog(controller.signal),
    ]);
    if (controller.signal.aborted) return;
    body.removeAttribute('aria-busy');
    if (conns.status === 'rejected') {
      showError(conns.reason);
      return;
    }
    const list = conns.value && Array.isArray(conns.value.connections) ? conns.value.connections : null;
    if (!list) {
      showError(new Error('The server returned an unexpected response.'));
      return;
    }
    connections = list.filter((c) => c && typeof c === 'object').map(normalizeConnection);
    // Without the catalog, "Open" is not offered; the list still shows.
    catalog = apps.status === 'fulfilled' ? apps.value : new Map();
    fillFilterOptions();
    showList();
  }

  function fillFilterOptions() {
    clear(locationSelect);
    locationSelect.append(
      h('option', { value: '' }, 'Any location'),
      h('option', { value: ACCOUNT_GROUP }, 'All locations (account)'),
      ...locations.map((l) => h('option', { value: l.id }, l.name || l.id)),
    );
    locationSelect.value = [...locationSelect.options].some((o) => o.value === filters.location) ? filters.location : '';

    const apps = new Map();
    for (const c of connections) if (!apps.has(c.appId)) apps.set(c.appId, c.appName || c.appId);
    if (filters.app && !apps.has(filters.app)) apps.set(filters.app, filters.app);
    clear(appSelect);
    appSelect.append(
      h('option', { value: '' }, 'All apps'),
      ...[...apps].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => h('option', { value: id }, name)),
    );
    appSelect.value = filters.app;
    filters.location = locationSelect.value;
  }

  function matches(c) {
    if (filters.location === ACCOUNT_GROUP && c.locationId) return false;
    if (filters.location && filters.location !== ACCOUNT_GROUP && c.locationId !== filters.location) return false;
    if (filters.app && c.appId !== filters.app) return false;
    if (filters.status && c.status !== filters.status) return false;
    return true;
  }

  function showList() {
    clear(body);
    if (connections.length === 0) {
      status.textContent = '';
      body.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'connections-empty' } },
        h('h2', { class: 'panel__title' }, 'No apps connected yet'),
        h('p', { class: 'panel__text' },
          'Connect a till, an ordering site, a delivery service or a marketing tool to share your orders, customers and catalog with it.'),
        h('a', { class: 'btn btn--primary', href: '#/catalog' }, 'Browse available apps'),
      ));
      return;
    }
    const shown = connections.filter(matches);
    const n = shown.length;
    status.textContent = `${n} ${n === 1 ? 'connection' : 'connections'}${n !== connections.length ? ` of ${connections.length}` : ''}`;
    if (n === 0) {
      const reset = h('button', { type: 'button', class: 'btn btn--secondary' }, 'Clear filters');
      reset.addEventListener('click', () => {
        locationSelect.value = '';
        appSelect.value = '';
        statusSelect.value = '';
        locationSelect.dispatchEvent(new Event('change'));
        locationSelect.focus();
      });
      body.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'connections-filtered-empty' } },
        h('h2', { class: 'panel__title' }, 'No connection matches these filters'),
        h('p', { class: 'panel__text' }, 'Change the filters, or clear them to see every connection.'),
        reset,
      ));
      return;
    }

    // Groups: the account first, then locations in /me order, then any
    // location this user does not know (kept visible, never dropped).
    const groups = [{ id: ACCOUNT_GROUP, name: 'All locations (account)', items: [] }];
    for (const l of locations) groups.push({ id: l.id, name: l.name || l.id, items: [] });
    for (const c of shown) {
      const key = c.locationId || ACCOUNT_GROUP;
      let group = groups.find((g) => g.id === key);
      if (!group) {
        group = { id: key, name: `Location ${key}`, items: [] };
        groups.push(group);
      }
      group.items.push(c);
    }
    for (const group of groups) {
      if (group.items.length === 0) continue;
      group.items.sort((a, b) => a.appName.localeCompare(b.appName) || a.instanceLabel.localeCompare(b.instanceLabel));
      body.append(renderGroup(group));
    }
  }

  function renderGroup(group) {
    const headingId = uid('group');
    return h('section', { class: 'conn-group', 'aria-labelledby': headingId, dataset: { testid: 'connection-group', group: group.id } },
      h('h2', { class: 'conn-group__title', id: headingId },
        h('span', { dataset: { testid: 'group-name' } }, group.name),
        h('span', { class: 'conn-group__count' }, ` · ${group.items.length}`)),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table' },
          h('caption', { class: 'visually-hidden' }, `Apps connected to ${group.name}`),
          h('thead', {}, h('tr', {},
            ['App', 'Level', 'Instance', 'Status', 'Connected', 'Last activity', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, group.items.map(renderRow)),
        ),
      ),
    );
  }

  function renderRow(c) {
    const scope = parseScope(c.scope);
    const perms = scope.permissions.map(describePermission);
    if (scope.profile) perms.push(PROFILE_WORDING);
    const app = catalog.get(c.appId);
    const level = LEVELS[c.level];
    return h('tr', { dataset: { testid: 'connection-row', connectionId: c.id, appId: c.appId } },
      h('td', { 'data-label': 'App' }, h('div', {},
        h('a', { class: 'conn-app', href: `#/connected/${encodeURIComponent(c.appId)}`, dataset: { testid: 'connection-app' } }, c.appName || c.appId),
        perms.length ? h('span', { class: 'conn-perms' }, perms.join(' · ')) : null)),
      h('td', { 'data-label': 'Level' }, level ? level.label : c.level || '—'),
      h('td', { 'data-label': 'Instance', dataset: { testid: 'connection-instance' } }, c.instanceLabel || h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'Status' }, renderStatusBadge(c.status), c.status === 'blocked' ? blockInfo(c) : null),
      h('td', { 'data-label': 'Connected' }, timeElement(c.connectedAt, timeZone) || '—'),
      h('td', { 'data-label': 'Last activity', dataset: { testid: 'connection-last-used' } },
        timeElement(c.lastUsedAt, timeZone) || h('span', { class: 'muted' }, 'never')),
      h('td', { 'data-label': 'Actions' }, renderConnectionActions(c, {
        app, canManage, timeZone,
        // The confirmation goes on the changed row, where the eye is; a
        // row that is gone (disconnected) has it in the list's status.
        onChanged: (message) => { load().then(() => { if (!noteAtRow(c.id, message)) status.textContent = message; }); },
      })),
    );
  }

  // noteAtRow shows message in a row of its own right under the row of
  // connection id, announced to screen readers, and moves focus back to
  // that row's actions; false when the row is not shown.
  function noteAtRow(id, message) {
    const row = [...body.querySelectorAll('[data-testid="connection-row"]')].find((r) => r.dataset.connectionId === id);
    if (!row) return false;
    const note = h('tr', { class: 'conn-notice-row', dataset: { testid: 'connection-notice', connectionId: id } },
      h('td', { colspan: String(row.cells.length) },
        h('p', { class: 'form-notice form-notice--inline conn-notice', role: 'status' }, message)));
    row.after(note);
    row.querySelector('[data-testid="connection-actions"]')?.focus();
    return true;
  }

  // Why and until when a blocked connection is blocked, on its row.
  function blockInfo(c) {
    const until = timeElement(c.blockedUntil, timeZone);
    return h('div', { class: 'conn-block-info', dataset: { testid: 'connection-block-info' } },
      h('span', { dataset: { testid: 'connection-block-reason' } }, c.blockedReason ? `Reason: ${c.blockedReason}` : 'No reason given'),
      h('span', { dataset: { testid: 'connection-block-until' } }, until ? ['Until ', until] : 'Until unblocked'));
  }

  function showError(err) {
    status.textContent = '';
    clear(body);
    const retry = h('button', { type: 'button', class: 'btn btn--primary', onclick: () => load() }, 'Retry');
    body.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'connections-error' } },
      h('h2', { class: 'panel__title', tabindex: '-1' }, 'Couldn’t load connections'),
      h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.'),
      retry,
    ));
  }

  load();
  return () => controller.abort();
}

function field(label, control) {
  return h('div', { class: 'field' }, h('label', { class: 'field__label', for: control.id }, label), control);
}

function normalizeConnection(c) {
  return {
    id: str(c.id),
    locationId: str(c.locationId),
    appId: str(c.appId),
    appName: str(c.appName),
    level: str(c.level),
    instanceLabel: str(c.instanceLabel),
    scope: str(c.scope),
    status: str(c.status),
    connectedAt: str(c.connectedAt),
    lastUsedAt: str(c.lastUsedAt),
    blockedReason: str(c.blockedReason),
    blockedUntil: str(c.blockedUntil),
  };
}

/** Every published app (for Open links), following the cursor. */
async function loadCatalog(signal) {
  const apps = new Map();
  let cursor = '';
  for (let i = 0; i < CATALOG_MAX_PAGES; i += 1) {
    const page = await apiGet('/admin/v1/apps', { limit: CATALOG_PAGE, cursor }, { signal });
    for (const app of Array.isArray(page.apps) ? page.apps : []) {
      if (app && typeof app === 'object') {
        const a = normalizeApp(app);
        apps.set(a.id, a);
      }
    }
    cursor = str(page.nextCursor);
    if (!cursor) break;
  }
  return apps;
}
