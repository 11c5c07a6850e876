import { expect, it } from 'vitest';
import { TransientError, UnsupportedMediaError, ValidationError } from '../../src/core/errors.ts';
import type { EncodeJobPayload, JobContext, JobPayload, JobPriority } from '../../src/core/ports/job-queue.ts';
import type { QueueTestKit } from './job-queue-kit.ts';

function prepare(videoId: string, sourceKey = `uploads/${videoId}/source.mp4`): JobPayload {
  return { type: 'prepare', videoId, sourceKey };
}

/**
 * JobQueue contract, part of job-queue-suite.ts: what every queue holds, whatever it declares.
 * Jobs run through a worker of the queue, or through the harness's deliveries for a queue whose
 * jobs the platform delivers. A later job of the same video is delivered after an earlier one
 * (FIFO within a priority; one message group per video on SQS), so it serves as a barrier.
 */
export function commonCases(kit: QueueTestKit): void {
  const { openQueue, runJobs } = kit;

  it('declares its capabilities', async () => {
    const queue = await openQueue();
    const { workers, lookup, idempotency } = queue.capabilities;
    expect(workers === null || typeof workers.work === 'function').toBe(true);
    expect(lookup === null || (typeof lookup.getJob === 'function' && typeof lookup.cancel === 'function')).toBe(true);
    expect(idempotency.windowMs === null || idempotency.windowMs > 0).toBe(true);
  });

  it('enqueue refuses an empty or overlong idempotency key, a bad maxAttempts, an unknown type or priority', async () => {
    const queue = await openQueue();
    const refused = [
      queue.enqueue(prepare('a'), { idempotencyKey: '' }),
      queue.enqueue(prepare('a'), { idempotencyKey: 'k'.repeat(1025) }),
      queue.enqueue(prepare('a'), { idempotencyKey: 'k', maxAttempts: 0 }),
      queue.enqueue(prepare('a'), { idempotencyKey: 'k', maxAttempts: 1.5 }),
      queue.enqueue({ type: 'resize', videoId: 'a', sourceKey: 's' } as unknown as JobPayload, { idempotencyKey: 'k' }),
      queue.enqueue(prepare('a'), { idempotencyKey: 'k', priority: 'urgent' as JobPriority }),
    ];
    for (const attempt of refused) await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
    await queue.ping();
  });

  it('delivers an enqueued job once, with its id, payload, attempt 1 and maxAttempts', async () => {
    const queue = await openQueue();
    const { id, created } = await queue.enqueue(prepare('delivered'), { idempotencyKey: 'delivered', maxAttempts: 5, priority: 'high' });
    expect(created).toBe(true);
    const barrier = await queue.enqueue(prepare('delivered', 'barrier'), { idempotencyKey: 'delivered-barrier' });
    const seen: JobContext[] = [];
    await runJobs(queue, async (ctx) => void seen.push(ctx), () => seen.some((ctx) => ctx.id === barrier.id));
    expect(seen.map((ctx) => ctx.id)).toEqual([id, barrier.id]);
    expect(seen[0]).toMatchObject({ id, payload: prepare('delivered'), attempt: 1, maxAttempts: 5 });
    expect(seen[0].signal.aborted).toBe(false);
  });

  it('a second enqueue with the same idempotency key, within what the queue declares, makes no second job', async () => {
    const queue = await openQueue();
    const first = await queue.enqueue(prepare('dup'), { idempotencyKey: 'dup' });
    const again = await queue.enqueue(prepare('dup', 'uploads/dup/other.mp4'), { idempotencyKey: 'dup', maxAttempts: 7 });
    expect(again.id).toBe(first.id);
    expect(first.created).toBe(true);
    if (queue.capabilities.idempotency.windowMs === null) expect(again.created).toBe(false);
    const barrier = await queue.enqueue(prepare('dup', 'barrier'), { idempotencyKey: 'dup-barrier' });
    const seen: JobContext[] = [];
    await runJobs(queue, async (ctx) => void seen.push(ctx), () => seen.some((ctx) => ctx.id === barrier.id));
    expect(seen.map((ctx) => ctx.payload)).toEqual([prepare('dup'), prepare('dup', 'barrier')]);
    expect(seen[0].maxAttempts).toBe(3);
  });

  it('delivers a job whose handler failed again as attempt 2, and a permanently failed one never again', async () => {
    const queue = await openQueue();
    const flaky = await queue.enqueue(prepare('flaky'), { idempotencyKey: 'flaky' });
    const bad = await queue.enqueue(prepare('bad'), { idempotencyKey: 'bad' });
    await queue.enqueue(prepare('bad', 'barrier'), { idempotencyKey: 'bad-barrier' });
    const runs: string[] = [];
    await runJobs(
      queue,
      async (ctx) => {
        runs.push(`${ctx.payload.videoId}:${(ctx.payload as EncodeJobPayload).sourceKey} attempt ${ctx.attempt}`);
        if (ctx.id === flaky.id && ctx.attempt === 1) throw new TransientError('flaky');
        if (ctx.id === bad.id) throw new UnsupportedMediaError('not a video file');
      },
      () => runs.includes('flaky:uploads/flaky/source.mp4 attempt 2') && runs.includes('bad:barrier attempt 1'),
    );
    expect(runs.filter((run) => run.startsWith('flaky:'))).toEqual(['flaky:uploads/flaky/source.mp4 attempt 1', 'flaky:uploads/flaky/source.mp4 attempt 2']);
    // The barrier, behind the bad job, ran: the bad job was done with after one attempt.
    expect(runs.filter((run) => run.startsWith('bad:'))).toEqual(['bad:uploads/bad/source.mp4 attempt 1', 'bad:barrier attempt 1']);
  });
}
