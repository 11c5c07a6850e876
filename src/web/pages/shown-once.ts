import type { App } from '../app.ts';
import { h, icon, ICONS } from '../dom.ts';
import { copyText } from './clipboard.ts';

/**
 * A secret the server answers only once (a new API token, a temporary password): shown with a Copy
 * button and a Done button that removes it. It is never shown again.
 */
export function shownOnce(label: string, value: string, app: App): HTMLElement {
  const code = h('code', { class: 'shown-once-value' }, value);
  const copy = h('button', { class: 'btn btn-small btn-secondary', type: 'button', 'aria-label': `Copy ${label}` }, icon(ICONS.link), 'Copy');
  copy.addEventListener('click', async () => {
    const ok = await copyText(value);
    if (!ok) getSelection()?.selectAllChildren(code);
    app.toast(ok ? 'Copied.' : 'Select it and copy it.');
  });
  const box = h(
    'div',
    { class: 'shown-once', role: 'status' },
    h('p', {}, h('strong', {}, label), ' (shown only this once: copy it now)'),
    h('div', { class: 'shown-once-row' }, code, copy),
  );
  const done = h('button', { class: 'btn btn-small btn-ghost', type: 'button' }, 'Done');
  done.addEventListener('click', () => box.remove());
  box.append(done);
  return box;
}
