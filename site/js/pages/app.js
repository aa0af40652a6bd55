// App page (#/apps/:id?target=): one app of the catalog (GET /admin/v1/apps/{id})
// with its level, what it can access in plain words, whether several instances
// may connect, its website, and the same Connect control as Available apps
// (../connect.js: "Connect to" selector, level rule, visible reason).
// An app that is not published (404) shows "This app is not available".
// Server strings only ever go through textContent / attributes (see ../dom.js).

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet } from '../api.js';
import { getSession } from '../session.js';
import { LEVELS, categoryLabel } from '../catalog-meta.js';
import { renderIcon, renderLevelBadge, normalizeApp, canManage, str, timeElement } from '../app-ui.js';
import { describePermission } from '../permissions.js';
import {
  ACCOUNT_TARGET, targetFromQuery, targetQueryValue, renderTargetSelect, renderConnect, loadOwnApps,
} from '../connect.js';

export function renderAppPage(outlet, { params, query, signal, setQuery }) {
  const appId = params.id || '';
  const session = getSession();
  const locations = session ? session.locations : [];
  const timeZone = session && session.account ? session.account.timeZone : '';
  const manager = canManage(session);
  const state = {
    target: targetFromQuery(query.get('target'), locations),
    ownApps: new Map(),
    app: null,
  };
  if (query.has('target') && state.target === ACCOUNT_TARGET) syncQuery(); // drop an unknown target

  function syncQuery() {
    setQuery({ target: targetQueryValue(state.target) });
  }
  function catalogHref() {
    const t = targetQueryValue(state.target);
    return `#/catalog${t ? `?${new URLSearchParams({ target: t })}` : ''}`;
  }

  // The one h1 stays in place (the router focuses it) and takes the app's name.
  const title = h('h1', { class: 'page-title app-page__name', dataset: { testid: 'app-page-name' } }, 'App');
  const backLink = h('a', { class: 'back-link', href: catalogHref() },
    h('span', { 'aria-hidden': 'true' }, '← '), 'Available apps');
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'app-page' });
  outlet.append(h('p', { class: 'back-link-row' }, backLink), status, body);
  body.append(title);

  const request = new AbortController();
  signal.addEventListener('abort', () => request.abort());

  async function load() {
    clear(body);
    title.textContent = 'App';
    body.append(title);
    status.textContent = 'Loading the app…';
    try {
      const data = await apiGet(`/admin/v1/apps/${encodeURIComponent(appId)}`, {}, { signal: request.signal });
      if (request.signal.aborted) return;
      status.textContent = '';
      showApp(data);
    } catch (err) {
      if (request.signal.aborted || (err && err.name === 'AbortError')) return;
      status.textContent = '';
      if (err && err.status === 404) showNotAvailable();
      else showError(err);
    }
  }

  // ---- states --------------------------------------------------------------
  function showNotAvailable() {
    setDocumentTitle('App not available');
    clear(body);
    title.textContent = 'This app is not available';
    body.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'app-not-available' } },
      title,
      h('p', { class: 'panel__text' },
        'It may have been removed from the catalog by its developer, or the link is wrong.'),
      h('a', { class: 'btn btn--secondary', href: catalogHref() }, 'Back to Available apps'),
    ));
    focusTitleIfInside();
  }

  function showError(err) {
    clear(body);
    title.textContent = 'Couldn’t load the app';
    const retry = h('button', { type: 'button', class: 'btn btn--primary' }, 'Retry');
    retry.addEventListener('click', () => { refocusTitle = true; load(); });
    body.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'app-error' } },
      title,
      h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.'),
      h('div', { class: 'panel__actions' },
        retry,
        h('a', { class: 'btn btn--secondary', href: catalogHref() }, 'Back to Available apps')),
    ));
    focusTitleIfInside();
  }

  /**
   * Keeps keyboard focus on the heading when the content around it is replaced:
   * the router focused it on arrival, or Retry (removed with its panel) had it.
   */
  let refocusTitle = false;
  function focusTitleIfInside() {
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (refocusTitle || (lost && title.hasAttribute('tabindex'))) {
      refocusTitle = false;
      if (!title.hasAttribute('tabindex')) title.setAttribute('tabindex', '-1');
      title.focus();
    }
  }

  function showApp(raw) {
    const app = normalizeApp(raw);
    state.app = app;
    const createdAt = str(raw.createdAt);
    setDocumentTitle(app.name);
    clear(body);
    title.textContent = app.name;

    const level = LEVELS[app.level];
    const levelId = uid('app-level');
    const accessId = uid('app-access');
    const instancesId = uid('app-instances');
    const connectId = uid('app-connect');
    const targetId = uid('target-filter');

    const header = h('header', { class: 'app-page__head', dataset: { testid: 'app-page', appId: app.id, level: app.level } },
      renderIcon(app, { size: 64 }),
      h('div', { class: 'app-page__title' },
        title,
        app.developer
          ? h('p', { class: 'card__developer' }, 'by ', h('span', { dataset: { testid: 'app-developer' } }, app.developer))
          : null,
        h('div', { class: 'card__meta' },
          h('span', { class: 'tag', dataset: { testid: 'app-category' } }, srOnly('Category: '), categoryLabel(app.category)),
          renderLevelBadge(app.level),
        ),
      ),
    );

    const description = app.description
      ? h('p', { class: 'app-page__description', dataset: { testid: 'app-description' } }, app.description)
      : h('p', { class: 'muted', dataset: { testid: 'app-description' } }, 'The developer has not described this app yet.');

    const levelSection = h('section', { class: 'app-page__section', 'aria-labelledby': levelId },
      h('h2', { class: 'section-title', id: levelId }, 'Where it connects'),
      h('p', { dataset: { testid: 'app-level-explanation' } },
        level ? `${level.label} level: ${level.explanation}` : 'This app has no connection level: it cannot be connected.'),
    );

    const access = h('section', { class: 'app-page__section', 'aria-labelledby': accessId },
      h('h2', { class: 'section-title', id: accessId }, 'What it can access'),
      app.scopes.length
        ? [
          h('p', { class: 'muted' },
            app.level === 'location' ? `Once connected, ${app.name} can, for the location it is connected to:`
              : app.level === 'account' ? `Once connected, ${app.name} can, for every location of the account:`
                : `Once connected, ${app.name} can:`),
          h('ul', { class: 'perm-list', dataset: { testid: 'app-permissions' } },
            app.scopes.map((scope) => h('li', {},
              h('span', { class: 'perm-list__text' }, describePermission(scope)),
              h('code', { class: 'perm-list__code' }, scope)))),
        ]
        : h('p', { class: 'muted', dataset: { testid: 'app-permissions' } }, 'This app asks for no access to your data.'),
      h('p', { class: 'muted' }, 'You review these permissions again before anything is shared.'),
    );

    const where = app.level === 'location' ? 'the same location' : 'the account';
    const instances = h('section', { class: 'app-page__section', 'aria-labelledby': instancesId },
      h('h2', { class: 'section-title', id: instancesId }, 'Instances'),
      h('p', { dataset: { testid: 'app-instances' } },
        app.multipleInstances
          ? `Several instances can connect: you can connect ${app.name} more than once to ${where}, for example once per brand or per till.`
          : `One instance only: ${app.name} can be connected once to ${where}.`),
    );

    const facts = h('dl', { class: 'app-page__facts' },
      h('dt', {}, 'Developer'), h('dd', {}, app.developer || 'Not given'),
      h('dt', {}, 'Category'), h('dd', {}, categoryLabel(app.category)),
      h('dt', {}, 'Website'),
      h('dd', {}, app.website
        ? h('a', {
          href: app.website,
          target: '_blank',
          rel: 'noopener noreferrer',
          dataset: { testid: 'app-website' },
        }, hostOf(app.website), srOnly(' (opens in a new tab)'), h('span', { class: 'card__link-arrow', 'aria-hidden': 'true' }, '↗'))
        : 'Not given'),
      createdAt && timeElement(createdAt, timeZone)
        ? [h('dt', {}, 'In the catalog since'), h('dd', {}, timeElement(createdAt, timeZone))]
        : null,
    );

    const targetSelect = renderTargetSelect({ id: targetId, locations, value: state.target });
    const slot = h('div', { class: 'app-page__connect-slot' }, connectControl());
    targetSelect.addEventListener('change', () => {
      state.target = targetSelect.value;
      syncQuery();
      backLink.setAttribute('href', catalogHref());
      refreshConnect();
    });
    const connect = h('aside', { class: 'app-page__connect', 'aria-labelledby': connectId, dataset: { testid: 'app-connect' } },
      h('h2', { class: 'section-title', id: connectId }, `Connect ${app.name}`),
      h('div', { class: 'field' },
        h('label', { class: 'field__label', for: targetId }, 'Connect to'),
        targetSelect,
      ),
      slot,
      manager ? null : h('p', { class: 'form-notice form-notice--inline', dataset: { testid: 'member-notice' } },
        'You can browse apps, but only admins can connect them.'),
    );

    body.append(
      header,
      h('div', { class: 'app-page__layout' },
        h('div', { class: 'app-page__main' }, description, levelSection, access, instances,
          h('section', { class: 'app-page__section', 'aria-label': 'About' }, facts)),
        connect,
      ),
    );
    focusTitleIfInside();

    function refreshConnect() {
      if (state.app) slot.replaceChildren(connectControl());
    }
    state.refreshConnect = refreshConnect;
  }

  function connectControl() {
    return renderConnect(state.app, {
      manager, target: state.target, locations, ownApp: state.ownApps.get(state.app.id),
    });
  }

  loadOwnApps(request.signal)
    .then((ownApps) => {
      state.ownApps = ownApps;
      if (state.app && ownApps.has(state.app.id) && state.refreshConnect) state.refreshConnect();
    })
    .catch(() => { /* aborted: the page was left */ });

  load();

  return () => request.abort();
}

/** Replaces the page part of '<page> · Switchboard'. */
function setDocumentTitle(page) {
  const at = document.title.indexOf(' · ');
  document.title = at >= 0 ? `${page}${document.title.slice(at)}` : page;
}

function hostOf(url) {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}
