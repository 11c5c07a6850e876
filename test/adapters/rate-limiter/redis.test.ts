import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../../../src/adapters/rate-limiter/redis/redis-rate-limiter.ts';
import type { Logger } from '../../../src/core/ports/logger.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { rateLimiterConformance } from '../../conformance/rate-limiter-suite.ts';
import { countRedisKeys, deleteRedisKeys, testRedisUrl, useTestRedis } from '../../support/redis.ts';

const { nextPrefix } = useTestRedis('ratelimit-test');

rateLimiterConformance('redis', async () => {
  const prefix = nextPrefix();
  return { limiter: new RedisRateLimiter({ url: testRedisUrl, prefix, logger: silentLogger }), cleanup: async () => void (await deleteRedisKeys(prefix)) };
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
      expect(await countRedisKeys(prefix)).toBe(5);
      await new Promise((r) => setTimeout(r, 500));
      expect(await countRedisKeys(prefix)).toBe(0);
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
