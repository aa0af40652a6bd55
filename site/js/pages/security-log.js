// Security log (#/security-log): who signed up, signed in (counts per day),
// reset or changed a password, was invited, changed role or was
// deactivated. Super admins only; the API answers 403 to everyone else.

import { h, clear, uid } from '../dom.js';
import { apiRequest } from '../api.js';
import { getSession } from '../session.js';

const TYPE_LABELS = {
  signup: 'Account created',
  signins: 'Sign-ins',
  password_reset_requested: 'Password reset asked',
  password_reset: 'Password reset',
  password_changed: 'Password changed',
  invitation_sent: 'Invitation sent',
  invitation_accepted: 'Invitation accepted',
  role_changed: 'Role changed',
  user_deactivated: 'Deactivated',
  user_reactivated: 'Reactivated',
};

function str(value) {
  return typeof value === 'string' ? value : '';
}

function when(iso, type) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // A day's sign-in counts: the UTC day, not a time.
  return type === 'signins'
    ? date.toLocaleDateString(undefined, { timeZone: 'UTC', dateStyle: 'medium' })
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function renderSecurityLog(outlet, { query, signal, setQuery }) {
  const session = getSession();
  if (!session || session.user.role !== 'super_admin') {
    outlet.append(h('h1', { class: 'page-title' }, 'Security log'),
      h('p', { class: 'form-error', role: 'alert' }, 'Only super admins can read the security log.'));
    return;
  }
  const state = { type: query.get('type') || '', userId: query.get('userId') || '', users: new Map(), cursor: '' };
  const typeId = uid('sec-type');
  const userId = uid('sec-user');
  const typeSelect = h('select', { id: typeId, class: 'select' }, h('option', { value: '' }, 'All activity'),
    Object.entries(TYPE_LABELS).map(([value, label]) => h('option', { value }, label)));
  typeSelect.value = state.type;
  const userSelect = h('select', { id: userId, class: 'select' }, h('option', { value: '' }, 'Anyone'));
  const alert = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'security-error' } });
  const body = h('div', { class: 'people-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const more = h('button', { type: 'button', class: 'btn btn--secondary', hidden: true }, 'Show more');

  outlet.append(
    h('div', { class: 'page-header' }, h('h1', { class: 'page-title' }, 'Security log'),
      h('p', { class: 'page-lead' }, 'Sign-ups, sign-ins, passwords, invitations and role changes in your account, kept one year.')),
    h('div', { class: 'people-form people-form--inline' },
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: typeId }, 'Activity'), typeSelect),
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: userId }, 'User'), userSelect)),
    alert, body, more);

  function name(id) {
    return id ? (state.users.get(id) || id) : '';
  }

  function row(e) {
    const type = str(e.type);
    let what = str(e.detail);
    if (type === 'signins') what = `${Number(e.succeeded) || 0} succeeded, ${Number(e.failed) || 0} failed`;
    return h('tr', { dataset: { testid: 'security-row', type } },
      h('td', { 'data-label': 'When' }, when(str(e.at), type)),
      h('td', { 'data-label': 'Activity' }, TYPE_LABELS[type] || type),
      h('td', { 'data-label': 'User' }, name(str(e.userId)) || str(e.email)),
      h('td', { 'data-label': 'By' }, name(str(e.actorUserId))),
      h('td', { 'data-label': 'Detail' }, what));
  }

  let tbody = null;
  async function load(append) {
    alert.textContent = '';
    try {
      const page = await apiRequest('GET', '/admin/v1/security-log', {
        params: { type: state.type, userId: state.userId, cursor: append ? state.cursor : '', limit: 50 }, signal,
      });
      if (signal.aborted) return;
      const events = page && Array.isArray(page.events) ? page.events : [];
      state.cursor = page && typeof page.nextCursor === 'string' ? page.nextCursor : '';
      if (!append) {
        clear(body);
        if (events.length === 0) {
          body.append(h('p', { class: 'muted', dataset: { testid: 'security-empty' } }, 'Nothing recorded yet.'));
        } else {
          tbody = h('tbody', {});
          body.append(h('div', { class: 'people-table-wrap' }, h('table', { class: 'people-table', dataset: { testid: 'security-table' } },
            h('thead', {}, h('tr', {}, ['When', 'Activity', 'User', 'By', 'Detail'].map((l) => h('th', { scope: 'col' }, l)))), tbody)));
        }
      }
      if (tbody) tbody.append(...events.map(row));
      more.hidden = !state.cursor || events.length === 0;
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      alert.textContent = err && err.message ? err.message : 'Something went wrong. Try again.';
    }
  }

  function filtersChanged() {
    state.type = typeSelect.value;
    state.userId = userSelect.value;
    setQuery({ type: state.type, userId: state.userId });
    load(false);
  }
  typeSelect.addEventListener('change', filtersChanged);
  userSelect.addEventListener('change', filtersChanged);
  more.addEventListener('click', () => load(true));

  apiRequest('GET', '/admin/v1/users', { signal }).then((data) => {
    for (const u of (data && Array.isArray(data.users) ? data.users : [])) {
      if (!u || typeof u !== 'object') continue;
      state.users.set(str(u.id), str(u.name) || str(u.email));
      userSelect.append(h('option', { value: str(u.id) }, str(u.name) || str(u.email)));
    }
    userSelect.value = state.userId;
  }).catch(() => {}).finally(() => {
    if (!signal.aborted) load(false);
  });
}
