// A callback delivery log, reusable wherever deliveries are listed: a
// connection's (Connections page, in a dialog), an app's across accounts (My
// apps, in a dialog) and an app's in this account, removed connections
// included (the connected app's page, in a section).
//
// Each delivery shows its state and every recorded attempt (time, what
// triggered it, HTTP status, latency); the developer's view (developerView)
// adds the error and the first KiB of the answer, which the API gives the
// app's developer only: a merchant's log never holds URLs or bodies.
// The list pages backwards with the API's cursor ("Load older"); a page read
// through a filter may come back short or empty with a cursor, so an empty
// one is followed at once, a few times, before asking the user. Admins
// redeliver one event, or every failed event created in a time range they
// pick, in the account's time zone like the list's times (not the
// browser's: a merchant abroad reads the same times everywhere).
//
// API: GET listPath?limit&cursor → { deliveries: [...], nextCursor };
// POST redeliverPath { eventId } → { delivery } or { from, to } → { queued }.

import { h, clear, srOnly, uid } from './dom.js';
import { apiGet, apiRequest } from './api.js';
import { timeElement } from './app-ui.js';
import { zoneLabel, zonedInputValue, zonedInputDate, isoSeconds } from './log-time.js';

const PAGE_SIZE = 20;
// Empty filtered pages followed before "Load older" is offered again.
const MAX_EMPTY_FOLLOWS = 5;
const RANGE_DAYS = 7;

const STATE_LABELS = { pending: 'Retrying', succeeded: 'Delivered', failed: 'Failed' };
const TRIGGER_LABELS = { first: 'First attempt', retry: 'Retry', redeliver: 'Redelivery' };

const str = (v) => (typeof v === 'string' ? v : '');

/**
 * The range of a redelivery from two datetime-local values read in
 * timeZone: { from, to } in RFC 3339, `to` taking in its whole minute;
 * throws a readable Error.
 */
export function readRange(fromValue, toValue, timeZone) {
  if (!fromValue || !toValue) throw new Error('Pick both the start and the end of the range.');
  const from = zonedInputDate(fromValue, timeZone);
  const to = new Date(zonedInputDate(toValue, timeZone).getTime() + 60_000);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('The range is not a valid time.');
  if (from.getTime() >= to.getTime() - 60_000) throw new Error('The start must be before the end.');
  return { from: isoSeconds(from), to: isoSeconds(to) };
}

/**
 * Renders a delivery log and loads its first page. Options: listPath,
 * redeliverPath, canManage, timeZone, describeConnection(d) (a label for
 * the delivery's connection, or '' to show none), emptyText, signal (aborts
 * loads in flight), developerView (adds the Error and Response columns).
 * Returns the element.
 */
