import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { TransientError, ValidationError } from '../../../src/core/errors.ts';
import type { EnqueueOptions, JobPayload, JobQueue, WebhookJobPayload } from '../../../src/core/ports/job-queue.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import type { WebhookRequest, WebhookSender } from '../../../src/core/ports/webhook-sender.ts';
import { WebhookDelivery } from '../../../src/core/webhooks/webhook-delivery.ts';

/** One attempt of a delivery, against a real catalog, a recording queue and a scripted sender. */
describe('webhook delivery attempts', () => {
  let catalog: SqliteCatalog;
  let now: number;
  const clock = { now: () => new Date(now) };
  let enqueued: Array<{ payload: JobPayload; options: EnqueueOptions }>;
  let answers: Array<number | Error>;
  let sent: WebhookRequest[];

  const sender: WebhookSender = {
    checkDestination: async () => undefined,
    send: async (request) => {
      sent.push(request);
      const answer = answers.shift() ?? 200;
      if (answer instanceof Error) throw answer;
      return { status: answer };
    },
  };
  const queue = (delays: boolean): JobQueue => ({
    capabilities: { workers: null, lookup: null, idempotency: { windowMs: null }, delays },
    enqueue: async (payload, options) => (enqueued.push({ payload, options }), { id: 'j', created: true }),
    counts: async () => ({ waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 }),
    ping: async () => undefined,
    close: async () => undefined,
  });
  const payload: WebhookJobPayload = { type: 'webhook', videoId: 'v1', endpointId: 'e1', eventId: 'evt_1' };
  const run = (delivery: WebhookDelivery, attempt = 1, p: WebhookJobPayload = payload) =>
    delivery.handle({ id: 'j', payload: p, attempt, maxAttempts: 3, signal: new AbortController().signal });
  const delivery = (delays = true) =>
    new WebhookDelivery({ catalog, queue: queue(delays), sender, clock, logger: silentLogger, schedule: { delaysMs: [1000, 5000], giveUpAfterMs: 8000 } });
  const record = () => catalog.getWebhookDelivery('e1', 'evt_1');

  beforeEach(async () => {
    now = Date.parse('2026-01-01T00:00:00Z');
    enqueued = [];
    answers = [];
    sent = [];
    catalog = await SqliteCatalog.open({ path: ':memory:' });
    await catalog.createWebhookEndpoint({ id: 'e1', ownerId: 'u1', url: 'https://93.184.215.14/h', events: ['video.ready'], secret: 'whsec_x', createdAt: clock.now().toISOString() });
    await catalog.createWebhookDelivery({
      endpointId: 'e1', eventId: 'evt_1', type: 'video.ready', videoId: 'v1', body: '{"id":"evt_1"}', createdAt: clock.now().toISOString(),
      attempts: 0, lastStatus: null, lastError: null, nextAttemptAt: clock.now().toISOString(), deliveredAt: null, givenUpAt: null,
    });
  });
  afterEach(async () => {
    await catalog.close();
  });

  it('schedules each failed attempt as a delayed job, gives up past the schedule, and ignores a duplicate job', async () => {
    answers.push(500, new TransientError('connection reset'), 502);
    const d = delivery();
    await run(d);
    expect(await record()).toMatchObject({ attempts: 1, lastStatus: 500, lastError: 'the endpoint answered 500', nextAttemptAt: '2026-01-01T00:00:01.000Z' });
    expect(enqueued).toEqual([{ payload: { ...payload, attempt: 2 }, options: { idempotencyKey: 'webhook:e1:evt_1:2', delayMs: 1000 } }]);
    await run(d); // the first job again (at least once): that attempt was made
    expect(sent).toHaveLength(1);

    now += 1000;
    await run(d, 1, { ...payload, attempt: 2 });
    expect(await record()).toMatchObject({ attempts: 2, lastStatus: null, lastError: 'connection reset' });
    now += 5000;
    await run(d, 1, { ...payload, attempt: 3 });
    // The next attempt would be 11 s after the event, past the 8 s to give up.
    expect(await record()).toMatchObject({ attempts: 3, lastStatus: 502, nextAttemptAt: null, givenUpAt: '2026-01-01T00:00:06.000Z', deliveredAt: null });
    expect(enqueued).toHaveLength(2);
    expect(sent.map((r) => r.headers['vodkit-event-id'])).toEqual(['evt_1', 'evt_1', 'evt_1']);
  });

  it('gives up at once on a destination refused as internal', async () => {
    answers.push(new ValidationError('vodkit does not send webhooks to 10.0.0.1: it is in a private (RFC 1918) range'));
    await run(delivery());
    expect(await record()).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/^vodkit does not send webhooks/), givenUpAt: expect.any(String) });
    expect(enqueued).toEqual([]);
  });

  it('on a queue without delays, hands the job back for the platform to deliver again', async () => {
    answers.push(503);
    const d = delivery(false);
    await expect(run(d)).rejects.toBeInstanceOf(TransientError);
    expect(await record()).toMatchObject({ attempts: 1, lastStatus: 503 });
    await run(d, 2); // SQS's second receive of the same message
    expect(await record()).toMatchObject({ attempts: 2, lastStatus: 200, deliveredAt: expect.any(String) });
    expect(enqueued).toEqual([]);
  });
});
