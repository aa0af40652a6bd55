// OAuth error page (#/oauth-error?message=…). GET /oauth2/v1/authorize sends
// the merchant here when the request cannot be trusted (unknown client_id,
// unregistered redirect URI): the app's redirect URI is never used then, so
// the merchant is told what happened instead of being sent back.

import { h } from '../dom.js';
import { isSignedIn } from '../session.js';

const MAX_MESSAGE = 500;

export function renderOauthError(outlet, { query }) {
  const raw = (query.get('message') || '').trim();
  const message = raw.length > MAX_MESSAGE ? `${raw.slice(0, MAX_MESSAGE)}…` : raw;
  const signedIn = isSignedIn();

  outlet.append(h('div', { class: 'consent' },
    h('div', { class: 'consent__card consent__card--error', role: 'alert', dataset: { testid: 'oauth-error' } },
      h('h1', { class: 'page-title', tabindex: '-1' }, 'This app can’t be connected'),
      h('p', {}, 'The app that sent you here made an authorisation request Switchboard cannot accept, '
        + 'so nothing was shared and you were not sent back to the app.'),
      message
        ? h('div', { class: 'oauth-error__reason' },
          h('p', { class: 'field__label' }, 'Reason given by Switchboard'),
          h('p', { class: 'oauth-error__message', dataset: { testid: 'oauth-error-message' } }, message))
        : null,
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
