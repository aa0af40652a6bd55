// Sign-up (#/signup) and its verification (#/signup/verify?token=…).
// Both work signed out (public routes in app.js). Sign-up answers the same
// whether or not the address already has an account: the page always says
// "check your inbox", and the email tells the rest. Verification creates
// the account and signs its super admin in.

import { h, uid } from '../dom.js';
import { apiRequest } from '../api.js';
import { adoptSession } from '../session.js';

export const MIN_PASSWORD = 12;

/** A labelled field; returns { wrap, input }. */
function field(label, props, hint) {
  const id = uid('field');
  const hintId = hint ? uid('hint') : null;
  const input = h('input', { id, class: 'input', 'aria-describedby': hintId, ...props });
  const wrap = h('div', { class: 'field' },
    h('label', { class: 'field__label', for: id }, label),
    input,
    hint ? h('p', { class: 'muted', id: hintId }, hint) : null);
  return { wrap, input };
}

/** The browser's IANA time zone, or UTC. */
function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Marks the busy state of a submit button; returns a function that undoes it. */
export function busyButton(button, busyText) {
  const text = button.textContent;
  button.setAttribute('aria-busy', 'true');
  button.setAttribute('aria-disabled', 'true');
  button.textContent = busyText;
  return () => {
    button.removeAttribute('aria-busy');
    button.removeAttribute('aria-disabled');
    button.textContent = text;
  };
}

export function renderSignup(outlet, { signal }) {
  const titleId = uid('signup-title');
  const card = h('div', { class: 'signin__card' });
  outlet.append(h('div', { class: 'signin' }, card));

  const error = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'signup-error' } });
  const accountName = field('Business name', { name: 'organization', autocomplete: 'organization', required: true, maxlength: '100' });
  const locationName = field('First location (optional)', { name: 'location', maxlength: '100' },
    'A shop or restaurant of yours. You can add more later.');
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const zoneListId = uid('zones');
  const timeZone = field('Time zone', { name: 'timeZone', list: zoneListId, required: true, value: browserTimeZone() },
    'Charts and digest emails use it.');
  const name = field('Your name', { name: 'name', autocomplete: 'name', required: true, maxlength: '100' });
  const email = field('Email', { type: 'email', name: 'email', autocomplete: 'email', autocapitalize: 'none', spellcheck: 'false', required: true });
  const password = field('Password', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true, minlength: String(MIN_PASSWORD) },
    `At least ${MIN_PASSWORD} characters. A few unrelated words make a good one; very common passwords are refused.`);
  const submit = h('button', { type: 'submit', class: 'btn btn--primary btn--block' }, 'Create account');
  const title = h('h1', { class: 'page-title', id: titleId, tabindex: '-1' }, 'Create your Switchboard account');
  const form = h('form', { class: 'signin__form', novalidate: true, 'aria-labelledby': titleId },
    error, accountName.wrap, locationName.wrap, timeZone.wrap,
    h('datalist', { id: zoneListId }, zones.map((z) => h('option', { value: z }))),
    name.wrap, email.wrap, password.wrap, submit);
  card.append(title,
    h('p', { class: 'page-lead signin__lead' }, 'We will email you a link to confirm your address.'),
    form,
    h('p', {}, 'Already have an account? ', h('a', { href: '#/signin', dataset: { testid: 'signup-signin' } }, 'Sign in')));

  const inputs = [accountName.input, locationName.input, timeZone.input, name.input, email.input, password.input];
  function fail(message, input) {
    error.textContent = message;
    for (const i of inputs) i.removeAttribute('aria-invalid');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    for (const [input, message] of [[accountName.input, 'Enter your business name.'], [timeZone.input, 'Choose a time zone.'],
      [name.input, 'Enter your name.'], [email.input, 'Enter your email address.']]) {
      if (!input.value.trim()) {
        fail(message, input);
        return;
      }
    }
    if ([...password.input.value].length < MIN_PASSWORD) {
      fail(`The password must be at least ${MIN_PASSWORD} characters long.`, password.input);
      return;
    }
    fail('');
    busy = true;
    const done = busyButton(submit, 'Creating account…');
    try {
      const body = await apiRequest('POST', '/admin/v1/signup', {
        body: {
          accountName: accountName.input.value,
          timeZone: timeZone.input.value.trim(),
          name: name.input.value,
          email: email.input.value.trim(),
          password: password.input.value,
          locationName: locationName.input.value,
        },
        signal,
        notifyUnauthorized: false,
      });
      if (signal.aborted) return;
      const heading = h('h1', { class: 'page-title', tabindex: '-1' }, 'Check your inbox');
      card.replaceChildren(heading,
        h('p', { class: 'form-notice', role: 'status', dataset: { testid: 'signup-sent' } },
          body && typeof body.message === 'string' ? body.message : 'We sent you an email to finish signing up.'),
        h('p', { class: 'muted' }, 'No email after a few minutes? Look in your spam folder, or sign up again tomorrow.'),
        h('p', {}, h('a', { href: '#/signin' }, 'Go to sign in')));
      heading.focus();
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      busy = false;
      done();
      const message = err && err.message ? err.message : 'Something went wrong. Try again.';
      const lower = message.toLowerCase();
      let target = submit;
      if (err && err.status === 400) {
        if (lower.includes('password')) target = password.input;
        else if (lower.includes('timezone') || lower.includes('time zone')) target = timeZone.input;
        else if (lower.includes('email')) target = email.input;
        else if (lower.includes('accountname')) target = accountName.input;
        else if (lower.includes('locationname')) target = locationName.input;
        else if (lower.includes('name')) target = name.input;
      }
      fail(message, target === submit ? null : target);
      if (target === submit) submit.focus();
    }
  });

  accountName.input.focus();
}

export function renderVerifySignup(outlet, { query, signal }) {
  const token = query.get('token') || '';
  const card = h('div', { class: 'signin__card' });
  outlet.append(h('div', { class: 'signin' }, card));
  const title = h('h1', { class: 'page-title', tabindex: '-1' }, 'Confirming your email…');
  const status = h('p', { class: 'results-status', role: 'status' }, 'Creating your account…');
  card.append(title, status);

  function failed(message) {
    title.textContent = 'This link doesn’t work';
    status.replaceWith(h('p', { class: 'form-error', role: 'alert', dataset: { testid: 'verify-error' } }, message));
    card.append(h('p', {}, h('a', { href: '#/signup' }, 'Sign up again'), ' · ', h('a', { href: '#/signin' }, 'Sign in')));
  }
  if (!token) {
    failed('This link has no token. Open the link from your email again.');
    return;
  }
  // The token leaves the address bar before anything else: it is single
  // use, and the address bar is what people copy and share.
  history.replaceState(history.state, '', '#/signup/verify');
  apiRequest('POST', '/admin/v1/signup/verify', { body: { token }, signal, notifyUnauthorized: false })
    .then((body) => {
      if (signal.aborted) return;
      // Signed in: go to the new account's locations, the first thing
      // to set up before connecting apps.
      history.replaceState(history.state, '', '#/locations');
      adoptSession(body);
    })
    .catch((err) => {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      failed(err && err.message ? err.message : 'Something went wrong. Try again.');
    });
}
