// Password pages: "Forgot password?" (#/forgot-password), the reset link's
// page (#/reset-password?token=…), both signed out, and the signed-in
// user's change-password form (#/me/password, from the top bar).

import { h, uid } from '../dom.js';
import { apiRequest } from '../api.js';
import { MIN_PASSWORD, busyButton } from './signup.js';

function passwordField(label, hint, autocomplete = 'new-password') {
  const id = uid('password');
  const hintId = hint ? uid('hint') : null;
  const input = h('input', { id, class: 'input', type: 'password', autocomplete, required: true, 'aria-describedby': hintId });
  return {
    input,
    wrap: h('div', { class: 'field' }, h('label', { class: 'field__label', for: id }, label), input,
      hint ? h('p', { class: 'muted', id: hintId }, hint) : null),
  };
}

const NEW_HINT = `At least ${MIN_PASSWORD} characters. A few unrelated words make a good one; very common passwords are refused.`;

/** Shows message in box and marks input invalid (focusing it), or clears both. */
function showError(box, inputs, message, input) {
  box.textContent = message;
  for (const i of inputs) i.removeAttribute('aria-invalid');
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

function card(outlet) {
  const c = h('div', { class: 'signin__card' });
  outlet.append(h('div', { class: 'signin' }, c));
  return c;
}

export function renderForgotPassword(outlet, { signal }) {
  const c = card(outlet);
  const titleId = uid('forgot-title');
  const emailId = uid('forgot-email');
  const error = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'forgot-error' } });
  const email = h('input', { id: emailId, class: 'input', type: 'email', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary btn--block' }, 'Send the link');
  const form = h('form', { class: 'signin__form', novalidate: true, 'aria-labelledby': titleId }, error,
    h('div', { class: 'field' }, h('label', { class: 'field__label', for: emailId }, 'Email'), email), submit);
  c.append(h('h1', { class: 'page-title', id: titleId, tabindex: '-1' }, 'Forgot your password?'),
    h('p', { class: 'page-lead signin__lead' }, 'We will email you a link to choose a new one.'),
    form, h('p', {}, h('a', { href: '#/signin' }, 'Back to sign in')));
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    if (!email.value.trim()) {
      showError(error, [email], 'Enter your email address.', email);
      return;
    }
    showError(error, [email], '');
    busy = true;
    const done = busyButton(submit, 'Sending…');
    try {
      const body = await apiRequest('POST', '/admin/v1/password-reset', { body: { email: email.value.trim() }, signal, notifyUnauthorized: false });
      if (signal.aborted) return;
      const heading = h('h1', { class: 'page-title', tabindex: '-1' }, 'Check your inbox');
      c.replaceChildren(heading,
        h('p', { class: 'form-notice', role: 'status', dataset: { testid: 'forgot-sent' } },
          body && typeof body.message === 'string' ? body.message : 'If this address has an account, we sent it a link.'),
        h('p', {}, h('a', { href: '#/signin' }, 'Back to sign in')));
      heading.focus();
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      busy = false;
      done();
      showError(error, [email], err && err.message ? err.message : 'Something went wrong. Try again.', err && err.status === 400 ? email : null);
    }
  });
  email.focus();
}

