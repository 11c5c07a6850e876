import { api, ApiError, type BulkResult, type Visibility } from '../api.ts';
import type { App } from '../app.ts';
import { h, icon, ICONS } from '../dom.ts';
import { confirmDialog } from './confirm-dialog.ts';

/**
 * The bar of actions on the selected videos of the library: change their visibility, or delete
 * them after a confirmation. Each video is authorized by the server as on its own; the toast says
 * how many were done and why others were not.
 */

export interface BulkBar {
  element: HTMLElement;
  /** Shows the bar for this many selected videos (hidden for none). */
  update(count: number): void;
}

export interface BulkHandlers {
  selected(): string[];
  /** The videos the server changed (ids), with the change. */
  done(ids: string[], change: { deleted: true } | { visibility: Visibility }): void;
  clear(): void;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "Deleted 3 videos. 1 could not be: only its owner or an admin may change it." */
function summary(results: BulkResult[], done: string): string {
  const ok = results.filter((r) => r.result === 'ok').length;
  const forbidden = results.filter((r) => r.result === 'forbidden').length;
  const missing = results.filter((r) => r.result === 'not_found').length;
  const parts = [`${done} ${plural(ok, 'video')}.`];
  if (forbidden) parts.push(`${forbidden} could not be: only its owner or an admin may change it.`);
  if (missing) parts.push(`${missing} no longer ${missing === 1 ? 'exists' : 'exist'}.`);
  return parts.join(' ');
}

export function bulkBar(app: App, handlers: BulkHandlers): BulkBar {
  const count = h('span', { class: 'bulk-count', 'aria-live': 'polite' });
  const visibility = h(
    'select',
    { class: 'select select-small', 'aria-label': 'Change the visibility of the selected videos' },
    h('option', { value: '' }, 'Change visibility…'),
    h('option', { value: 'private' }, 'Make private'),
    h('option', { value: 'unlisted' }, 'Make unlisted'),
    h('option', { value: 'public' }, 'Make public'),
  );
  const remove = h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button' }, icon(ICONS.trash), 'Delete');
  const clear = h('button', { class: 'btn btn-small btn-secondary', type: 'button' }, 'Clear selection');
  const element = h('div', { class: 'bulk-bar', role: 'region', 'aria-label': 'Selected videos', hidden: true }, count, visibility, remove, clear);

  const busy = (on: boolean) => {
    for (const el of [visibility, remove, clear]) el.disabled = on;
  };
  const run = async (action: () => Promise<{ results: BulkResult[] }>, done: string, change: { deleted: true } | { visibility: Visibility }) => {
    busy(true);
    try {
      const { results } = await action();
      handlers.done(results.filter((r) => r.result === 'ok').map((r) => r.id), change);
      app.toast(summary(results, done), results.every((r) => r.result === 'ok') ? 'info' : 'error');
    } catch (err) {
      app.toast(err instanceof ApiError ? err.message : String(err), 'error');
    } finally {
      busy(false);
    }
  };

  visibility.addEventListener('change', () => {
    const value = visibility.value as Visibility | '';
    visibility.value = '';
    const ids = handlers.selected();
    if (!value || ids.length === 0) return;
    void run(() => api.bulkUpdate(ids, value), `Made ${value}:`, { visibility: value });
  });
  remove.addEventListener('click', async () => {
    const ids = handlers.selected();
    if (ids.length === 0) return;
    const yes = await confirmDialog({
      title: `Delete ${plural(ids.length, 'video')}?`,
      body: 'Their files, renditions and captions are removed for good. This cannot be undone.',
      confirm: `Delete ${plural(ids.length, 'video')}`,
      danger: true,
    });
    if (yes) await run(() => api.bulkDelete(ids), 'Deleted', { deleted: true });
  });
  clear.addEventListener('click', () => handlers.clear());

  return {
    element,
    update(n) {
      element.hidden = n === 0;
      count.textContent = `${plural(n, 'video')} selected`;
    },
  };
}
