import { api, type AccountUser, type Role } from '../api.ts';
import type { App } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import { formatDate } from '../format.ts';
import type { AccountSection } from './account-tokens.ts';
import { accountTable } from './account-table.ts';
import { formField, showError } from './form-parts.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { shownOnce } from './shown-once.ts';

const ROLES: Array<[Role, string]> = [
  ['admin', 'Admin'],
  ['uploader', 'Uploader'],
  ['viewer', 'Viewer'],
];

function roleSelect(attrs: Record<string, string>, current: Role): HTMLSelectElement {
  return h('select', { class: 'select select-small', ...attrs }, ...ROLES.map(([value, label]) => h('option', { value, selected: value === current }, label)));
}

/**
 * "Users", for admins: create an account (without a password, a temporary one is shown once), and
 * for each account its role, disable or enable, reset the password (after a confirmation; the
 * temporary password is shown once) and delete (disables it and revokes its API tokens). Refusals
 * (the last enabled admin, a weak password, an e-mail already used) are the API's sentence.
 */
export function usersSection(app: App, tokensChanged: () => void): AccountSection {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const reveal = h('div', { class: 'account-reveal' });
  const list = h('div', { class: 'account-list' });
  const email = h('input', { id: 'new-user-email', type: 'email', required: true, maxlength: 254, autocomplete: 'off' });
  const role = roleSelect({ id: 'new-user-role' }, 'uploader');
  role.classList.remove('select-small');
  const password = h('input', { id: 'new-user-password', type: 'password', autocomplete: 'new-password' });
  const create = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Create user');
  const form = h(
    'form',
    { class: 'account-form', 'aria-label': 'Create a user' },
    formField('E-mail', email),
    formField('Role', role),
    formField('Password (optional)', password, 'Leave empty to get a temporary password to give them.'),
    h('div', { class: 'account-form-submit' }, create),
  );
  const element = h('section', { class: 'account-section', 'aria-labelledby': 'users-title' }, h('h2', { id: 'users-title' }, 'Users'), form, error, reveal, list);

  const act = async (work: () => Promise<void>) => {
    showError(error, null);
    try {
      await work();
    } catch (err) {
      showError(error, err);
    }
    await load();
  };

  const row = (u: AccountUser) => {
    const roleOf = roleSelect({ 'aria-label': `Role of ${u.email}` }, u.role);
    roleOf.addEventListener('change', () =>
      void act(async () => {
        const value = roleOf.value as Role;
        await api.updateUser(u.id, { role: value });
        app.toast(`${u.email} is now ${value === 'admin' ? 'an admin' : `a${value === 'uploader' ? 'n' : ''} ${value}`}.`);
        // Someone who gives up their own admin role no longer manages accounts: start again as what they are now.
        if (u.id === app.user?.id && value !== 'admin') location.assign('/account');
      }),
    );
    const button = (label: string, name: string, onclick: () => void, kind = 'btn-secondary') =>
      h('button', { class: `btn btn-small ${kind}`, type: 'button', 'aria-label': name, onclick }, label);
    return {
      attrs: { 'data-user-id': u.id },
      cells: [
        [h('span', { class: 'account-email' }, u.email)],
        [roleOf],
        [u.disabled ? 'Disabled' : 'Enabled'],
        [formatDate(u.createdAt)],
        [
          button(u.disabled ? 'Enable' : 'Disable', `${u.disabled ? 'Enable' : 'Disable'} ${u.email}`, () => void setDisabled(u, !u.disabled)),
          u.hasPassword ? button('Reset password', `Reset the password of ${u.email}`, () => void reset(u), 'btn-ghost') : null,
          button('Delete', `Delete ${u.email}`, () => void remove(u), 'btn-danger-ghost'),
        ],
      ],
    };
  };

  const load = async () => {
    try {
      const { items } = await api.listUsers();
      replaceChildren(list, accountTable('Users', ['E-mail', 'Role', 'Status', 'Created', ''], items.map(row)));
    } catch (err) {
      showError(error, err);
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    create.disabled = true;
    void act(async () => {
      const made = await api.createUser({ email: email.value, role: role.value as Role, ...(password.value ? { password: password.value } : {}) });
      email.value = '';
      password.value = '';
      app.toast(`${made.email} can now sign in.`);
      replaceChildren(reveal, made.temporaryPassword ? shownOnce(`Temporary password for ${made.email}`, made.temporaryPassword, app) : null);
    }).finally(() => (create.disabled = false));
  });

  const setDisabled = (u: AccountUser, disabled: boolean) =>
    act(async () => {
      await api.updateUser(u.id, { disabled });
      app.toast(disabled ? `${u.email} can no longer sign in.` : `${u.email} can sign in again.`);
    });

  const reset = async (u: AccountUser) => {
    const yes = await confirmDialog({
      title: `Reset the password of ${u.email}?`,
      body: 'Their current password stops working. You get a temporary password, shown once, to give them.',
      confirm: 'Reset password',
    });
    if (!yes) return;
    await act(async () => {
      const { temporaryPassword } = await api.updateUser(u.id, { resetPassword: true });
      replaceChildren(reveal, shownOnce(`Temporary password for ${u.email}`, temporaryPassword ?? '', app));
    });
  };

  const remove = async (u: AccountUser) => {
    const yes = await confirmDialog({
      title: `Delete ${u.email}?`,
      body: 'They can no longer sign in and their API tokens are revoked at once. Their videos stay. The account stays listed as disabled, and its e-mail cannot be used for a new account.',
      confirm: 'Delete user',
      danger: true,
    });
    if (!yes) return;
    await act(async () => {
      await api.deleteUser(u.id);
      app.toast(`${u.email} was deleted.`);
      tokensChanged();
    });
  };

  return { element, load };
}
