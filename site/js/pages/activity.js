// Activity (#/connections/:id/activity?days=30): a connection's calls per day
// in the account's time zone and per hour over the last 48 hours, from the
// roll-ups (refreshed every 5 minutes). The charts are hand-drawn SVG: bars
// stacked by status class, y axis with round ticks, dates on the x axis, and
// a <title> per bar so hovering (or a screen reader) gives the exact numbers.
// The same numbers are in a table below, as text.

import { h, clear, uid } from '../dom.js';
import { apiGet } from '../api.js';
import { str } from '../app-ui.js';
import { describePermission, parseScope } from '../permissions.js';
import { rateLimitPanel } from '../rate-limits.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const DAY_CHOICES = [7, 30, 90];
const SERIES = [
  { key: 's2xx', label: 'Success (2xx)', cls: 'ok' },
  { key: 's4xx', label: 'Client errors (4xx)', cls: 'client' },
  { key: 's5xx', label: 'Server errors (5xx)', cls: 'server' },
  { key: 'other', label: 'Other', cls: 'other' },
];

export function renderActivity(outlet, { params, query, signal, setQuery }) {
  const connectionId = params.id || '';
  let days = Number(query.get('days'));
  if (!DAY_CHOICES.includes(days)) days = 30;

  const title = h('h1', { class: 'page-title' }, 'Activity');
  const lead = h('p', { class: 'page-lead' }, 'Calls the app made with this connection, counted every 5 minutes.');
  const daysSelect = h('select', { class: 'select', name: 'days', id: uid('f-days') },
    DAY_CHOICES.map((d) => h('option', { value: String(d) }, `Last ${d} days`)));
  daysSelect.value = String(days);
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'activity-body' });

  outlet.append(
    h('div', { class: 'page-header' },
      h('p', { class: 'log-back' }, h('a', { href: '#/connections' }, '← Connections')),
      title, lead),
    h('div', { class: 'toolbar' },
      h('div', { class: 'toolbar__fields' },
        h('div', { class: 'field' }, h('label', { class: 'field__label', for: daysSelect.id }, 'Period'), daysSelect),
        h('a', { class: 'btn btn--secondary btn--small activity-logs', href: `#/connections/${encodeURIComponent(connectionId)}/logs` }, 'View logs')),
      status),
    body,
  );

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());
  daysSelect.addEventListener('change', () => {
    days = Number(daysSelect.value);
    setQuery({ days: String(days) });
    load();
  });

  async function load() {
    clear(body);
    status.textContent = 'Loading activity…';
    body.setAttribute('aria-busy', 'true');
    const id = encodeURIComponent(connectionId);
    const [activity, conn] = await Promise.allSettled([
      apiGet(`/admin/v1/connections/${id}/activity`, { days }, { signal: controller.signal }),
      apiGet(`/admin/v1/connections/${id}`, {}, { signal: controller.signal }),
    ]);
    if (controller.signal.aborted) return;
    body.removeAttribute('aria-busy');
    if (activity.status === 'rejected') {
      showError(activity.reason);
      return;
    }
    const c = conn.status === 'fulfilled' && conn.value ? conn.value : {};
    const appName = str(c.appName) || str(c.appId);
    if (appName) {
      title.textContent = `Activity · ${appName}`;
      document.title = `${title.textContent} · Switchboard`;
    }
    show(activity.value || {}, str(c.scope));
  }

  function show(a, grantedScope) {
    const dayPoints = (Array.isArray(a.days) ? a.days : []).map(point);
    const hourPoints = (Array.isArray(a.hours) ? a.hours : []).map(point);
    const timeZone = str(a.timeZone) || 'UTC';
    const total = dayPoints.reduce((n, p) => n + p.total, 0);
    const errors5xx = dayPoints.reduce((n, p) => n + p.s5xx, 0);
    status.textContent = `${fmt(total)} ${total === 1 ? 'call' : 'calls'} in the last ${dayPoints.length} days`;
    body.append(h('div', { class: 'activity-cards' },
      card('Calls', fmt(total), 'activity-total'),
      card('Success', total ? `${pct(dayPoints.reduce((n, p) => n + p.s2xx, 0), total)}` : '—', 'activity-success'),
      card('Server errors', fmt(errors5xx), 'activity-5xx'),
      card('Rate limited (429)', fmt(dayPoints.reduce((n, p) => n + p.s429, 0)), 'activity-429'),
    ), rateLimitPanel(connectionId, controller.signal));
    if (total === 0) {
      body.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'activity-empty' } },
        h('h2', { class: 'panel__title' }, `No calls in the last ${dayPoints.length} days`),
        h('p', { class: 'panel__text' }, 'When the app calls the API with this connection, its activity appears here within 5 minutes.')));
    } else {
      body.append(section(`Calls per day (${timeZone})`, 'activity-days',
        chart(dayPoints, { label: (p) => p.date, tick: (p) => shortDate(p.date), testid: 'activity-day-bar', caption: `Calls per day, last ${dayPoints.length} days` })));
      body.append(section('Last 48 hours, by hour', 'activity-hours',
        chart(hourPoints, { label: (p) => hourLabel(p.start, timeZone), tick: (p) => hourTick(p.start, timeZone), testid: 'activity-hour-bar', caption: 'Calls per hour, last 48 hours', hourly: true })));
    }
    body.append(scopes(grantedScope, Array.isArray(a.usedScopes) ? a.usedScopes.map(str) : [],
      Array.isArray(a.refusedScopes) ? a.refusedScopes.map(str) : []));
    if (total > 0) body.append(dayTable(dayPoints));
  }

  function showError(err) {
    status.textContent = '';
    clear(body);
    const notFound = err && err.status === 404;
    body.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'activity-error' } },
      h('h2', { class: 'panel__title' }, notFound ? 'Connection not found' : 'Couldn’t load the activity'),
      h('p', { class: 'panel__text' }, notFound ? 'It may have been disconnected.' : (err && err.message) || 'Something went wrong.'),
      notFound ? h('a', { class: 'btn btn--primary', href: '#/connections' }, 'Back to connections')
        : h('button', { type: 'button', class: 'btn btn--primary', onclick: () => load() }, 'Retry')));
  }

  load();
  return () => controller.abort();
}

