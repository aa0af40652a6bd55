// A connection's actions on the Connections page, in one Actions menu: Open,
// View activity, View logs, its callback deliveries (./delivery-log.js),
// Block or Unblock, Disconnect. Every change asks
// for confirmation in a modal <dialog> (focus stays inside it; Escape
// cancels). Members see the change actions disabled, with the reason.

import { h, srOnly, uid } from './dom.js';
import { apiRequest } from './api.js';
import { renderDeliveryLog } from './delivery-log.js';
import { zoneLabel, zonedInputDate, zonedInputValue, isoSeconds } from './log-time.js';

const path = (c, ...rest) => ['/admin/v1/connections', encodeURIComponent(c.id), ...rest].join('/');

/** The name a dialog gives connection c: its app, and its instance when it has one. */
function connectionName(c) {
  const name = c.appName || c.appId;
  return c.instanceLabel ? `${name} (${c.instanceLabel})` : name;
}

/**
 * The actions of connection c, in one "Actions" menu as HubRise shows them:
 * Open, View activity, View logs, Callbacks, Block or Unblock, Disconnect.
 * app is its catalog entry (for Open), or undefined; onChanged(message)
 * reloads the list after a change. The menu is a menu button: Enter, Space
 * or ArrowDown open it on its first item, arrows move, Escape (or Tab, or a
 * click elsewhere) closes it and gives focus back to the button.
 */
export function renderConnectionActions(c, { app, canManage, timeZone, onChanged }) {
  const name = connectionName(c);
  const items = [];
  const item = (tag, attrs, ...children) => h(tag, { class: 'conn-menu__item', role: 'menuitem', tabindex: '-1', ...attrs }, ...children);
  if (app && app.openUrl) {
    const url = new URL(app.openUrl);
    url.searchParams.set('connection_id', c.id);
    if (c.locationId) url.searchParams.set('location_id', c.locationId);
    items.push(item('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', dataset: { testid: 'open-app' } },
      'Open', srOnly(` ${name} (opens in a new window)`), h('span', { class: 'card__link-arrow', 'aria-hidden': 'true' }, '↗')));
  }
  items.push(item('a', { href: `#/connections/${encodeURIComponent(c.id)}/activity`, dataset: { testid: 'view-activity' } },
    'View activity', srOnly(` of ${name}`)));
  items.push(item('a', { href: `#/connections/${encodeURIComponent(c.id)}/logs`, dataset: { testid: 'view-logs' } },
    'View logs', srOnly(` of ${name}`)));
  const deliveries = item('button', { type: 'button', dataset: { testid: 'view-deliveries' } }, 'Callbacks', srOnly(` sent to ${name}`));
  deliveries.addEventListener('click', () => showDeliveryLog({
    title: `Callbacks sent to ${name}`, listPath: path(c, 'deliveries'), redeliverPath: path(c, 'deliveries', 'redeliver'), canManage, timeZone,
  }));
  // Members see block and disconnect disabled, with the reason.
  const noRight = canManage ? {} : { 'aria-disabled': 'true', title: 'Only admins can do this' };
  const blocked = c.status === 'blocked';
  const toggle = item('button', { type: 'button', dataset: { testid: blocked ? 'unblock-connection' : 'block-connection' }, ...noRight },
    blocked ? 'Unblock' : 'Block', srOnly(` ${name}`));
  const disconnect = item('button', { type: 'button', class: 'conn-menu__item conn-danger', dataset: { testid: 'disconnect-connection' }, ...noRight },
    'Disconnect', srOnly(` ${name}`));
  if (canManage) {
    toggle.addEventListener('click', () => (blocked ? confirmUnblock(c, onChanged) : confirmBlock(c, timeZone, onChanged)));
    disconnect.addEventListener('click', () => confirmDisconnect(c, onChanged));
  } else {
    for (const b of [toggle, disconnect]) b.disabled = true;
  }
  items.push(deliveries, toggle, disconnect);

  const menuId = uid('conn-menu');
  const button = h('button', {
    type: 'button', class: 'btn btn--secondary btn--small conn-menu__button', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
    'aria-controls': menuId, dataset: { testid: 'connection-actions' },
  }, 'Actions', srOnly(` for ${name}`), h('span', { 'aria-hidden': 'true' }, ' ▾'));
  const menu = h('div', { class: 'conn-menu__list', id: menuId, role: 'menu', 'aria-label': `Actions for ${name}`, hidden: true,
    dataset: { testid: 'connection-menu' } }, ...items);
  const wrap = h('div', { class: 'conn-menu' }, button, menu);
  const usable = () => items.filter((el) => !el.disabled);
  const onOutside = (event) => { if (!wrap.contains(event.target)) close(false); };
  // The menu is placed in the viewport (position: fixed) under its button,
  // or above it near the bottom: inside the table's scrolling wrapper it
  // would be clipped, and focusing it would scroll the row out of sight.
  // It follows its button when the page scrolls or resizes (closing it
  // then would also close it on the scroll that brought the button in view).
  const onMove = () => place();
  function place() {
    const at = button.getBoundingClientRect();
    const { offsetWidth: w, offsetHeight: ht } = menu;
    menu.style.left = `${Math.max(8, Math.min(at.right - w, window.innerWidth - w - 8))}px`;
    menu.style.top = `${at.bottom + 4 + ht <= window.innerHeight ? at.bottom + 4 : Math.max(8, at.top - ht - 4)}px`;
  }
  function open(focusLast) {
    menu.hidden = false;
    place();
    button.setAttribute('aria-expanded', 'true');
    const list = usable();
    (focusLast ? list[list.length - 1] : list[0])?.focus({ preventScroll: true });
    document.addEventListener('pointerdown', onOutside, true);
    window.addEventListener('scroll', onMove, true);
    window.addEventListener('resize', onMove);
  }
  function close(refocus) {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onOutside, true);
    window.removeEventListener('scroll', onMove, true);
    window.removeEventListener('resize', onMove);
    if (refocus) button.focus();
  }
  button.addEventListener('click', () => (menu.hidden ? open(false) : close(true)));
  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      open(event.key === 'ArrowUp');
    }
  });
  menu.addEventListener('keydown', (event) => {
    const list = usable();
    const at = list.indexOf(document.activeElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      list[(at + step + list.length) % list.length].focus({ preventScroll: true });
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      list[event.key === 'Home' ? 0 : list.length - 1].focus({ preventScroll: true });
    } else if (event.key === 'Tab') {
      close(false);
    }
  });
  // Choosing an item closes the menu first (capture phase) and gives the
  // focus to the Actions button, so that a dialog the item opens takes the
  // focus from there and gives it back there when it closes.
  menu.addEventListener('click', (event) => { if (event.target.closest('[role="menuitem"]')) close(true); }, true);
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

