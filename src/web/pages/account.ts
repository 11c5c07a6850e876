import { api, type AccountToken, type AccountUser } from '../api.ts';
import type { App, Cleanup } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import { formatDate } from '../format.ts';

/**
 * /account: the signed-in user's API tokens (admins: every token, with its owner), each revocable;
 * for admins also the accounts, each of which can be disabled or enabled again and given a
 * temporary password (shown once, in its row).
 */
export function accountPage(root: HTMLElement, app: App): Cleanup {
  document.title = 'Account · vodkit';
  const admin = app.user?.role === 'admin';
  const tokens = h('section', { class: 'account-section', 'aria-label': 'API tokens' });
  const users = h('section', { class: 'account-section', 'aria-label': 'Users' });
  replaceChildren(root, h('div', { class: 'page-head' }, h('h1', {}, 'Account')), tokens, admin ? users : null);

  const fail = (err: unknown) => app.toast(err instanceof Error ? err.message : String(err), 'error');

  const drawTokens = (items: AccountToken[]) =>
    replaceChildren(
      tokens,
      h('h2', {}, 'API tokens'),
      items.length === 0
        ? h('p', { class: 'card-note' }, 'No API tokens. Create one with "vodkit tokens create".')
        : h(
            'table',
            { class: 'account-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Name'), admin ? h('th', {}, 'Owner') : null, h('th', {}, 'Created'), h('th', {}, 'Last used'), h('th', {}, ''))),
            h(
              'tbody',
              {},
              ...items.map((t) =>
                h(
                  'tr',
                  { 'data-token-id': t.id },
                  h('td', {}, t.name),
                  admin ? h('td', {}, t.ownerEmail ?? 'admin (command line)') : null,
                  h('td', {}, formatDate(t.createdAt)),
                  h('td', {}, t.lastUsedAt ? formatDate(t.lastUsedAt) : 'never'),
                  h('td', {}, h('button', { class: 'btn btn-small btn-secondary', type: 'button', 'aria-label': `Revoke token ${t.name}`, onclick: () => void revoke(t) }, 'Revoke')),
                ),
              ),
            ),
          ),
    );

  const drawUsers = (items: AccountUser[]) =>
    replaceChildren(
      users,
      h('h2', {}, 'Users'),
      h(
        'table',
        { class: 'account-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'E-mail'), h('th', {}, 'Role'), h('th', {}, 'State'), h('th', {}, ''))),
        h(
          'tbody',
          {},
          ...items.map((u) =>
            h(
              'tr',
              { 'data-user-id': u.id },
              h('td', {}, u.email),
              h('td', {}, u.role),
              h('td', {}, u.disabled ? 'Disabled' : 'Enabled'),
              h(
                'td',
                {},
                h('button', { class: 'btn btn-small btn-secondary', type: 'button', 'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.email}`, onclick: () => void setDisabled(u, !u.disabled) }, u.disabled ? 'Enable' : 'Disable'),
                u.hasPassword
                  ? h('button', { class: 'btn btn-small btn-ghost', type: 'button', 'aria-label': `Reset the password of ${u.email}`, onclick: (e: Event) => void reset(u, e.currentTarget as HTMLElement) }, 'Reset password')
                  : null,
              ),
            ),
          ),
        ),
      ),
    );

  const load = async () => {
    try {
      drawTokens((await api.listTokens()).items);
      if (admin) drawUsers((await api.listUsers()).items);
    } catch (err) {
      fail(err);
    }
  };
  const revoke = async (t: AccountToken) => {
    if (!confirm(`Revoke the token "${t.name}"? Scripts using it stop working at once.`)) return;
    await api.revokeToken(t.id).then(() => app.toast('Token revoked.'), fail);
    await load();
  };
  const setDisabled = async (u: AccountUser, disabled: boolean) => {
    await api.updateUser(u.id, { disabled }).then(() => app.toast(disabled ? `${u.email} can no longer sign in.` : `${u.email} can sign in again.`), fail);
    await load();
  };
  const reset = async (u: AccountUser, button: HTMLElement) => {
    try {
      const { temporaryPassword } = await api.updateUser(u.id, { resetPassword: true });
      button.replaceWith(h('span', { class: 'temporary-password' }, 'Temporary password (shown once): ', h('code', {}, temporaryPassword ?? '')));
    } catch (err) {
      fail(err);
    }
  };
  void load();
  return () => {};
}