function point(p) {
  const n = (k) => Math.max(0, Math.trunc(Number(p && p[k]) || 0));
  const total = n('total');
  const out = { start: str(p && p.start), date: str(p && p.date), total, s2xx: n('s2xx'), s4xx: n('s4xx'), s5xx: n('s5xx'), s429: n('s429'), p50: n('p50Ms'), p95: n('p95Ms') };
  out.other = Math.max(0, total - out.s2xx - out.s4xx - out.s5xx);
  return out;
}

function card(label, value, testid) {
  return h('div', { class: 'activity-card' },
    h('span', { class: 'activity-card__label' }, label),
    h('span', { class: 'activity-card__value', dataset: { testid } }, value));
}

function section(title, testid, content) {
  const id = uid('chart');
  return h('section', { class: 'activity-section', 'aria-labelledby': id, dataset: { testid } },
    h('h2', { class: 'activity-section__title', id }, title), content);
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

function svgText(x, y, text, attrs = {}) {
  const t = svg('text', { x, y, ...attrs });
  t.textContent = text;
  return t;
}

/** A "nice" axis maximum and step: 1, 2 or 5 times a power of ten. */
function niceScale(max) {
  if (max <= 0) return { top: 1, step: 1 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { top: Math.ceil(max / step) * step, step: Math.max(1, step) };
}

// The chart is drawn in pixels of its own width (the viewBox is redrawn when
// the figure's width changes): a fixed 900-unit viewBox scaled down to a
// 390 px phone drew 12 px labels 5 px tall. How many x labels fit follows
// the width too.
function chart(points, opts) {
  const legend = h('ul', { class: 'activity-legend' },
    SERIES.map((s) => h('li', {}, h('span', { class: `activity-legend__swatch activity-chart__seg--${s.cls}`, 'aria-hidden': 'true' }), s.label)));
  let drawn = 900;
  let root = drawChart(points, opts, drawn);
  const figure = h('figure', { class: 'activity-figure' }, root, legend);
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => {
      const width = Math.round(root.getBoundingClientRect().width);
      if (width <= 0 || width === drawn) return; // detached, or no change
      drawn = width;
      const next = drawChart(points, opts, width);
      root.replaceWith(next);
      root = next;
    }).observe(figure);
  }
  return figure;
}

