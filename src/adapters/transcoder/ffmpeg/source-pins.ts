import { join } from 'node:path';
import { NotFoundError, PreconditionFailedError } from '../../../core/errors.ts';
import type { ObjectRef } from '../../../core/ports/media-probe.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import type { ScratchSpace } from './scratch-space.ts';

/**
 * A source version pinned as a file of the scratch space; `release()` once done with it. With
 * `keep`, the file stays a while for a later stage of the same video (see SourcePins).
 */
export interface PinnedSource {
  path: string;
  release(options?: { keep?: boolean }): Promise<void>;
}

interface Pin {
  users: number;
  ready: Promise<{ dir: string; path: string }>;
  /** Set while nobody uses the pin: it is removed when this fires. */
  expiry: NodeJS.Timeout | null;
}

/** How long a pinned version released with `keep` is kept for a later stage that did not come. */
export const DEFAULT_PIN_LINGER_MS = 30 * 60_000;

/**
 * Source objects pinned as files for ffprobe and ffmpeg, which read a file by name more than once:
 * each version (key and ETag) is pinned once into a scratch folder (a hard link on the local disk,
 * a checked download from S3: ObjectStore.pinToFile), shared by the probe and the encodes that use
 * it. A pin released with `keep` (a probe, or a first playable output, that succeeded) stays for the
 * video's next stage, so that its ladder encodes the version that was probed even when the key was
 * written since; the last release without `keep` (the ladder's end, or a failure) removes it at
 * once, and a kept pin nobody takes again goes after `lingerMs`. Later writes to the key never
 * change a pinned file.
 */
export class SourcePins {
  private readonly pins = new Map<string, Pin>();

  constructor(private readonly deps: { sources: ObjectStore; scratch: ScratchSpace; lingerMs?: number }) {}

  async acquire(source: ObjectRef, signal?: AbortSignal): Promise<PinnedSource> {
    const id = `${source.key}\n${source.etag}`;
    let pin = this.pins.get(id);
    if (!pin) {
      pin = { users: 0, ready: this.pin(source, signal), expiry: null };
      this.pins.set(id, pin);
      const created = pin;
      pin.ready.catch(() => {
        if (this.pins.get(id) === created) this.pins.delete(id);
      });
    }
    pin.users++;
    if (pin.expiry) clearTimeout(pin.expiry);
    pin.expiry = null;
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
      release: async (options = {}) => {
        if (released) return;
        released = true;
        if (--current.users > 0) return;
        const remove = async () => {
          if (current.users > 0) return;
          if (this.pins.get(id) === current) this.pins.delete(id);
          await this.deps.scratch.remove(pinned.dir);
        };
        if (!options.keep) return remove();
        current.expiry = setTimeout(() => void remove().catch(() => {}), this.deps.lingerMs ?? DEFAULT_PIN_LINGER_MS);
        current.expiry.unref();
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
