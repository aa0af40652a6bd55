// My apps (#/developer): the apps this account registered as a developer.
// Registering gives a client ID and a client secret; the secret is shown once
// (here, right after registering or rotating) and never again. Admins
// register, edit, publish and rotate; members see the list read-only.

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet, apiRequest } from '../api.js';
import { getSession } from '../session.js';
import { CATEGORIES, LEVELS, categoryLabel } from '../catalog-meta.js';
import {
  renderIcon, renderLevelBadge, renderSecretBox, normalizeDeveloperApp, canManage, timeElement,
} from '../app-ui.js';
import { RESOURCES, describePermission } from '../permissions.js';
import { showDeliveryLog } from '../connection-actions.js';
import { renderEndpointHealth } from '../endpoint-health.js';
import { appCallsSection } from './developer-calls.js';

const BASE = '/admin/v1/developer/apps';

// listingBadge says where the app's catalog listing stands: publishing is a
// request that a platform operator reviews.
function listingBadge(app) {
  const badge = (cls, text) => h('span', { class: `badge ${cls}`, dataset: { testid: 'published-badge' } }, text);
  if (!app.published) return badge('badge--draft', 'Not published');
  if (app.listingStatus === 'approved') return badge('badge--published', 'Published');
  if (app.listingStatus === 'rejected') return badge('badge--draft', 'Listing refused');
  return badge('badge--draft', 'Awaiting review');
}

