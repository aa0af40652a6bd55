// Overview (#/overview?list=&type=&user=&app=): every connection of the
// account by state — connected, blocked, erroring, needing re-authorisation,
// silent — as summary cards, each of which opens the list behind it in place
// (the open list is kept in the address as list=), the "needs attention" list
// with the reason and what to do, and the newest app-log events with filters
// (type, user, app; kept in the address) and a link to the full app log, in
// the spirit of HubSpot's "Vue d'ensemble". Computed by the API from the
// roll-ups; nothing here reads the call log.

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet } from '../api.js';
import { getSession } from '../session.js';
import { str, renderStatusBadge } from '../app-ui.js';
import { createAppLogList, appLogFilters, appLogHref, locationText } from './app-log.js';
import { nearLimitSection } from '../rate-limits.js';

const REASONS = {
  erroring: 'Erroring',
  auth_failures: 'Refused after a token change',
  callback_failures: 'Callbacks failing',
  needs_reauthorisation: 'Needs re-authorisation',
  silent: 'Silent',
};

// reasons: the needs-attention reasons filed under the card (its list shows
// them); status: the Connections page's status filter showing the same list.
const CARDS = [
  { key: 'connected', label: 'Connected', tone: '', status: 'active' },
  { key: 'erroring', label: 'Erroring', tone: 'danger', reasons: ['erroring', 'auth_failures', 'callback_failures'] },
  { key: 'needsReauthorisation', label: 'Need re-authorisation', tone: 'warn', reasons: ['needs_reauthorisation'] },
  { key: 'silent', label: 'Silent for 7 days', tone: 'warn', reasons: ['silent'] },
  { key: 'blocked', label: 'Blocked', tone: '', status: 'blocked' },
];

const RECENT_EVENTS = 10;
const APP_LOG_FIELDS = ['type', 'user', 'app'];

