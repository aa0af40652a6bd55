// Rate-limit headroom, for the connection's Activity page and the Overview.
//
// rateLimitPanel: GET /admin/v1/connections/{id}/rate_limits — each window
// (minute, hour, day) with its limit, its use now and its peaks today and
// over the last 7 UTC days, as numbers and as bars against the limit; a bar
// past the warning share (80 %) is drawn in the warning colour, and every
// figure is also text (the bars are decoration for sighted readers).
// nearLimitSection: the overview's nearRateLimit — the connections that
// passed 80 % of a window today, with the windows and a link to each one's
// Activity page.

import { h, uid } from './dom.js';
import { apiGet } from './api.js';
import { str } from './app-ui.js';

const WINDOW_LABELS = { minute: 'Per minute', hour: 'Per hour', day: 'Per day' };

const fmt = (n) => new Intl.NumberFormat('en-GB').format(n);
const num = (v) => Math.max(0, Math.trunc(Number(v) || 0));

function usage(u) {
  return {
    window: str(u && u.window), limit: num(u && u.limit), used: num(u && u.used),
    peakToday: num(u && u.peakToday), peak7Days: num(u && u.peak7Days), resetAt: str(u && u.resetAt),
  };
}

function share(n, limit) {
  return limit > 0 ? Math.round((n / limit) * 100) : 0;
}

/** A bar of n against limit, with the figure beside it. */
function bar(n, limit, warn, testid) {
  const pct = share(n, limit);
  const near = pct >= warn;
  const fill = h('span', { class: 'rate-bar__fill' });
  // Through the CSSOM: the site's CSP (style-src 'self') refuses style attributes.
  fill.style.width = `${Math.min(100, pct)}%`;
  return h('span', { class: 'rate-bar-cell' },
    h('span', { class: `rate-bar${near ? ' rate-bar--near' : ''}`, 'aria-hidden': 'true' }, fill),
    h('span', { class: 'rate-bar__figure', dataset: { testid, value: String(n) } }, `${fmt(n)} · ${pct} %`));
}

export function rateLimitPanel(connectionId, signal) {
  const titleId = uid('rate-title');
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading the rate limits…');
  const section = h('section', { class: 'activity-section rate-limits', 'aria-labelledby': titleId, dataset: { testid: 'rate-limits' } },
    h('h2', { class: 'activity-section__title', id: titleId }, 'Rate limits'),
    status);
  (async () => {
    let r;
    try {
      r = await apiGet(`/admin/v1/connections/${encodeURIComponent(connectionId)}/rate_limits`, {}, { signal });
    } catch (err) {
      if (signal.aborted) return;
      status.textContent = `Couldn’t load the rate limits: ${(err && err.message) || 'something went wrong'}.`;
      status.dataset.testid = 'rate-limits-error';
      return;
    }
    if (signal.aborted) return;
    const warn = num(r && r.warningPercent) || 80;
    const days = num(r && r.peakDays) || 7;
    const windows = (Array.isArray(r && r.windows) ? r.windows : []).map(usage);
    status.textContent = `Calls counted by the API against each limit; the bars turn orange past ${warn} %. Peaks are the busiest window of each length, today and over the last ${days} days (UTC).`;
    section.append(h('div', { class: 'table-wrap' }, h('table', { class: 'table rate-table' },
      h('caption', { class: 'visually-hidden' }, 'Rate-limit windows: limit, use now, peak today and peak over 7 days'),
      h('thead', {}, h('tr', {}, ['Window', 'Limit', 'Now', 'Peak today', `Peak, ${days} days`].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, windows.map((u) => h('tr', { dataset: { testid: 'rate-limit-row', window: u.window } },
        h('th', { scope: 'row', 'data-label': 'Window' }, WINDOW_LABELS[u.window] || u.window),
        h('td', { 'data-label': 'Limit', dataset: { testid: 'rate-limit' } }, fmt(u.limit)),
        h('td', { 'data-label': 'Now' }, bar(u.used, u.limit, warn, 'rate-used')),
        h('td', { 'data-label': 'Peak today' }, bar(u.peakToday, u.limit, warn, 'rate-peak-today')),
        h('td', { 'data-label': `Peak, ${days} days` }, bar(u.peak7Days, u.limit, warn, 'rate-peak-7days'))))))));
  })();
  return section;
}

/** The overview's list of connections past 80 % of a window today. */
export function nearLimitSection(list, locationText) {
  const items = (Array.isArray(list) ? list : []).filter((n) => n && typeof n === 'object');
  const titleId = uid('near-title');
  const section = h('section', { class: 'activity-section', 'aria-labelledby': titleId, dataset: { testid: 'near-rate-limit' } },
    h('h2', { class: 'activity-section__title', id: titleId }, `Near a rate limit today${items.length ? ` · ${items.length}` : ''}`));
  if (items.length === 0) {
    section.append(h('p', { class: 'muted', dataset: { testid: 'near-rate-limit-empty' } }, 'No connection passed 80 % of a rate limit today.'));
    return section;
  }
  section.append(h('ul', { class: 'attention-list' }, items.map((n) => {
    const id = str(n.connectionId);
    const windows = (Array.isArray(n.windows) ? n.windows : []).map(usage);
    return h('li', { class: 'attention-item attention-item--rate', dataset: { testid: 'near-rate-limit-item', connectionId: id } },
      h('div', {},
        h('span', { class: 'attention-item__app' }, str(n.appName) || str(n.appId)),
        h('span', { class: 'attention-item__reason' }, ` · ${locationText(str(n.locationId))}`,
          str(n.instanceLabel) ? ` · ${str(n.instanceLabel)}` : ''),
        h('p', { class: 'attention-item__message', dataset: { testid: 'near-rate-limit-windows' } },
          windows.map((u) => `${WINDOW_LABELS[u.window] || u.window}: peak ${fmt(u.peakToday)} of ${fmt(u.limit)} (${share(u.peakToday, u.limit)} %)`).join(' · '))),
      h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${encodeURIComponent(id)}/activity` }, 'View activity'));
  })));
  return section;
}
