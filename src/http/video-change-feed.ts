import type { Catalog } from '../core/ports/catalog.ts';
import type { Video } from '../core/model/video.ts';

type Listener = (change: { type: 'video'; video: Video } | { type: 'deleted'; id: string }) => void;

/**
 * Polls the catalog's newest videos once a second while someone listens and reports what changed.
 * Polling the catalog (not in-process events) means changes made by workers in other processes are
 * seen too, whatever the catalog engine.
 */
export class VideoChangeFeed {
  private readonly listeners = new Set<Listener>();
  private known = new Map<string, string>();
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
      const next = new Map(page.items.map((v) => [v.id, v.updatedAt]));
      if (this.primed) {
        for (const video of page.items) {
          if (this.known.get(video.id) !== video.updatedAt) this.emit({ type: 'video', video });
        }
        const oldest = page.items[page.items.length - 1]?.createdAt ?? '';
        for (const id of this.known.keys()) {
          if (!next.has(id) && (page.items.length < this.window || oldest === '')) this.emit({ type: 'deleted', id });
        }
      } else {
        for (const video of page.items) if (video.updatedAt >= this.since) this.emit({ type: 'video', video });
      }
      this.known = next;
      this.primed = true;
    } catch {
      // the catalog is unreachable for now; try again next tick
    } finally {
      this.polling = false;
    }
  }

  private emit(change: Parameters<Listener>[0]): void {
    for (const l of this.listeners) l(change);
  }
}
