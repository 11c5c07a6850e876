import type { GetResult, ObjectInfo } from '../core/ports/object-store.ts';

/** A whole file held in memory, with what the store said of it. */
export interface CachedMediaFile {
  bytes: Buffer;
  info: ObjectInfo;
}

interface Entry extends CachedMediaFile {
  /** When the store last confirmed this entry (ms, `now()`). */
  checkedAt: number;
  /** The store's answer being awaited, while the entry is checked. */
  checking?: Promise<ObjectInfo | null>;
}

export interface MediaFileCacheOptions {
  /** Memory the cached files may take together; 0 turns the cache off. */
  maxBytes: number;
  /** Larger files are never cached (they are streamed from the store). */
  maxFileBytes: number;
  /** How long an entry is served before the store is asked again whether it changed (ms). */
  revalidateMs: number;
  now?: () => number;
}

/** What the cache reads from the object store. */
export interface MediaFileSource {
  get(key: string): Promise<GetResult>;
  head(key: string): Promise<ObjectInfo | null>;
}

/**
 * Small media files (segments, init segments, images, captions) held whole in memory, least
 * recently used evicted first, within a byte budget: a hot segment is answered with one write of a
 * buffer instead of an open, a stat, reads and a close on every request. Entries are checked with
 * the store (`head`: size and ETag) at most every `revalidateMs`, so a file that is replaced or
 * deleted is served from memory for at most that long; segments are written once, so in practice
 * only this check reaches the store. Concurrent misses of one key share one read.
 */
export class MediaFileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<CachedMediaFile | GetResult>>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly options: MediaFileCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.maxBytes > 0;
  }

  /** Memory held by cached files (bytes). */
  get size(): number {
    return this.bytes;
  }

  /**
   * The file at `key` when it is in memory and was confirmed with the store within `revalidateMs`,
   * else undefined (read() then checks or loads it). Never waits.
   */
  peek(key: string): CachedMediaFile | undefined {
    const entry = this.entries.get(key);
    if (!entry || this.now() - entry.checkedAt >= this.options.revalidateMs) return undefined;
    this.touch(key, entry);
    return entry;
  }

  /**
   * The file at `key`: from memory when cached and recently confirmed; else read from the store,
   * kept when small enough, and answered whole. A file too large to cache is answered as the
   * store's stream (GetResult). Throws the store's NotFound when there is no such file.
   */
  async read(key: string, source: MediaFileSource): Promise<CachedMediaFile | GetResult> {
    const entry = this.entries.get(key);
    if (entry) {
      if (this.now() - entry.checkedAt < this.options.revalidateMs) {
        this.touch(key, entry);
        return entry;
      }
      // One check at a time per entry: the requests that find it due wait for the same answer.
      entry.checking ??= source.head(key).finally(() => (entry.checking = undefined));
      const info = await entry.checking;
      if (info && info.size === entry.info.size && info.etag === entry.info.etag) {
        entry.checkedAt = this.now();
        this.touch(key, entry);
        return entry;
      }
      if (this.entries.get(key) === entry) this.drop(key);
    }
    const pending = this.loading.get(key);
    if (pending) {
      const first = await pending;
      return 'bytes' in first ? first : source.get(key);
    }
    const load = this.load(key, source).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  private async load(key: string, source: MediaFileSource): Promise<CachedMediaFile | GetResult> {
    const result = await source.get(key);
    const { info } = result;
    if (!this.enabled || info.size > this.options.maxFileBytes || info.size > this.options.maxBytes) return result;
    const bytes = await readWhole(result.body, info.size);
    const entry: Entry = { bytes, info, checkedAt: this.now() };
    this.drop(key);
    this.entries.set(key, entry);
    this.bytes += bytes.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.bytes.length;
    }
    return entry;
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.bytes.length;
  }
}

/** The stream's bytes in one buffer of `size` (its declared length); a stream of another length is an error. */
async function readWhole(body: NodeJS.ReadableStream, size: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    if (at + b.length > size) throw new Error('the file grew while it was read');
    b.copy(out, at);
    at += b.length;
  }
  if (at !== size) throw new Error('the file shrank while it was read');
  return out;
}
