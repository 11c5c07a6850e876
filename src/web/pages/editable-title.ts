import { h, icon, ICONS, replaceChildren } from '../dom.ts';

/**
 * A heading that turns into a text field when its edit button is pressed (or the heading is
 * double-clicked): Enter or Save stores, Escape or Cancel goes back.
 */
export function editableTitle(title: string, editable: boolean, save: (title: string) => Promise<void>): HTMLElement {
  const wrap = h('div', { class: 'title-wrap' });
  const show = (text: string) => {
    const heading = h('h1', { class: 'watch-title' }, text);
    const edit = editable
      ? h('button', { class: 'btn-icon', type: 'button', 'aria-label': 'Edit title', title: 'Edit title', onclick: () => startEdit(text) }, icon(ICONS.edit))
      : null;
    if (editable) heading.addEventListener('dblclick', () => startEdit(text));
    replaceChildren(wrap, heading, edit);
  };
  const startEdit = (current: string) => {
    const input = h('input', { class: 'title-input', type: 'text', value: current, maxlength: 200, required: true, 'aria-label': 'Title' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h(
      'form',
      { class: 'title-form', 'aria-label': 'Edit title' },
      input,
      h('button', { class: 'btn btn-primary btn-small', type: 'submit' }, 'Save'),
      h('button', { class: 'btn btn-ghost btn-small', type: 'button', onclick: () => show(current) }, 'Cancel'),
      error,
    );
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        show(current);
        (wrap.querySelector('button') as HTMLButtonElement | null)?.focus();
      }
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const next = input.value.trim();
      if (!next) {
        error.textContent = 'A title cannot be empty.';
        error.hidden = false;
        return;
      }
      if (next === current) return show(current);
      input.disabled = true;
      try {
        await save(next);
      } catch (err) {
        input.disabled = false;
        error.textContent = err instanceof Error ? err.message : String(err);
        error.hidden = false;
      }
    });
    replaceChildren(wrap, form);
    input.focus();
    input.select();
  };
  show(title);
  return wrap;
}