export function renderDeliveryLog({ listPath, redeliverPath, canManage, timeZone, describeConnection, emptyText, signal, developerView }) {
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite', dataset: { testid: 'deliveries-status' } });
  const list = h('div', { class: 'deliveries', dataset: { testid: 'deliveries' } });
  const more = h('button', { type: 'button', class: 'btn btn--secondary btn--small', hidden: true, dataset: { testid: 'deliveries-more' } }, 'Load older callbacks');
  const noRight = canManage ? {} : { disabled: true, title: 'Only admins can redeliver' };

  let cursor = '';
  let shown = 0;
  let loading = null;
  const aborter = new AbortController();
  if (signal) signal.addEventListener('abort', () => aborter.abort());

  async function load(reset) {
    if (loading) loading.abort();
    const mine = new AbortController();
    loading = mine;
    aborter.signal.addEventListener('abort', () => mine.abort());
    if (reset) {
      cursor = '';
      shown = 0;
      clear(list);
    }
    more.disabled = true;
    more.setAttribute('aria-busy', 'true');
    status.textContent = 'Loading callbacks…';
    try {
      let follows = 0;
      let added = 0;
      do {
        const params = { limit: PAGE_SIZE };
        if (cursor) params.cursor = cursor;
        const page = await apiGet(listPath, params, { signal: mine.signal });
        if (mine.signal.aborted) return;
        const ds = Array.isArray(page.deliveries) ? page.deliveries.filter((d) => d && typeof d === 'object') : [];
        for (const d of ds) list.append(row(d));
        added += ds.length;
        cursor = str(page.nextCursor);
      } while (added === 0 && cursor && ++follows < MAX_EMPTY_FOLLOWS);
      shown += added;
      more.hidden = !cursor;
      status.textContent = shown
        ? `${shown} callback${shown === 1 ? '' : 's'}${cursor ? ' shown; older ones remain' : ''}`
        : (emptyText || 'No callback was sent to this app yet.');
    } catch (err) {
      if (mine.signal.aborted) return;
      status.textContent = err && err.message ? err.message : 'Couldn’t load the callbacks.';
      more.hidden = !cursor;
    } finally {
      if (loading === mine) loading = null;
      more.disabled = false;
      more.removeAttribute('aria-busy');
    }
  }

  function attemptsTable(d) {
    const attempts = Array.isArray(d.attempts) ? d.attempts.filter((a) => a && typeof a === 'object') : [];
    const count = Number(d.attemptCount) || 0;
    const details = h('details', { class: 'delivery__attempts', dataset: { testid: 'attempts' } },
      h('summary', {}, `${count} attempt${count === 1 ? '' : 's'}`,
        count > attempts.length ? ` (the last ${attempts.length} kept)` : ''));
    if (attempts.length === 0) {
      details.append(h('p', { class: 'muted' }, d.state === 'pending' ? 'Not attempted yet: it is sent within a minute.' : 'No attempt recorded.'));
      return details;
    }
    details.append(h('div', { class: 'table-wrap' }, h('table', { class: 'table delivery__attempt-table' },
      h('caption', { class: 'visually-hidden' }, `Attempts of ${str(d.type)} ${str(d.eventId)}, oldest first`),
      h('thead', {}, h('tr', {}, ['Time', 'Trigger', 'Status', 'Latency', ...(developerView ? ['Error', 'Response'] : [])]
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, attempts.map((a) => h('tr', { dataset: { testid: 'attempt', status: String(Number(a.status) || 0), trigger: str(a.trigger) } },
        h('td', {}, timeElement(str(a.at), timeZone) || '—'),
        h('td', {}, TRIGGER_LABELS[a.trigger] || str(a.trigger)),
        h('td', { dataset: { testid: 'attempt-status' } }, a.status ? `HTTP ${Number(a.status)}` : 'No answer'),
        h('td', {}, `${Number(a.latencyMs) || 0} ms`),
        developerView ? h('td', { dataset: { testid: 'attempt-error' } }, str(a.error) || '—') : null,
        developerView
          ? h('td', {}, str(a.response)
            ? h('pre', { class: 'delivery__response', dataset: { testid: 'attempt-response' } }, str(a.response))
            : '—')
          : null))))));
    return details;
  }

  function row(d) {
    const type = str(d.type);
    const again = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'redeliver' }, ...noRight },
      'Redeliver', srOnly(` ${type}`));
    const el = h('div', { class: 'delivery', dataset: { testid: 'delivery', eventId: str(d.eventId), state: str(d.state), connectionId: str(d.connectionId) } },
      h('div', { class: 'delivery__head' },
        h('span', { class: 'mono' }, type),
        h('span', { class: `badge badge--delivery-${STATE_LABELS[d.state] ? d.state : 'unknown'}`, dataset: { testid: 'delivery-state' } },
          d.state === 'pending' && !d.attemptCount ? 'Queued' : STATE_LABELS[d.state] || str(d.state)),
        timeElement(str(d.createdAt), timeZone) || ''),
      describeConnection ? connectionLine(d) : null,
      d.state === 'pending' && d.nextAttemptAt
        ? h('p', { class: 'field__hint' }, 'Next attempt: ', timeElement(str(d.nextAttemptAt), timeZone) || 'soon')
        : null,
      h('p', { class: 'mono field__hint' }, `id ${str(d.eventId)}`),
      attemptsTable(d),
      again);
    again.addEventListener('click', async () => {
      again.disabled = true;
      again.setAttribute('aria-busy', 'true');
      try {
        const out = await apiRequest('POST', redeliverPath, { body: { eventId: str(d.eventId) } });
        const fresh = out && out.delivery && typeof out.delivery === 'object' ? out.delivery : null;
        if (fresh) {
          const next = row(fresh);
          el.replaceWith(next);
          const ok = fresh.state === 'succeeded' && (fresh.attempts || []).slice(-1)[0]?.status;
          status.textContent = ok ? `${type} redelivered.` : `${type} redelivered; the app did not accept it.`;
          next.querySelector('[data-testid="redeliver"]')?.focus();
        }
      } catch (err) {
        status.textContent = err && err.message ? err.message : 'Redelivery failed.';
        again.disabled = false;
      } finally {
        again.removeAttribute('aria-busy');
      }
    });
    return el;
  }

  function connectionLine(d) {
    const label = describeConnection(d);
    return label ? h('p', { class: 'field__hint', dataset: { testid: 'delivery-connection' } }, label) : null;
  }

  // ---- redeliver the failed callbacks of a range ------------------------------
  const fromId = uid('redeliver-from');
  const toId = uid('redeliver-to');
  const now = new Date();
  const zoneId = uid('redeliver-zone');
  const from = h('input', { class: 'input', type: 'datetime-local', id: fromId, 'aria-describedby': zoneId,
    value: zonedInputValue(new Date(now.getTime() - RANGE_DAYS * 86_400_000), timeZone), dataset: { testid: 'redeliver-from' } });
  const to = h('input', { class: 'input', type: 'datetime-local', id: toId, 'aria-describedby': zoneId,
    value: zonedInputValue(now, timeZone), dataset: { testid: 'redeliver-to' } });
  const zoneHint = h('p', { class: 'field__hint', id: zoneId, dataset: { testid: 'redeliver-zone' } },
    `Times in ${zoneLabel(now, timeZone)}, as in the list.`);
  const rangeButton = h('button', { type: 'submit', class: 'btn btn--secondary btn--small', dataset: { testid: 'redeliver-failed' }, ...noRight },
    'Redeliver failed callbacks');
  const rangeStatus = h('p', { class: 'field__hint', role: 'status', 'aria-live': 'polite', dataset: { testid: 'redeliver-range-status' } });
  const rangeForm = h('form', { class: 'delivery-range', dataset: { testid: 'redeliver-range' } },
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: fromId }, 'Failed callbacks created from'), from),
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: toId }, 'to (included)'), to),
    zoneHint, rangeButton, rangeStatus);
  rangeForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!canManage) return;
    rangeButton.disabled = true;
    rangeButton.setAttribute('aria-busy', 'true');
    try {
      const out = await apiRequest('POST', redeliverPath, { body: readRange(from.value, to.value, timeZone) });
      const n = out && Number.isFinite(out.queued) ? out.queued : 0;
      rangeStatus.textContent = n
        ? `${n} failed callback${n === 1 ? '' : 's'} queued; they are sent within a minute.`
        : 'No failed callback in this range.';
      if (n) load(true);
    } catch (err) {
      rangeStatus.textContent = err && err.message ? err.message : 'Redelivery failed.';
    } finally {
      rangeButton.disabled = false;
      rangeButton.removeAttribute('aria-busy');
    }
  });

  more.addEventListener('click', () => load(false));
  const wrap = h('div', { class: 'delivery-log', dataset: { testid: 'delivery-log' } }, rangeForm, status, list, more);
  load(true);
  return wrap;
}
