import { expect, it } from 'vitest';
import { TransientError, UnsupportedMediaError, ValidationError } from '../../src/core/errors.ts';
import type { JobContext } from '../../src/core/ports/job-queue.ts';
import { waitFor, waitForState, type QueueTestKit } from './job-queue-kit.ts';
import { variantHelpers, type LaneVariant } from './job-queue-variants.ts';

/** JobQueue contract, part of job-queue-suite.ts: enqueueing with idempotency keys, running jobs within the concurrency, retries and failures. */
export function runningTests(kit: QueueTestKit, variant: LaneVariant): void {
  const { open, gate } = kit;
  const { payload, work } = variantHelpers(kit, variant);

  it('enqueue creates a waiting job; the same idempotency key returns the same job', async () => {
    const queue = await open();
    await queue.ping();
    const first = await queue.enqueue(payload('a'), { idempotencyKey: 'video-a' });
    expect(first.created).toBe(true);
    expect(await queue.getJob(first.id)).toEqual({
      id: first.id,
      payload: payload('a'),
      state: 'waiting',
      priority: 'normal',
      attempts: 0,
      maxAttempts: 3,
      lastError: null,
    });
    const again = await queue.enqueue(payload('other'), { idempotencyKey: 'video-a', maxAttempts: 7 });
    expect(again).toEqual({ id: first.id, created: false });
    expect((await queue.getJob(first.id))?.payload).toEqual(payload('a'));

    const other = await open();
    expect(await other.enqueue(payload('a'), { idempotencyKey: 'video-a' })).toEqual({ id: first.id, created: false });
    const second = await other.enqueue(payload('b'), { idempotencyKey: 'video-b', maxAttempts: 5 });
    expect(second.created).toBe(true);
    expect(second.id).not.toBe(first.id);
    expect((await queue.getJob(second.id))?.maxAttempts).toBe(5);
    expect(await queue.getJob('no-such-job')).toBeNull();
  });

  it('rejects an empty idempotency key and a maxAttempts below 1', async () => {
    const queue = await open();
    await expect(queue.enqueue(payload('a'), { idempotencyKey: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(queue.enqueue(payload('a'), { idempotencyKey: 'k', maxAttempts: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('concurrent enqueues with one key, from two instances, make exactly one job', async () => {
    const [a, b] = [await open(), await open()];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).enqueue(payload('same'), { idempotencyKey: 'one-key' })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await a.counts()).waiting).toBe(1);
  });

  it('runs a job once with its payload and attempt number', async () => {
    const queue = await open();
    const seen: JobContext[] = [];
    work(queue, async (ctx) => {
      seen.push(ctx);
    });
    const { id } = await queue.enqueue(payload('once'), { idempotencyKey: 'once' });
    const done = await waitForState(queue, id, 'completed');
    expect(done).toMatchObject({ attempts: 1, lastError: null, payload: payload('once') });
    // A second job through the same single-slot worker: the first is not run again meanwhile.
    const barrier = await queue.enqueue(payload('barrier'), { idempotencyKey: 'barrier' });
    await waitForState(queue, barrier.id, 'completed');
    const runs = seen.filter((ctx) => ctx.id === id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id, payload: payload('once'), attempt: 1, maxAttempts: 3 });
    expect(runs[0].signal.aborted).toBe(false);
  });

  it('never runs more jobs at once than the concurrency', async () => {
    const queue = await open();
    let inFlight = 0;
    let maxInFlight = 0;
    const releases: Array<() => void> = [];
    work(
      queue,
      async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const g = gate();
        releases.push(g.resolve);
        await g.promise;
        inFlight--;
      },
      3,
    );
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push((await queue.enqueue(payload(`c${i}`), { idempotencyKey: `c${i}` })).id);
    let released = 0;
    while (released < 9) {
      const expected = Math.min(3, 9 - released);
      // A job started beyond the cap would be counted here or, later, in maxInFlight.
      await waitFor(`${expected} jobs in flight`, () => releases.length - released === expected);
      expect(inFlight).toBe(expected);
      releases[released++]();
    }
    for (const id of ids) await waitForState(queue, id, 'completed');
    expect(maxInFlight).toBe(3);
  });

  it('retries a failing job with backoff and completes on attempt 3', async () => {
    const queue = await open();
    const attempts: number[] = [];
    work(queue, async (ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 3) throw new TransientError(`flaky ${ctx.attempt}`);
    });
    const { id } = await queue.enqueue(payload('flaky'), { idempotencyKey: 'flaky' });
    const job = await waitForState(queue, id, 'completed');
    expect(job.attempts).toBe(3);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('fails a job with its last error once maxAttempts are used up', async () => {
    const queue = await open();
    let calls = 0;
    work(queue, async (ctx) => {
      if (ctx.payload.videoId !== 'doomed') return;
      calls++;
      throw new Error(`boom on attempt ${ctx.attempt}`);
    });
    const { id } = await queue.enqueue(payload('doomed'), { idempotencyKey: 'doomed', maxAttempts: 2 });
    const job = await waitForState(queue, id, 'failed');
    expect(job).toMatchObject({ attempts: 2, maxAttempts: 2, lastError: 'boom on attempt 2' });
    const barrier = await queue.enqueue(payload('barrier'), { idempotencyKey: 'barrier' });
    await waitForState(queue, barrier.id, 'completed');
    expect(calls).toBe(2);
  });

  it('fails a job after exactly one attempt when the error is permanent', async () => {
    const queue = await open();
    const calls: string[] = [];
    work(queue, async (ctx) => {
      calls.push(ctx.payload.videoId);
      if (ctx.payload.videoId === 'bad') throw new UnsupportedMediaError('not a video file');
    });
    const { id } = await queue.enqueue(payload('bad'), { idempotencyKey: 'bad', maxAttempts: 3 });
    const job = await waitForState(queue, id, 'failed');
    expect(job).toMatchObject({ attempts: 1, lastError: 'not a video file' });
    const barrier = await queue.enqueue(payload('barrier'), { idempotencyKey: 'barrier' });
    await waitForState(queue, barrier.id, 'completed');
    expect(calls.filter((v) => v === 'bad')).toHaveLength(1);
  });
}
