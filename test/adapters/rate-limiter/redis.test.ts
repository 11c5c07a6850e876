import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../../../src/adapters/rate-limiter/redis/redis-rate-limiter.ts';
import type { Logger } from '../../../src/core/ports/logger.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { rateLimiterConformance } from '../../conformance/rate-limiter-suite.ts';
import { countRedisKeys, deleteRedisKeys, testRedisUrl, useTestRedis } from '../../support/redis.ts';
import { waitFor } from '../../ops/support/vodkit-process.ts';

const { nextPrefix } = useTestRedis('ratelimit-test');

/** Windows are timed by Redis's clock: a short one, and its end seen as its counters expiring. */
const SHORT_WINDOW_MS = 1000;

/** Returns once Redis has expired every counter under `prefix` (each has an expiry of at most one window). */
async function countersExpired(prefix: string): Promise<void> {
  await waitFor(`the counters under ${prefix} to expire`, async () => (await countRedisKeys(prefix)) === 0, 10_000);
}

rateLimiterConformance('redis', async () => {
  const prefix = nextPrefix();
  return {
    limiter: new RedisRateLimiter({ url: testRedisUrl, prefix, logger: silentLogger }),
    shortWindowMs: SHORT_WINDOW_MS,
    endWindows: () => countersExpired(prefix),
    cleanup: async () => void (await deleteRedisKeys(prefix)),
  };
});

describe('RedisRateLimiter (redis only)', () => {
  it('processes that share the Redis share the counts (a cluster allows the limit in all, not each)', async () => {
    const prefix = nextPrefix();
    const a = new RedisRateLimiter({ url: testRedisUrl, prefix, logger: silentLogger });
    const b = new RedisRateLimiter({ url: testRedisUrl, prefix, logger: silentLogger });
    try {
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await (i % 2 ? b : a).hit('sign-in:10.0.0.1', 4, 60_000));
      expect(results.map((w) => w === 0)).toEqual([true, true, true, true, false, false]);
      // Another installation (prefix) counts apart.
      const other = new RedisRateLimiter({ url: testRedisUrl, prefix: nextPrefix(), logger: silentLogger });
      expect(await other.hit('sign-in:10.0.0.1', 4, 60_000)).toBe(0);
      await other.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('counters expire with their window: nothing is left in Redis', async () => {
    const prefix = nextPrefix();
    const l = new RedisRateLimiter({ url: testRedisUrl, prefix, logger: silentLogger });
    try {
      for (let i = 0; i < 5; i++) await l.hit(`user-${i}`, 10, 300);
      const ttls = await counterTtls(prefix);
      expect(ttls).toHaveLength(5);
      for (const ttl of ttls) {
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(300);
      }
      await countersExpired(prefix);
    } finally {
      await l.close();
    }
  });

  it('while Redis does not answer, the process counts on its own and says so once', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_obj, msg) => void warnings.push(msg ?? '') };
    const l = new RedisRateLimiter({ url: 'redis://127.0.0.1:1', prefix: nextPrefix(), logger });
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await l.hit('sign-in:10.0.0.2', 3, 60_000));
      expect(results.map((w) => w === 0)).toEqual([true, true, true, false]);
      expect(warnings.filter((w) => /Redis is not answering/.test(w))).toHaveLength(1);
    } finally {
      await l.close();
    }
  });
});

/** The time to live (PTTL, ms) of every key under `prefix`. */
async function counterTtls(prefix: string): Promise<number[]> {
  const client = new Redis(testRedisUrl, { maxRetriesPerRequest: 0 });
  try {
    const ttls: number[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) ttls.push(await client.pttl(key));
    } while (cursor !== '0');
    return ttls;
  } finally {
    client.disconnect();
  }
}