function drawChart(points, { label, tick, testid, caption, hourly = false }, width) {
  // Tall enough for the bars on a phone, no taller than before on a desktop.
  const height = Math.round(Math.min(260, Math.max(180, width * 0.45)));
  const m = { top: 12, right: 12, bottom: 34, left: 48 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const { top, step } = niceScale(Math.max(0, ...points.map((p) => p.total)));
  const y = (v) => m.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, points.length);
  const barW = Math.max(2, slot * 0.72);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'activity-chart', role: 'img', 'aria-label': caption });
  const grid = svg('g', { class: 'activity-chart__grid' });
  for (let v = 0; v <= top; v += step) {
    grid.append(svg('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }),
      svgText(m.left - 8, y(v) + 4, fmt(v), { 'text-anchor': 'end', class: 'activity-chart__tick' }));
  }
  root.append(grid);
  // An x label ("24 Nov", "14:00") is under 50 px at 12 px; each gets a
  // 64 px slot at least, and the last one is drawn only where it fits.
  const fits = Math.max(2, Math.floor(plotW / 64));
  const every = Math.max(1, Math.ceil(points.length / Math.min(hourly ? 8 : 10, fits)));
  const labelAt = (i) => i % every === 0 || (i === points.length - 1 && (i % every) * slot >= 64);
  points.forEach((p, i) => {
    const x = m.left + i * slot + (slot - barW) / 2;
    const g = svg('g', { class: 'activity-chart__bar', 'data-testid': testid, 'data-total': p.total, 'data-label': label(p), tabindex: '0' });
    const t = svg('title');
    t.textContent = `${label(p)}: ${fmt(p.total)} ${p.total === 1 ? 'call' : 'calls'} — 2xx ${fmt(p.s2xx)}, 4xx ${fmt(p.s4xx)} (429: ${fmt(p.s429)}), 5xx ${fmt(p.s5xx)}`
      + (p.total ? `; latency p50 ≤ ${fmt(p.p50)} ms, p95 ≤ ${fmt(p.p95)} ms` : '');
    g.append(t);
    // A transparent full-height target makes hovering easy on short bars.
    g.append(svg('rect', { x: m.left + i * slot, y: m.top, width: slot, height: plotH, class: 'activity-chart__hit' }));
    let base = 0;
    for (const s of SERIES) {
      const v = p[s.key];
      if (!v) continue;
      g.append(svg('rect', { x, y: y(base + v), width: barW, height: Math.max(0.5, y(base) - y(base + v)), class: `activity-chart__seg activity-chart__seg--${s.cls}` }));
      base += v;
    }
    root.append(g);
    if (labelAt(i)) {
      root.append(svgText(m.left + i * slot + slot / 2, height - m.bottom + 18, tick(p), { 'text-anchor': 'middle', class: 'activity-chart__tick' }));
    }
  });
  root.append(svg('line', { x1: m.left, x2: width - m.right, y1: y(0), y2: y(0), class: 'activity-chart__axis' }));
  return root;
}

// used: permissions of calls answered 2xx; refused: those of calls refused
// 403 insufficient_scope for lacking them, which is not use.
function scopes(grantedScope, used, refused) {
  const granted = grantedScope ? parseScope(grantedScope).permissions : [];
  const rows = [...new Set([...granted, ...used, ...refused])].sort().map((perm) => h('tr', { dataset: { testid: 'scope-row', scope: perm } },
    h('td', {}, describePermission(perm), ' ', h('code', {}, perm)),
    h('td', {}, granted.includes(perm) ? 'Granted' : 'Not granted'),
    h('td', { dataset: { testid: 'scope-used' } }, used.includes(perm) ? 'Used' : h('span', { class: 'muted' }, 'Not used')),
    h('td', { dataset: { testid: 'scope-refused' } }, refused.includes(perm) ? h('strong', {}, 'Refused') : h('span', { class: 'muted' }, '—'))));
  return h('section', { class: 'activity-section', dataset: { testid: 'activity-scopes' } },
    h('h2', { class: 'activity-section__title' }, 'Permissions used in the last 30 days'),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Permission', 'Granted', 'Used (answered 2xx)', 'Refused for lack of it'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows))) : h('p', { class: 'muted' }, 'No permission granted or used.'));
}

function dayTable(points) {
  return h('details', { class: 'activity-section activity-table' },
    h('summary', {}, 'Numbers per day'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table', dataset: { testid: 'activity-table' } },
      h('thead', {}, h('tr', {}, ['Day', 'Calls', '2xx', '4xx', '429', '5xx', 'p50', 'p95'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, [...points].reverse().map((p) => h('tr', {},
        h('td', {}, p.date), h('td', {}, fmt(p.total)), h('td', {}, fmt(p.s2xx)), h('td', {}, fmt(p.s4xx)),
        h('td', {}, fmt(p.s429)), h('td', {}, fmt(p.s5xx)),
        h('td', {}, p.total ? `≤ ${fmt(p.p50)} ms` : '—'), h('td', {}, p.total ? `≤ ${fmt(p.p95)} ms` : '—')))))));
}

const numberFormat = new Intl.NumberFormat('en-GB');
function fmt(n) { return numberFormat.format(n); }
function pct(n, total) { return `${(Math.floor((n / total) * 1000) / 10).toFixed(1)}%`; }

function shortDate(date) {
  const [y, mo, d] = String(date).split('-').map(Number);
  if (!y) return date;
  return new Date(Date.UTC(y, mo - 1, d)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function safeZone(timeZone) {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

function hourLabel(iso, timeZone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { timeZone: safeZone(timeZone), day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

function hourTick(iso, timeZone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString('en-GB', { timeZone: safeZone(timeZone), hour: '2-digit', minute: '2-digit' });
}
