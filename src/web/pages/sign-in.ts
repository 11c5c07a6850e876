import { api, ApiError } from '../api.ts';
import type { Cleanup } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';

const MIN_PASSWORD = 10;

function field(label: string, input: HTMLInputElement, hint?: string): HTMLElement {
  const id = input.id;
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
}

function authCard(title: string, lead: string, form: HTMLFormElement): HTMLElement {
  return h(
    'div',
    { class: 'auth-page' },
    h(
      'main',
      { class: 'auth-card' },
      h('div', { class: 'brand brand-large', 'aria-hidden': 'true' }, h('span', { class: 'brand-mark' }), 'vodkit'),
      h('h1', {}, title),
      h('p', { class: 'lead' }, lead),
      form,
    ),
  );
}

/** Wires submit: disables the button while waiting, shows the server's reason on failure. */
function handleSubmit(form: HTMLFormElement, errorBox: HTMLElement, action: () => Promise<void>): void {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    errorBox.textContent = '';
    errorBox.hidden = true;
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      errorBox.textContent = err instanceof Error ? err.message : String(err);
      errorBox.hidden = false;
      button.disabled = false;
    }
  });
}

export function signInPage(root: HTMLElement, onSignedIn: () => void): Cleanup {
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const errorBox = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Sign in' },
    field('Email', email),
    field('Password', password),
    errorBox,
    h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Sign in'),
  );
  handleSubmit(form, errorBox, async () => {
    try {
      await api.signIn(email.value.trim(), password.value);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw new Error('Wrong email or password.');
      throw err;
    }
    onSignedIn();
  });
  replaceChildren(root, authCard('Sign in', 'Welcome back. Sign in to upload and watch your videos.', form));
  email.focus();
  return () => {};
}

export function setupPage(root: HTMLElement, onCreated: () => void): Cleanup {
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD });
  const confirm = h('input', { id: 'confirm', type: 'password', name: 'confirm', autocomplete: 'new-password', required: true });
  const errorBox = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Create the administrator account' },
    field('Email', email),
    field('Password', password, `At least ${MIN_PASSWORD} characters. A short sentence is easy to remember.`),
    field('Repeat the password', confirm),
    errorBox,
    h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Create account and start'),
  );
  handleSubmit(form, errorBox, async () => {
    if (password.value.length < MIN_PASSWORD) throw new Error(`The password needs at least ${MIN_PASSWORD} characters.`);
    if (password.value !== confirm.value) throw new Error('The two passwords are not the same.');
    await api.setup(email.value.trim(), password.value);
    onCreated();
  });
  replaceChildren(
    root,
    authCard('Welcome to vodkit', 'This is a fresh installation. Create the administrator account to get started.', form),
  );
  email.focus();
  return () => {};
}
