import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeEach } from 'vitest';

/** Redis for tests: VODKIT_TEST_REDIS_URL, default redis://127.0.0.1:6379. */
export const testRedisUrl = process.env.VODKIT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function connect(url: string): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
}

/**
 * Throws a clear error (never skips) when the test Redis cannot be reached. Call it from a
 * beforeEach so every test fails with that message rather than being reported as skipped.
 */
export async function requireRedis(url = testRedisUrl): Promise<void> {
  const client = connect(url);
  let socketError: Error | null = null;
  client.on('error', (err: Error) => (socketError ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const reason = (socketError ?? (err as Error)).message.replace(/\.$/, '');
    throw new Error(
      `These tests need Redis at ${url} (set VODKIT_TEST_REDIS_URL to change it) but it is unreachable ` +
        `(${reason}). Start it, e.g. \`redis-server --port 6379\`.`,
    );
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test run uses, e.g. "vodkit-test-1a2b3c4d". */
export function uniqueRedisPrefix(label = 'test'): string {
  return `vodkit-${label}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under `prefix:` (SCAN, not KEYS). Returns how many were deleted. */
export async function deleteRedisKeys(prefix: string, url = testRedisUrl): Promise<number> {
  if (!prefix) throw new Error('refusing to delete Redis keys without a prefix');
  const client = connect(url);
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** How many keys exist under `prefix:`. */
export async function countRedisKeys(prefix: string, url = testRedisUrl): Promise<number> {
  const client = connect(url);
  client.on('error', () => undefined);
  let count = 0;
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return count;
}

/**
 * For a test file on the test Redis: every test fails with requireRedis()'s message when Redis is
 * unreachable (checked once), and `nextPrefix()` gives each caller a key prefix of its own, whose
 * keys are deleted after the file.
 */
export function useTestRedis(label: string): { nextPrefix: (suffix?: string) => string } {
  const runPrefix = uniqueRedisPrefix(label);
  const used: string[] = [];
  let ready: Promise<void> | undefined;
  beforeEach(async () => {
    ready ??= requireRedis();
    await ready;
  });
  afterAll(async () => {
    for (const prefix of used) await deleteRedisKeys(prefix);
  });
  return {
    nextPrefix(suffix = String(used.length + 1)) {
      const prefix = `${runPrefix}-${suffix}`;
      used.push(prefix);
      return prefix;
    },
  };
}
