import type { MediaInfo } from '../../../core/model/media-info.ts';
import type { FirstLook, MediaProbe, MediaProbeCapabilities, ObjectRef } from '../../../core/ports/media-probe.ts';
import type { FfmpegTranscoder } from './ffmpeg-transcoder.ts';
import type { SourcePins } from './source-pins.ts';

/** MediaProbe on ffprobe: the object version is pinned to the adapter's scratch space (and kept there for its encodes), then probed. */
export class FfmpegMediaProbe implements MediaProbe {
  readonly capabilities: MediaProbeCapabilities = { firstLook: true };

  constructor(private readonly deps: { transcoder: FfmpegTranscoder; pins: SourcePins }) {}

  probe(source: ObjectRef, signal?: AbortSignal): Promise<MediaInfo> {
    return this.pinned(source, signal, (path) => this.deps.transcoder.probe(path, signal));
  }

  firstLook(source: ObjectRef, signal?: AbortSignal): Promise<FirstLook> {
    return this.pinned(source, signal, (path) => this.deps.transcoder.firstLook(path, signal));
  }

  private async pinned<T>(source: ObjectRef, signal: AbortSignal | undefined, read: (path: string) => Promise<T>): Promise<T> {
    const pinned = await this.deps.pins.acquire(source, signal);
    let result: T;
    try {
      result = await read(pinned.path);
    } catch (err) {
      await pinned.release();
      throw err;
    }
    // Kept for the encodes of this version that follow.
    await pinned.release({ keep: true });
    return result;
  }
}
