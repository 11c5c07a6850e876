import type { MediaInfo } from '../../../core/model/media-info.ts';
import type { MediaProbe, ObjectRef } from '../../../core/ports/media-probe.ts';
import type { FfmpegTranscoder } from './ffmpeg-transcoder.ts';
import type { SourcePins } from './source-pins.ts';

/** MediaProbe on ffprobe: the object version is pinned to the adapter's scratch space (and kept there for its encodes), then probed. */
export class FfmpegMediaProbe implements MediaProbe {
  constructor(private readonly deps: { transcoder: FfmpegTranscoder; pins: SourcePins }) {}

  async probe(source: ObjectRef, signal?: AbortSignal): Promise<MediaInfo> {
    const pinned = await this.deps.pins.acquire(source, signal);
    let info: MediaInfo;
    try {
      info = await this.deps.transcoder.probe(pinned.path, signal);
    } catch (err) {
      await pinned.release();
      throw err;
    }
    // Kept for the encodes of this version that follow.
    await pinned.release({ keep: true });
    return info;
  }
}
