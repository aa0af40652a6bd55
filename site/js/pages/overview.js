// Overview (#/overview): every connection of the account by state — connected,
// blocked, erroring, needing re-authorisation, silent — as summary cards, and
// the "needs attention" list with the reason and what to do. Computed by the
// API from the roll-ups; nothing here reads the call log.

import { h, clear } from '../dom.js';
import { apiGet } from '../api.js';
import { getSession } from '../session.js';
import { str } from '../app-ui.js';

const REASONS = {
  erroring: 'Erroring',
  auth_failures: 'Refused after a token change',
  callback_failures: 'Callbacks failing',
  needs_reauthorisation: 'Needs re-authorisation',
  silent: 'Silent',
};

const CARDS = [
  { key: 'connected', label: 'Connected', tone: '' },
  { key: 'erroring', label: 'Erroring', tone: 'danger' },
  { key: 'needsReauthorisation', label: 'Need re-authorisation', tone: 'warn' },
  { key: 'silent', label: 'Silent for 7 days', tone: 'warn' },
  { key: 'blocked', label: 'Blocked', tone: '' },
];

export function renderOverview(outlet, { signal }) {
  const session = getSession();
  const locations = session ? session.locations : [];
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'overview-body' });
  outlet.append(
    h('div', { class: 'page-header' },
      h('h1', { class: 'page-title' }, 'Overview'),
      h('p', { class: 'page-lead' }, 'Which apps work, which fail and why. Updated every 5 minutes from the apps’ calls.')),
    status, body);

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());

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
    show(o || {});
  }

  function show(o) {
    body.append(h('div', { class: 'overview-cards', dataset: { testid: 'overview-cards' } },
      CARDS.map((c) => {
        const count = Math.max(0, Math.trunc(Number(o[c.key] && o[c.key].count) || 0));
        return h('a', { class: `overview-card${c.tone && count ? ` overview-card--${c.tone}` : ''}`, href: '#/connections', dataset: { testid: 'overview-card', card: c.key } },
          h('span', { class: 'overview-card__label' }, c.label),
          h('span', { class: 'overview-card__value', dataset: { testid: 'overview-count' } }, String(count)));
      })));
    const items = (Array.isArray(o.needsAttention) ? o.needsAttention : []).filter((a) => a && typeof a === 'object');
    const section = h('section', { class: 'activity-section', 'aria-labelledby': 'attention-title', dataset: { testid: 'needs-attention' } },
      h('h2', { class: 'activity-section__title', id: 'attention-title' }, `Needs attention${items.length ? ` · ${items.length}` : ''}`));
    if (items.length === 0) {
      section.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'attention-empty' } },
        h('h3', { class: 'panel__title' }, 'All good'),
        h('p', { class: 'panel__text' }, 'No connection is failing, silent or missing permissions.')));
    } else {
      section.append(h('ul', { class: 'attention-list' }, items.map(attention)));
    }
    body.append(section);
  }

  function attention(a) {
    const reason = str(a.reason);
    const id = encodeURIComponent(str(a.connectionId));
    const locationId = str(a.locationId);
    const location = locations.find((l) => l.id === locationId);
    const where = locationId ? (location && location.name) || locationId : 'All locations (account)';
    let action;
    switch (str(a.actionCode)) {
      case 'view_logs':
        action = h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${id}/logs?status=5xx` }, 'View failing calls');
        break;
      case 'reauthorise':
        action = h('a', { class: 'btn btn--primary btn--small', href: `#/apps/${encodeURIComponent(str(a.appId))}` }, 'Re-authorise');
        break;
      default:
        action = h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${id}/activity` }, 'View activity');
    }
    return h('li', { class: `attention-item attention-item--${reason}`, dataset: { testid: 'attention-item', reason, connectionId: str(a.connectionId) } },
      h('div', {},
        h('span', { class: 'attention-item__app', dataset: { testid: 'attention-app' } }, str(a.appName) || str(a.appId)),
        h('span', { class: 'attention-item__reason' }, ` · ${where} · `, h('strong', { dataset: { testid: 'attention-reason' } }, REASONS[reason] || reason)),
        h('p', { class: 'attention-item__message' }, str(a.message)),
        h('p', { class: 'attention-item__action' }, str(a.action))),
      action);
  }

  load();
  return () => controller.abort();
}
