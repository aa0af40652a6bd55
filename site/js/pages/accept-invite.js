// Accept an invitation (#/accept-invite?token=…): the page an invitation
// email links to. It works signed out (a public route in app.js): the
// invited person chooses a password, the API activates them and uses the
// invitation up, and they go on to sign in.

import { h, uid } from '../dom.js';
import { apiRequest } from '../api.js';

const MIN_PASSWORD = 12;

export function renderAcceptInvite(outlet, { query, signal }) {
  const token = query.get('token') || '';
  const titleId = uid('accept-title');
  const card = h('div', { class: 'signin__card' });
  outlet.append(h('div', { class: 'signin' }, card));

  const title = h('h1', { class: 'page-title', id: titleId, tabindex: '-1' }, 'Accept your invitation');
  if (!token) {
    card.append(title,
      h('p', { class: 'form-error', role: 'alert', dataset: { testid: 'accept-error' } },
        'This link has no invitation token. Open the link from your invitation email again, or ask an admin to invite you again.'),
      h('p', {}, h('a', { href: '#/signin' }, 'Go to sign in')));
    return;
  }

  const passwordId = uid('accept-password');
  const confirmId = uid('accept-confirm');
  const hintId = uid('accept-hint');
  const error = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'accept-error' } });
  const password = h('input', {
    id: passwordId, class: 'input', type: 'password', name: 'new-password', autocomplete: 'new-password',
    required: true, minlength: String(MIN_PASSWORD), 'aria-describedby': hintId,
  });
  const confirm = h('input', {
    id: confirmId, class: 'input', type: 'password', name: 'confirm-password', autocomplete: 'new-password', required: true,
  });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary btn--block' }, 'Set password');
  const form = h('form', { class: 'signin__form', novalidate: true, 'aria-labelledby': titleId },
    error,
    h('div', { class: 'field' },
      h('label', { class: 'field__label', for: passwordId }, 'Password'),
      password,
      h('p', { class: 'muted', id: hintId }, `At least ${MIN_PASSWORD} characters.`)),
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: confirmId }, 'Repeat the password'), confirm),
    submit,
  );
  card.append(title, h('p', { class: 'page-lead signin__lead' }, 'Choose the password you will sign in with.'), form);

  function fail(message, field) {
    error.textContent = message;
    for (const f of [password, confirm]) f.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    if ([...password.value].length < MIN_PASSWORD) {
      fail(`The password must be at least ${MIN_PASSWORD} characters.`, password);
      return;
    }
    if (password.value !== confirm.value) {
      fail('The two passwords differ.', confirm);
      return;
    }
    fail('');
    busy = true;
    submit.setAttribute('aria-busy', 'true');
    submit.setAttribute('aria-disabled', 'true');
    submit.textContent = 'Setting password…';
    try {
      const body = await apiRequest('POST', '/admin/v1/invitations/accept',
        { body: { token, password: password.value }, signal, notifyUnauthorized: false });
      if (signal.aborted) return;
      const email = body && body.user && typeof body.user.email === 'string' ? body.user.email : '';
      const done = h('h1', { class: 'page-title', tabindex: '-1' }, 'You’re all set');
      const signIn = h('a', { class: 'btn btn--primary btn--block people-link-btn', href: '#/signin', dataset: { testid: 'accept-signin' } }, 'Sign in');
      card.replaceChildren(done,
        h('p', { class: 'form-notice', role: 'status' },
          email ? `Your password is set. Sign in with ${email} and your new password.` : 'Your password is set. Sign in with your email and your new password.'),
        h('p', {}, signIn));
      done.focus();
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      busy = false;
      submit.removeAttribute('aria-busy');
      submit.removeAttribute('aria-disabled');
      submit.textContent = 'Set password';
      fail(err && err.message ? err.message : 'Something went wrong. Try again.', err && err.status === 400 ? password : submit);
    }
  });

  password.focus();
}
