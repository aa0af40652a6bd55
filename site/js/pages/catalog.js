// Available apps (#/catalog?category=&q=&target=): the third-party apps merchants
// can connect, HubRise-style: pick the target first ("Account (all locations)"
// or one location), then Connect; an app whose level does not fit the target
// has its Connect button disabled, with the reason shown under it.
//
// Each app's name links to its page (#/apps/:id, keeping the target). The
// Connect control and how it starts the OAuth flow live in ../connect.js,
// shared with the app page.
//
// Search (q=): the API filters on the name, any case. A searched page may
// hold fewer than `limit` apps, even none, while nextCursor is still set:
// pages that bring nothing new are skipped automatically (at most
// MAX_EMPTY_PAGE_SKIPS in a row), so the list never sits empty behind a
// "Load more" that would bring nothing.

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet } from '../api.js';
import { getSession } from '../session.js';
import { CATEGORIES, categoryLabel, isCategory } from '../catalog-meta.js';
import { renderIcon, renderLevelBadge, normalizeApp, canManage } from '../app-ui.js';
import { describePermission } from '../permissions.js';
import {
  ACCOUNT_TARGET, targetFromQuery, targetQueryValue, renderTargetSelect, renderConnect as renderConnectControl,
  loadOwnApps, appPageHref,
} from '../connect.js';

const PAGE_SIZE = 24;
const SKELETON_COUNT = 6;
const SEARCH_MAX_LENGTH = 80; // the API answers 400 beyond this (counted in code points)
const SEARCH_DEBOUNCE_MS = 250;
const MAX_EMPTY_PAGE_SKIPS = 5;

/** The search text as sent: trimmed, at most SEARCH_MAX_LENGTH code points. */
function cleanSearch(value) {
  return Array.from(String(value || '').trim()).slice(0, SEARCH_MAX_LENGTH).join('').trim();
}

