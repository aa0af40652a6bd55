// Locations (#/locations): the account's points of sale with their time
// zones. Everyone sees them; super admins and admins add, rename and change
// time zones. After a change the session is reloaded, so the connections,
// catalog and consent pages (which read locations from /me) offer the new
// names at once.

import { h, clear, uid } from '../dom.js';
import { apiRequest } from '../api.js';
import { getSession, reloadSession } from '../session.js';

function str(value) {
  return typeof value === 'string' ? value : '';
}

function zoneList() {
  const id = uid('zones');
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return { id, list: h('datalist', { id }, zones.map((z) => h('option', { value: z }))) };
}

export function renderLocations(outlet, { signal }) {
  const session = getSession();
  const role = session ? session.user.role : '';
  const canManage = role === 'super_admin' || role === 'admin';
  const accountZone = session ? session.account.timeZone : '';
  const alert = h('div', { class: 'form-error people-alert', role: 'alert', dataset: { testid: 'locations-error' } });
  const status = h('p', { class: 'results-status people-status', role: 'status', 'aria-live': 'polite', dataset: { testid: 'locations-status' } });
  const body = h('div', { class: 'people-body' }, h('p', { class: 'muted' }, 'Loading locations…'));
  const zones = zoneList();

  outlet.append(
    h('div', { class: 'page-header' },
      h('h1', { class: 'page-title' }, 'Locations'),
      h('p', { class: 'page-lead' }, canManage
        ? 'Your shops and restaurants. Apps connect to one of them or to the whole account.'
        : 'Your account’s shops and restaurants. Admins add and rename them.')),
    alert, status, zones.list,
    canManage ? renderAddForm() : null,
    h('section', { class: 'people-section', 'aria-labelledby': 'locations-title' },
      h('h2', { class: 'people-section__title', id: 'locations-title' }, 'All locations'), body),
  );

  function say(message) {
    alert.textContent = '';
    status.textContent = message;
  }
  function fail(err) {
    status.textContent = '';
    alert.textContent = err && err.message ? err.message : 'Something went wrong. Try again.';
  }

  /** Sends a change; on success reloads the session and the list. Returns the body or null. */
  async function change(button, method, path, data, done) {
    if (button.getAttribute('aria-disabled') === 'true') return null;
    button.setAttribute('aria-disabled', 'true');
    button.setAttribute('aria-busy', 'true');
    try {
      const result = await apiRequest(method, path, { body: data, signal });
      if (signal.aborted) return null;
      await reloadSession();
      await load();
      say(done);
      return result;
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return null;
      fail(err);
      return null;
    } finally {
      button.removeAttribute('aria-disabled');
      button.removeAttribute('aria-busy');
    }
  }

  function renderAddForm() {
    const nameId = uid('loc-name');
    const zoneId = uid('loc-zone');
    const name = h('input', { id: nameId, class: 'input', maxlength: '100', autocomplete: 'off', required: true });
    const zone = h('input', { id: zoneId, class: 'input', list: zones.id, value: accountZone, autocomplete: 'off' });
    const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, 'Add location');
    const form = h('form', { class: 'people-form people-form--inline', novalidate: true, dataset: { testid: 'add-location-form' } },
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: nameId }, 'New location name'), name),
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: zoneId }, 'Time zone'), zone),
      h('div', { class: 'people-form__submit' }, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!name.value.trim()) {
        fail({ message: 'Enter a name for the location.' });
        name.focus();
        return;
      }
      const created = await change(submit, 'POST', '/admin/v1/locations', { name: name.value, timeZone: zone.value.trim() },
        `Location “${name.value.trim()}” added.`);
      if (created) name.value = '';
    });
    return form;
  }

  function renderRow(loc) {
    const cells = [
      h('td', { 'data-label': 'Name', dataset: { testid: 'location-name' } }, loc.name),
      h('td', { 'data-label': 'Time zone' }, loc.timeZone),
    ];
    if (canManage) {
      const edit = h('button', { type: 'button', class: 'btn btn--secondary people-btn', 'aria-label': `Edit ${loc.name}` }, 'Edit');
      const actions = h('td', { 'data-label': 'Actions' }, edit);
      edit.addEventListener('click', () => {
        const nameId = uid('edit-name');
        const zoneId = uid('edit-zone');
        const name = h('input', { id: nameId, class: 'input', maxlength: '100', value: loc.name });
        const zone = h('input', { id: zoneId, class: 'input', list: zones.id, value: loc.timeZone });
        const save = h('button', { type: 'submit', class: 'btn btn--primary people-btn' }, 'Save');
        const cancel = h('button', { type: 'button', class: 'btn btn--secondary people-btn', onclick: () => load() }, 'Cancel');
        const form = h('form', { class: 'people-form people-form--inline', novalidate: true },
          h('div', { class: 'field' }, h('label', { class: 'field__label', for: nameId }, 'Name'), name),
          h('div', { class: 'field' }, h('label', { class: 'field__label', for: zoneId }, 'Time zone'), zone),
          h('div', { class: 'people-form__submit' }, save, cancel));
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          const changes = {};
          if (name.value.trim() !== loc.name) changes.name = name.value;
          if (zone.value.trim() !== loc.timeZone) changes.timeZone = zone.value.trim();
          if (Object.keys(changes).length === 0) {
            load();
            return;
          }
          change(save, 'PATCH', `/admin/v1/locations/${encodeURIComponent(loc.id)}`, changes, `Location “${name.value.trim() || loc.name}” saved.`);
        });
        clear(actions);
        cells[0].replaceChildren(form);
        cells[1].replaceChildren();
        name.focus();
      });
      cells.push(actions);
    }
    return h('tr', { dataset: { testid: 'location-row', locationId: loc.id } }, cells);
  }

  async function load() {
    try {
      const data = await apiRequest('GET', '/admin/v1/locations', { signal });
      if (signal.aborted) return;
      const locations = (data && Array.isArray(data.locations) ? data.locations : [])
        .filter((l) => l && typeof l === 'object')
        .map((l) => ({ id: str(l.id), name: str(l.name), timeZone: str(l.timeZone) }));
      clear(body);
      if (locations.length === 0) {
        body.append(h('p', { class: 'muted', dataset: { testid: 'locations-empty' } }, canManage
          ? 'No locations yet. Add your first one above; apps can also connect to the whole account.'
          : 'No locations yet.'));
        return;
      }
      const head = ['Name', 'Time zone', ...(canManage ? ['Actions'] : [])];
      body.append(h('div', { class: 'people-table-wrap' },
        h('table', { class: 'people-table', dataset: { testid: 'locations-table' } },
          h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
          h('tbody', {}, locations.map(renderRow)))));
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      fail(err);
    }
  }
  load();
}
