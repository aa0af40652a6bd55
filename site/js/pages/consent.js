// Consent page (#/consent?client_id&redirect_uri&response_type&scope&state
// [&code_challenge&code_challenge_method][&device_id]). GET /oauth2/v1/authorize
// has already checked the client and redirect URI and sends the browser here.
// The merchant sees the app, each permission in plain words and the target,
// then approves or denies: POST /oauth2/v1/authorize answers where the
// browser goes next ({ redirectTo }), for approval and denial alike.
//
// The target follows the app's level, so the wrong level cannot be chosen:
// a location-level app gets a location picker, an account-level app is
// connected to "All locations (the whole account)" with no picker.

import { h, clear, srOnly, uid, safeHttpUrl } from '../dom.js';
import { apiGet, apiRequest, ApiError } from '../api.js';
import { getSession } from '../session.js';
import { LEVELS } from '../catalog-meta.js';
import { renderIcon, normalizeApp, canManage, connectTargetKey } from '../app-ui.js';
import { parseScope, describePermission, PROFILE_WORDING } from '../permissions.js';

const OAUTH_FIELDS = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'device_id'];
const MAX_LABEL = 60;

export function renderConsent(outlet, { query, signal }) {
  const request = {};
  for (const field of OAUTH_FIELDS) request[field] = query.get(field) || '';
  const session = getSession();
  const manager = canManage(session);
  const locations = session ? session.locations : [];
  const scope = parseScope(request.scope);

  // A location chosen beforehand on Available apps (own apps only).
  let preselected = '';
  if (request.state) {
    try {
      preselected = sessionStorage.getItem(connectTargetKey(request.state)) || '';
      sessionStorage.removeItem(connectTargetKey(request.state));
    } catch { /* storage unavailable */ }
  }

  const body = h('div', { class: 'consent' });
  outlet.append(body);

  if (!request.client_id || !request.redirect_uri) {
    body.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'consent-error' } },
      h('h1', { class: 'panel__title' }, 'This authorisation link is incomplete'),
      h('p', { class: 'panel__text' },
        'The app that sent you here did not say who it is or where to return. Go back to the app and start the connection again.'),
      h('a', { class: 'btn btn--secondary', href: '#/connections' }, 'Go to Connections'),
    ));
    return undefined;
  }

  body.append(h('p', { class: 'results-status', role: 'status' }, 'Loading the app…'));

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());

  apiGet(`/admin/v1/apps/${encodeURIComponent(request.client_id)}`, {}, { signal: controller.signal })
    .then((app) => show(normalizeApp(app)))
    .catch((err) => {
      if (controller.signal.aborted || (err && err.name === 'AbortError')) return;
      // An unpublished app (e.g. the account's own, still in development) is
      // not in the catalog but can still be authorised: show what we know.
      if (err instanceof ApiError && err.status === 404) show(null);
      else showLoadError(err);
    });

  function showLoadError(err) {
    clear(body);
    const retry = h('button', { type: 'button', class: 'btn btn--primary', onclick: () => window.location.reload() }, 'Retry');
    body.append(h('div', { class: 'panel panel--error', role: 'alert' },
      h('h1', { class: 'panel__title', tabindex: '-1' }, 'Couldn’t load the app'),
      h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.'),
      retry,
    ));
  }

  /** app: the catalog app, or null when only client_id and scope are known. */
  function show(app) {
    clear(body);
    const appName = app ? app.name : request.client_id;
    // The scope names the level; it must match the app's (the server checked).
    const level = scope.level || (app ? app.level : '');
    const titleId = uid('consent-title');
    const errorBox = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'consent-error' } });

    // ---- the app --------------------------------------------------------
    const head = h('div', { class: 'consent__app' },
      renderIcon(app || { name: request.client_id }),
      h('div', { class: 'consent__app-text' },
        h('h1', { class: 'page-title', id: titleId, tabindex: '-1' },
          'Connect ', h('span', { dataset: { testid: 'consent-app-name' } }, appName), '?'),
        app && app.developer ? h('p', { class: 'card__developer' }, 'by ', h('span', { dataset: { testid: 'consent-developer' } }, app.developer)) : null,
      ),
    );
    const details = app
      ? [
        app.description ? h('p', { class: 'consent__description' }, app.description) : null,
        app.website ? h('p', { class: 'muted' },
          h('a', { href: app.website, target: '_blank', rel: 'noopener noreferrer' }, 'Website', srOnly(` of ${app.name} (opens in a new tab)`)),
        ) : null,
      ]
      : h('p', { class: 'form-notice form-notice--inline', dataset: { testid: 'consent-unlisted' } },
        'This app is not listed in Available apps (it may still be in development). Only approve it if you trust who sent you here. Client ID: ',
        h('code', { class: 'mono' }, request.client_id));

    // ---- permissions ------------------------------------------------------
    const permItems = scope.permissions.map((p) => h('li', {},
      h('span', { class: 'perm-list__text' }, describePermission(p)),
      h('code', { class: 'perm-list__code' }, p)));
    if (scope.profile) permItems.push(h('li', {}, h('span', { class: 'perm-list__text' }, PROFILE_WORDING), h('code', { class: 'perm-list__code' }, 'profile')));
    const permsId = uid('perms');
    const permissions = h('section', { class: 'consent__section', 'aria-labelledby': permsId },
      h('h2', { class: 'consent__heading', id: permsId }, `${appName} will be able to:`),
      permItems.length
        ? h('ul', { class: 'perm-list', dataset: { testid: 'consent-permissions' } }, permItems)
        : h('p', { class: 'muted' }, 'No permission is requested.'),
      scope.valid ? null : h('p', { class: 'muted' }, 'Requested scope: ', h('code', { class: 'mono' }, request.scope)),
    );

    // ---- target -----------------------------------------------------------
    const targetId = uid('target');
    let locationInputs = [];
    let target;
    if (level === 'account') {
      target = h('section', { class: 'consent__section', 'aria-labelledby': targetId },
        h('h2', { class: 'consent__heading', id: targetId }, 'Connect to'),
        h('p', { class: 'consent__target', dataset: { testid: 'consent-target' } },
          h('strong', {}, 'All locations (the whole account)'),
          session && session.account.name ? ` — ${session.account.name}` : ''),
        h('p', { class: 'muted' }, LEVELS.account.explanation),
      );
    } else {
      // Location level, or unknown (profile only on an unlisted app): pick a
      // location; with an unknown level the whole account is offered too and
      // the server refuses the wrong one.
      const name = uid('location');
      const options = [];
      if (level !== 'location') options.push({ id: '', label: 'All locations (the whole account)' });
      for (const l of locations) options.push({ id: l.id, label: l.name || l.id });
      const initial = options.some((o) => o.id === preselected && preselected) ? preselected
        : options.length === 1 ? options[0].id : null;
      const items = options.map((o) => {
        const inputId = uid('loc');
        const input = h('input', { type: 'radio', id: inputId, name, value: o.id, class: 'radio', required: true });
        if (initial !== null && o.id === initial) input.checked = true;
        locationInputs.push(input);
        return h('li', { class: 'choice' }, input, h('label', { for: inputId, class: 'choice__label' }, o.label));
      });
      target = h('fieldset', { class: 'consent__section consent__fieldset', dataset: { testid: 'consent-locations' } },
        h('legend', { class: 'consent__heading', id: targetId }, level === 'location' ? 'Connect to which location?' : 'Connect to'),
        level === 'location' ? h('p', { class: 'muted' }, `${appName} connects to one location. Connect it again for each other location.`) : null,
        items.length
          ? h('ul', { class: 'choice-list' }, items)
          : h('p', { class: 'inline-error' }, 'This account has no location to connect to.'),
      );
    }

    // ---- instance label ---------------------------------------------------
    let labelInput = null;
    const allowsInstances = app ? app.multipleInstances : Boolean(request.device_id);
    let labelField = null;
    if (allowsInstances) {
      const labelId = uid('instance');
      const hintId = uid('instance-hint');
      labelInput = h('input', {
        id: labelId, class: 'input', type: 'text', name: 'instance_label', maxlength: String(MAX_LABEL),
        autocomplete: 'off', 'aria-describedby': hintId,
      });
      labelInput.value = request.device_id.slice(0, MAX_LABEL);
      labelField = h('div', { class: 'field consent__section' },
        h('label', { class: 'field__label', for: labelId }, 'Instance label (optional)'),
        labelInput,
        h('p', { class: 'field__hint', id: hintId },
          `${appName} can be connected more than once to the same place, e.g. one per till. `
          + 'A new label makes a new connection; the same label reconnects the existing one.'),
      );
    }

    // ---- actions ----------------------------------------------------------
    const approveNoteId = uid('approve-note');
    const approve = h('button', {
      type: 'submit', class: 'btn btn--primary', disabled: !manager,
      'aria-describedby': manager ? null : approveNoteId, dataset: { testid: 'approve' },
    }, 'Approve');
    const deny = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'deny' } }, 'Deny');
    const roleNote = manager ? null
      : h('p', { class: 'connect-note connect-note--blocked', id: approveNoteId, dataset: { testid: 'approve-reason' } },
        'Only admins can connect apps: ask an admin of this account to approve. You can still deny.');

    const form = h('form', { class: 'consent__card', 'aria-labelledby': titleId, novalidate: true },
      head, details, errorBox, permissions, target, labelField,
      h('p', { class: 'muted consent__return' }, 'Whether you approve or deny, you will be sent back to ', h('span', { class: 'mono' }, hostOf(request.redirect_uri)), '.'),
      h('div', { class: 'consent__actions' }, approve, deny),
      roleNote,
    );
    body.append(form);
    const focusTarget = body.querySelector('h1');
    if (focusTarget) focusTarget.focus();

    let busy = false;
    async function decide(approved) {
      if (busy) return;
      errorBox.textContent = '';
      let locationId = '';
      if (approved) {
        if (!manager) return;
        if (level !== 'account') {
          const checked = locationInputs.find((i) => i.checked);
          if (!checked) {
            errorBox.textContent = 'Choose where to connect the app.';
            if (locationInputs[0]) locationInputs[0].focus();
            return;
          }
          locationId = checked.value;
        }
      }
      busy = true;
      const button = approved ? approve : deny;
      const label = button.textContent;
      for (const b of [approve, deny]) b.setAttribute('aria-disabled', 'true');
      button.setAttribute('aria-busy', 'true');
      button.textContent = approved ? 'Approving…' : 'Denying…';
      try {
        const answer = await apiRequest('POST', '/oauth2/v1/authorize', {
          body: {
            ...request,
            location_id: locationId,
            instance_label: labelInput ? labelInput.value.trim() : '',
            approve: approved,
          },
        });
        const to = answer && safeHttpUrl(answer.redirectTo);
        if (!to) throw new Error('The server did not say where to go next.');
        window.location.assign(to);
      } catch (err) {
        if (signal.aborted) return;
        busy = false;
        for (const b of [approve, deny]) b.removeAttribute('aria-disabled');
        button.removeAttribute('aria-busy');
        button.textContent = label;
        errorBox.textContent = err && err.message ? err.message : 'Something went wrong. Try again.';
        errorBox.setAttribute('tabindex', '-1');
        errorBox.focus();
      }
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      decide(true);
    });
    deny.addEventListener('click', () => decide(false));
  }

  return () => controller.abort();
}

function hostOf(uri) {
  try {
    return new URL(uri).host || uri;
  } catch {
    return uri;
  }
}