export function renderResetPassword(outlet, { query, signal }) {
  const c = card(outlet);
  const token = query.get('token') || '';
  const titleId = uid('reset-title');
  const title = h('h1', { class: 'page-title', id: titleId, tabindex: '-1' }, 'Choose a new password');
  if (!token) {
    c.append(title, h('p', { class: 'form-error', role: 'alert', dataset: { testid: 'reset-error' } },
      'This link has no token. Open the link from your email again, or ask for a new one.'),
    h('p', {}, h('a', { href: '#/forgot-password' }, 'Ask for a new link')));
    return;
  }
  const error = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'reset-error' } });
  const password = passwordField('New password', NEW_HINT);
  const repeat = passwordField('Repeat the new password');
  const submit = h('button', { type: 'submit', class: 'btn btn--primary btn--block' }, 'Set password');
  const form = h('form', { class: 'signin__form', novalidate: true, 'aria-labelledby': titleId }, error, password.wrap, repeat.wrap, submit);
  c.append(title, h('p', { class: 'page-lead signin__lead' }, 'Setting it signs you out everywhere.'), form);
  const inputs = [password.input, repeat.input];
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    if ([...password.input.value].length < MIN_PASSWORD) {
      showError(error, inputs, `The password must be at least ${MIN_PASSWORD} characters long.`, password.input);
      return;
    }
    if (password.input.value !== repeat.input.value) {
      showError(error, inputs, 'The two passwords differ.', repeat.input);
      return;
    }
    showError(error, inputs, '');
    busy = true;
    const done = busyButton(submit, 'Setting password…');
    try {
      const body = await apiRequest('POST', '/admin/v1/password-reset/confirm',
        { body: { token, password: password.input.value }, signal, notifyUnauthorized: false });
      if (signal.aborted) return;
      const heading = h('h1', { class: 'page-title', tabindex: '-1' }, 'Your password is set');
      const email = body && typeof body.email === 'string' ? body.email : '';
      c.replaceChildren(heading,
        h('p', { class: 'form-notice', role: 'status', dataset: { testid: 'reset-done' } },
          email ? `Sign in with ${email} and your new password.` : 'Sign in with your new password.'),
        h('p', {}, h('a', { class: 'btn btn--primary btn--block people-link-btn', href: '#/signin' }, 'Sign in')));
      heading.focus();
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      busy = false;
      done();
      const message = err && err.message ? err.message : 'Something went wrong. Try again.';
      showError(error, inputs, message, err && err.status === 400 && /password/i.test(message) ? password.input : null);
    }
  });
  password.input.focus();
}

export function renderChangePassword(outlet, { signal }) {
  const titleId = uid('change-title');
  const error = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'change-password-error' } });
  const notice = h('p', { class: 'form-notice', role: 'status', dataset: { testid: 'change-password-done' } });
  const current = passwordField('Current password', '', 'current-password');
  const next = passwordField('New password', NEW_HINT);
  const repeat = passwordField('Repeat the new password');
  const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, 'Change password');
  const form = h('form', { class: 'signin__form', novalidate: true, 'aria-labelledby': titleId, dataset: { testid: 'change-password-form' } },
    error, current.wrap, next.wrap, repeat.wrap, submit);
  outlet.append(h('h1', { class: 'page-title', id: titleId, tabindex: '-1' }, 'Change your password'),
    h('p', { class: 'page-lead' }, 'Your other sessions end; this one carries on.'), notice, form);
  const inputs = [current.input, next.input, repeat.input];
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    notice.textContent = '';
    if (!current.input.value) {
      showError(error, inputs, 'Enter your current password.', current.input);
      return;
    }
    if ([...next.input.value].length < MIN_PASSWORD) {
      showError(error, inputs, `The new password must be at least ${MIN_PASSWORD} characters long.`, next.input);
      return;
    }
    if (next.input.value !== repeat.input.value) {
      showError(error, inputs, 'The two new passwords differ.', repeat.input);
      return;
    }
    showError(error, inputs, '');
    busy = true;
    const done = busyButton(submit, 'Changing…');
    try {
      await apiRequest('PUT', '/admin/v1/me/password', { body: { currentPassword: current.input.value, newPassword: next.input.value }, signal });
      if (signal.aborted) return;
      busy = false;
      done();
      for (const i of inputs) i.value = '';
      notice.textContent = 'Your password is changed. Your other sessions have ended.';
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      busy = false;
      done();
      const message = err && err.message ? err.message : 'Something went wrong. Try again.';
      const target = /current/i.test(message) ? current.input : /password/i.test(message) ? next.input : null;
      showError(error, inputs, message, err && err.status === 400 ? target : null);
    }
  });
}
