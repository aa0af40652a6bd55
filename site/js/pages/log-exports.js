// Exports of a connection's log, on its Logs page: "Export" opens a form
// (the range: a preset or from/to in the account's time zone; the format,
// CSV or NDJSON; whether to include the bodies) that POSTs
// /admin/v1/connections/:id/exports. The list below it shows the
// connection's exports, newest first, with their state and progress
// (entries written, parts finished) and, once done, one download link per
// part: presigned S3 URLs that answer as attachments. While an export is
// queued or running the list is read again every few seconds.

import { h, clear, uid, safeHttpUrl } from '../dom.js';
import { apiGet, apiRequest } from '../api.js';
import { zoneOffset, secondsTime } from '../log-time.js';

const POLL_MS = 4000;
const HOUR = 3600 * 1000;
const PRESETS = [
  { value: '1h', label: 'Last hour', ms: HOUR },
  { value: '24h', label: 'Last 24 hours', ms: 24 * HOUR },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * HOUR },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * HOUR },
  { value: '90d', label: 'Last 90 days', ms: 90 * 24 * HOUR - 60 * 1000 }, // a minute inside the retention
  { value: 'custom', label: 'Custom range' },
];
const STATES = { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed' };

/** Minutes east of UTC of timeZone at date, read from zoneOffset's "UTC+01:00". */
function offsetMinutes(date, timeZone) {
  const m = /UTC([+-])(\d{2}):(\d{2})/.exec(zoneOffset(date, timeZone));
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** The instant of a datetime-local value read as a wall time in timeZone, or null. */
export function wallTimeToDate(value, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || '');
  if (!m) return null;
  const asUTC = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  let t = asUTC - offsetMinutes(new Date(asUTC), timeZone) * 60000;
  t = asUTC - offsetMinutes(new Date(t), timeZone) * 60000; // again, across a daylight-saving change
  return new Date(t);
}

function formatCount(n) {
  return Number(n || 0).toLocaleString('en-US');
}

function formatBytes(n) {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${Math.round(n / (1 << 10))} KB`;
  return `${n} B`;
}

/**
 * The Export control and the list of exports of the log whose exports
 * live at base (/admin/v1/connections/:id/exports for renderLogs;
 * /admin/v1/developer/apps/:id/exports for an app's Calls section, whose
 * heading sits one level lower, under the app's name).
 */
export function renderLogExports(base, { signal, timeZone, heading = 'h2' }) {
  const zone = zoneOffset(new Date(), timeZone);
  const formId = uid('export-form');
  const toggle = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'aria-expanded': 'false', 'aria-controls': formId,
    dataset: { testid: 'export-open' } }, 'Export');

  const rangeId = uid('export-range');
  const range = h('select', { class: 'select', id: rangeId, dataset: { testid: 'export-range' } },
    ...PRESETS.map((p) => h('option', { value: p.value, selected: p.value === '24h' }, p.label)));
  const fromId = uid('export-from');
  const toId = uid('export-to');
  const from = h('input', { type: 'datetime-local', class: 'input', id: fromId, dataset: { testid: 'export-from' } });
  const to = h('input', { type: 'datetime-local', class: 'input', id: toId, dataset: { testid: 'export-to' } });
  const custom = h('div', { class: 'export-form__custom', hidden: true },
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: fromId }, `From (${zone})`), from),
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: toId }, `To (${zone})`), to));
  const formatName = uid('export-format');
  const formatChoice = (value, label, checked) => {
    const id = uid('export-format');
    return h('span', { class: 'export-form__choice' },
      h('input', { type: 'radio', name: formatName, id, value, checked, dataset: { testid: `export-format-${value}` } }),
      h('label', { for: id }, label));
  };
  const bodiesId = uid('export-bodies');
  const bodies = h('input', { type: 'checkbox', id: bodiesId, dataset: { testid: 'export-bodies' } });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary btn--small', dataset: { testid: 'export-start' } }, 'Start export');
  const formError = h('p', { class: 'export-form__error', role: 'alert', dataset: { testid: 'export-error' } });
  const form = h('form', { class: 'export-form', id: formId, hidden: true, noValidate: true, dataset: { testid: 'export-form' } },
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: rangeId }, 'Range'), range),
    custom,
    h('fieldset', { class: 'export-form__formats' }, h('legend', { class: 'field__label' }, 'Format'),
      formatChoice('csv', 'CSV (spreadsheets)', true), formatChoice('ndjson', 'NDJSON (one JSON object per line)', false)),
    h('span', { class: 'export-form__choice' }, bodies, h('label', { for: bodiesId }, 'Include request and response bodies')),
    h('p', { class: 'export-form__note muted' }, 'Up to 90 days within the log\'s retention. Exports are written in parts of up to 5,000 calls and kept 7 days.'),
    h('div', { class: 'export-form__actions' }, submit),
    formError);

  // Announced (aria-live) without the status role: the page's one status
  // region is the log's ("50 calls shown").
  const status = h('p', { class: 'results-status', 'aria-live': 'polite', dataset: { testid: 'export-status' } });
  const rows = h('tbody', {});
  const table = h('div', { class: 'table-wrap', hidden: true },
    h('table', { class: 'table export-table', dataset: { testid: 'export-table' } },
      h('caption', { class: 'visually-hidden' }, 'Exports of this log, newest first'),
      h('thead', {}, h('tr', {}, ['Started', 'Range', 'Format', 'State', 'Downloads'].map((t) => h('th', { scope: 'col' }, t)))),
      rows));
  const section = h('section', { class: 'log-exports', 'aria-label': 'Exports', dataset: { testid: 'log-exports' } },
    h('div', { class: 'log-exports__bar' }, h(heading, { class: 'log-exports__title' }, 'Exports'), toggle),
    form, status, table);

  let timer = 0;
  let loading = false;
  signal.addEventListener('abort', () => clearTimeout(timer));

  toggle.addEventListener('click', () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) range.focus();
  });
  range.addEventListener('change', () => {
    custom.hidden = range.value !== 'custom';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    let fromDate;
    let toDate;
    if (range.value === 'custom') {
      fromDate = wallTimeToDate(from.value, timeZone);
      toDate = wallTimeToDate(to.value, timeZone);
      if (!fromDate || !toDate) {
        formError.textContent = 'Enter both the start and the end of the range.';
        return;
      }
    } else {
      toDate = new Date();
      fromDate = new Date(toDate.getTime() - PRESETS.find((p) => p.value === range.value).ms);
    }
    const format = form.querySelector(`input[name="${formatName}"]:checked`).value;
    submit.disabled = true;
    try {
      await apiRequest('POST', base, {
        body: { from: fromDate.toISOString().replace(/\.\d{3}Z$/, 'Z'), to: toDate.toISOString().replace(/\.\d{3}Z$/, 'Z'), format, bodies: bodies.checked },
        signal,
      });
      form.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      status.textContent = 'Export started: it appears below, and its files once written.';
      await load();
    } catch (err) {
      if (err.name === 'AbortError') return;
      formError.textContent = err.message || 'The export could not be started.';
    } finally {
      submit.disabled = false;
    }
  });

  function partLinks(e) {
    if (e.state !== 'done') {
      if (e.state === 'failed') return h('span', { class: 'export-failed' }, e.error || 'The export failed.');
      return h('span', { class: 'muted' }, `${formatCount(e.entries)} calls, ${e.parts.length} ${e.parts.length === 1 ? 'part' : 'parts'} written`);
    }
    const list = h('ul', { class: 'export-parts' });
    for (const p of e.parts) {
      const href = safeHttpUrl(p.url);
      const label = `Part ${p.number} (${formatCount(p.entries)} calls, ${formatBytes(p.bytes)})`;
      list.append(h('li', {}, href
        ? h('a', { href, download: p.filename, rel: 'noopener', dataset: { testid: 'export-part' } }, label)
        : h('span', {}, label)));
    }
    return list;
  }

  function row(e) {
    const state = STATES[e.state] || e.state;
    return h('tr', { dataset: { testid: 'export-row', exportId: e.id, state: e.state } },
      h('td', {}, secondsTime(e.createdAt, timeZone, zone)),
      h('td', {}, secondsTime(e.from, timeZone, zone), ' – ', secondsTime(e.to, timeZone, zone)),
      h('td', {}, e.format === 'csv' ? 'CSV' : 'NDJSON', e.bodies ? ', with bodies' : ''),
      h('td', { dataset: { testid: 'export-state' } }, h('span', { class: `badge export-state export-state--${e.state}` }, state),
        e.state === 'running' || e.state === 'done' ? h('span', { class: 'export-progress' }, ` ${formatCount(e.entries)} calls`) : ''),
      h('td', {}, partLinks(e)));
  }

  async function load() {
    if (loading) return;
    loading = true;
    clearTimeout(timer);
    try {
      const { exports = [] } = await apiGet(base, {}, { signal });
      clear(rows);
      for (const e of exports) rows.append(row(e));
      table.hidden = exports.length === 0;
      if (exports.some((e) => e.state === 'queued' || e.state === 'running')) {
        timer = setTimeout(load, POLL_MS);
      }
    } catch (err) {
      if (err.name !== 'AbortError') status.textContent = `The exports could not be read: ${err.message}`;
    } finally {
      loading = false;
    }
  }
  load();
  return section;
}