export function renderDeveloper(outlet, { signal }) {
  const session = getSession();
  const manager = canManage(session);
  const timeZone = session ? session.account.timeZone : '';
  let apps = [];

  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const secretSlot = h('div', { class: 'secret-slot' });
  const listBody = h('div', { class: 'dev-list-body' });

  outlet.append(
    h('div', { class: 'page-header' },
      h('h1', { class: 'page-title' }, 'My apps'),
      h('p', { class: 'page-lead' },
        'Apps your account develops. Each one gets a client ID and a client secret for the OAuth flow; '
        + 'publishing asks Switchboard to list it in Available apps for every merchant; until approved it works in this account only.'),
    ),
    ...(manager ? [] : [h('p', { class: 'form-notice form-notice--inline', dataset: { testid: 'member-notice' } },
      'Only admins can register and change apps. You can see them here.')]),
    secretSlot,
    h('section', { class: 'dev-section', 'aria-labelledby': 'dev-list-title' },
      h('div', { class: 'dev-section__head' },
        h('h2', { class: 'section-title', id: 'dev-list-title' }, 'Registered apps'),
        status,
      ),
      listBody,
    ),
    ...(manager ? [renderRegisterSection()] : []),
  );

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());

  async function load() {
    status.textContent = 'Loading…';
    listBody.setAttribute('aria-busy', 'true');
    try {
      const body = await apiGet(BASE, {}, { signal: controller.signal });
      if (!Array.isArray(body.apps)) throw new Error('The server returned an unexpected response.');
      apps = body.apps.filter((a) => a && typeof a === 'object').map(normalizeDeveloperApp);
      showList();
    } catch (err) {
      if (controller.signal.aborted || (err && err.name === 'AbortError')) return;
      status.textContent = '';
      clear(listBody);
      listBody.append(h('div', { class: 'panel panel--error', role: 'alert' },
        h('h3', { class: 'panel__title' }, 'Couldn’t load your apps'),
        h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.'),
        h('button', { type: 'button', class: 'btn btn--primary', onclick: load }, 'Retry'),
      ));
    } finally {
      listBody.removeAttribute('aria-busy');
    }
  }

  function showList() {
    clear(listBody);
    status.textContent = `${apps.length} ${apps.length === 1 ? 'app' : 'apps'}`;
    if (apps.length === 0) {
      listBody.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'dev-empty' } },
        h('h3', { class: 'panel__title' }, 'No app registered yet'),
        h('p', { class: 'panel__text' }, manager
          ? 'Register your app below to get its client ID and secret.'
          : 'An admin of this account can register apps.'),
      ));
      return;
    }
    listBody.append(h('ul', { class: 'dev-list' }, apps.map((app) => h('li', {}, renderApp(app)))));
  }

  // ---- one app ----------------------------------------------------------------
  function renderApp(app, { secret = '', signingSecret = '', message = '' } = {}) {
    const nameId = uid('dev-app');
    const itemSecret = h('div', { class: 'secret-slot' });
    if (secret) {
      itemSecret.append(renderSecretBox({
        title: `New secret for ${app.name}`,
        secret,
        note: 'The previous secret has stopped working. Update your app’s server with this one.',
      }));
    }
    if (signingSecret) {
      itemSecret.append(renderSecretBox({
        title: `New signing secret for ${app.name}`,
        secret: signingSecret,
        testId: 'signing-secret',
        boxTestId: 'signing-secret-box',
        note: 'Callbacks carry signatures by both the new and the previous signing secret for 24 hours; verify with this one from now on.',
      }));
    }
    const feedback = h('div', { class: 'form-error', role: 'alert' });
    const done = h('p', { class: 'form-notice form-notice--inline', role: 'status' }, message);
    if (!message) done.hidden = true;
    const actions = h('div', { class: 'dev-app__actions' });

    const article = h('article', { class: 'dev-app', 'aria-labelledby': nameId, dataset: { testid: 'dev-app', appId: app.id } },
      h('div', { class: 'dev-app__head' },
        renderIcon(app),
        h('div', { class: 'dev-app__title' },
          h('h3', { class: 'card__name', id: nameId, tabindex: '-1', dataset: { testid: 'dev-app-name' } }, app.name),
          h('p', { class: 'card__developer' }, srOnly('Developer: '), app.developer),
        ),
        h('div', { class: 'card__meta' },
          listingBadge(app),
          renderLevelBadge(app.level),
          h('span', { class: 'tag' }, categoryLabel(app.category)),
        ),
      ),
      ...(app.published && app.listingStatus === 'rejected'
        ? [h('p', { class: 'form-notice form-notice--inline', dataset: { testid: 'listing-reason' } },
          'Listing refused by Switchboard: ', app.listingReason, ' Change the app to ask again.')]
        : []),
      h('dl', { class: 'dev-app__facts' },
        h('dt', {}, 'Client ID'),
        h('dd', {}, h('code', { class: 'mono', dataset: { testid: 'dev-client-id' } }, app.clientId)),
        h('dt', {}, 'Redirect URIs'),
        h('dd', {}, app.redirectUris.length
          ? h('ul', { class: 'plain-list', dataset: { testid: 'dev-redirect-uris' } }, app.redirectUris.map((u) => h('li', {}, h('code', { class: 'mono' }, u))))
          : h('span', { class: 'muted' }, 'none')),
        h('dt', {}, 'Permissions'),
        h('dd', {}, app.scopes.length ? app.scopes.map(describePermission).join(' · ') : h('span', { class: 'muted' }, 'none')),
        h('dt', {}, 'Client type'),
        h('dd', {}, app.publicClient ? 'Public (PKCE, no secret)' : 'Confidential (uses the secret)'),
        app.secretRotatedAt && timeElement(app.secretRotatedAt, timeZone)
          ? [h('dt', {}, 'Secret issued'), h('dd', {}, timeElement(app.secretRotatedAt, timeZone))]
          : null,
        app.callbackUrl
          ? [h('dt', {}, 'Callback endpoint'), h('dd', {}, renderEndpointHealth({
            appId: app.id, appName: app.name, endpoint: app.callbackEndpoint, timeZone, manager,
            onEnabled: (endpoint, queued) => {
              const saved = { ...app, callbackEndpoint: endpoint };
              replaceApp(saved);
              const next = renderApp(saved, {
                message: queued === null ? `The callback endpoint of ${app.name} is enabled.`
                  : `The callback endpoint of ${app.name} is enabled; ${queued} failed ${queued === 1 ? 'event is' : 'events are'} sent again within a minute.`,
              });
              article.replaceWith(next);
              next.querySelector('h3').focus();
            },
          }))]
          : null,
      ),
      itemSecret,
      done,
      feedback,
      manager ? actions : null,
      appCallsSection(app, { timeZone, signal: controller.signal }),
    );

    if (!manager) return article;

    const edit = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, 'Edit', srOnly(` ${app.name}`));
    const publish = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'toggle-publish' } },
      app.published ? 'Unpublish' : 'Publish', srOnly(` ${app.name}`));
    const rotate = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'rotate-secret' } },
      'Rotate secret', srOnly(` of ${app.name}`));
    const callbacks = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'app-deliveries' } },
      'Callbacks', srOnly(` of ${app.name}`));
    callbacks.addEventListener('click', () => showDeliveryLog({
      title: `Callbacks of ${app.name}`, canManage: true, developerView: true, timeZone: session ? session.account.timeZone : '',
      listPath: `${BASE}/${encodeURIComponent(app.id)}/deliveries`, redeliverPath: `${BASE}/${encodeURIComponent(app.id)}/deliveries/redeliver`,
    }));
    const rotateSigning = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'rotate-signing-secret' } },
      'Rotate signing secret', srOnly(` of ${app.name}`));
    rotateSigning.addEventListener('click', async () => {
      if (rotateSigning.getAttribute('aria-busy') === 'true') return;
      feedback.textContent = '';
      rotateSigning.setAttribute('aria-busy', 'true');
      try {
        const answer = await apiRequest('POST', `${BASE}/${encodeURIComponent(app.id)}/signing-secret`);
        const saved = normalizeDeveloperApp(answer);
        replaceApp(saved);
        const next = renderApp(saved, { signingSecret: typeof answer.signingSecret === 'string' ? answer.signingSecret : '' });
        article.replaceWith(next);
        const title = next.querySelector('.secret-box__title');
        if (title) title.focus();
      } catch (err) {
        feedback.textContent = err && err.message ? err.message : 'Something went wrong.';
        rotateSigning.removeAttribute('aria-busy');
        rotateSigning.focus();
      }
    });
    actions.append(edit, publish, rotate, rotateSigning, callbacks);

    edit.addEventListener('click', () => {
      const form = buildAppForm({
        initial: app,
        submitLabel: 'Save changes',
        onCancel: () => {
          const back = renderApp(app);
          form.replaceWith(back);
          back.querySelector('h3').focus();
        },
        onSubmit: async (input) => {
          const saved = normalizeDeveloperApp(await apiRequest('PATCH', `${BASE}/${encodeURIComponent(app.id)}`, { body: input }));
          replaceApp(saved);
          const next = renderApp(saved, { message: 'Changes saved.' });
          form.replaceWith(next);
          next.querySelector('h3').focus();
        },
      });
      article.replaceWith(form);
      form.querySelector('input').focus();
    });

    publish.addEventListener('click', async () => {
      if (publish.getAttribute('aria-busy') === 'true') return;
      feedback.textContent = '';
      publish.setAttribute('aria-busy', 'true');
      try {
        const saved = normalizeDeveloperApp(await apiRequest('PATCH', `${BASE}/${encodeURIComponent(app.id)}`, {
          body: { published: !app.published },
        }));
        replaceApp(saved);
        const next = renderApp(saved, {
          message: saved.published ? (saved.listingStatus === 'approved' ? `${saved.name} is listed in Available apps.` : `${saved.name} is waiting for Switchboard’s review before it is listed in Available apps.`) : `${saved.name} is no longer listed in Available apps.`,
        });
        article.replaceWith(next);
        const again = next.querySelector('[data-testid="toggle-publish"]');
        if (again) again.focus();
      } catch (err) {
        publish.removeAttribute('aria-busy');
        feedback.textContent = err && err.message ? err.message : 'Something went wrong.';
      }
    });

    rotate.addEventListener('click', () => {
      if (actions.querySelector('.confirm')) return;
      const confirmId = uid('confirm');
      const yes = h('button', { type: 'button', class: 'btn btn--danger btn--small', dataset: { testid: 'confirm-rotate' } }, 'Rotate now');
      const no = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, 'Cancel');
      const box = h('div', { class: 'confirm', role: 'group', 'aria-labelledby': confirmId },
        h('p', { id: confirmId, class: 'confirm__text' },
          `Rotate the secret of ${app.name}? The current secret stops working at once: the app’s server must switch to the new one.`),
        h('div', { class: 'confirm__actions' }, yes, no));
      actions.append(box);
      yes.focus();
      no.addEventListener('click', () => {
        box.remove();
        rotate.focus();
      });
      yes.addEventListener('click', async () => {
        if (yes.getAttribute('aria-busy') === 'true') return;
        feedback.textContent = '';
        yes.setAttribute('aria-busy', 'true');
        yes.textContent = 'Rotating…';
        try {
          const answer = await apiRequest('POST', `${BASE}/${encodeURIComponent(app.id)}/secret`);
          const saved = normalizeDeveloperApp(answer);
          replaceApp(saved);
          const next = renderApp(saved, { secret: typeof answer.clientSecret === 'string' ? answer.clientSecret : '' });
          article.replaceWith(next);
          const title = next.querySelector('.secret-box__title');
          if (title) title.focus();
        } catch (err) {
          box.remove();
          feedback.textContent = err && err.message ? err.message : 'Something went wrong.';
          rotate.focus();
        }
      });
    });
    return article;
  }

  function replaceApp(saved) {
    const old = apps.find((a) => a.id === saved.id);
    // A change's answer carries no endpoint health: the endpoint did not change.
    if (!saved.callbackEndpoint && old) saved.callbackEndpoint = old.callbackEndpoint;
    apps = apps.map((a) => (a.id === saved.id ? saved : a));
  }

  // ---- registration ----------------------------------------------------------
  function renderRegisterSection() {
    const section = h('section', { class: 'dev-section', 'aria-labelledby': 'dev-register-title' },
      h('h2', { class: 'section-title', id: 'dev-register-title' }, 'Register a new app'));
    const form = buildAppForm({
      initial: null,
      submitLabel: 'Register app',
      onSubmit: async (input) => {
        const answer = await apiRequest('POST', BASE, { body: input });
        const saved = { ...normalizeDeveloperApp(answer), callbackEndpoint: { state: 'active', last24h: { attempts: 0, failed: 0 }, last7d: { attempts: 0, failed: 0 } } };
        clear(secretSlot);
        secretSlot.append(renderSecretBox({
          title: `${saved.name} is registered`,
          clientId: saved.clientId,
          secret: typeof answer.clientSecret === 'string' ? answer.clientSecret : '',
          note: 'Configure your app with this client ID and secret.',
        }));
        if (typeof answer.signingSecret === 'string' && answer.signingSecret) {
          secretSlot.append(renderSecretBox({
            title: 'Callback signing secret',
            secret: answer.signingSecret,
            testId: 'signing-secret',
            boxTestId: 'signing-secret-box',
            note: 'Verify the webhook-signature of Switchboard’s callbacks with it (Standard Webhooks). It is shown only now.',
          }));
        }
        apps = [...apps.filter((a) => a.id !== saved.id), saved].sort((a, b) => a.name.localeCompare(b.name));
        showList();
        form.reset();
        form.dispatchEvent(new Event('reset-defaults'));
        secretSlot.querySelector('.secret-box__title').focus();
      },
    });
    section.append(form);
    return section;
  }

  load();
  return () => controller.abort();
}

