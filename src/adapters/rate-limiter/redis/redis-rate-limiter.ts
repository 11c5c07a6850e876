import { Redis } from 'ioredis';
import type { Logger } from '../../../core/ports/logger.ts';
import type { RateLimiter } from '../../../core/ports/rate-limiter.ts';
import { errorMessage } from '../../../core/errors.ts';
import { MemoryRateLimiter } from '../memory/memory-rate-limiter.ts';

export interface RedisRateLimiterOptions {
  url: string;
  /** Key prefix, the job queue's (`?prefix=` of VODKIT_QUEUE_URL); default "vodkit". */
  prefix?: string;
  logger: Logger;
  /** How long a count may take before the process counts on its own (default 500 ms). */
  timeoutMs?: number;
}

/**
 * INCR the window's counter; the first hit of a window sets its expiry. Returns the count and the
 * milliseconds left in the window. A key left without an expiry (never, but cheap to repair) gets one.
 */
const WARN_EVERY_MS = 60_000;

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

/**
 * Counters in Redis, shared by every API process of a cluster (the Redis of its BullMQ queue).
 * Windows are timed by Redis's clock, so processes on machines whose clocks differ agree.
 * While Redis does not answer, each process counts in its own memory (the limits then hold per
 * process, as in a single-process installation) and says so in its log, once a minute at most.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly fallback = new MemoryRateLimiter();
  private readonly timeoutMs: number;
  private readonly warn: (error: unknown) => void;

  constructor(options: RedisRateLimiterOptions) {
    this.prefix = options.prefix ?? 'vodkit';
    this.timeoutMs = options.timeoutMs ?? 500;
    let lastWarned = -Infinity;
    this.warn = (error) => {
      if (Date.now() - lastWarned < WARN_EVERY_MS) return;
      lastWarned = Date.now();
      options.logger.warn({ err: errorMessage(error) }, 'rate limits: Redis is not answering; this process counts on its own until it is back');
    };
    this.client = new Redis(options.url, {
      // A count waits for a connection at most `timeoutMs`, and fails at once when one is refused
      // or lost: the fallback counts instead.
      maxRetriesPerRequest: 0,
      commandTimeout: this.timeoutMs,
      retryStrategy: (times) => Math.min(times * 200, 5000),
    });
    this.client.on('error', (error) => this.warn(error));
  }

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    if (limit <= 0) return 0;
    const windowMsInt = Math.max(1, Math.round(windowMs));
    try {
      const [count, ttl] = (await this.client.eval(HIT_SCRIPT, 1, `${this.prefix}:ratelimit:${windowMsInt}:${key}`, String(windowMsInt))) as [number, number];
      return count > limit ? Math.max(1, ttl) : 0;
    } catch (error) {
      this.warn(error);
      return this.fallback.hit(key, limit, windowMs);
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
    await this.fallback.close();
  }
}
