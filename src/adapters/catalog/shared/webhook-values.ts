import { ValidationError } from '../../../core/errors.ts';
import { webhookEventTypes, type WebhookDelivery, type WebhookDeliveryPatch, type WebhookEndpoint } from '../../../core/model/webhook.ts';
import { normalizeTimestamp } from './validate.ts';

/** Input checks of webhook records shared by the three catalogs, so that all return identical records. */

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${field} must be a non-empty string`);
  return value;
}

function textOrNull(value: unknown, field: string): string | null {
  return value === null ? null : text(value, field);
}

function timeOrNull(value: unknown, field: string): string | null {
  return value === null ? null : normalizeTimestamp(value, field);
}

function statusOrNull(value: unknown): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || (value as number) < 100 || (value as number) > 999) throw new ValidationError('lastStatus must be an HTTP status or null');
  return value as number;
}

function attempts(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0) throw new ValidationError('attempts must be a whole number of at least 0');
  return value as number;
}

export function normalizeWebhookEndpoint(e: WebhookEndpoint): WebhookEndpoint {
  if (!Array.isArray(e.events) || e.events.some((t) => !webhookEventTypes.includes(t))) {
    throw new ValidationError(`events must be a list of ${webhookEventTypes.join(', ')}`);
  }
  return {
    id: text(e.id, 'id'),
    ownerId: text(e.ownerId, 'ownerId'),
    url: text(e.url, 'url'),
    events: [...new Set(e.events)],
    secret: text(e.secret, 'secret'),
    createdAt: normalizeTimestamp(e.createdAt, 'createdAt'),
  };
}

export function normalizeWebhookDelivery(d: WebhookDelivery): WebhookDelivery {
  if (!webhookEventTypes.includes(d.type)) throw new ValidationError(`type must be one of ${webhookEventTypes.join(', ')}`);
  return {
    endpointId: text(d.endpointId, 'endpointId'),
    eventId: text(d.eventId, 'eventId'),
    type: d.type,
    videoId: text(d.videoId, 'videoId'),
    body: text(d.body, 'body'),
    createdAt: normalizeTimestamp(d.createdAt, 'createdAt'),
    ...normalizeWebhookDeliveryPatch({
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      nextAttemptAt: d.nextAttemptAt,
      deliveredAt: d.deliveredAt,
      givenUpAt: d.givenUpAt,
    }),
  } as WebhookDelivery;
}

/** The patch's fields that are present, checked. */
export function normalizeWebhookDeliveryPatch(patch: WebhookDeliveryPatch): WebhookDeliveryPatch {
  const out: WebhookDeliveryPatch = {};
  if (patch.attempts !== undefined) out.attempts = attempts(patch.attempts);
  if (patch.lastStatus !== undefined) out.lastStatus = statusOrNull(patch.lastStatus);
  if (patch.lastError !== undefined) out.lastError = textOrNull(patch.lastError, 'lastError');
  if (patch.nextAttemptAt !== undefined) out.nextAttemptAt = timeOrNull(patch.nextAttemptAt, 'nextAttemptAt');
  if (patch.deliveredAt !== undefined) out.deliveredAt = timeOrNull(patch.deliveredAt, 'deliveredAt');
  if (patch.givenUpAt !== undefined) out.givenUpAt = timeOrNull(patch.givenUpAt, 'givenUpAt');
  return out;
}

export function checkSecret(secret: string): string {
  return text(secret, 'secret');
}

/** The listing limit, checked (1..100). */
export function checkDeliveryLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('limit must be a whole number from 1 to 100');
  return limit;
}

/** Newest first: createdAt desc, then eventId desc. */
export function newestDeliveriesFirst(a: WebhookDelivery, b: WebhookDelivery): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0;
}
