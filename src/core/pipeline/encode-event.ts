import type { EncodeMode } from '../ports/encode-backend.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import { transition } from '../videos/lifecycle.ts';
import { enqueueStage } from './enqueue-stage.ts';
import { finishEncode, type EncodeCompletion, type FinishEncodeDeps, type FinishOutcome } from './finish-encode.ts';

/**
 * What one event of an encode backend that completes by event (MediaConvert) says, as its adapter
 * reads it: progress of an encode, its completion (result or error), or nothing vodkit cares about.
 */
export type EncodeEvent =
  | { kind: 'progress'; videoId: string; attemptId: string; mode: EncodeMode; fraction: number }
  | { kind: 'completion'; completion: EncodeCompletion }
  | { kind: 'ignored'; reason: string };

export interface EncodeEventDeps extends FinishEncodeDeps {
  /** Where a stage whose encode failed, and may be tried again, is queued again. */
  queue: JobQueue;
}

/**
 * - progress: the ladder's progress was written to its video;
 * - first-output-failed: the first playable output of an attempt failed and another try may pass;
 *   nothing changes (the ladder, submitted with it, publishes the video when it is done);
 * - the outcomes of finishEncode otherwise; `retrying` and `requeued` with the stage queued again;
 * - ignored: not an event of a vodkit encode, or progress of an attempt the video has moved on from.
 */
export type EncodeEventOutcome = FinishOutcome | 'progress' | 'first-output-failed' | 'ignored';

/**
 * Applies an encode event to its video: the completion side of an encode backend whose jobs end
 * later, in another process (see ports/encode-backend.ts, completion 'event'). Duplicate, late and
 * stale events change nothing (finishEncode and the lifecycle's compare-and-set see to that). An
 * error that leaves the stage attempts (the completion is not final) queues the stage again, as a
 * new job that knows how many attempts came before it, so the stage's attempt limit holds.
 */
export async function applyEncodeEvent(deps: EncodeEventDeps, event: EncodeEvent): Promise<EncodeEventOutcome> {
  const { catalog, logger } = deps;
  if (event.kind === 'ignored') return 'ignored';
  if (event.kind === 'progress') {
    const { videoId, attemptId, fraction } = event;
    // Only the ladder's progress is the video's (the first playable output belongs to its prepare).
    if (event.mode !== 'ladder') return 'ignored';
    // Events may come out of order: progress never goes back.
    const video = await catalog.getVideo(videoId);
    if (!video || video.attemptId !== attemptId || fraction <= video.progress) return 'ignored';
    const done = await transition(catalog, videoId, 'progress', { progress: Math.min(0.99, Math.max(0, fraction)) }, { attemptId });
    return done.applied ? 'progress' : 'ignored';
  }
  const { completion } = event;
  const log = logger.child({ videoId: completion.videoId, attemptId: completion.attemptId, mode: completion.mode });
  if ('error' in completion && !completion.final && completion.mode !== 'ladder') {
    log.warn({ attempts: completion.attempts }, 'the first playable output failed; the ladder of the same attempt publishes the video when it is done');
    return 'first-output-failed';
  }
  const outcome = await finishEncode(deps, completion);
  if ('error' in completion && (outcome === 'retrying' || outcome === 'requeued')) {
    const video = await catalog.getVideo(completion.videoId);
    if (!video) return outcome;
    const prior = completion.attempts ?? 1;
    const retry = `${completion.attemptId}-${prior + 1}`;
    const queued =
      outcome === 'retrying'
        ? await enqueueStage(deps.queue, { stage: 'ladder', videoId: video.id, sourceKey: video.sourceKey, attemptId: completion.attemptId, retry, priorAttempts: prior })
        : await enqueueStage(deps.queue, { stage: 'prepare', videoId: video.id, sourceKey: video.sourceKey, retry, priorAttempts: prior });
    log.info({ jobId: queued.id, attempt: prior + 1 }, `encode failed; ${outcome === 'retrying' ? 'the ladder' : 'the video'} is queued again`);
  }
  return outcome;
}
