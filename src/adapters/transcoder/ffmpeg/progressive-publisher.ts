import { open, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { TransientError } from '../../../core/errors.ts';
import { cacheControlFor, contentTypeFor } from '../../../core/media-files.ts';
import type { Rendition } from '../../../core/model/video.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import type { OutputUpdate } from './transcoder-types.ts';
import { writeMasterPlaylist, type MasterPlaylistOptions } from '../../../core/playlists/master-playlist.ts';
import { parseMediaPlaylist } from '../../../core/playlists/media-playlist.ts';
import { publishedMediaPlaylist } from '../../../core/playlists/progressive-playlist.ts';

export interface ProgressivePublisherOptions {
  media: ObjectStore;
  /** Key prefix of the video's folder, e.g. "<id>/". */
  prefix: string;
  signal: AbortSignal;
  /** Uploads in flight at once (default 4). */
  parallelism?: number;
  /** Name of the master playlist in the folder (default "master.m3u8"). */
  masterFile?: string;
}

/**
 * Publishes a video's HLS folder while it is being written, keeping one rule at every moment:
 * no published playlist refers to a file that is not published yet. A media playlist is uploaded
 * after its init segment and every segment it lists (the text that was read, not a newer one); a
 * master after every media playlist it refers to has at least one segment. Segments are uploaded
 * once (they never change); playlists again whenever they grow. Growing playlists are EVENT playlists
 * that start at the beginning; complete ones are VOD (see progressive-playlist.ts).
 *
 * Updates are applied one at a time in arrival order. The first failure is kept, `failed` is
 * aborted (so the caller can stop the encode) and later work is skipped; `drain()` rethrows it.
 */
export class ProgressivePublisher {
  readonly failed = new AbortController();
  private readonly uploaded = new Set<string>();
  private readonly playlistTexts = new Map<string, string>();
  private readonly segmentCounts = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private master: 'none' | 'provisional' | 'final' = 'none';

  constructor(private readonly options: ProgressivePublisherOptions) {}

  get masterFile(): string {
    return this.options.masterFile ?? 'master.m3u8';
  }

  /** True once a master playlist has been published. */
  get hasMaster(): boolean {
    return this.master !== 'none';
  }

  /**
   * Queues an update of a running encode whose files are in `localDir`. With `master`, a master of
   * the update's renditions is published as soon as they all have a segment (once; `onMaster` is
   * then called with the renditions). Never throws.
   */
  update(
    localDir: string,
    update: OutputUpdate,
    master: { options: MasterPlaylistOptions; onMaster: (renditions: Rendition[]) => Promise<void> } | null,
  ): void {
    this.enqueue(async () => {
      for (const playlist of update.playlists) await this.publishPlaylist(localDir, playlist, false);
      if (master && update.renditions && this.master === 'none') {
        for (const r of update.renditions) {
          if (!this.segmentCounts.get(r.playlist)) await this.publishPlaylist(localDir, r.playlist);
          if (!this.segmentCounts.get(r.playlist)) return; // not ready after all; a later update will do
        }
        await this.putMaster(update.renditions, master.options);
        this.master = 'provisional';
        await master.onMaster(update.renditions);
      }
    });
  }

  /**
   * Publishes a finished output folder: every file not uploaded yet, then every media playlist in its
   * final form, then `masterFile` (one of `files`, as written by the encoder) last.
   */
  async finish(localDir: string, files: string[], masterFile: string | null): Promise<void> {
    await this.drain();
    const playlists = files.filter((f) => f.endsWith('.m3u8') && f !== masterFile);
    const others = files.filter((f) => !f.endsWith('.m3u8') && !this.uploaded.has(f));
    await this.bounded(others, (f) => this.putFile(localDir, f));
    for (const p of playlists) await this.publishPlaylist(localDir, p);
    if (masterFile) {
      await this.putLocal(localDir, masterFile);
      this.master = 'final';
    }
  }

  /** Waits for the queued updates; throws the first failure. */
  async drain(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.failure || this.options.signal.aborted) return;
      try {
        await work();
      } catch (err) {
        if (this.options.signal.aborted) return;
        this.failure = err;
        this.failed.abort(err);
      }
    });
  }

  /**
   * Uploads what a media playlist lists and is not uploaded yet, then the playlist text that was read.
   * Not `strict` (updates while encoding): a playlist that cannot be read as one is skipped until the
   * next update; the encoder may have failed to write it (a full disk), and its own error says why.
   */
  private async publishPlaylist(localDir: string, playlist: string, strict = true): Promise<void> {
    const text = await readFile(join(localDir, playlist), 'utf8');
    let info: ReturnType<typeof parseMediaPlaylist>;
    try {
      info = parseMediaPlaylist(text);
    } catch (err) {
      if (strict) throw err;
      return;
    }
    const folder = posix.dirname(playlist);
    const refs = [...(info.mapUri ? [info.mapUri] : []), ...info.segments.map((s) => s.uri)].map((uri) => relativeRef(folder, uri));
    await this.bounded(refs.filter((f) => !this.uploaded.has(f)), (f) => this.putFile(localDir, f));
    const published = publishedMediaPlaylist(text);
    if (this.playlistTexts.get(playlist) === published) return;
    await this.put(playlist, Buffer.from(published));
    this.playlistTexts.set(playlist, published);
    this.segmentCounts.set(playlist, info.segments.length);
  }

  /**
   * Publishes a master of `renditions` (every one of them published already, e.g. by `finish`) when
   * none was published yet. True when it did.
   */
  async publishMasterOnce(renditions: Rendition[], options: MasterPlaylistOptions): Promise<boolean> {
    await this.drain();
    if (this.master !== 'none') return false;
    await this.putMaster(renditions, options);
    this.master = 'provisional';
    return true;
  }

  /** Publishes the final master of `renditions` (every one of them published already, e.g. by `finish`), last. */
  async publishMaster(renditions: Rendition[], options: MasterPlaylistOptions): Promise<void> {
    await this.drain();
    await this.putMaster(renditions, options);
    this.master = 'final';
  }

  private async putMaster(renditions: Rendition[], options: MasterPlaylistOptions): Promise<void> {
    await this.put(this.masterFile, Buffer.from(writeMasterPlaylist(renditions, options)));
  }

  private async putFile(localDir: string, file: string): Promise<void> {
    await this.putLocal(localDir, file);
    this.uploaded.add(file);
  }

  /**
   * Uploads a file of the encoder's folder as a stream. The file is opened first, so that one gone
   * meanwhile (an encode stopped, its folder removed) fails this put instead of erroring a stream
   * nobody listens to yet; the stream is closed whatever the store did with it.
   */
  private async putLocal(localDir: string, file: string): Promise<void> {
    this.options.signal.throwIfAborted();
    const handle = await open(join(localDir, file));
    const body = handle.createReadStream();
    try {
      await this.put(file, body);
    } finally {
      body.destroy();
    }
  }

  private async put(file: string, body: Buffer | Readable): Promise<void> {
    this.options.signal.throwIfAborted();
    await this.options.media.put(`${this.options.prefix}${file}`, body, {
      contentType: contentTypeFor(file),
      cacheControl: cacheControlFor(file),
    });
  }

  private async bounded(items: string[], fn: (item: string) => Promise<void>): Promise<void> {
    let next = 0;
    const lanes = Array.from({ length: Math.min(this.options.parallelism ?? 4, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    });
    await Promise.all(lanes);
  }
}

/** A playlist entry as a path relative to the output folder; anything leaving it is refused. */
function relativeRef(folder: string, uri: string): string {
  const rel = posix.normalize(posix.join(folder, uri));
  if (rel.startsWith('..') || posix.isAbsolute(uri) || uri.includes(':') || uri.includes('?')) {
    throw new TransientError(`a playlist refers to an unexpected file: ${uri}`);
  }
  return rel;
}
