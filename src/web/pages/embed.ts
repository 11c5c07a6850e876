import type { Video } from '../api.ts';
import type { Cleanup } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { mountPlayer, type MountedPlayer } from '../player/media-player.ts';

/**
 * /embed/<id>[?token=]: the player alone, filling the frame another site puts it in. A private or
 * unlisted video plays with the playback token in the URL; the page's only other content is a
 * message when the video cannot be shown, and a link to its watch page on vodkit.
 */
export function embedPage(root: HTMLElement, id: string): Cleanup {
  document.documentElement.classList.add('embed-mode');
  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const stage = h('div', { class: 'embed-stage' }, h('span', { class: 'spinner', 'aria-label': 'Loading' }));
  replaceChildren(root, h('main', { class: 'embed' }, stage, live));
  let player: MountedPlayer | null = null;
  const token = new URLSearchParams(location.search).get('token');
  const message = (text: string) =>
    replaceChildren(stage, h('div', { class: 'embed-message', role: 'alert' }, icon(ICONS.alert, 'icon stage-icon'), h('p', {}, text)));

  void (async () => {
    const response = await fetch(`/api/v1/embed/${encodeURIComponent(id)}${token ? `?token=${encodeURIComponent(token)}` : ''}`, { credentials: 'same-origin' }).catch(() => null);
    if (!response) return message('The video cannot be reached. Check your connection.');
    if (!response.ok) return message(response.status === 404 ? 'This video is not available.' : 'The video could not be loaded.');
    const v = (await response.json()) as Video;
    document.title = `${v.title} · vodkit`;
    if (!v.playable) return message('This video is still being prepared. Come back in a moment.');
    player = mountPlayer({ ...v, captions: v.captions ?? [] }, { announce: (text) => (live.textContent = text), embed: true });
    const watch = h('a', { class: 'embed-title', href: `/watch/${encodeURIComponent(v.id)}`, target: '_blank', rel: 'noopener' }, v.title);
    replaceChildren(stage, player.element, v.visibility === 'public' ? watch : null);
  })();

  return () => {
    player?.destroy();
    document.documentElement.classList.remove('embed-mode');
  };
}
