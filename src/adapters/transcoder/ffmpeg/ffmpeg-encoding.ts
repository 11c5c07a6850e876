import type { Logger } from '../../../core/ports/logger.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { FfmpegContentAnalyzer } from './ffmpeg-content-analyzer.ts';
import { FfmpegEncodeBackend } from './ffmpeg-encode-backend.ts';
import { FfmpegMediaProbe } from './ffmpeg-media-probe.ts';
import type { FfmpegTranscoder } from './ffmpeg-transcoder.ts';
import { ScratchSpace } from './scratch-space.ts';
import { SourcePins } from './source-pins.ts';

export interface FfmpegEncoding {
  probe: FfmpegMediaProbe;
  backend: FfmpegEncodeBackend;
  analyzer: FfmpegContentAnalyzer;
  scratch: ScratchSpace;
}

export interface FfmpegEncodingOptions {
  transcoder: FfmpegTranscoder;
  sources: ObjectStore;
  media: ObjectStore;
  /** The scratch space's folder on this machine (created private, 0700). */
  workDir: string;
  logger?: Logger;
}

/**
 * The probe, the encode backend and the content analyzer on ffmpeg, sharing one scratch space and
 * the sources pinned in it. Opening it removes the scratch folders of processes that are gone (a
 * killed worker's).
 */
export async function openFfmpegEncoding(options: FfmpegEncodingOptions): Promise<FfmpegEncoding> {
  const scratch = new ScratchSpace(options.workDir);
  await scratch.prepare();
  const removed = await scratch.removeStale();
  if (removed.length) options.logger?.info({ removed }, 'scratch folders of stopped workers removed');
  const pins = new SourcePins({ sources: options.sources, scratch });
  return {
    probe: new FfmpegMediaProbe({ transcoder: options.transcoder, pins }),
    backend: new FfmpegEncodeBackend({ transcoder: options.transcoder, media: options.media, pins, scratch, logger: options.logger }),
    analyzer: new FfmpegContentAnalyzer({ transcoder: options.transcoder, pins, scratch }),
    scratch,
  };
}
