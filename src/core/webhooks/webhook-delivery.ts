import { errorMessage, TransientError, ValidationError } from '../errors.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobContext, JobQueue, WebhookJobPayload } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { WebhookSender } from '../ports/webhook-sender.ts';
import { nextAttemptDelayMs, type WebhookRetrySchedule } from './retry-schedule.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './webhook-signature.ts';
import { deliveryJobKey } from './webhook-events.ts';

/** An endpoint that has not answered within this time has failed the attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookDeliveryDeps {
  catalog: Catalog;
  queue: JobQueue;
  sender: WebhookSender;
  clock: Clock;
  logger: Logger;
  schedule: WebhookRetrySchedule;
}

/**
 * Runs a `webhook` job: one attempt to deliver one event to one endpoint, recorded in the
 * delivery log. A 2xx answer delivers it. Any other answer, a timeout or a network error schedules
 * the next attempt by the retry schedule, as a delayed job (queues declaring delays), or by
 * handing the job back to the platform to deliver again (SQS); past the schedule the delivery is
 * given up. A destination refused as internal gives up at once. A job whose attempt was already
 * made (a duplicate) or whose delivery is done or gone does nothing.
 */
export class WebhookDelivery {
  constructor(private readonly deps: WebhookDeliveryDeps) {}

  readonly handle = async (ctx: JobContext<WebhookJobPayload>): Promise<void> => {
    const { catalog, sender, clock, logger } = this.deps;
    const { endpointId, eventId } = ctx.payload;
    const delivery = await catalog.getWebhookDelivery(endpointId, eventId);
    if (!delivery || delivery.deliveredAt || delivery.givenUpAt) return;
    const attempt = (ctx.payload.attempt ?? 1) + ctx.attempt - 1;
    if (delivery.attempts >= attempt) return;
    const endpoint = await catalog.getWebhookEndpoint(endpointId);
    if (!endpoint) return;

    const now = clock.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'vodkit-webhooks',
      [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, delivery.body, now.getTime() / 1000),
      [EVENT_ID_HEADER]: eventId,
    };
    let status: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      ({ status } = await sender.send({ url: endpoint.url, body: delivery.body, headers, timeoutMs: WEBHOOK_TIMEOUT_MS, signal: ctx.signal }));
      if (status < 200 || status > 299) error = `the endpoint answered ${status}`;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      refused = err instanceof ValidationError;
      error = errorMessage(err);
    }
    const attempts = delivery.attempts + 1;
    const at = clock.now();
    const log = { endpointId, eventId, type: delivery.type, videoId: delivery.videoId, attempt: attempts };
    if (error === null) {
      await catalog.updateWebhookDelivery(endpointId, eventId, { attempts, lastStatus: status, lastError: null, nextAttemptAt: null, deliveredAt: at.toISOString() });
      logger.info({ ...log, status }, 'webhook delivered');
      return;
    }
    const delayMs = refused ? null : nextAttemptDelayMs(this.deps.schedule, attempts, Date.parse(delivery.createdAt), at.getTime());
    if (delayMs === null) {
      await catalog.updateWebhookDelivery(endpointId, eventId, { attempts, lastStatus: status, lastError: error, nextAttemptAt: null, givenUpAt: at.toISOString() });
      logger.warn({ ...log, err: error }, 'webhook given up');
      return;
    }
    const nextAttemptAt = new Date(at.getTime() + delayMs).toISOString();
    await catalog.updateWebhookDelivery(endpointId, eventId, { attempts, lastStatus: status, lastError: error, nextAttemptAt });
    logger.info({ ...log, err: error, nextAttemptAt }, 'webhook attempt failed; it will be tried again');
    const { queue } = this.deps;
    if (!queue.capabilities.delays) throw new TransientError(`webhook attempt failed: ${error}`);
    await queue.enqueue({ ...ctx.payload, attempt: attempts + 1 }, { idempotencyKey: deliveryJobKey(endpointId, eventId, attempts + 1), delayMs });
  };
}
