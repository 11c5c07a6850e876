import { Redis } from 'ioredis';
import { TransientError, errorMessage } from '../../core/errors.ts';

/** The URL with any password replaced, safe for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable Redis URL)';
  }
}

/**
 * Checks once that Redis answers at `url` (no reconnect loop), so a wrong URL or a stopped server
 * is one clear TransientError instead of endless reconnect attempts.
 */
export async function assertRedisReachable(url: string, timeoutMs: number): Promise<void> {
  let probe: Redis;
  try {
    probe = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
  } catch (err) {
    throw new TransientError(`Invalid Redis URL ${redactRedisUrl(url)}: ${errorMessage(err)}`, { cause: err });
  }
  // The socket's own error (ECONNREFUSED, ENOTFOUND, ...) says more than "Connection is closed".
  let socketError: unknown = null;
  probe.on('error', (err) => (socketError ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const reason = errorMessage(socketError ?? err).replace(/\.$/, '');
    throw new TransientError(`Cannot reach Redis at ${redactRedisUrl(url)} for the job queue: ${reason}`, {
      cause: socketError ?? err,
    });
  } finally {
    probe.disconnect();
  }
}

/** A long-lived client as BullMQ needs it (commands wait for reconnection instead of failing). */
export function createRedisClient(url: string, onError: (error: unknown) => void): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
  client.on('error', onError);
  return client;
}

/**
 * Passes errors on, but the same message at most once per `windowMs`: a Redis that is down
 * makes every client report each reconnect attempt.
 */
export function throttleErrors(onError: (error: unknown) => void, windowMs = 30_000): (error: unknown) => void {
  const lastSeen = new Map<string, number>();
  return (error) => {
    const key = errorMessage(error);
    const now = Date.now();
    const last = lastSeen.get(key);
    if (last !== undefined && now - last < windowMs) return;
    if (lastSeen.size > 100) lastSeen.clear();
    lastSeen.set(key, now);
    onError(error);
  };
}