export function renderCatalog(outlet, { query, signal, setQuery }) {
  const session = getSession();
  const locations = session ? session.locations : [];
  const manager = canManage(session);
  const state = {
    category: isCategory(query.get('category')) ? query.get('category') : '',
    search: cleanSearch(query.get('q')),
    target: targetFromQuery(query.get('target'), locations),
    ownApps: new Map(), // id → developer app (with redirect URIs), for apps this account registered
    apps: [],
    seen: new Set(),
    nextCursor: '',
    request: null, // AbortController of the in-flight request
  };

  // ---- static page structure -------------------------------------------
  const selectId = uid('category-filter');
  const select = h('select', { id: selectId, class: 'select', name: 'category' },
    h('option', { value: '' }, 'All categories'),
    CATEGORIES.map((c) => h('option', { value: c.value }, c.label)),
  );
  select.value = state.category;

  const targetId = uid('target-filter');
  const targetSelect = renderTargetSelect({ id: targetId, locations, value: state.target });

  const searchId = uid('app-search');
  const searchInput = h('input', {
    id: searchId,
    class: 'input input--search',
    type: 'search',
    name: 'q',
    maxlength: SEARCH_MAX_LENGTH,
    autocomplete: 'off',
    spellcheck: 'false',
    enterkeyhint: 'search',
    dataset: { testid: 'app-search' },
  });
  searchInput.value = state.search;
  const searchForm = h('form', { class: 'field field--search', role: 'search', 'aria-label': 'Apps' },
    h('label', { class: 'field__label', for: searchId }, 'Search apps'),
    searchInput,
  );

  const syncQuery = () => setQuery({
    category: state.category,
    q: state.search,
    target: targetQueryValue(state.target),
  });
  if ((query.has('category') && !state.category) || (query.has('target') && state.target === ACCOUNT_TARGET)
    || (query.get('q') || '') !== state.search) {
    syncQuery(); // drop unknown values from the URL, trim the search
  }

  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'card-grid', 'aria-label': 'Apps' });
  const body = h('div', { class: 'catalog-body' });
  const more = h('div', { class: 'load-more' });

  outlet.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title' }, 'Available apps'),
        h('p', { class: 'page-lead' },
          'Choose where to connect, then pick an app. Some apps connect to the whole account, others to one location.'),
      ),
    ),
    h('div', { class: 'toolbar' },
      h('div', { class: 'toolbar__fields' },
        h('div', { class: 'field' },
          h('label', { class: 'field__label', for: targetId }, 'Connect to'),
          targetSelect,
        ),
        h('div', { class: 'field' },
          h('label', { class: 'field__label', for: selectId }, 'Category'),
          select,
        ),
        searchForm,
      ),
      status,
    ),
    ...(manager ? [] : [h('p', { class: 'form-notice form-notice--inline', dataset: { testid: 'member-notice' } },
      'You can browse apps, but only admins can connect them.')]),
    body,
  );

  select.addEventListener('change', () => {
    state.category = select.value;
    cancelSearchTimer();
    state.search = cleanSearch(searchInput.value); // a pending search applies now
    syncQuery();
    loadFirstPage();
  });

  // Search: debounced while typing; Enter (submit) and clearing apply at once.
  let searchTimer = 0;
  function cancelSearchTimer() {
    clearTimeout(searchTimer);
    searchTimer = 0;
  }
  function applySearch() {
    cancelSearchTimer();
    const text = cleanSearch(searchInput.value);
    if (text === state.search) return;
    state.search = text;
    syncQuery();
    loadFirstPage();
  }
  searchInput.addEventListener('input', () => {
    cancelSearchTimer();
    if (cleanSearch(searchInput.value) === '') applySearch();
    else searchTimer = setTimeout(applySearch, SEARCH_DEBOUNCE_MS);
  });
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    applySearch();
  });
  signal.addEventListener('abort', cancelSearchTimer);

  function clearSearch() {
    searchInput.value = '';
    applySearch();
    searchInput.focus();
  }

  targetSelect.addEventListener('change', () => {
    state.target = targetSelect.value;
    syncQuery();
    // Only the Connect buttons and the app links depend on the target: update them in place.
    for (const slot of list.querySelectorAll('[data-connect-slot]')) {
      const app = state.apps.find((a) => a.id === slot.dataset.connectSlot);
      if (app) slot.replaceWith(renderConnect(app));
    }
    for (const link of list.querySelectorAll('a[data-app-link]')) {
      link.setAttribute('href', appPageHref(link.dataset.appLink, state.target));
    }
  });

  // The account's own apps: their redirect URIs let Connect start the real flow.
  const ownRequest = new AbortController();
  signal.addEventListener('abort', () => ownRequest.abort());
  loadOwnApps(ownRequest.signal)
    .then((ownApps) => {
      state.ownApps = ownApps;
      for (const slot of list.querySelectorAll('[data-connect-slot]')) {
        const app = state.apps.find((a) => a.id === slot.dataset.connectSlot);
        if (app && state.ownApps.has(app.id)) slot.replaceWith(renderConnect(app));
      }
    })
    .catch(() => { /* aborted: the page was left */ });

  // ---- Connect (see ../connect.js) ----------------------------------------
  function renderConnect(app) {
    return renderConnectControl(app, {
      manager, target: state.target, locations, ownApp: state.ownApps.get(app.id),
    });
  }

  signal.addEventListener('abort', () => {
    if (state.request) state.request.abort();
  });

  // ---- data loading ----------------------------------------------------
  function startRequest() {
    if (state.request) state.request.abort();
    const controller = new AbortController();
    state.request = controller;
    return controller;
  }

  function fetchPage(cursor, controller) {
    return apiGet('/admin/v1/apps', {
      category: state.category,
      q: state.search,
      limit: PAGE_SIZE,
      cursor,
    }, { signal: controller.signal }).then(normalizePage);
  }

  /**
   * Fetches the page at cursor and, while a page brings no new app but still
   * has a nextCursor, the following ones (at most MAX_EMPTY_PAGE_SKIPS more).
   * Adds the new apps to the state and returns them, or null when aborted.
   */
  async function fetchApps(cursor, controller) {
    let page = await fetchPage(cursor, controller);
    if (controller.signal.aborted) return null;
    let added = addApps(page.apps);
    for (let skips = 0; added.length === 0 && page.nextCursor && skips < MAX_EMPTY_PAGE_SKIPS; skips += 1) {
      page = await fetchPage(page.nextCursor, controller);
      if (controller.signal.aborted) return null;
      added = addApps(page.apps);
    }
    state.nextCursor = page.nextCursor;
    return added;
  }

  async function loadFirstPage({ focusResult = false } = {}) {
    const controller = startRequest();
    state.apps = [];
    state.seen = new Set();
    state.nextCursor = '';
    showLoading();
    try {
      const added = await fetchApps('', controller);
      if (!added || controller.signal.aborted) return;
      showResults();
    } catch (err) {
      if (controller.signal.aborted || err.name === 'AbortError') return;
      showError(err);
    } finally {
      if (focusResult && !controller.signal.aborted) {
        const target = body.querySelector('[data-testid="app-name"], .panel button, .panel__title');
        if (target) target.focus();
      }
      if (state.request === controller) state.request = null;
    }
  }

  async function loadMore(button) {
    const controller = startRequest();
    const firstNewIndex = state.apps.length;
    const label = button.textContent;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = 'Loading…';
    clearMoreError();
    try {
      const added = await fetchApps(state.nextCursor, controller);
      if (!added || controller.signal.aborted) return;
      if (firstNewIndex === 0) {
        showResults(); // continuing a search that had found nothing yet (see showNoMatches)
      } else {
        for (const app of added) list.append(renderCard(app, renderConnect(app), state.target));
        updateStatus();
        renderLoadMore();
      }
      // Keep keyboard users in place: move focus to the first new card, or,
      // when nothing new came, to the button / the last card / the panel.
      const firstNew = list.children[firstNewIndex];
      const target = firstNew
        ? firstNew.querySelector('[data-testid="app-name"]')
        : body.querySelector('[data-testid="load-more"]')
          || (list.isConnected && list.lastElementChild && list.lastElementChild.querySelector('[data-testid="app-name"]'))
          || body.querySelector('.panel__title');
      if (target) target.focus();
    } catch (err) {
      if (controller.signal.aborted || err.name === 'AbortError') return;
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = label;
      // A disabled button loses focus; give it back if nothing else took it.
      if (document.activeElement === document.body || document.activeElement === null) button.focus();
      showMoreError(err);
    } finally {
      if (state.request === controller) state.request = null;
    }
  }

  function addApps(apps) {
    const added = [];
    for (const app of apps) {
      const key = app.id || `${app.name}\u0000${app.developer}`;
      if (state.seen.has(key)) continue;
      state.seen.add(key);
      state.apps.push(app);
      added.push(app);
    }
    return added;
  }

  // ---- views -----------------------------------------------------------
  function showLoading() {
    clear(body);
    clear(list);
    list.setAttribute('aria-busy', 'true');
    status.textContent = 'Loading apps…';
    const skeletons = h('ul', { class: 'card-grid', 'aria-hidden': 'true' });
    for (let i = 0; i < SKELETON_COUNT; i += 1) {
      skeletons.append(h('li', { class: 'card card--skeleton' },
        h('div', { class: 'skeleton skeleton--avatar' }),
        h('div', { class: 'skeleton skeleton--line skeleton--wide' }),
        h('div', { class: 'skeleton skeleton--line' }),
        h('div', { class: 'skeleton skeleton--line skeleton--short' }),
      ));
    }
    body.append(skeletons);
  }

  function showResults() {
    clear(body);
    list.removeAttribute('aria-busy');
    if (state.apps.length === 0 && state.search) {
      showNoMatches();
      return;
    }
    if (state.apps.length === 0) {
      status.textContent = '';
      body.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'catalog-empty' } },
        h('h2', { class: 'panel__title', tabindex: '-1' },
          state.category ? 'No apps in this category yet' : 'No apps in the catalog yet'),
        h('p', { class: 'panel__text' },
          state.category
            ? 'Try another category, or show all categories.'
            : 'Apps appear here once developers publish them.'),
        state.category
          ? h('button', { type: 'button', class: 'btn btn--secondary', onclick: showAll }, 'Show all categories')
          : null,
      ));
      return;
    }
    clear(list);
    for (const app of state.apps) list.append(renderCard(app, renderConnect(app), state.target));
    body.append(list, more);
    updateStatus();
    renderLoadMore();
  }

  function showNoMatches() {
    // With a nextCursor, only the pages skipped so far held no match.
    const partial = Boolean(state.nextCursor);
    const where = state.category ? ` in ${categoryLabel(state.category)}` : '';
    status.textContent = partial
      ? `No apps match “${state.search}”${where} so far — more to search`
      : `No apps match “${state.search}”${where}`;
    let searchOn = null;
    if (partial) {
      searchOn = h('button', { type: 'button', class: 'btn btn--primary', dataset: { testid: 'load-more' } }, 'Keep searching');
      searchOn.addEventListener('click', () => loadMore(searchOn));
    }
    body.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'catalog-empty' } },
      h('h2', { class: 'panel__title', tabindex: '-1' }, `No apps match “${state.search}”`),
      h('p', { class: 'panel__text' },
        partial
          ? `No match${where} in the part of the catalog searched so far. Keep searching, or check the spelling.`
          : `No app${where} has a name containing this text. Check the spelling or try fewer letters.`),
      h('div', { class: 'panel__actions' },
        searchOn,
        h('button', { type: 'button', class: 'btn btn--secondary', onclick: clearSearch }, 'Clear search'),
        state.category
          ? h('button', { type: 'button', class: 'btn btn--secondary', onclick: showAll }, 'Show all categories')
          : null,
      ),
    ));
    // "Keep searching" reports its errors in `more`: keep it under the panel.
    clear(more);
    body.append(more);
  }

  function showAll() {
    select.value = '';
    select.dispatchEvent(new Event('change'));
    select.focus();
  }

  function showError(err) {
    clear(body);
    list.removeAttribute('aria-busy');
    status.textContent = '';
    const retry = h('button', { type: 'button', class: 'btn btn--primary', onclick: () => loadFirstPage({ focusResult: true }) }, 'Retry');
    body.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'catalog-error' } },
      h('h2', { class: 'panel__title', tabindex: '-1' }, 'Couldn’t load apps'),
      h('p', { class: 'panel__text', dataset: { testid: 'error-message' } }, err.message || 'Something went wrong.'),
      retry,
    ));
  }

  function updateStatus() {
    const n = state.apps.length;
    const noun = n === 1 ? 'app' : 'apps';
    const match = state.search ? ` matching “${state.search}”` : '';
    const scope = state.category ? ` in ${categoryLabel(state.category)}` : '';
    status.textContent = `Showing ${n} ${noun}${match}${scope}${state.nextCursor ? ' — more available' : ''}`;
  }

  function renderLoadMore() {
    clear(more);
    if (!state.nextCursor) return;
    const button = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'load-more' } }, 'Load more');
    button.addEventListener('click', () => loadMore(button));
    more.append(button);
  }

  function showMoreError(err) {
    more.append(h('p', { class: 'inline-error', role: 'alert' },
      h('span', { class: 'inline-error__label' }, 'Couldn’t load more apps: '),
      err.message || 'Something went wrong.'));
  }

  function clearMoreError() {
    for (const el of more.querySelectorAll('.inline-error')) el.remove();
  }

  loadFirstPage();

  return () => {
    cancelSearchTimer();
    if (state.request) state.request.abort();
  };
}

