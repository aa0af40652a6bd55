// Operator page (#/operator/listings): the listing requests of apps that
// asked to be in Available apps, approved or rejected with a reason the
// developer reads. Only platform operators are served by the API; everyone
// else gets its 404 message here.

import { h, clear, srOnly } from '../dom.js';
import { apiGet, apiRequest } from '../api.js';
import { normalizeDeveloperApp } from '../app-ui.js';

const BASE = '/admin/v1/operator/listings';
const STATUSES = [['pending', 'Waiting for review'], ['rejected', 'Refused'], ['approved', 'Listed']];

export function renderOperatorListings(outlet, { query, signal, setQuery }) {
  const chosen = STATUSES.some(([s]) => s === query.get('status')) ? query.get('status') : 'pending';
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'dev-list-body' });
  const filter = h('select', { id: 'listing-status', dataset: { testid: 'listing-status' } },
    STATUSES.map(([value, label]) => h('option', { value, selected: value === chosen }, label)));
  filter.addEventListener('change', () => setQuery({ status: filter.value }));

  outlet.append(
    h('div', { class: 'page-header' },
      h('h1', { class: 'page-title' }, 'App listings'),
      h('p', { class: 'page-lead' },
        'Apps ask to be listed in Available apps for every merchant. Approving lists the app under a name no other listed app holds; '
        + 'refusing keeps it private to its developer’s account and shows them your reason.'),
    ),
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: 'listing-status' }, 'Show'), filter),
    h('section', { class: 'dev-section' }, status, body),
  );

  async function load() {
    status.textContent = 'Loading…';
    body.setAttribute('aria-busy', 'true');
    try {
      const answer = await apiGet(BASE, { status: chosen }, { signal });
      if (!Array.isArray(answer.apps)) throw new Error('The server returned an unexpected response.');
      show(answer.apps.filter((a) => a && typeof a === 'object').map(normalizeDeveloperApp));
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      status.textContent = '';
      clear(body);
      body.append(h('div', { class: 'panel panel--error', role: 'alert' },
        h('h3', { class: 'panel__title' }, 'Couldn’t load the listings'),
        h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.')));
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  function show(apps) {
    clear(body);
    status.textContent = `${apps.length} ${apps.length === 1 ? 'app' : 'apps'}`;
    if (apps.length === 0) {
      body.append(h('div', { class: 'panel panel--empty' }, h('h3', { class: 'panel__title' }, 'Nothing here')));
      return;
    }
    body.append(h('ul', { class: 'dev-list' }, apps.map((app) => h('li', {}, renderRequest(app)))));
  }

  function renderRequest(app) {
    const feedback = h('p', { class: 'form-error', role: 'alert' });
    const article = h('article', { class: 'dev-app', dataset: { testid: 'listing-request', appId: app.id } },
      h('h3', { class: 'card__name' }, app.name),
      h('dl', { class: 'dev-app__facts' },
        h('dt', {}, 'Developer'), h('dd', {}, app.developer),
        h('dt', {}, 'Website'), h('dd', {}, h('code', { class: 'mono' }, app.rawWebsite || '—')),
        h('dt', {}, 'Redirect URIs'), h('dd', {}, app.redirectUris.map((u) => h('div', {}, h('code', { class: 'mono' }, u)))),
        h('dt', {}, 'Client ID'), h('dd', {}, h('code', { class: 'mono' }, app.clientId)),
        ...(app.listingReason ? [h('dt', {}, 'Reason given'), h('dd', {}, app.listingReason)] : []),
      ),
      h('p', {}, app.description),
      feedback,
    );
    if (app.listingStatus !== 'pending') return article;
    const reason = h('textarea', { rows: 2, maxlength: 500, 'aria-label': `Reason for refusing ${app.name}`, dataset: { testid: 'reject-reason' } });
    const approve = h('button', { type: 'button', class: 'btn btn--primary btn--small', dataset: { testid: 'approve-listing' } }, 'Approve', srOnly(` ${app.name}`));
    const reject = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'reject-listing' } }, 'Refuse', srOnly(` ${app.name}`));
    const decide = async (button, decision, payload) => {
      if (button.getAttribute('aria-busy') === 'true') return;
      feedback.textContent = '';
      button.setAttribute('aria-busy', 'true');
      try {
        await apiRequest('POST', `${BASE}/${encodeURIComponent(app.id)}/${decision}`, payload ? { body: payload } : {});
        await load();
      } catch (err) {
        feedback.textContent = err && err.message ? err.message : 'Something went wrong.';
        button.removeAttribute('aria-busy');
      }
    };
    approve.addEventListener('click', () => decide(approve, 'approve'));
    reject.addEventListener('click', () => {
      if (!reason.value.trim()) {
        feedback.textContent = 'Say why, for the developer.';
        reason.focus();
        return;
      }
      decide(reject, 'reject', { reason: reason.value.trim() });
    });
    article.append(h('div', { class: 'dev-app__actions' }, approve, reason, reject));
    return article;
  }

  load();
}
