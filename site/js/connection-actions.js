// A connection's actions on the Connections page: Open, Block or Unblock,
// Disconnect, and its callback deliveries (./delivery-log.js). Every change asks
// for confirmation in a modal <dialog> (focus stays inside it; Escape
// cancels). Members see the change actions disabled, with the reason.

import { h, srOnly, uid } from './dom.js';
import { apiRequest } from './api.js';
import { renderDeliveryLog } from './delivery-log.js';

const path = (c, ...rest) => ['/admin/v1/connections', encodeURIComponent(c.id), ...rest].join('/');

/**
 * The actions of connection c. app is its catalog entry (for Open), or
 * undefined; onChanged(message) reloads the list after a change.
 */
export function renderConnectionActions(c, { app, canManage, timeZone, onChanged }) {
  const name = c.appName || c.appId;
  const items = [];
  if (app && app.openUrl) {
    const url = new URL(app.openUrl);
    url.searchParams.set('connection_id', c.id);
    if (c.locationId) url.searchParams.set('location_id', c.locationId);
    items.push(h('a', {
      class: 'btn btn--secondary btn--small', href: url.href, target: '_blank', rel: 'noopener noreferrer', dataset: { testid: 'open-app' },
    }, 'Open', srOnly(` ${name} (opens in a new window)`), h('span', { class: 'card__link-arrow', 'aria-hidden': 'true' }, '↗')));
  }
  items.push(h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${encodeURIComponent(c.id)}/logs`, dataset: { testid: 'view-logs' } },
    'View logs', srOnly(` of ${name}`)));
  items.push(h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${encodeURIComponent(c.id)}/activity`, dataset: { testid: 'view-activity' } },
    'View activity', srOnly(` of ${name}`)));

  const noRight = canManage ? {} : { disabled: true, title: 'Only admins can do this', 'aria-describedby': undefined };
  const blocked = c.status === 'blocked';
  const toggle = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: blocked ? 'unblock-connection' : 'block-connection' }, ...noRight },
    blocked ? 'Unblock' : 'Block', srOnly(` ${name}`));
  toggle.addEventListener('click', () => (blocked ? confirmUnblock(c, onChanged) : confirmBlock(c, onChanged)));
  const disconnect = h('button', { type: 'button', class: 'btn btn--secondary btn--small conn-danger', dataset: { testid: 'disconnect-connection' }, ...noRight },
    'Disconnect', srOnly(` ${name}`));
  disconnect.addEventListener('click', () => confirmDisconnect(c, onChanged));
  const deliveries = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'view-deliveries' } },
    'Callbacks', srOnly(` sent to ${name}`));
  deliveries.addEventListener('click', () => showDeliveryLog({
    title: `Callbacks sent to ${name}`, listPath: path(c, 'deliveries'), redeliverPath: path(c, 'deliveries', 'redeliver'), canManage, timeZone,
  }));
  items.push(toggle, disconnect, deliveries);
  const wrap = h('div', { class: 'conn-actions' }, ...items);
  if (!canManage) wrap.append(h('span', { class: 'field__hint' }, 'Only admins can block or disconnect.'));
  return wrap;
}

/** Opens a modal dialog; resolves when it closes. build(close) returns its body. */
function openDialog(title, build) {
  const titleId = uid('dlg');
  const dialog = h('dialog', { class: 'sb-dialog', 'aria-labelledby': titleId, dataset: { testid: 'dialog' } });
  const close = () => dialog.close();
  dialog.append(h('h2', { class: 'sb-dialog__title', id: titleId }, title), ...[].concat(build(close)));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A confirm form: fields, an error line, and the two buttons. */
function confirmForm({ text, fields = [], confirmLabel, danger, submit, close }) {
  const error = h('p', { class: 'form-error', role: 'alert', dataset: { testid: 'dialog-error' } });
  const yes = h('button', { type: 'submit', class: `btn btn--small ${danger ? 'btn--danger' : 'btn--primary'}`, dataset: { testid: 'confirm' } }, confirmLabel);
  const no = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'cancel' } }, 'Cancel');
  no.addEventListener('click', close);
  const form = h('form', { class: 'sb-dialog__form', method: 'dialog' },
    ...[].concat(text).map((t) => h('p', { class: 'sb-dialog__text' }, t)), ...fields, error,
    h('div', { class: 'sb-dialog__buttons' }, no, yes));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    yes.disabled = true;
    yes.setAttribute('aria-busy', 'true');
    error.textContent = '';
    try {
      await submit();
      close();
    } catch (err) {
      error.textContent = err && err.message ? err.message : 'Something went wrong.';
      yes.disabled = false;
      yes.removeAttribute('aria-busy');
    }
  });
  return form;
}

