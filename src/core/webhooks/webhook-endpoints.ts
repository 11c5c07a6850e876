import type { Principal } from '../access/principal.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import { webhookEventTypes, type WebhookDelivery, type WebhookEndpoint, type WebhookEventType } from '../model/webhook.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { WebhookSender } from '../ports/webhook-sender.ts';
import { newWebhookSecret } from './webhook-signature.ts';

/** An endpoint as listed: never its secret. */
export interface WebhookEndpointView {
  id: string;
  ownerId: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

/** A delivery as its log shows it: the event and where its attempts stand. */
export interface WebhookDeliveryView {
  eventId: string;
  type: WebhookEventType;
  videoId: string;
  createdAt: string;
  attempts: number;
  /** 'pending' (an attempt is due at nextAttemptAt), 'delivered' or 'failed' (given up). */
  state: 'pending' | 'delivered' | 'failed';
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  givenUpAt: string | null;
}

const MAX_URL_LENGTH = 2048;

export function endpointView(e: WebhookEndpoint): WebhookEndpointView {
  return { id: e.id, ownerId: e.ownerId, url: e.url, events: e.events, createdAt: e.createdAt };
}

export function deliveryView(d: WebhookDelivery): WebhookDeliveryView {
  const state = d.deliveredAt ? 'delivered' : d.givenUpAt ? 'failed' : 'pending';
  const { endpointId: _e, body: _b, ...rest } = d;
  return { ...rest, state };
}

/**
 * Webhook endpoints as their owners manage them. Admins and uploaders register endpoints, which
 * receive the events of their own videos (an admin's endpoint too: the events of the admin's
 * videos). Each lists, removes and rotates the secret of its own; admins see and manage every
 * endpoint. A secret is answered once, when made.
 */
export class WebhookEndpoints {
  constructor(private readonly deps: { catalog: Catalog; clock: Clock; sender: WebhookSender }) {}

  async register(actor: Principal, input: { url: string; events: WebhookEventType[] }): Promise<WebhookEndpointView & { secret: string }> {
    if (actor.role === 'viewer') throw new ForbiddenError('Viewers cannot register webhooks; an admin or uploader can.');
    if (!actor.userId) throw new ForbiddenError('Webhooks belong to a user: register them with a user\'s API token or session, not an installation token.');
    const url = checkEndpointUrl(input.url);
    const events = [...new Set(input.events)];
    if (events.length === 0 || events.some((t) => !webhookEventTypes.includes(t))) {
      throw new ValidationError(`events must name at least one of ${webhookEventTypes.join(', ')}.`);
    }
    await this.deps.sender.checkDestination(url);
    const endpoint = await this.deps.catalog.createWebhookEndpoint({
      id: newId(),
      ownerId: actor.userId,
      url,
      events,
      secret: newWebhookSecret(),
      createdAt: this.deps.clock.now().toISOString(),
    });
    return { ...endpointView(endpoint), secret: endpoint.secret };
  }

  async list(actor: Principal): Promise<WebhookEndpointView[]> {
    const all = await this.deps.catalog.listWebhookEndpoints(actor.role === 'admin' ? undefined : (actor.userId ?? ''));
    return all.map(endpointView);
  }

  async remove(actor: Principal, id: string): Promise<void> {
    await this.managed(actor, id);
    await this.deps.catalog.deleteWebhookEndpoint(id);
  }

  async rotateSecret(actor: Principal, id: string): Promise<WebhookEndpointView & { secret: string }> {
    await this.managed(actor, id);
    const endpoint = await this.deps.catalog.setWebhookSecret(id, newWebhookSecret());
    if (!endpoint) throw new NotFoundError('No such webhook endpoint.');
    return { ...endpointView(endpoint), secret: endpoint.secret };
  }

  async deliveries(actor: Principal, id: string, limit: number): Promise<WebhookDeliveryView[]> {
    await this.managed(actor, id);
    return (await this.deps.catalog.listWebhookDeliveries(id, limit)).map(deliveryView);
  }

  /** The endpoint, when the actor may manage it; someone else's is answered as absent. */
  private async managed(actor: Principal, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.catalog.getWebhookEndpoint(id);
    if (!endpoint || (actor.role !== 'admin' && endpoint.ownerId !== actor.userId)) throw new NotFoundError('No such webhook endpoint.');
    return endpoint;
  }
}

/** The URL, when it is an absolute http(s) URL without credentials; ValidationError otherwise. */
export function checkEndpointUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('The webhook URL is not a valid absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError('A webhook URL must start with https:// or http://.');
  if (url.username || url.password) throw new ValidationError('A webhook URL must not carry a user name or password.');
  if (url.href.length > MAX_URL_LENGTH) throw new ValidationError(`A webhook URL must be at most ${MAX_URL_LENGTH} characters long.`);
  return url.href;
}
