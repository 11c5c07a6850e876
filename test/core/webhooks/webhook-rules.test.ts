import { describe, expect, it } from 'vitest';
import { checkRetrySchedule, defaultWebhookRetrySchedule, nextAttemptDelayMs } from '../../../src/core/webhooks/retry-schedule.ts';
import { signatureHeader } from '../../../src/core/webhooks/webhook-signature.ts';
import { webhookEventId } from '../../../src/core/webhooks/webhook-event.ts';

describe('webhook retry schedule', () => {
  it('tries again after 10 s, 30 s, 2 min, 10 min, 1 h... and gives up a day after the event', () => {
    const created = Date.parse('2026-01-01T00:00:00Z');
    let now = created;
    const delays: number[] = [];
    for (let attempts = 1; ; attempts++) {
      const delay = nextAttemptDelayMs(defaultWebhookRetrySchedule, attempts, created, now);
      if (delay === null) break;
      delays.push(delay / 1000);
      now += delay;
    }
    expect(delays).toEqual([10, 30, 120, 600, 3600, 10800, 21600, 43200]);
    expect(now - created).toBeLessThanOrEqual(86_400_000);
  });

  it('repeats the last delay while within the time to give up', () => {
    const schedule = { delaysMs: [100, 200], giveUpAfterMs: 1000 };
    expect([1, 2, 3, 4].map((n) => nextAttemptDelayMs(schedule, n, 0, 0))).toEqual([100, 200, 200, 200]);
    expect(nextAttemptDelayMs(schedule, 5, 0, 900)).toBeNull();
    expect(() => checkRetrySchedule({ delaysMs: [], giveUpAfterMs: 1 })).toThrow(RangeError);
    expect(() => checkRetrySchedule({ delaysMs: [0], giveUpAfterMs: 1 })).toThrow(RangeError);
  });
});

describe('webhook signatures and event ids', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 (a known vector)', () => {
    // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expect(signatureHeader('whsec_test', '{"a":1}', 1700000000.9)).toBe(
      't=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789',
    );
  });

  it('names an event by video, type and attempt', () => {
    const a = webhookEventId({ id: 'v1', attemptId: 'a1' }, 'video.ready');
    expect(a).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(webhookEventId({ id: 'v1', attemptId: 'a1' }, 'video.ready')).toBe(a);
    expect(webhookEventId({ id: 'v1', attemptId: 'a2' }, 'video.ready')).not.toBe(a);
    expect(webhookEventId({ id: 'v1', attemptId: 'a1' }, 'video.playable')).not.toBe(a);
  });
});
