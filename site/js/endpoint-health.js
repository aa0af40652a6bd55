// An app's callback endpoint health: what its developer sees on My apps
// (state, failure rates over 24 hours and 7 days, why it was disabled, and
// "Enable endpoint", optionally redelivering the failed events since a
// time) and what a merchant sees on the connected app's page (the state
// only). Switchboard disables an endpoint after every delivery failed for
// days (CALLBACK_DISABLE_AFTER_DAYS) or at once on an answer 410 Gone; no
// attempt is made while it is disabled, and its events are kept as failed.
//
// Data: the callbackEndpoint of GET /admin/v1/developer/apps[/{id}] and of
// GET /admin/v1/apps/{id}; POST
// /admin/v1/developer/apps/{id}/callback-endpoint/enable {redeliverSince?}.

import { h, uid } from './dom.js';
import { apiRequest } from './api.js';
import { zoneLabel, zonedInputDate, zonedInputValue, isoSeconds } from './log-time.js';

// Imports nothing of app-ui.js, which normalizes apps with normalizeEndpoint.

function text(v) {
  return typeof v === 'string' ? v : '';
}

function rate(r) {
  const n = (v) => (Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
  if (!r || typeof r !== 'object') return { attempts: 0, failed: 0 };
  return { attempts: n(r.attempts), failed: n(r.failed) };
}

/** The callbackEndpoint of an app answer, or null when the answer has none. */
export function normalizeEndpoint(raw) {
  if (!raw || typeof raw !== 'object') return null;
  return {
    state: raw.state === 'disabled' ? 'disabled' : 'active',
    disabledAt: text(raw.disabledAt),
    disabledReason: text(raw.disabledReason),
    failingSince: text(raw.failingSince),
    lastSuccessAt: text(raw.lastSuccessAt),
    last24h: rate(raw.last24h),
    last7d: rate(raw.last7d),
  };
}

function formatWhen(iso, timeZone) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone || undefined }).format(d);
  } catch {
    return d.toLocaleString();
  }
}

function rateText(r, window) {
  if (r.attempts === 0) return `no attempt in ${window}`;
  const pct = Math.round((r.failed / r.attempts) * 100);
  return `${pct} % failed in ${window} (${r.failed} of ${r.attempts})`;
}

/** The state badge; merchants see this only. */
export function renderEndpointBadge(endpoint) {
  const disabled = endpoint && endpoint.state === 'disabled';
  return h('span', { class: `badge ${disabled ? 'badge--status-blocked' : 'badge--status-active'}`, dataset: { testid: 'endpoint-state' } },
    disabled ? 'Disabled' : 'Active');
}

/** The merchant's line about an app's endpoint: its state, no failures. */
export function renderEndpointStatus(endpoint) {
  if (!endpoint) return null;
  return h('p', { class: 'endpoint-status', dataset: { testid: 'connected-app-endpoint' } },
    'Callback endpoint: ', renderEndpointBadge(endpoint),
    endpoint.state === 'disabled'
      ? ' Switchboard stopped sending callbacks to this app because its endpoint kept failing. Its developer has been told; events are kept and sent once they enable it again.'
      : '');
}

/**
 * The developer's view of an app's endpoint, with "Enable endpoint" for a
 * manager while it is disabled. onEnabled(endpoint, queued) receives the
 * route's answer.
 */
export function renderEndpointHealth({ appId, appName, endpoint, timeZone, manager, onEnabled }) {
  if (!endpoint) return h('span', { class: 'muted' }, 'unknown');
  const box = h('div', { class: 'endpoint-health', dataset: { testid: 'endpoint-health', state: endpoint.state } },
    h('p', { class: 'endpoint-health__line' }, renderEndpointBadge(endpoint), ' ',
      h('span', { dataset: { testid: 'endpoint-rates' } }, `${rateText(endpoint.last24h, '24 hours')} · ${rateText(endpoint.last7d, '7 days')}`)));
  if (endpoint.state === 'disabled') {
    const when = formatWhen(endpoint.disabledAt, timeZone);
    box.append(h('p', { class: 'endpoint-health__reason', dataset: { testid: 'endpoint-reason' } },
      `Disabled${when ? ` on ${when}` : ''}: ${endpoint.disabledReason || 'its deliveries kept failing.'} `
      + 'No callback is sent while it is disabled; new events are kept as failed.'));
  } else if (endpoint.failingSince) {
    box.append(h('p', { class: 'endpoint-health__reason' }, `Every delivery failed since ${formatWhen(endpoint.failingSince, timeZone)}.`));
  }
  if (manager && endpoint.state === 'disabled') box.append(renderEnable({ appId, appName, endpoint, timeZone, onEnabled }));
  return box;
}

