import { api, ApiError, type Video } from '../api.ts';
import type { App, Cleanup } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import { videoCard } from './video-card.ts';

/**
 * The library: the upload area and a grid of videos, newest first. Status and progress change
 * live from the server's event stream; nothing needs a reload.
 */
export function libraryPage(root: HTMLElement, app: App): Cleanup {
  const videos = new Map<string, Video>();
  let nextCursor: string | null = null;
  let loaded = false;

  const grid = h('ul', { class: 'grid', 'aria-label': 'Videos', 'aria-live': 'off' });
  const count = h('span', { class: 'count' });
  const more = h('button', { class: 'btn btn-secondary', type: 'button', hidden: true }, 'Show more');
  const empty = h(
    'div',
    { class: 'empty', hidden: true },
    h('h2', {}, 'No videos yet'),
    h('p', {}, app.canUpload() ? 'Drop a video file above, or choose one, to get started.' : 'Videos shared with you will appear here.'),
  );
  const errorBox = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const upload = app.uploads();
  const stopListening = upload?.listen({ onVideo: (video) => upsert(video), onRemoved: (id) => removeVideo(id) });

  replaceChildren(
    root,
    h(
      'div',
      { class: 'page library' },
      h('div', { class: 'page-head' }, h('h1', {}, 'Library'), count),
      upload?.element,
      errorBox,
      grid,
      empty,
      h('div', { class: 'more' }, more),
    ),
  );

  const sorted = () => [...videos.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));

  const retry = async (video: Video) => {
    try {
      upsert(await api.retryVideo(video.id));
      app.toast(`Processing “${video.title}” again.`);
    } catch (err) {
      app.toast(err instanceof Error ? err.message : String(err), 'error');
    }
  };

  const cardFor = (video: Video) => videoCard(video, { canManage: app.canManage(video), onRetry: (v) => void retry(v) });

  const draw = () => {
    const list = sorted();
    replaceChildren(grid, ...list.map(cardFor));
    empty.hidden = !loaded || list.length > 0;
    count.textContent = list.length ? `${list.length}${nextCursor ? '+' : ''} video${list.length === 1 ? '' : 's'}` : '';
    more.hidden = !nextCursor;
  };

  /** Replaces one card in place (keeps focus and scroll) or redraws when the order changes. */
  function upsert(video: Video): void {
    const known = videos.get(video.id);
    if (known && known.updatedAt > video.updatedAt) return;
    videos.set(video.id, video);
    const existing = grid.querySelector(`[data-video-id="${CSS.escape(video.id)}"]`);
    if (existing && known) {
      const hadFocus = existing.contains(document.activeElement);
      const card = cardFor(video);
      existing.replaceWith(card);
      if (hadFocus) (card.querySelector('.card-title a') as HTMLElement | null)?.focus();
      count.textContent = count.textContent || '1 video';
      return;
    }
    draw();
  }

  function removeVideo(id: string): void {
    if (videos.delete(id)) draw();
  }

  const loadPage = async (from: string | null = nextCursor) => {
    more.disabled = true;
    try {
      const page = await api.listVideos(from);
      for (const v of page.items) if (!videos.has(v.id) || videos.get(v.id)!.updatedAt <= v.updatedAt) videos.set(v.id, v);
      if (from === nextCursor) nextCursor = page.nextCursor;
      loaded = true;
      errorBox.hidden = true;
      draw();
    } catch (err) {
      errorBox.textContent = `The videos could not be loaded: ${err instanceof ApiError ? err.message : String(err)}`;
      errorBox.hidden = false;
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void loadPage());

  const unsubscribe = app.events.subscribe((event) => {
    if (event.type === 'deleted') removeVideo(event.id);
    else if (event.type === 'video') upsert(event.video);
    else void loadPage(null);
  });
  void loadPage();

  return () => {
    unsubscribe();
    stopListening?.();
  };
}
