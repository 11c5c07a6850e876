import { describe, expect, it } from 'vitest';
import { failureOutcome, retryDelayMs, stoppedRespondingMessage } from '../../../src/adapters/job-queue/retry-policy.ts';
import { TransientError, UnsupportedMediaError } from '../../../src/core/errors.ts';

const backoff = { baseMs: 2000, maxMs: 300_000 };

describe('retry policy', () => {
  it('doubles the delay per attempt up to maxMs', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, backoff, noJitter))).toEqual([2000, 4000, 8000, 16000]);
    expect(retryDelayMs(20, backoff, noJitter)).toBe(300_000);
  });

  it('adds at most 10% (and at most 1 s) of jitter', () => {
    const maxJitter = () => 0.999999;
    expect(retryDelayMs(1, backoff, maxJitter)).toBe(2000 + 199);
    expect(retryDelayMs(20, backoff, maxJitter)).toBe(300_000 + 999);
  });

  it('retries ordinary errors until the last attempt; fails permanent ones at once', () => {
    expect(failureOutcome(new TransientError('disk full'), 1, 3, backoff)).toMatchObject({ kind: 'retry', error: 'disk full' });
    expect(failureOutcome(new Error('boom'), 3, 3, backoff)).toEqual({ kind: 'fail', error: 'boom' });
    expect(failureOutcome(new UnsupportedMediaError('not a video'), 1, 3, backoff)).toEqual({ kind: 'fail', error: 'not a video' });
    expect(failureOutcome('plain string', 1, 2, backoff)).toMatchObject({ kind: 'retry', error: 'plain string' });
  });

  it('names the attempt a dead worker was on', () => {
    expect(stoppedRespondingMessage(2, 3)).toBe('worker stopped responding (attempt 2 of 3)');
  });
});
