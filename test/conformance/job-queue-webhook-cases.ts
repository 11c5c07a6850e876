import { expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import type { JobContext, JobPayload, WebhookJobPayload } from '../../src/core/ports/job-queue.ts';
import { deferred, waitForState, type QueueTestKit } from './job-queue-kit.ts';

function webhook(videoId: string, eventId = `evt-${videoId}`): WebhookJobPayload {
  return { type: 'webhook', videoId, endpointId: 'endpoint-1', eventId };
}

function ladder(videoId: string): JobPayload {
  return { type: 'ladder', videoId, sourceKey: `uploads/${videoId}/source.mp4` };
}

/** Webhook delivery jobs and delayed jobs (part of the JobQueue conformance suite), on every queue. */
export function webhookJobCases(kit: QueueTestKit): void {
  const { openQueue, runJobs } = kit;

  it('delivers a webhook job with its payload, once per idempotency key; a queue without delays refuses one', async () => {
    const queue = await openQueue();
    const first = await queue.enqueue(webhook('video-1'), { idempotencyKey: 'evt-1:endpoint-1' });
    expect((await queue.enqueue(webhook('video-1'), { idempotencyKey: 'evt-1:endpoint-1' })).id).toBe(first.id);
    const barrier = await queue.enqueue(webhook('video-1', 'barrier'), { idempotencyKey: 'barrier:endpoint-1' });
    const seen: JobContext[] = [];
    await runJobs(queue, async (ctx) => void seen.push(ctx), () => seen.some((ctx) => ctx.id === barrier.id));
    expect(seen.map((ctx) => ctx.payload)).toEqual([webhook('video-1'), webhook('video-1', 'barrier')]);
    await expect(queue.enqueue(webhook('video-2'), { idempotencyKey: 'k', delayMs: -1 })).rejects.toBeInstanceOf(ValidationError);
    if (!queue.capabilities.delays) {
      await expect(queue.enqueue(webhook('video-2'), { idempotencyKey: 'k', delayMs: 1000 })).rejects.toBeInstanceOf(ValidationError);
    }
  });
}

/** Lanes and delays of queues with workers and job lookup (part of the JobQueue conformance suite). */
export function webhookLaneCases(kit: QueueTestKit): void {
  const { open, work, gate } = kit;

  it('a webhook job runs while a long job holds the ladder lane, on a one-worker machine', async () => {
    const queue = await open();
    const long = gate();
    const longStarted = deferred();
    work(
      queue,
      async (ctx) => {
        if (ctx.payload.type !== 'ladder') return;
        longStarted.resolve();
        await long.promise;
      },
      { concurrency: 1 },
    );
    const encode = await queue.enqueue(ladder('long'), { idempotencyKey: 'long' });
    await longStarted.promise;
    const delivery = await queue.enqueue(webhook('long'), { idempotencyKey: 'evt-long:endpoint-1' });
    await waitForState(queue, delivery.id, 'completed');
    expect((await queue.getJob(encode.id))?.state).toBe('active');
    long.resolve();
    await waitForState(queue, encode.id, 'completed');
  });

  it('a delayed job waits out its delay, then runs (queues declaring delays)', async (ctx) => {
    const queue = await open();
    if (!queue.capabilities.delays) ctx.skip();
    const later = await queue.enqueue(webhook('later'), { idempotencyKey: 'later', delayMs: 60_000 });
    const soon = await queue.enqueue(webhook('soon'), { idempotencyKey: 'soon', delayMs: 300 });
    const now = await queue.enqueue(webhook('now'), { idempotencyKey: 'now' });
    const seen: string[] = [];
    work(queue, async (c) => void seen.push(c.payload.videoId), { concurrency: 1, lane: 'webhook' });
    await waitForState(queue, soon.id, 'completed');
    expect(seen).toEqual(['now', 'soon']);
    expect((await queue.getJob(now.id))?.state).toBe('completed');
    expect((await queue.getJob(later.id))?.state).toBe('waiting');
  });
}
