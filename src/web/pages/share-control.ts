import { api, type ShareUser, type Video } from '../api.ts';
import type { App } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { copyText } from './clipboard.ts';
import { showError } from './form-parts.ts';

export interface ShareControl {
  element: HTMLElement;
  /** Shows `v`'s visibility and shares (a video from the event stream has no shares: the list stays). */
  update(v: Video): void;
}

/**
 * "Share", for those who manage a video. Private: the people it is shared with, as chips with a
 * remove button, and an e-mail field with Add; each change saves the whole list (PATCH shares) and
 * a refusal (an e-mail without an account) is shown as the API's sentence. Unlisted or public:
 * anyone with the link can watch, with a button that copies the link.
 */
export function shareControl(app: App, videoId: string, saved: (v: Video) => void): ShareControl {
  let shares: ShareUser[] = [];
  let visibility: Video['visibility'] | null = null;

  const chips = h('ul', { class: 'share-chips', 'aria-label': 'Shared with' });
  const email = h('input', { id: 'share-email', type: 'email', required: true, maxlength: 320, autocomplete: 'off', placeholder: 'name@example.com' });
  const add = h('button', { class: 'btn btn-small btn-secondary', type: 'submit' }, 'Add');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'share-form' },
    h('label', { for: 'share-email', class: 'visually-hidden' }, 'E-mail of the person to share with'),
    email,
    add,
  );
  const privateBlock = h('div', { class: 'share-private' }, h('p', { class: 'hint', id: 'share-help' }, 'Add people by the e-mail address of their account.'), chips, form, error);
  const copy = h('button', { class: 'btn btn-small btn-secondary', type: 'button' }, icon(ICONS.link), 'Copy the link');
  copy.addEventListener('click', async () => {
    const url = `${location.origin}/watch/${encodeURIComponent(videoId)}`;
    const ok = await copyText(url);
    app.toast(ok ? 'Copied. Anyone with this link can watch the video.' : `Copy this link: ${url}`);
  });
  const linkNote = h('p', { class: 'share-note' });
  const linkBlock = h('div', { class: 'share-link' }, linkNote, copy);
  const element = h('section', { class: 'share', 'aria-labelledby': 'share-title' }, h('h2', { id: 'share-title', class: 'share-title' }, 'Share'), privateBlock, linkBlock);
  email.setAttribute('aria-describedby', 'share-help');

  const drawChips = () =>
    replaceChildren(
      chips,
      ...(shares.length === 0
        ? [h('li', { class: 'share-none' }, 'Not shared with anyone.')]
        : shares.map((s) =>
            h(
              'li',
              { class: 'chip' },
              h('span', { class: 'chip-text' }, s.email),
              h('button', { class: 'chip-remove', type: 'button', 'aria-label': `Stop sharing with ${s.email}`, onclick: () => void remove(s) }, icon(ICONS.close)),
            ),
          )),
    );

  const save = async (emails: string[]): Promise<boolean> => {
    showError(error, null);
    add.disabled = true;
    try {
      const updated = await api.updateVideo(videoId, { shares: emails });
      shares = updated.shares ?? [];
      drawChips();
      saved(updated);
      return true;
    } catch (err) {
      showError(error, err);
      return false;
    } finally {
      add.disabled = false;
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = email.value.trim();
    if (!value) return;
    if (shares.some((s) => s.email.toLowerCase() === value.toLowerCase())) {
      showError(error, new Error(`it is already shared with ${value}`));
      return;
    }
    if (await save([...shares.map((s) => s.email), value])) {
      email.value = '';
      app.toast(`Shared with ${value}.`);
    }
    email.focus();
  });

  const remove = async (s: ShareUser) => {
    if (await save(shares.filter((x) => x.id !== s.id).map((x) => x.email))) app.toast(`No longer shared with ${s.email}.`);
    email.focus();
  };

  drawChips();
  return {
    element,
    update(v) {
      if (v.shares !== undefined) {
        shares = v.shares ?? [];
        drawChips();
      }
      if (v.visibility === visibility) return;
      visibility = v.visibility;
      privateBlock.hidden = v.visibility !== 'private';
      linkBlock.hidden = v.visibility === 'private';
      linkNote.textContent =
        v.visibility === 'public' ? 'Public: anyone with the link can watch it.' : 'Unlisted: anyone with the link can watch it, signed in or not. It is not listed.';
    },
  };
}
