import type { Video } from '../api.ts';
import type { App } from '../app.ts';
import { h, icon, ICONS } from '../dom.ts';
import { copyText } from './clipboard.ts';

/** The HTML that puts a public or unlisted video's player on another site: an <iframe> of /embed/<id>. */
export function embedCode(v: Video, origin: string): string {
  const width = 640;
  const height = v.width && v.height ? Math.round((width * v.height) / v.width) : 360;
  const title = v.title.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<iframe src="${origin}/embed/${encodeURIComponent(v.id)}" width="${width}" height="${height}" title="${title}" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`;
}

/** "Embed": the <iframe> snippet of a public or unlisted video, shown to select and copy. */
export function embedSnippet(v: Video, app: App): HTMLElement {
  const code = embedCode(v, location.origin);
  const field = h('textarea', { id: 'embed-code', class: 'embed-code', readonly: true, rows: 3, spellcheck: 'false', 'aria-label': 'Embed code' }, code);
  const copy = h('button', { class: 'btn btn-small btn-secondary', type: 'button' }, icon(ICONS.link), 'Copy embed code');
  copy.addEventListener('click', async () => {
    const ok = await copyText(code);
    if (!ok) field.select();
    app.toast(ok ? 'Embed code copied. Paste it into the HTML of your page.' : 'Select the code and copy it.');
  });
  field.addEventListener('focus', () => field.select());
  return h('details', { class: 'embed' }, h('summary', { class: 'btn btn-small btn-ghost' }, icon(ICONS.film), 'Embed'), h('div', { class: 'embed-body' }, field, copy));
}
