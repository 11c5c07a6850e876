import { h } from '../dom.ts';

/** A modal question with a native <dialog> (focus is trapped and Escape cancels). Resolves true on confirm. */
export function confirmDialog(options: { title: string; body: string; confirm: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { class: 'btn btn-secondary', type: 'button', value: 'cancel' }, 'Cancel');
    const ok = h('button', { class: `btn ${options.danger ? 'btn-danger' : 'btn-primary'}`, type: 'button', value: 'ok' }, options.confirm);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title', 'aria-describedby': 'dialog-body' },
      h('h2', { id: 'dialog-title' }, options.title),
      h('p', { id: 'dialog-body' }, options.body),
      h('div', { class: 'dialog-actions' }, cancel, ok),
    );
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    ok.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close(); // a click on the backdrop
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
