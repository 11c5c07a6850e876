import type { App, Cleanup } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import { tokensSection } from './account-tokens.ts';
import { usersSection } from './account-users.ts';

/**
 * /account: the signed-in user's API tokens (admins: every token, with its owner) and, for admins,
 * the accounts (account-users.ts).
 */
export function accountPage(root: HTMLElement, app: App): Cleanup {
  document.title = 'Account · vodkit';
  const tokens = tokensSection(app);
  const users = app.user?.role === 'admin' ? usersSection(app, () => void tokens.load()) : null;
  replaceChildren(root, h('div', { class: 'page account' }, h('div', { class: 'page-head' }, h('h1', {}, 'Account')), tokens.element, users?.element));
  void tokens.load().then(() => users?.load());
  return () => {};
}
