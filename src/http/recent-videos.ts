import type { Video } from '../core/model/video.ts';

/** Beyond this many ids the remembered records are dropped all at once. */
const MAX_REMEMBERED = 10_000;

/**
 * Video records as the catalog gave them, each reused for `maxAgeMs` before the catalog is asked
 * again: a change of visibility or sharing, or a deletion, reaches media requests within that
 * bound. An absent video (null) is remembered the same way.
 */
export class RecentVideos {
  private readonly records = new Map<string, { video: Video | null; at: number }>();

  constructor(
    private readonly catalog: { getVideo(id: string): Promise<Video | null> },
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The video (null when there is none), from the catalog when its record is older than the bound. */
  async get(id: string): Promise<Video | null> {
    const fresh = this.peek(id);
    if (fresh !== undefined) return fresh;
    const video = await this.catalog.getVideo(id);
    if (this.records.size > MAX_REMEMBERED) this.records.clear();
    this.records.set(id, { video, at: this.now() });
    return video;
  }

  /** The record read within the bound (null: no such video), or undefined when get() must ask the catalog. */
  peek(id: string): Video | null | undefined {
    const hit = this.records.get(id);
    return hit && this.now() - hit.at < this.maxAgeMs ? hit.video : undefined;
  }
}
