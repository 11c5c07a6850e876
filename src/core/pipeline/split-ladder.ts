import { planChunks } from '../ladder/plan-chunks.ts';
import type { LadderPartJobPayload } from '../ports/job-queue.ts';
import type { StageAttempt, StageSource, TranscodeJobDeps } from './stage-attempt.ts';

/** The idempotency key of a part's job: one job per part and attempt of a video. */
export function ladderPartKey(videoId: string, attemptId: string, chunk: number | null): string {
  return `ladder-part:${videoId}:${attemptId}:${chunk === null ? 'rest' : chunk}`;
}

/**
 * Splits the ladder of a long video into parts encoded as separate jobs by any worker, when the
 * encode backend can (`capabilities.chunks`), splitting is on (`chunkSeconds`) and the video is fit
 * for it (plan-chunks.ts): one job per chunk of the video rungs, and one for the rest (the audio,
 * whole, the stills and the captions), all on the ladder lane. The part that finds every part done
 * stitches them (ladder-part-stage.ts). False when the ladder is to be encoded whole.
 */
export async function splitLadder(
  deps: TranscodeJobDeps,
  run: StageAttempt,
  input: { attemptId: string; source: StageSource; encrypted: boolean; download: boolean },
): Promise<boolean> {
  if (!deps.encoding.backend.capabilities.chunks || !deps.chunkSeconds) return false;
  const { source, attemptId } = input;
  const decision = planChunks(source.plan, source.media, { chunkSeconds: deps.chunkSeconds, encrypted: input.encrypted, download: input.download });
  if (!decision.split) {
    run.log.debug({ reason: decision.reason }, 'ladder encoded whole');
    return false;
  }
  const { videoId, sourceKey } = run.ctx.payload;
  const base = { type: 'ladder-part' as const, videoId, sourceKey, attemptId, sourceEtag: source.ref.etag, chunks: decision.chunks.length, plan: source.plan };
  const parts: Array<{ payload: LadderPartJobPayload; key: string }> = [
    ...decision.chunks.map((chunk) => ({ payload: { ...base, chunk }, key: ladderPartKey(videoId, attemptId, chunk.index) })),
    { payload: base, key: ladderPartKey(videoId, attemptId, null) },
  ];
  for (const p of parts) await deps.queue.enqueue(p.payload, { idempotencyKey: p.key, priority: 'normal' });
  run.log.info({ chunks: decision.chunks.length, chunkSeconds: decision.chunkSeconds }, 'ladder split into parts');
  return true;
}
