// OAuth error page (#/oauth-error?reason=…). GET /oauth2/v1/authorize sends
// the merchant here when the request cannot be trusted (unknown client_id,
// unregistered redirect URI), or when an unlisted app's request fails: the
// app's redirect URI is never used then, so the merchant is told what
// happened instead of being sent back.
//
// The link carries a reason code, never text: the page shows the fixed text
// of a known code and a generic one otherwise, so a crafted link cannot make
// Switchboard say anything it did not write.

import { h } from '../dom.js';
import { isSignedIn } from '../session.js';

// The reasons shared/oauth gives (Reason… constants and OAuth error codes).
export const REASONS = Object.freeze({
  malformed_request: 'The authorisation link is malformed.',
  missing_client_id: 'The link does not say which app is asking: it has no client ID.',
  unknown_client: 'No app is registered with the client ID in the link.',
  redirect_uri_mismatch: 'The return address in the link is not one the app registered.',
  repeated_parameter: 'The link gives the app’s client ID or return address more than once.',
  invalid_request: 'The app’s request is incomplete or malformed.',
  invalid_scope: 'The app asked for permissions it cannot have, or for none at all.',
  unsupported_response_type: 'The app asked for a kind of answer Switchboard does not give.',
});
const UNKNOWN_REASON = 'Switchboard could not accept the app’s request.';

export function renderOauthError(outlet, { query }) {
  const reason = query.get('reason') || '';
  const message = Object.hasOwn(REASONS, reason) ? REASONS[reason] : UNKNOWN_REASON;
  const signedIn = isSignedIn();

  outlet.append(h('div', { class: 'consent' },
    h('div', { class: 'consent__card consent__card--error', role: 'alert', dataset: { testid: 'oauth-error' } },
      h('h1', { class: 'page-title', tabindex: '-1' }, 'This app can’t be connected'),
      h('p', {}, 'The app that sent you here made an authorisation request Switchboard cannot accept, '
        + 'so nothing was shared and you were not sent back to the app.'),
      h('div', { class: 'oauth-error__reason' },
        h('p', { class: 'field__label' }, 'Reason'),
        h('p', { class: 'oauth-error__message', dataset: { testid: 'oauth-error-message' } }, message)),
      h('h2', { class: 'consent__heading' }, 'What you can do'),
      h('ul', { class: 'oauth-error__steps' },
        h('li', {}, 'Go back to the app and start the connection again.'),
        h('li', {}, 'If it happens again, contact the app’s developer: the app is misconfigured '
          + '(its client ID or return address is not the one registered with Switchboard).'),
        h('li', {}, 'If you did not expect to connect an app, close this page: nothing happened.'),
      ),
      h('div', { class: 'consent__actions' },
        signedIn
          ? h('a', { class: 'btn btn--secondary', href: '#/connections' }, 'Go to Connections')
          : h('a', { class: 'btn btn--secondary', href: '#/signin' }, 'Sign in to Switchboard'),
      ),
    ),
  ));
}