function confirmBlock(c, onChanged) {
  const name = c.appName || c.appId;
  const reasonId = uid('reason');
  const untilId = uid('until');
  const reason = h('textarea', { class: 'input', id: reasonId, name: 'reason', rows: 2, maxlength: 500, dataset: { testid: 'block-reason' } });
  const until = h('input', { class: 'input', id: untilId, name: 'until', type: 'datetime-local', dataset: { testid: 'block-until' } });
  openDialog(`Block ${name}?`, (close) => confirmForm({
    text: [`${name} will get “connection_blocked” from its next call on, until you unblock it. Its data and settings stay.`],
    fields: [
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: reasonId }, 'Reason (optional, sent to the app)'), reason),
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: untilId }, 'Unblock automatically at (optional)'), until),
    ],
    confirmLabel: 'Block',
    danger: true,
    close,
    submit: async () => {
      const body = {};
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (until.value) {
        const at = new Date(until.value); // local time of the browser
        if (Number.isNaN(at.getTime())) throw new Error('The unblock time is not valid.');
        body.until = at.toISOString();
      }
      await apiRequest('POST', path(c, 'block'), { body });
      onChanged(`${name} is blocked.`);
    },
  }));
}

function confirmUnblock(c, onChanged) {
  const name = c.appName || c.appId;
  openDialog(`Unblock ${name}?`, (close) => confirmForm({
    text: [`${name} can call the API again at once.`],
    confirmLabel: 'Unblock',
    close,
    submit: async () => {
      await apiRequest('POST', path(c, 'unblock'), { body: {} });
      onChanged(`${name} is unblocked.`);
    },
  }));
}

function confirmDisconnect(c, onChanged) {
  const name = c.appName || c.appId;
  openDialog(`Disconnect ${name}?`, (close) => confirmForm({
    text: [
      `Disconnecting revokes ${name}’s access token and removes the connection. Its call logs stay until they expire.`,
      'If you may use the app again, block it instead: blocking keeps the connection and can be undone.',
    ],
    confirmLabel: 'Disconnect',
    danger: true,
    close,
    submit: async () => {
      await apiRequest('DELETE', path(c));
      onChanged(`${name} is disconnected.`);
    },
  }));
}

/**
 * A delivery log in a dialog (./delivery-log.js): a connection's (Connections
 * page) or an app's across accounts (My apps, developerView: its errors
 * and answers too).
 */
export function showDeliveryLog({ title, listPath, redeliverPath, canManage, timeZone, developerView }) {
  const aborter = new AbortController();
  const dialog = openDialog(title, (close) => [
    h('p', { class: 'sb-dialog__text' }, 'Switchboard tells the app about installs, blocks, unblocks and disconnections, and retries failed callbacks for about a day.'),
    renderDeliveryLog({ listPath, redeliverPath, canManage, timeZone, developerView, signal: aborter.signal }),
    h('div', { class: 'sb-dialog__buttons' },
      h('button', { type: 'button', class: 'btn btn--primary btn--small', onclick: close, dataset: { testid: 'close' } }, 'Close')),
  ]);
  dialog.addEventListener('close', () => aborter.abort());
}