// ---- response handling -------------------------------------------------

function str(value) {
  return typeof value === 'string' ? value : '';
}

function normalizePage(body) {
  if (!Array.isArray(body.apps)) {
    throw new Error('The server returned an unexpected response.');
  }
  const apps = body.apps.filter((app) => app && typeof app === 'object').map(normalizeApp);
  return { apps, nextCursor: str(body.nextCursor) };
}

// ---- card --------------------------------------------------------------

function renderCard(app, connect, target) {
  const nameId = uid('app-name');
  const scopesId = uid('app-scopes');

  const scopes = app.scopes.length
    ? h('ul', { class: 'perm-list perm-list--compact', 'aria-labelledby': scopesId },
      app.scopes.map((scope) => h('li', { title: scope }, describePermission(scope))))
    : h('p', { class: 'muted' }, 'No permissions requested');

  const website = app.website
    ? h('a', {
      class: 'card__link',
      href: app.website,
      target: '_blank',
      rel: 'noopener noreferrer',
    }, 'Website', srOnly(` of ${app.name} (opens in a new tab)`), h('span', { 'aria-hidden': 'true', class: 'card__link-arrow' }, '↗'))
    : null;

  return h('li', {},
    h('article', {
      class: 'card',
      'aria-labelledby': nameId,
      dataset: { testid: 'app-card', category: app.category, level: app.level, appId: app.id },
    },
    h('div', { class: 'card__head' },
      renderIcon(app),
      h('div', { class: 'card__title' },
        h('h2', { class: 'card__name', id: nameId, tabindex: '-1', dataset: { testid: 'app-name' } },
          app.id
            ? h('a', { class: 'card__name-link', href: appPageHref(app.id, target), dataset: { appLink: app.id } }, app.name)
            : app.name),
        app.developer ? h('p', { class: 'card__developer' }, srOnly('Developer: '), app.developer) : null,
      ),
    ),
    h('div', { class: 'card__meta' },
      h('span', { class: 'tag', dataset: { testid: 'app-category' } }, categoryLabel(app.category)),
      renderLevelBadge(app.level),
    ),
    app.description ? h('p', { class: 'card__description' }, app.description) : null,
    h('div', { class: 'card__scopes' },
      h('p', { class: 'card__section-label', id: scopesId }, 'Permissions requested'),
      scopes,
    ),
    h('div', { class: 'card__footer card__footer--actions' }, connect, website),
    ),
  );
}