// The end of a block is typed in the account's time zone, as the site shows
// times (the row's "Until …" among them), not the browser's: a merchant
// abroad would otherwise unblock hours off. The field names the zone.
function confirmBlock(c, timeZone, onChanged) {
  const name = connectionName(c);
  const reasonId = uid('reason');
  const untilId = uid('until');
  const zoneId = uid('until-zone');
  const now = new Date();
  const reason = h('textarea', { class: 'input', id: reasonId, name: 'reason', rows: 2, maxlength: 500, dataset: { testid: 'block-reason' } });
  // min: the account's wall time now, so the picker opens on the right day.
  const until = h('input', { class: 'input', id: untilId, name: 'until', type: 'datetime-local', min: zonedInputValue(now, timeZone),
    'aria-describedby': zoneId, dataset: { testid: 'block-until' } });
  const zoneHint = h('p', { class: 'field__hint', id: zoneId, dataset: { testid: 'block-until-zone' } },
    `In ${zoneLabel(now, timeZone)}, the account’s time zone.`);
  openDialog(`Block ${name}?`, (close) => confirmForm({
    text: [`${name} will get “connection_blocked” from its next call on, until you unblock it. Its data and settings stay.`],
    fields: [
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: reasonId }, 'Reason (optional, sent to the app)'), reason),
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: untilId }, 'Unblock automatically at (optional)'), until, zoneHint),
    ],
    confirmLabel: 'Block',
    danger: true,
    close,
    submit: async () => {
      const body = {};
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (until.value) {
        const at = zonedInputDate(until.value, timeZone);
        if (Number.isNaN(at.getTime())) throw new Error('The unblock time is not valid.');
        body.until = isoSeconds(at);
      }
      await apiRequest('POST', path(c, 'block'), { body });
      onChanged(`${name} is blocked.`);
    },
  }));
}

function confirmUnblock(c, onChanged) {
  const name = connectionName(c);
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
  const name = connectionName(c);
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
