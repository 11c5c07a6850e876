/** What an outgoing webhook can announce about a video (see src/core/webhooks). */
export const webhookEventTypes = ['video.playable', 'video.ready', 'video.failed', 'video.deleted'] as const;

export type WebhookEventType = (typeof webhookEventTypes)[number];

/** A URL that receives the events of its owner's videos, signed with its secret. */
export interface WebhookEndpoint {
  id: string;
  /** The user who registered it: the endpoint receives the events of this user's videos. */
  ownerId: string;
  url: string;
  events: WebhookEventType[];
  /** HMAC-SHA256 key of the signatures (stored so that deliveries can be signed). */
  secret: string;
  createdAt: string;
}

/** One event on its way to one endpoint: the delivery log's record, keyed by (endpointId, eventId). */
export interface WebhookDelivery {
  endpointId: string;
  eventId: string;
  type: WebhookEventType;
  videoId: string;
  /** The request body, fixed when the event happened (every attempt sends the same bytes). */
  body: string;
  createdAt: string;
  /** Attempts made so far. */
  attempts: number;
  /** HTTP status of the last attempt's answer (null: no answer, or no attempt yet). */
  lastStatus: number | null;
  /** Why the last attempt failed (null: it did not, or none was made). */
  lastError: string | null;
  /** When the next attempt is due (null: delivered or given up). */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** Set when the attempts stopped without a 2xx answer. */
  givenUpAt: string | null;
}

/** What an attempt changes in a delivery record. */
export type WebhookDeliveryPatch = Partial<Pick<WebhookDelivery, 'attempts' | 'lastStatus' | 'lastError' | 'nextAttemptAt' | 'deliveredAt' | 'givenUpAt'>>;
