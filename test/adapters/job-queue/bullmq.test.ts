import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { BullMqJobQueue } from '../../../src/adapters/job-queue/bullmq/bullmq-job-queue.ts';
import { jobIdForKey, type BullJobData } from '../../../src/adapters/job-queue/bullmq/job-data.ts';
import { TransientError } from '../../../src/core/errors.ts';
import type { JobQueue } from '../../../src/core/ports/job-queue.ts';
import { jobQueueConformance } from '../../conformance/job-queue-suite.ts';
import { countRedisKeys, deleteRedisKeys, testRedisUrl, useTestRedis } from '../../support/redis.ts';

const testSettings = { leaseMs: 1000, backoff: { baseMs: 50, maxMs: 200 } };
const redis = useTestRedis('queue-test');

jobQueueConformance('bullmq', async () => {
  // Each test gets its own prefix, so nothing one test leaves can reach the next.
  const prefix = redis.nextPrefix();
  return {
    open: () => BullMqJobQueue.open({ connection: testRedisUrl, prefix, ...testSettings }),
    crash: (queue: JobQueue) => (queue as BullMqJobQueue).simulateCrash(),
    cleanup: async () => {
      await deleteRedisKeys(prefix);
    },
    leaseMs: testSettings.leaseMs,
  };
});

describe('BullMqJobQueue', () => {
  it('open() fails fast with a TransientError naming an unreachable Redis', async () => {
    const url = 'redis://127.0.0.1:1';
    const attempt = BullMqJobQueue.open({ connection: url, prefix: redis.nextPrefix('unreachable'), connectTimeoutMs: 2000 });
    await expect(attempt).rejects.toBeInstanceOf(TransientError);
    await expect(attempt).rejects.toThrow(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it('never puts a password in its error messages', async () => {
    const attempt = BullMqJobQueue.open({ connection: 'redis://user:s3cret@127.0.0.1:1', connectTimeoutMs: 2000 });
    await expect(attempt).rejects.toThrow(/\*\*\*@127\.0\.0\.1:1/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it('derives job ids without ":" from idempotency keys, and keeps its keys under its prefix', async () => {
    const id = jobIdForKey('video:abc:transcode');
    expect(id).not.toContain(':');
    expect(jobIdForKey('video:abc:transcode')).toBe(id);
    expect(jobIdForKey('video:abd:transcode')).not.toBe(id);

    const prefix = redis.nextPrefix('keys');
    const queue = await BullMqJobQueue.open({ connection: testRedisUrl, prefix, queueName: 'named', ...testSettings });
    try {
      const job = await queue.enqueue({ type: 'transcode', videoId: 'v', sourceKey: 's' }, { idempotencyKey: 'video:abc:transcode' });
      expect(job).toEqual({ id, created: true });
      await queue.enqueue({ type: 'prepare', videoId: 'v', sourceKey: 's' }, { idempotencyKey: 'video:abc:prepare' });
      // The ladder lane keeps the queue's name; the prepare lane has its own queue beside it.
      expect(await withBullQueue(prefix, 'named', async (bull) => (await bull.getJob(id))?.name)).toBe('transcode');
      expect(await countRedisKeys(`${prefix}:named-prepare`)).toBeGreaterThan(0);
    } finally {
      await queue.close();
      await deleteRedisKeys(prefix);
    }
    expect(await countRedisKeys(prefix)).toBe(0);
  });

  /** A BullMQ queue of `prefix` as BullMQ itself sees it, closed after `use`. */
  async function withBullQueue<T>(prefix: string, name: string, use: (queue: Queue<BullJobData>) => Promise<T>): Promise<T> {
    const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue<BullJobData>(name, { connection, prefix });
    try {
      return await use(queue);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  it("orders a lane's waiting jobs with BullMQ's own priorities", async () => {
    const prefix = redis.nextPrefix('priorities');
    const queue = await BullMqJobQueue.open({ connection: testRedisUrl, prefix, ...testSettings });
    try {
      for (const [name, priority] of [['n', 'normal'], ['l', 'low'], ['h', 'high']] as const) {
        await queue.enqueue({ type: 'prepare', videoId: name, sourceKey: 's' }, { idempotencyKey: name, priority });
      }
      const prioritized = await withBullQueue(prefix, 'vodkit-transcode-prepare', (bull) => bull.getPrioritized());
      expect(prioritized.map((job) => [job.data.payload.videoId, job.priority])).toEqual([
        ['h', 1],
        ['n', 2],
        ['l', 3],
      ]);
    } finally {
      await queue.close();
      await deleteRedisKeys(prefix);
    }
  });

  it('keeps running jobs queued before lanes existed, and their idempotency keys', async () => {
    const prefix = redis.nextPrefix('legacy');
    const payload = { type: 'transcode' as const, videoId: 'old', sourceKey: 'uploads/old' };
    const id = jobIdForKey('video:old');
    await withBullQueue(prefix, 'vodkit-transcode', (bull) =>
      bull.add('transcode', { payload, enqueueToken: 'old' }, { jobId: id, attempts: 3, backoff: { type: 'vodkit' } }),
    );
    const queue = await BullMqJobQueue.open({ connection: testRedisUrl, prefix, ...testSettings });
    try {
      expect(await queue.getJob(id)).toEqual({
        id,
        payload,
        state: 'waiting',
        priority: 'normal',
        attempts: 0,
        maxAttempts: 3,
        lastError: null,
      });
      expect(await queue.enqueue({ ...payload, type: 'prepare' }, { idempotencyKey: 'video:old' })).toEqual({ id, created: false });
      expect(await queue.counts()).toEqual({ waiting: 1, active: 0, completed: 0, failed: 0, cancelled: 0 });
      const ran: string[] = [];
      const worker = queue.work(async (ctx) => void ran.push(`${ctx.payload.type} ${ctx.payload.videoId}`), { concurrency: 1 });
      while ((await queue.getJob(id))?.state !== 'completed') await new Promise((r) => setTimeout(r, 20));
      await worker.stop();
      expect(ran).toEqual(['transcode old']);
    } finally {
      await queue.close();
      await deleteRedisKeys(prefix);
    }
  });
});