// "Since" is typed in the account's time zone, like every time the page
// shows (the "Disabled on …" above it), not the browser's; the field names it.
function renderEnable({ appId, appName, endpoint, timeZone, onEnabled }) {
  const wrap = h('div', { class: 'endpoint-enable' });
  const open = h('button', { type: 'button', class: 'btn btn--primary btn--small', dataset: { testid: 'endpoint-enable' } },
    'Enable endpoint', h('span', { class: 'visually-hidden' }, ` of ${appName}`));
  wrap.append(open);
  open.addEventListener('click', () => {
    open.hidden = true;
    const checkId = uid('redeliver-check');
    const sinceId = uid('redeliver-since');
    const zoneId = uid('redeliver-since-zone');
    const errorBox = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'endpoint-enable-error' } });
    const check = h('input', { type: 'checkbox', class: 'checkbox', id: checkId, checked: true, dataset: { testid: 'endpoint-redeliver' } });
    const start = new Date(endpoint.disabledAt || Date.now());
    const since = h('input', { type: 'datetime-local', class: 'input', id: sinceId, value: zonedInputValue(start, timeZone),
      'aria-describedby': zoneId, dataset: { testid: 'endpoint-since' } });
    check.addEventListener('change', () => { since.disabled = !check.checked; });
    const confirm = h('button', { type: 'submit', class: 'btn btn--primary btn--small', dataset: { testid: 'endpoint-enable-confirm' } }, 'Enable now');
    const cancel = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, 'Cancel');
    const form = h('form', { class: 'confirm', novalidate: true, 'aria-label': `Enable the callback endpoint of ${appName}` },
      h('p', { class: 'confirm__text' }, `Switchboard sends ${appName}'s callbacks again from now on. Check that the endpoint answers first.`),
      h('div', { class: 'check-field' }, check,
        h('label', { for: checkId, class: 'check-field__label' }, 'Also redeliver the failed events since')),
      h('div', { class: 'field' }, h('label', { class: 'visually-hidden', for: sinceId }, 'Redeliver failed events since'), since,
        h('p', { class: 'field__hint', id: zoneId, dataset: { testid: 'endpoint-since-zone' } }, `In ${zoneLabel(start, timeZone)}, the account’s time zone.`)),
      errorBox,
      h('div', { class: 'confirm__actions' }, confirm, cancel));
    wrap.append(form);
    check.focus();
    cancel.addEventListener('click', () => {
      form.remove();
      open.hidden = false;
      open.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (confirm.getAttribute('aria-busy') === 'true') return;
      const body = {};
      if (check.checked) {
        const t = zonedInputDate(since.value, timeZone);
        if (Number.isNaN(t.getTime())) {
          errorBox.textContent = 'Enter the time to redeliver from.';
          since.focus();
          return;
        }
        body.redeliverSince = isoSeconds(t);
      }
      errorBox.textContent = '';
      confirm.setAttribute('aria-busy', 'true');
      try {
        const answer = await apiRequest('POST', `/admin/v1/developer/apps/${encodeURIComponent(appId)}/callback-endpoint/enable`, { body });
        const queued = Number.isFinite(answer.queued) ? answer.queued : 0;
        onEnabled(normalizeEndpoint(answer.callbackEndpoint), check.checked ? queued : null);
      } catch (err) {
        confirm.removeAttribute('aria-busy');
        errorBox.textContent = err && err.message ? err.message : 'Something went wrong.';
      }
    });
  });
  return wrap;
}
