import { describe, expect, it } from 'vitest';
import { BullMqJobQueue } from '../../../src/adapters/job-queue/bullmq/bullmq-job-queue.ts';
import { jobIdForKey } from '../../../src/adapters/job-queue/bullmq/job-data.ts';
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
      expect(await countRedisKeys(`${prefix}:named`)).toBeGreaterThan(0);
    } finally {
      await queue.close();
      await deleteRedisKeys(prefix);
    }
    expect(await countRedisKeys(prefix)).toBe(0);
  });
});
