// Sign-in page (#/signin?next=/catalog). On success the session module
// announces the change and app.js routes to `next` (default: the start page).

import { h, uid } from '../dom.js';
import { signIn, takeEndReason } from '../session.js';

const END_NOTICES = {
  expired: 'Your session has ended. Sign in again to continue.',
  'signed-out': 'You have signed out.',
};

export function renderSignin(outlet, { signal }) {
  const titleId = uid('signin-title');
  const errorId = uid('signin-error');
  const emailId = uid('signin-email');
  const passwordId = uid('signin-password');

  const notice = END_NOTICES[takeEndReason()] || '';

  const error = h('div', {
    class: 'form-error',
    id: errorId,
    role: 'alert',
    dataset: { testid: 'signin-error' },
  });
  const email = h('input', {
    id: emailId,
    class: 'input',
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
  });
  const password = h('input', {
    id: passwordId,
    class: 'input',
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary btn--block' }, 'Sign in');
  const form = h('form', { class: 'signin__form', novalidate: true, 'aria-labelledby': titleId },
    error,
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: emailId }, 'Email'), email),
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: passwordId }, 'Password'), password),
    submit,
  );

  outlet.append(
    h('div', { class: 'signin' },
      h('div', { class: 'signin__card' },
        h('h1', { class: 'page-title', id: titleId, tabindex: '-1' }, 'Sign in'),
        h('p', { class: 'page-lead signin__lead' }, 'Use your Switchboard admin account.'),
        notice ? h('p', { class: 'form-notice', role: 'status' }, notice) : null,
        form,
        h('p', { class: 'signin__links' },
          h('a', { href: '#/forgot-password', dataset: { testid: 'signin-forgot' } }, 'Forgot password?'),
          ' · ',
          h('a', { href: '#/signup', dataset: { testid: 'signin-signup' } }, 'Create an account')),
      ),
    ),
  );

  let busy = false;

  function setBusy(on) {
    busy = on;
    // aria-disabled instead of disabled: the button keeps keyboard focus.
    if (on) {
      submit.setAttribute('aria-disabled', 'true');
      submit.setAttribute('aria-busy', 'true');
      submit.textContent = 'Signing in…';
    } else {
      submit.removeAttribute('aria-disabled');
      submit.removeAttribute('aria-busy');
      submit.textContent = 'Sign in';
    }
  }

  /** Shows `message` (as text) and marks `fields` invalid; focuses `focusTarget`. */
  function showError(message, fields, focusTarget) {
    error.textContent = message;
    for (const field of [email, password]) {
      if (fields.includes(field)) {
        field.setAttribute('aria-invalid', 'true');
        field.setAttribute('aria-describedby', errorId);
      } else {
        field.removeAttribute('aria-invalid');
        field.removeAttribute('aria-describedby');
      }
    }
    if (focusTarget) focusTarget.focus();
  }

  function clearError() {
    error.textContent = '';
    for (const field of [email, password]) {
      field.removeAttribute('aria-invalid');
      field.removeAttribute('aria-describedby');
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const emailValue = email.value.trim();
    const passwordValue = password.value;
    if (!emailValue || !passwordValue) {
      const missing = [!emailValue && email, !passwordValue && password].filter(Boolean);
      showError(
        !emailValue && !passwordValue ? 'Enter your email and password.'
          : !emailValue ? 'Enter your email address.' : 'Enter your password.',
        missing,
        missing[0],
      );
      return;
    }

    clearError();
    setBusy(true);
    try {
      await signIn(emailValue, passwordValue);
      // Signed in: app.js has already shown the next page (this one is gone).
      if (!signal.aborted) setBusy(false);
    } catch (err) {
      if (signal.aborted) return;
      setBusy(false);
      const message = err && err.message ? err.message : 'Something went wrong. Try again.';
      if (err && err.status === 401) {
        password.value = '';
        showError(message, [email, password], password);
      } else if (err && err.status === 400) {
        showError(message, [email, password], email);
      } else {
        // 429 (retry later), network or server errors: nothing to fix in the fields.
        showError(message, [], submit);
      }
    }
  });

  // The form is the whole page: start in the first empty field.
  (email.value ? password : email).focus();
}