/** The link that does what an attention entry's action code says. */
export function attentionAction(a, { primary = true } = {}) {
  const id = encodeURIComponent(str(a.connectionId));
  switch (str(a.actionCode)) {
    case 'view_logs':
      return h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${id}/logs?status=5xx`, dataset: { testid: 'attention-action' } },
        'View failing calls');
    case 'reauthorise':
      // The app's page offers Re-authorise per connection, for just the missing scopes.
      return h('a', {
        class: `btn ${primary ? 'btn--primary' : 'btn--secondary'} btn--small`,
        href: `#/connected/${encodeURIComponent(str(a.appId))}`,
        dataset: { testid: 'attention-action' },
      }, 'Re-authorise');
    default:
      return h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${id}/activity`, dataset: { testid: 'attention-action' } },
        'View activity');
  }
}

export function renderOverview(outlet, { query, signal, setQuery }) {
  const session = getSession();
  const locations = session ? session.locations : [];
  const state = {
    list: CARDS.some((c) => c.key === query.get('list')) ? query.get('list') : '',
    log: (() => {
      const f = appLogFilters(query, locations);
      return Object.fromEntries(APP_LOG_FIELDS.map((k) => [k, f[k]]));
    })(),
  };
  const saveQuery = () => setQuery({ list: state.list, ...state.log });

  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'overview-body' });
  outlet.append(
    h('div', { class: 'page-header' },
      h('h1', { class: 'page-title' }, 'Overview'),
      h('p', { class: 'page-lead' }, 'Which apps work, which fail and why. Updated every 5 minutes from the apps’ calls.')),
    status, body);

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());

  // The app log loads on its own: the overview failing does not hide it.
  const fullLog = h('a', { href: appLogHref(state.log), dataset: { testid: 'overview-app-log-link' } }, 'See the full app log');
  const log = createAppLogList({
    filters: state.log,
    fields: APP_LOG_FIELDS,
    pageSize: RECENT_EVENTS,
    paged: false,
    signal: controller.signal,
    onChange: (filters) => {
      state.log = Object.fromEntries(APP_LOG_FIELDS.map((k) => [k, filters[k]]));
      fullLog.setAttribute('href', appLogHref(state.log));
      saveQuery();
    },
  });
  outlet.append(h('section', { class: 'activity-section overview-app-log', 'aria-labelledby': 'overview-log-title', dataset: { testid: 'overview-app-log' } },
    h('div', { class: 'page-header--split' },
      h('h2', { class: 'activity-section__title', id: 'overview-log-title' }, 'App log'),
      fullLog),
    log.toolbar, log.list));

  async function load() {
    clear(body);
    status.textContent = 'Loading the overview…';
    body.setAttribute('aria-busy', 'true');
    let o;
    try {
      o = await apiGet('/admin/v1/overview', {}, { signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted) return;
      body.removeAttribute('aria-busy');
      status.textContent = '';
      body.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'overview-error' } },
        h('h2', { class: 'panel__title' }, 'Couldn’t load the overview'),
        h('p', { class: 'panel__text' }, (err && err.message) || 'Something went wrong.'),
        h('button', { type: 'button', class: 'btn btn--primary', onclick: () => load() }, 'Retry')));
      return;
    }
    body.removeAttribute('aria-busy');
    status.textContent = '';
    show(o && typeof o === 'object' ? o : {});
  }

  function show(o) {
    const items = (Array.isArray(o.needsAttention) ? o.needsAttention : []).filter((a) => a && typeof a === 'object');
    const panel = h('div', { class: 'overview-list', id: uid('overview-list'), hidden: true, dataset: { testid: 'overview-card-list' } });
    const buttons = new Map();
    const open = (key) => {
      state.list = key;
      for (const [k, b] of buttons) {
        b.setAttribute('aria-expanded', String(k === key));
        b.querySelector('.overview-card__more').textContent = k === key ? 'Hide the list' : 'Show the list';
      }
      clear(panel);
      panel.hidden = !key;
      panel.dataset.card = key;
      if (key) panel.append(cardList(CARDS.find((c) => c.key === key), o[key], items));
    };
    body.append(h('div', { class: 'overview-cards', dataset: { testid: 'overview-cards' } },
      CARDS.map((c) => {
        const count = Math.max(0, Math.trunc(Number(o[c.key] && o[c.key].count) || 0));
        const button = h('button', {
          type: 'button',
          class: `overview-card${c.tone && count ? ` overview-card--${c.tone}` : ''}`,
          'aria-expanded': 'false',
          'aria-controls': panel.id,
          dataset: { testid: 'overview-card', card: c.key },
        },
        h('span', { class: 'overview-card__label' }, c.label),
        h('span', { class: 'overview-card__value', dataset: { testid: 'overview-count' } }, String(count)),
        srOnly(` ${count === 1 ? 'connection' : 'connections'}`),
        h('span', { class: 'overview-card__more' }, 'Show the list'));
        button.addEventListener('click', () => {
          open(state.list === c.key ? '' : c.key);
          saveQuery();
        });
        buttons.set(c.key, button);
        return button;
      })), panel);
    open(state.list);

    const section = h('section', { class: 'activity-section', 'aria-labelledby': 'attention-title', dataset: { testid: 'needs-attention' } },
      h('h2', { class: 'activity-section__title', id: 'attention-title' }, `Needs attention${items.length ? ` · ${items.length}` : ''}`));
    if (items.length === 0) {
      section.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'attention-empty' } },
        h('h3', { class: 'panel__title' }, 'All good'),
        h('p', { class: 'panel__text' }, 'No connection is failing, silent or missing permissions.')));
    } else {
      section.append(h('ul', { class: 'attention-list' }, items.map(attention)));
    }
    body.append(section, nearLimitSection(o.nearRateLimit, (id) => locationText(id, locations)));
  }

  /** The connections behind one card, with why they are there and what to do. */
  function cardList(card, sectionData, items) {
    const conns = (sectionData && Array.isArray(sectionData.connections) ? sectionData.connections : [])
      .filter((c) => c && typeof c === 'object');
    const headingId = uid('card-list');
    const wrap = h('section', { 'aria-labelledby': headingId },
      h('div', { class: 'page-header--split' },
        h('h2', { class: 'activity-section__title', id: headingId }, `${card.label} · ${conns.length}`),
        card.status ? h('a', { href: `#/connections?${new URLSearchParams({ status: card.status })}`, dataset: { testid: 'overview-card-connections' } },
          'See them in Connections') : null));
    if (conns.length === 0) {
      wrap.append(h('p', { class: 'muted', dataset: { testid: 'overview-card-empty' } }, 'No connection in this state.'));
      return wrap;
    }
    const cols = ['App', 'Location', card.reasons ? 'Why' : 'Status', card.reasons ? 'What to do' : null].filter(Boolean);
    wrap.append(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden' }, `${card.label}: the connections`),
      h('thead', {}, h('tr', {}, cols.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, conns.map((c) => {
        const id = str(c.id);
        const why = card.reasons ? items.filter((a) => str(a.connectionId) === id && card.reasons.includes(str(a.reason))) : [];
        return h('tr', { dataset: { testid: 'overview-card-item', connectionId: id, appId: str(c.appId) } },
          h('td', { 'data-label': 'App' },
            h('a', { href: `#/connected/${encodeURIComponent(str(c.appId))}`, dataset: { testid: 'overview-card-app' } }, str(c.appName) || str(c.appId))),
          h('td', { 'data-label': 'Location' }, locationText(str(c.locationId), locations),
            str(c.instanceLabel) ? h('span', { class: 'muted' }, ` · ${str(c.instanceLabel)}`) : null),
          card.reasons
            ? h('td', { 'data-label': 'Why', dataset: { testid: 'overview-card-reason' } },
              why.length ? why.map((a) => h('span', { class: 'overview-list__why' }, h('strong', {}, REASONS[str(a.reason)] || str(a.reason)), ` ${str(a.message)}`)) : '—')
            : h('td', { 'data-label': 'Status' }, renderStatusBadge(str(c.status))),
          card.reasons ? h('td', { 'data-label': 'What to do' }, why.length ? attentionAction(why[0], { primary: false }) : '—') : null);
      })))));
    return wrap;
  }

  function attention(a) {
    const reason = str(a.reason);
    const where = locationText(str(a.locationId), locations);
    return h('li', { class: `attention-item attention-item--${reason}`, dataset: { testid: 'attention-item', reason, connectionId: str(a.connectionId) } },
      h('div', {},
        h('span', { class: 'attention-item__app', dataset: { testid: 'attention-app' } }, str(a.appName) || str(a.appId)),
        h('span', { class: 'attention-item__reason' }, ` · ${where} · `, h('strong', { dataset: { testid: 'attention-reason' } }, REASONS[reason] || reason)),
        h('p', { class: 'attention-item__message' }, str(a.message)),
        h('p', { class: 'attention-item__action' }, str(a.action))),
      attentionAction(a));
  }

  load();
  return () => controller.abort();
}
