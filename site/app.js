// Switchboard admin entry point.
//
// Adding a page: create a module under ./js/pages/ exporting a render function
// `render(outlet, { params, query, signal, setQuery })`, then add one entry to
// ROUTES below. Entries with a `nav` label get a link in the left navigation.

import { startRouter } from './js/router.js';
import { renderCatalog } from './js/pages/catalog.js';

const ROUTES = [
  { path: '/catalog', title: 'App catalog', nav: 'App catalog', render: renderCatalog },
];

const main = document.getElementById('main');

// Skip link: focus the main region without touching the hash route.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

startRouter({
  routes: ROUTES,
  defaultPath: '/catalog',
  outlet: main,
  navList: document.getElementById('nav-list'),
  appName: 'Switchboard',
});
