import { errorMessage, isPermanent } from '../../core/errors.ts';

/** Exponential backoff between attempts: min(maxMs, baseMs * 2^(attempt-1)) plus a small jitter. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 2000, maxMs: 300_000 };

/** At most this share of the delay (and never more than 1 s) is added as jitter. */
const jitterShare = 0.1;
const maxJitterMs = 1000;

/** Delay before the attempt after `attempt` (1-based) failed. */
export function retryDelayMs(attempt: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  const jitter = Math.floor(random() * Math.min(maxJitterMs, base * jitterShare));
  return base + jitter;
}

export type FailureOutcome =
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'fail'; error: string };

/** What happens to a job whose handler threw `err` on `attempt` of `maxAttempts`. */
export function failureOutcome(err: unknown, attempt: number, maxAttempts: number, backoff: BackoffOptions): FailureOutcome {
  const error = errorMessage(err);
  if (isPermanent(err) || attempt >= maxAttempts) return { kind: 'fail', error };
  return { kind: 'retry', delayMs: retryDelayMs(attempt, backoff), error };
}

/** lastError of a job whose worker died (lease expired) during `attempt` of `maxAttempts`. */
export function stoppedRespondingMessage(attempt: number, maxAttempts: number): string {
  return `worker stopped responding (attempt ${attempt} of ${maxAttempts})`;
}

export function validateBackoff(backoff: BackoffOptions): BackoffOptions {
  if (!(backoff.baseMs > 0) || !(backoff.maxMs >= backoff.baseMs)) {
    throw new RangeError(`backoff needs 0 < baseMs <= maxMs (got baseMs=${backoff.baseMs}, maxMs=${backoff.maxMs})`);
  }
  return backoff;
}
