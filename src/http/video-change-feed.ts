import type { Catalog } from '../core/ports/catalog.ts';
import type { Video } from '../core/model/video.ts';

/**
 * `video`: a video appeared or changed; `before` is how it was at the previous look (null when it
 * is new to the feed). `deleted`: a video is gone; `video` is how it was last seen.
 */
export type VideoChange = { type: 'video'; video: Video; before: Video | null } | { type: 'deleted'; video: Video };
type Listener = (change: VideoChange) => void;

/**
 * Polls the catalog's newest videos once a second while someone listens and reports what changed.
 * Polling the catalog (not in-process events) means changes made by workers in other processes are
 * seen too, whatever the catalog engine.
 */
export class VideoChangeFeed {
  private readonly listeners = new Set<Listener>();
  private known = new Map<string, Video>();
  private timer: NodeJS.Timeout | null = null;
  private primed = false;
  private since = '';

  constructor(
    private readonly catalog: Catalog,
    private readonly intervalMs = 1000,
    private readonly window = 100,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      // Changes between a client's first list and our first look must not be lost: the first
      // look reports what changed since shortly before the feed started.
      this.since = new Date(Date.now() - 2000).toISOString();
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.primed = false;
    this.known.clear();
  }

  private polling = false;
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const page = await this.catalog.listVideos({ limit: this.window });
      const next = new Map(page.items.map((v) => [v.id, v]));
      if (this.primed) {
        for (const video of page.items) {
          const before = this.known.get(video.id) ?? null;
          if (before?.updatedAt !== video.updatedAt) this.emit({ type: 'video', video, before });
        }
        const oldest = page.items[page.items.length - 1]?.createdAt ?? '';
        for (const [id, video] of this.known) {
          if (!next.has(id) && (page.items.length < this.window || oldest === '')) this.emit({ type: 'deleted', video });
        }
      } else {
        for (const video of page.items) if (video.updatedAt >= this.since) this.emit({ type: 'video', video, before: null });
      }
      this.known = next;
      this.primed = true;
    } catch {
      // the catalog is unreachable for now; try again next tick
    } finally {
      this.polling = false;
    }
  }

  private emit(change: VideoChange): void {
    for (const l of this.listeners) l(change);
  }
}