// ---- the form (register and edit) ------------------------------------------------

function buildAppForm({ initial, submitLabel, onSubmit, onCancel }) {
  const session = getSession();
  const ids = {};
  const id = (key) => {
    if (!ids[key]) ids[key] = uid(`app-${key}`);
    return ids[key];
  };
  const errorBox = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'app-form-error' } });

  const input = (key, props = {}) => h('input', { id: id(key), name: key, class: 'input', type: 'text', autocomplete: 'off', ...props });
  const name = input('name', { required: true, maxlength: '80' });
  const developer = input('developer', { required: true, maxlength: '120' });
  const description = h('textarea', { id: id('description'), name: 'description', class: 'input textarea', rows: '3', maxlength: '1000' });
  const category = h('select', { id: id('category'), name: 'category', class: 'select' },
    CATEGORIES.map((c) => h('option', { value: c.value }, c.label)));
  const levelName = uid('level');
  const levelInputs = ['location', 'account'].map((value) => h('input', { type: 'radio', class: 'radio', name: levelName, value, id: uid(`level-${value}`) }));
  const scopeBoxes = [];
  const scopeRows = RESOURCES.map((r) => h('tr', {},
    h('th', { scope: 'row' }, r.label),
    ['read', 'write'].map((access) => {
      const value = `${r.value}.${access}`;
      const box = h('input', { type: 'checkbox', class: 'checkbox', id: uid(`scope-${value}`), value, name: 'scopes' });
      scopeBoxes.push(box);
      return h('td', {}, h('label', { class: 'scope-check', title: describePermission(value) }, box,
        h('span', { class: 'visually-hidden' }, `${r.label}: `), access === 'read' ? 'Read' : 'Write'));
    })));
  const redirectUris = h('textarea', {
    id: id('redirectUris'), name: 'redirectUris', class: 'input textarea mono', rows: '3', required: true, spellcheck: 'false',
    'aria-describedby': id('redirectUris-hint'), autocapitalize: 'none',
  });
  const iconUrl = input('iconUrl', { type: 'url', placeholder: 'https://', 'aria-describedby': id('https-hint') });
  const website = input('website', { type: 'url', placeholder: 'https://', 'aria-describedby': id('https-hint') });
  const openUrl = input('openUrl', { type: 'url', placeholder: 'https://', 'aria-describedby': id('openUrl-hint') });
  const callbackUrl = input('callbackUrl', { type: 'url', placeholder: 'https://', 'aria-describedby': id('callbackUrl-hint') });
  const check = (key) => h('input', { type: 'checkbox', class: 'checkbox', id: id(key), name: key });
  const multipleInstances = check('multipleInstances');
  const publicClient = check('publicClient');
  const published = check('published');

  function setValues(app) {
    name.value = app ? app.name : '';
    developer.value = app ? app.developer : (session && session.account.name) || '';
    description.value = app ? app.description : '';
    category.value = app && CATEGORIES.some((c) => c.value === app.category) ? app.category : 'pos';
    for (const r of levelInputs) r.checked = r.value === (app ? app.level : 'location');
    for (const b of scopeBoxes) b.checked = app ? app.scopes.includes(b.value) : false;
    redirectUris.value = app ? app.redirectUris.join('\n') : '';
    iconUrl.value = app ? app.rawIconUrl : '';
    website.value = app ? app.rawWebsite : '';
    openUrl.value = app ? app.rawOpenUrl : '';
    callbackUrl.value = app ? app.callbackUrl : '';
    multipleInstances.checked = app ? app.multipleInstances : false;
    publicClient.checked = app ? app.publicClient : false;
    published.checked = app ? app.published : false;
  }

  const labelled = (key, label, control, hint) => h('div', { class: 'field' },
    h('label', { class: 'field__label', for: id(key) }, label), control,
    hint ? h('p', { class: 'field__hint', id: id(`${key}-hint`) }, hint) : null);
  const checkField = (key, control, label, hint) => h('div', { class: 'check-field' }, control,
    h('div', {}, h('label', { for: id(key), class: 'check-field__label' }, label),
      hint ? h('p', { class: 'field__hint' }, hint) : null));

  const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, submitLabel);
  const cancel = onCancel ? h('button', { type: 'button', class: 'btn btn--secondary', onclick: onCancel }, 'Cancel') : null;

  const form = h('form', { class: 'app-form', novalidate: true, dataset: { testid: initial ? 'edit-app-form' : 'register-app-form' } },
    initial ? h('h3', { class: 'app-form__title' }, `Edit ${initial.name}`) : null,
    errorBox,
    h('div', { class: 'form-grid' },
      labelled('name', 'App name', name),
      labelled('developer', 'Developer (shown to merchants)', developer),
      h('div', { class: 'field form-grid__wide' }, h('label', { class: 'field__label', for: id('description') }, 'Description'), description),
      labelled('category', 'Category', category),
      h('fieldset', { class: 'fieldset' },
        h('legend', { class: 'field__label' }, 'Connects to'),
        levelInputs.map((r) => h('div', { class: 'choice' }, r,
          h('label', { for: r.id, class: 'choice__label' },
            r.value === 'location' ? 'One location at a time' : 'The whole account (all locations)',
            h('span', { class: 'field__hint' }, ` — ${LEVELS[r.value].explanation}`))))),
      h('fieldset', { class: 'fieldset form-grid__wide' },
        h('legend', { class: 'field__label' }, 'Permissions the app asks for'),
        h('table', { class: 'scope-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Resource'), h('th', { scope: 'col' }, 'Read'), h('th', { scope: 'col' }, 'Write'))),
          h('tbody', {}, scopeRows))),
      h('div', { class: 'field form-grid__wide' },
        h('label', { class: 'field__label', for: id('redirectUris') }, 'Redirect URIs'),
        redirectUris,
        h('p', { class: 'field__hint', id: id('redirectUris-hint') },
          'One per line, matched exactly. https only (http is accepted for localhost and 127.0.0.1 while developing).')),
      labelled('website', 'Website', website),
      labelled('iconUrl', 'Icon URL', iconUrl),
      labelled('openUrl', 'Open URL', openUrl, 'The app’s page merchants open from Connections; it receives connection_id and location_id.'),
      labelled('callbackUrl', 'Callback URL', callbackUrl, 'Receives signed lifecycle events (connected, blocked…).'),
      h('p', { class: 'field__hint form-grid__wide', id: id('https-hint') }, 'Web addresses must start with https:// (the website and the open URL may use http on localhost and 127.0.0.1 while developing).'),
      h('div', { class: 'form-grid__wide check-group' },
        checkField('multipleInstances', multipleInstances, 'Allow multiple instances',
          'A location can connect the app more than once, each with its own label (e.g. one per till).'),
        checkField('publicClient', publicClient, 'Public client',
          'For mobile or browser apps that cannot keep a secret: they must use PKCE.'),
        checkField('published', published, 'Published',
          'Asks Switchboard to list the app in Available apps for every merchant. Until an operator approves it, the app works in this account only.'),
      ),
    ),
    h('div', { class: 'form-actions' }, submit, cancel),
  );
  setValues(initial);
  form.addEventListener('reset-defaults', () => setValues(null));

  function values() {
    const level = levelInputs.find((r) => r.checked);
    return {
      name: name.value.trim(),
      developer: developer.value.trim(),
      description: description.value.trim(),
      category: category.value,
      level: level ? level.value : '',
      scopes: scopeBoxes.filter((b) => b.checked).map((b) => b.value),
      redirectUris: redirectUris.value.split('\n').map((s) => s.trim()).filter(Boolean),
      iconUrl: iconUrl.value.trim(),
      website: website.value.trim(),
      openUrl: openUrl.value.trim(),
      callbackUrl: callbackUrl.value.trim(),
      multipleInstances: multipleInstances.checked,
      publicClient: publicClient.checked,
      published: published.checked,
    };
  }

  function fail(message, field) {
    errorBox.textContent = message;
    for (const el of [name, developer, redirectUris]) el.removeAttribute('aria-invalid');
    if (field) {
      if (field.tagName !== 'INPUT' || field.type === 'text') field.setAttribute('aria-invalid', 'true');
      field.focus();
    } else {
      errorBox.setAttribute('tabindex', '-1');
      errorBox.focus();
    }
  }

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const v = values();
    if (!v.name) return fail('Enter the app’s name.', name);
    if (!v.developer) return fail('Enter the developer’s name.', developer);
    if (!v.level) return fail('Choose what the app connects to.', levelInputs[0]);
    if (v.scopes.length === 0) return fail('Choose at least one permission.', scopeBoxes[0]);
    if (v.redirectUris.length === 0) return fail('Enter at least one redirect URI.', redirectUris);
    errorBox.textContent = '';
    for (const el of [name, developer, redirectUris]) el.removeAttribute('aria-invalid');
    busy = true;
    submit.setAttribute('aria-busy', 'true');
    submit.setAttribute('aria-disabled', 'true');
    const label = submit.textContent;
    submit.textContent = 'Saving…';
    try {
      await onSubmit(v);
    } catch (err) {
      fail(err && err.message ? err.message : 'Something went wrong.');
    } finally {
      busy = false;
      submit.removeAttribute('aria-busy');
      submit.removeAttribute('aria-disabled');
      submit.textContent = label;
    }
    return undefined;
  });
  return form;
}
