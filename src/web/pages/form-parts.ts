import { h } from '../dom.ts';
import { sentence } from '../format.ts';

/** A labelled form field (label above the control, an optional hint under it). */
export function formField(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint) control.setAttribute('aria-describedby', `${control.id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null);
}

/** Shows an API error as its sentence in `region` (an alert), or hides the region with null. */
export function showError(region: HTMLElement, err: unknown): void {
  if (err === null) {
    region.hidden = true;
    region.textContent = '';
    return;
  }
  region.textContent = sentence(err instanceof Error ? err.message : String(err));
  region.hidden = false;
}
