import { api, ApiError, type Video } from '../api.ts';
import type { App, Cleanup } from '../app.ts';
import { h, replaceChildren } from '../dom.ts';
import { bulkBar } from './library-bulk.ts';
import { filtersFromUrl, isPlain, libraryToolbar, listQuery, urlOf, type LibraryFilters } from './library-toolbar.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { videoCard } from './video-card.ts';

/**
 * The library: the upload area, a search box with filters and orders (kept in the URL), and a
 * grid of videos, a page at a time in the server's order. Status and progress change live from
 * the server's event stream; nothing needs a reload. Videos the user may manage can be selected
 * for a bulk action (visibility, delete).
 */
export function libraryPage(root: HTMLElement, app: App): Cleanup {
  let filters = filtersFromUrl(location.search);
  const videos = new Map<string, Video>();
  /** The ids in the grid's order. */
  let order: string[] = [];
  const selected = new Set<string>();
  let nextCursor: string | null = null;
  let loaded = false;
  /** Bumped when the filters change: answers to an earlier query are dropped. */
  let generation = 0;

  const grid = h('ul', { class: 'grid', 'aria-label': 'Videos', 'aria-live': 'off' });
  const count = h('span', { class: 'count' });
  const more = h('button', { class: 'btn btn-secondary', type: 'button', hidden: true }, 'Show more');
  const emptyTitle = h('h2', {});
  const emptyText = h('p', {});
  const empty = h('div', { class: 'empty', hidden: true }, emptyTitle, emptyText);
  const errorBox = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const upload = app.uploads();
  const stopListening = upload?.listen({ onVideo: (video) => upsert(video), onRemoved: (id) => removeVideos([id]) });

  const toolbar = libraryToolbar(filters, (next) => {
    filters = next;
    const url = urlOf(filters);
    if (url !== location.pathname + location.search) history.replaceState(history.state, '', url);
    void reload();
  });
  const bulk = bulkBar(app, {
    selected: () => [...selected].filter((id) => videos.has(id)),
    done: (ids, change) => {
      if ('deleted' in change) return removeVideos(ids);
      for (const id of ids) {
        const video = videos.get(id);
        if (video) videos.set(id, { ...video, visibility: change.visibility });
      }
      selected.clear();
      draw();
    },
    clear: () => {
      selected.clear();
      draw();
    },
  });

  replaceChildren(
    root,
    h(
      'div',
      { class: 'page library' },
      h('div', { class: 'page-head' }, h('h1', {}, 'Library'), count),
      upload?.element,
      toolbar.element,
      bulk.element,
      errorBox,
      grid,
      empty,
      h('div', { class: 'more' }, more),
    ),
  );

  const retry = async (video: Video) => {
    try {
      upsert(await api.retryVideo(video.id));
      app.toast(`Processing “${video.title}” again.`);
    } catch (err) {
      app.toast(err instanceof Error ? err.message : String(err), 'error');
    }
  };

  const deleteWaiting = async (video: Video) => {
    const yes = await confirmDialog({
      title: `Delete “${video.title}”?`,
      body: 'Its upload never arrived. An upload that arrives later is refused.',
      confirm: 'Delete video',
      danger: true,
    });
    if (!yes) return;
    try {
      await api.deleteVideo(video.id);
      removeVideos([video.id]);
      app.toast(`Deleted “${video.title}”.`);
    } catch (err) {
      app.toast(err instanceof Error ? err.message : String(err), 'error');
    }
  };

  const cardFor = (video: Video) => {
    const manages = app.canManage(video);
    return videoCard(video, {
      canManage: manages,
      onRetry: (v) => void retry(v),
      onDelete: (v) => void deleteWaiting(v),
      selection: manages
        ? {
            selected: selected.has(video.id),
            onToggle: (v, on) => {
              if (on) selected.add(v.id);
              else selected.delete(v.id);
              grid.querySelector(`[data-video-id="${CSS.escape(v.id)}"]`)?.classList.toggle('card-selected', on);
              bulk.update(selected.size);
            },
          }
        : undefined,
    });
  };

  const draw = () => {
    for (const id of selected) if (!videos.has(id)) selected.delete(id);
    replaceChildren(grid, ...order.map((id) => cardFor(videos.get(id)!)));
    const plain = isPlain(filters);
    empty.hidden = !loaded || order.length > 0;
    emptyTitle.textContent = plain ? 'No videos yet' : 'No videos match';
    emptyText.textContent = plain
      ? app.canUpload()
        ? 'Drop a video file above, or choose one, to get started.'
        : 'Videos shared with you will appear here.'
      : 'Try other words, or another status or visibility.';
    count.textContent = order.length ? `${order.length}${nextCursor ? '+' : ''} video${order.length === 1 ? '' : 's'}` : '';
    more.hidden = !nextCursor;
    bulk.update(selected.size);
  };

  /** Newest first, as the server orders them when nothing is filtered. */
  const newestFirst = (a: string, b: string) => {
    const x = videos.get(a)!;
    const y = videos.get(b)!;
    return x.createdAt < y.createdAt ? 1 : x.createdAt > y.createdAt ? -1 : a < b ? 1 : -1;
  };

  /**
   * Replaces one card in place (keeps focus and scroll). A video not shown yet is added only to
   * the unfiltered library, newest first: whether it matches a search is the server's to say.
   */
  function upsert(video: Video): void {
    const known = videos.get(video.id);
    if (known && known.updatedAt > video.updatedAt) return;
    if (!known && !isPlain(filters)) return;
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
    if (!known) order = [...order, video.id].sort(newestFirst);
    draw();
  }

  function removeVideos(ids: string[]): void {
    let changed = false;
    for (const id of ids) changed = videos.delete(id) || changed;
    if (!changed) return;
    order = order.filter((id) => videos.has(id));
    draw();
  }

  const loadPage = async (from: string | null) => {
    const mine = generation;
    more.disabled = true;
    try {
      const page = await api.listVideos(from, 48, listQuery(filters));
      if (mine !== generation) return;
      for (const v of page.items) {
        const known = videos.get(v.id);
        if (!known) order.push(v.id);
        if (!known || known.updatedAt <= v.updatedAt) videos.set(v.id, v);
      }
      if (from === nextCursor) nextCursor = page.nextCursor;
      loaded = true;
      errorBox.hidden = true;
      draw();
    } catch (err) {
      if (mine !== generation) return;
      errorBox.textContent = `The videos could not be loaded: ${err instanceof ApiError ? err.message : String(err)}`;
      errorBox.hidden = false;
    } finally {
      if (mine === generation) more.disabled = false;
    }
  };

  /** Starts over from the first page (new filters, or changes that may have been missed). */
  const reload = async () => {
    generation += 1;
    videos.clear();
    order = [];
    nextCursor = null;
    loaded = false;
    await loadPage(null);
  };
  more.addEventListener('click', () => void loadPage(nextCursor));

  const unsubscribe = app.events.subscribe((event) => {
    if (event.type === 'deleted') removeVideos([event.id]);
    else if (event.type === 'video') upsert(event.video);
    else void reload();
  });
  void loadPage(null);

  return () => {
    unsubscribe();
    stopListening?.();
    toolbar.destroy();
  };
}
