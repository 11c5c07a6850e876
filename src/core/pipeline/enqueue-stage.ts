import type { JobPriority, JobQueue } from '../ports/job-queue.ts';

/**
 * The stages of a video's processing, each a job type of its own:
 * - `prepare` (lane prepare, high priority): starts an encode attempt; probe, validate, plan, and
 *   the first playable output (the source by stream copy when it is fit for it, else a quick encode
 *   of the lowest rung);
 * - `ladder` (lane ladder): the full ladder of that attempt; its master replaces the first one.
 * A `transcode` job, the former single stage, still found in queues, runs as a `prepare`.
 */
export type StageRequest =
  | {
      stage: 'prepare';
      videoId: string;
      sourceKey: string;
      /**
       * Names a retry: its job gets a key of its own. Absent for the first run, whose key is fixed,
       * so that queueing it again (duplicate events, recovery) finds the existing job.
       */
      retry?: string;
      /** Encode attempts made before (see PrepareJobPayload.priorAttempts). */
      priorAttempts?: number;
    }
  | {
      stage: 'ladder';
      videoId: string;
      sourceKey: string;
      /** The encode attempt the `prepare` started: one ladder per attempt. */
      attemptId: string;
      /** The source version the `prepare` probed (its ETag): the ladder encodes that version. */
      sourceEtag?: string;
      /** Names a retry of this attempt's ladder (see LadderJobPayload.retry). */
      retry?: string;
      /** Encode attempts made before (see LadderJobPayload.priorAttempts). */
      priorAttempts?: number;
    };

export type Stage = StageRequest['stage'];

const priorities: Record<Stage, JobPriority> = { prepare: 'high', ladder: 'normal' };

/** The idempotency key of a stage's job: one job per stage and attempt of a video. */
export function stageIdempotencyKey(request: StageRequest): string {
  if (request.stage === 'ladder') return `ladder:${request.videoId}:${request.attemptId}${request.retry ? `:retry:${request.retry}` : ''}`;
  // The first prepare keeps the key of the former transcode job, so a transcode job still in a
  // queue and the prepare that would replace it are one job.
  return request.retry ? `transcode:${request.videoId}:retry:${request.retry}` : `transcode:${request.videoId}`;
}

/**
 * The one place a stage's job is queued (upload complete, retry, recovery, end of `prepare`).
 * Idempotent: a job that exists for the same stage and attempt is returned as it is.
 */
export async function enqueueStage(queue: JobQueue, request: StageRequest): Promise<{ id: string; created: boolean }> {
  const { videoId, sourceKey } = request;
  const common = { videoId, sourceKey, ...(request.retry ? { retry: request.retry } : {}), ...(request.priorAttempts ? { priorAttempts: request.priorAttempts } : {}) };
  const payload =
    request.stage === 'ladder'
      ? { type: 'ladder' as const, ...common, attemptId: request.attemptId, ...(request.sourceEtag ? { sourceEtag: request.sourceEtag } : {}) }
      : { type: 'prepare' as const, ...common };
  return queue.enqueue(payload, { idempotencyKey: stageIdempotencyKey(request), priority: priorities[request.stage] });
}
