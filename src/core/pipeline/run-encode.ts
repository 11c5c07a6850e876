import type { Rendition } from '../model/video.ts';
import type { EncodeRequest } from '../ports/encode-backend.ts';
import { transition } from '../videos/lifecycle.ts';
import { finishEncode, type FinishOutcome } from './finish-encode.ts';
import type { StageAttempt, TranscodeJobDeps } from './stage-attempt.ts';

export interface StageEncode {
  request: EncodeRequest;
  /** A master was published before the encode is done. */
  onPlayable?: (masterKey: string, renditions: Rendition[]) => Promise<void>;
  onProgress?: (fraction: number) => void;
  /** Awaited before an in-process result is handed to finishEncode (e.g. the last progress write). */
  beforeFinish?: () => Promise<void>;
}

/**
 * Runs one encode of a stage on the encode backend. An in-process backend's result goes to
 * finishEncode at once; a backend that completes by event has its job reference stored with the
 * video, and its completion event reaches finishEncode later. A video that was deleted or taken over
 * by another attempt meanwhile stops the stage (`run.videoGone()`); errors are the caller's.
 */
export async function runEncode(deps: TranscodeJobDeps, run: StageAttempt, encode: StageEncode): Promise<FinishOutcome | 'submitted'> {
  const { request } = encode;
  const { videoId, attemptId } = request;
  const submitted = await deps.encoding.backend.submit(request, {
    progress: (fraction) => encode.onProgress?.(fraction),
    playable: async ({ masterKey, renditions }) => {
      await encode.onPlayable?.(masterKey, renditions);
    },
  });
  if (submitted.state === 'submitted') {
    const stored = await transition(deps.catalog, videoId, 'submitted', { encodeJobRef: submitted.jobRef }, { attemptId });
    if (!stored.applied) run.videoGone();
    return 'submitted';
  }
  await encode.beforeFinish?.();
  run.signal.throwIfAborted();
  const outcome = await finishEncode({ catalog: deps.catalog, media: deps.media, logger: run.log }, { videoId, attemptId, mode: request.mode, result: submitted.result });
  if (outcome === 'gone' || outcome === 'stale') run.videoGone();
  return outcome;
}
