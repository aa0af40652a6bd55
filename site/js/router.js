// Hash router: '#/path?query'. Routes are { path, title, render, nav? }.
// `path` may contain ':param' segments. `render(outlet, ctx)` receives
// ctx = { params, query, signal, setQuery } and may return a cleanup function.
//
// Options: `guard({ path, query })` runs before every render and may return a
// hash ('#/signin?next=…') to show instead (the address is replaced, not pushed).
// startRouter returns { refresh() }: re-runs the guard and renders the current
// address synchronously (e.g. after signing in or out).

import { h, clear } from './dom.js';

function parseHash(hash) {
  const raw = hash.replace(/^#/, '') || '';
  const [pathPart, queryPart = ''] = raw.split('?');
  const path = pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  return { path: path.length > 1 ? path.replace(/\/+$/, '') : path, query: new URLSearchParams(queryPart) };
}

function matchRoute(routes, path) {
  const segments = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params = {};
    const ok = pattern.every((part, i) => {
      if (part.startsWith(':')) {
        try {
          params[part.slice(1)] = decodeURIComponent(segments[i]);
        } catch {
          return false;
        }
        return true;
      }
      return part === segments[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

export function startRouter({ routes, defaultPath, outlet, navList, appName, guard }) {
  let controller = null;
  let cleanup = null;
  let firstRender = true;

  const navLinks = routes
    .filter((route) => route.nav)
    .map((route) => {
      const link = h('a', { class: 'sidenav__link', href: `#${route.path}` }, route.nav);
      navList.append(h('li', {}, link));
      return { route, link };
    });

  function render() {
    const { hash } = window.location;
    if (!hash.startsWith('#/') || hash === '#/') {
      // Empty hash → default page. Any other non-route hash (e.g. '#main') is an
      // in-page anchor: leave the current page alone unless nothing is rendered yet.
      if (firstRender || hash === '' || hash === '#' || hash === '#/') {
        window.location.replace(`#${defaultPath}`);
      }
      return;
    }
    let { path, query } = parseHash(hash);
    if (guard) {
      const redirect = guard({ path, query });
      if (redirect && redirect !== hash) {
        history.replaceState(history.state, '', redirect);
        ({ path, query } = parseHash(redirect));
      }
    }

    if (controller) controller.abort();
    if (typeof cleanup === 'function') cleanup();
    controller = new AbortController();
    cleanup = null;
    clear(outlet);

    const match = matchRoute(routes, path);
    for (const { route, link } of navLinks) {
      if (match && match.route === route) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }

    if (!match) {
      document.title = `Page not found · ${appName}`;
      outlet.append(
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Page not found'),
        h('p', {}, 'There is nothing at this address. ', h('a', { href: `#${defaultPath}` }, 'Go to the start page'), '.'),
      );
    } else {
      document.title = `${match.route.title} · ${appName}`;
      const setQuery = (params) => {
        const qs = new URLSearchParams();
        for (const [key, value] of Object.entries(params)) {
          if (value !== undefined && value !== null && value !== '') qs.set(key, String(value));
        }
        const str = qs.toString();
        history.replaceState(history.state, '', `#${path}${str ? `?${str}` : ''}`);
      };
      cleanup = match.route.render(outlet, { params: match.params, query, signal: controller.signal, setQuery });
    }

    // Move focus to the new page heading on in-app navigation (not on first
    // load), unless the page already put focus inside itself (e.g. a form field).
    const pageTookFocus = outlet !== document.activeElement && outlet.contains(document.activeElement);
    if (!firstRender && !pageTookFocus) {
      const heading = outlet.querySelector('h1');
      if (heading) {
        if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
        heading.focus();
      }
    }
    firstRender = false;
  }

  window.addEventListener('hashchange', render);
  render();

  return {
    refresh() {
      // An in-page anchor ('#main') is not a route: re-render the start page.
      if (!window.location.hash.startsWith('#/')) history.replaceState(history.state, '', `#${defaultPath}`);
      render();
    },
  };
}
