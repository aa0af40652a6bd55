// App catalog page: lists the third-party apps merchants can connect.

import { h, clear, srOnly, uid, safeHttpUrl } from '../dom.js';
import { apiGet } from '../api.js';
import { CATEGORIES, LEVELS, categoryLabel, isCategory } from '../catalog-meta.js';

const PAGE_SIZE = 24;
const SKELETON_COUNT = 6;
const AVATAR_TONES = 6;

export function renderCatalog(outlet, { query, signal, setQuery }) {
  const state = {
    category: isCategory(query.get('category')) ? query.get('category') : '',
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
  if (query.has('category') && !state.category) setQuery({}); // drop unknown values from the URL

  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'card-grid', 'aria-label': 'Apps' });
  const body = h('div', { class: 'catalog-body' });
  const more = h('div', { class: 'load-more' });

  outlet.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title' }, 'App catalog'),
        h('p', { class: 'page-lead' },
          'Third-party apps merchants can connect to their account or to one of their locations.'),
      ),
    ),
    h('div', { class: 'toolbar' },
      h('div', { class: 'field' },
        h('label', { class: 'field__label', for: selectId }, 'Category'),
        select,
      ),
      status,
    ),
    body,
  );

  select.addEventListener('change', () => {
    state.category = select.value;
    setQuery({ category: state.category });
    loadFirstPage();
  });

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
      limit: PAGE_SIZE,
      cursor,
    }, { signal: controller.signal }).then(normalizePage);
  }

  async function loadFirstPage({ focusResult = false } = {}) {
    const controller = startRequest();
    state.apps = [];
    state.seen = new Set();
    state.nextCursor = '';
    showLoading();
    try {
      const page = await fetchPage('', controller);
      if (controller.signal.aborted) return;
      addApps(page.apps);
      state.nextCursor = page.nextCursor;
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
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = 'Loading…';
    clearMoreError();
    try {
      const page = await fetchPage(state.nextCursor, controller);
      if (controller.signal.aborted) return;
      const added = addApps(page.apps);
      state.nextCursor = page.nextCursor;
      for (const app of added) list.append(renderCard(app));
      updateStatus();
      renderLoadMore();
      // Keep keyboard users in place: move focus to the first new card.
      const firstNew = list.children[firstNewIndex];
      const heading = firstNew && firstNew.querySelector('[data-testid="app-name"]');
      if (heading) heading.focus();
    } catch (err) {
      if (controller.signal.aborted || err.name === 'AbortError') return;
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = 'Load more';
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
    for (const app of state.apps) list.append(renderCard(app));
    body.append(list, more);
    updateStatus();
    renderLoadMore();
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
    const scope = state.category ? ` in ${categoryLabel(state.category)}` : '';
    status.textContent = `Showing ${n} ${noun}${scope}${state.nextCursor ? ' — more available' : ''}`;
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
  const apps = body.apps
    .filter((app) => app && typeof app === 'object')
    .map((app) => ({
      id: str(app.id),
      name: str(app.name) || str(app.id) || 'Untitled app',
      description: str(app.description),
      category: str(app.category),
      level: str(app.level),
      scopes: Array.isArray(app.scopes) ? app.scopes.filter((s) => typeof s === 'string' && s) : [],
      iconUrl: safeHttpUrl(app.iconUrl, { allowRelative: true }),
      developer: str(app.developer),
      website: safeHttpUrl(app.website),
    }));
  return { apps, nextCursor: str(body.nextCursor) };
}

// ---- card --------------------------------------------------------------

function avatarFor(name) {
  const letter = (Array.from(name.trim())[0] || '?').toLocaleUpperCase();
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return h('span', { class: `app-icon app-icon--letter tone-${hash % AVATAR_TONES}`, 'aria-hidden': 'true' }, letter);
}

function renderIcon(app) {
  if (!app.iconUrl) return avatarFor(app.name);
  const img = h('img', {
    class: 'app-icon',
    src: app.iconUrl,
    alt: '',
    width: '48',
    height: '48',
    loading: 'lazy',
    decoding: 'async',
    referrerpolicy: 'no-referrer',
  });
  img.addEventListener('error', () => img.replaceWith(avatarFor(app.name)), { once: true });
  return img;
}

function renderLevelBadge(level) {
  const info = LEVELS[level];
  if (!info) {
    return level ? h('span', { class: 'badge badge--neutral', dataset: { testid: 'app-level' } }, level) : null;
  }
  const tipId = uid('level-tip');
  const tooltip = h('span', { class: 'tooltip', role: 'tooltip', id: tipId }, info.explanation);
  const badge = h('span', {
    class: `badge badge--${level} has-tooltip`,
    tabindex: '0',
    'aria-describedby': tipId,
    dataset: { testid: 'app-level' },
  }, srOnly('Connects at '), info.label, srOnly(' level'), tooltip);
  // WCAG 1.4.13: the tooltip can be dismissed with Escape without moving focus.
  badge.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') badge.classList.add('tooltip-dismissed');
  });
  const reset = () => badge.classList.remove('tooltip-dismissed');
  badge.addEventListener('blur', reset);
  badge.addEventListener('mouseleave', reset);
  return badge;
}

function renderCard(app) {
  const nameId = uid('app-name');
  const scopesId = uid('app-scopes');

  const scopes = app.scopes.length
    ? h('ul', { class: 'chips', 'aria-labelledby': scopesId },
      app.scopes.map((scope) => h('li', { class: 'chip' }, scope)))
    : h('p', { class: 'muted' }, 'No scopes requested');

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
        h('h2', { class: 'card__name', id: nameId, tabindex: '-1', dataset: { testid: 'app-name' } }, app.name),
        app.developer ? h('p', { class: 'card__developer' }, srOnly('Developer: '), app.developer) : null,
      ),
    ),
    h('div', { class: 'card__meta' },
      h('span', { class: 'tag', dataset: { testid: 'app-category' } }, categoryLabel(app.category)),
      renderLevelBadge(app.level),
    ),
    app.description ? h('p', { class: 'card__description' }, app.description) : null,
    h('div', { class: 'card__scopes' },
      h('p', { class: 'card__section-label', id: scopesId }, 'Requested scopes'),
      scopes,
    ),
    website ? h('div', { class: 'card__footer' }, website) : null,
    ),
  );
}
