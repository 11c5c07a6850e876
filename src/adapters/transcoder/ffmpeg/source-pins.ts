import { join } from 'node:path';
import { NotFoundError, PreconditionFailedError } from '../../../core/errors.ts';
import type { ObjectRef } from '../../../core/ports/media-probe.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import type { ScratchSpace } from './scratch-space.ts';

/** A source version pinned as a file of the scratch space; `release()` once done with it. */
export interface PinnedSource {
  path: string;
  release(): Promise<void>;
}

interface Pin {
  users: number;
  ready: Promise<{ dir: string; path: string }>;
}

/**
 * Source objects pinned as files for ffprobe and ffmpeg, which read a file by name more than once:
 * each version (key and ETag) is pinned once into a scratch folder (a hard link on the local disk,
 * a checked download from S3: ObjectStore.pinToFile), shared by the probe and encodes that use it
 * at the same time, and removed when the last of them releases it. Later writes to the key never
 * change a pinned file.
 */
export class SourcePins {
  private readonly pins = new Map<string, Pin>();

  constructor(private readonly deps: { sources: ObjectStore; scratch: ScratchSpace }) {}

  async acquire(source: ObjectRef, signal?: AbortSignal): Promise<PinnedSource> {
    const id = `${source.key}\n${source.etag}`;
    let pin = this.pins.get(id);
    if (!pin) {
      pin = { users: 0, ready: this.pin(source, signal) };
      this.pins.set(id, pin);
      const created = pin;
      pin.ready.catch(() => {
        if (this.pins.get(id) === created) this.pins.delete(id);
      });
    }
    pin.users++;
    let pinned: { dir: string; path: string };
    try {
      pinned = await pin.ready;
    } catch (err) {
      pin.users--;
      throw err;
    }
    let released = false;
    const current = pin;
    return {
      path: pinned.path,
      release: async () => {
        if (released) return;
        released = true;
        if (--current.users > 0) return;
        if (this.pins.get(id) === current) this.pins.delete(id);
        await this.deps.scratch.remove(pinned.dir);
      },
    };
  }

  private async pin(source: ObjectRef, signal?: AbortSignal): Promise<{ dir: string; path: string }> {
    const dir = await this.deps.scratch.create(`source-${source.key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}`);
    const path = join(dir, 'source');
    try {
      await this.deps.sources.pinToFile(source.key, path, { etag: source.etag, signal });
    } catch (err) {
      await this.deps.scratch.remove(dir).catch(() => {});
      if (err instanceof PreconditionFailedError) {
        throw new PreconditionFailedError('the uploaded file was replaced while it was being read; it was not encoded: upload the video again', { cause: err });
      }
      if (err instanceof NotFoundError) throw new NotFoundError('the uploaded file is gone; upload the video again', { cause: err });
      throw err;
    }
    return { dir, path };
  }
}
