import { api, type AccountToken } from '../api.ts';
import type { App } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import { formatDate } from '../format.ts';
import { accountTable } from './account-table.ts';
import { formField, showError } from './form-parts.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { shownOnce } from './shown-once.ts';

export interface AccountSection {
  element: HTMLElement;
  load(): Promise<void>;
}

/**
 * "API tokens": create one (its secret is shown once, with a Copy button), the list (name, created,
 * last used; admins see every token with its owner) and Revoke, after a confirmation.
 */
export function tokensSection(app: App): AccountSection {
  const admin = app.user?.role === 'admin';
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const reveal = h('div', { class: 'account-reveal' });
  const list = h('div', { class: 'account-list' });
  const name = h('input', { id: 'token-name', type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
  const create = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Create token');
  const form = h(
    'form',
    { class: 'account-form', 'aria-label': 'Create an API token' },
    formField('Token name', name, 'What the token is for, e.g. "backup script". It acts as you.'),
    h('div', { class: 'account-form-submit' }, create),
  );
  const element = h('section', { class: 'account-section', 'aria-labelledby': 'tokens-title' }, h('h2', { id: 'tokens-title' }, 'API tokens'), form, error, reveal, list);

  const draw = (items: AccountToken[]) =>
    replaceChildren(
      list,
      items.length === 0
        ? h('p', { class: 'card-note' }, 'No API tokens yet.')
        : accountTable(
            'API tokens',
            ['Name', ...(admin ? ['Owner'] : []), 'Created', 'Last used', ''],
            items.map((t) => ({
              attrs: { 'data-token-id': t.id },
              cells: [
                [t.name],
                ...(admin ? [[t.ownerEmail ?? 'admin (command line)']] : []),
                [formatDate(t.createdAt)],
                [t.lastUsedAt ? formatDate(t.lastUsedAt) : 'never'],
                [h('button', { class: 'btn btn-small btn-secondary', type: 'button', 'aria-label': `Revoke token ${t.name}`, onclick: () => void revoke(t) }, 'Revoke')],
              ],
            })),
          ),
    );

  const load = async () => {
    try {
      draw((await api.listTokens()).items);
    } catch (err) {
      showError(error, err);
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(error, null);
    create.disabled = true;
    try {
      const { token, secret } = await api.createToken(name.value);
      name.value = '';
      replaceChildren(reveal, shownOnce(`API token "${token.name}"`, secret, app));
      await load();
    } catch (err) {
      showError(error, err);
    } finally {
      create.disabled = false;
    }
  });

  const revoke = async (t: AccountToken) => {
    const yes = await confirmDialog({
      title: `Revoke the token “${t.name}”?`,
      body: 'Scripts using it stop working at once. This cannot be undone.',
      confirm: 'Revoke token',
      danger: true,
    });
    if (!yes) return;
    showError(error, null);
    try {
      await api.revokeToken(t.id);
      app.toast('Token revoked.');
    } catch (err) {
      showError(error, err);
    }
    await load();
  };

  return { element, load };
}
