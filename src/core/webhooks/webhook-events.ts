import { errorMessage } from '../errors.ts';
import type { Video, VideoPatch } from '../model/video.ts';
import type { WebhookEventType } from '../model/webhook.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import { webhookEventBody, webhookEventId } from './webhook-event.ts';

/** The idempotency key of the job making `attempt` of the delivery of `eventId` to `endpointId`. */
export function deliveryJobKey(endpointId: string, eventId: string, attempt: number): string {
  return `webhook:${endpointId}:${eventId}:${attempt}`;
}

export interface WebhookEventsDeps {
  catalog: Catalog;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
}

/**
 * Emits the webhook events of a video: for every endpoint of the video's owner subscribed to the
 * type, a delivery record in the catalog (one per event and endpoint) and a job that sends it (one
 * per event, endpoint and attempt). Emitting the same event again does nothing more.
 */
export class WebhookEvents {
  constructor(private readonly deps: WebhookEventsDeps) {}

  async emit(video: Video, type: WebhookEventType): Promise<void> {
    if (!video.ownerId) return;
    const { catalog, queue, clock } = this.deps;
    const endpoints = (await catalog.listWebhookEndpoints(video.ownerId)).filter((e) => e.events.includes(type));
    if (endpoints.length === 0) return;
    const id = webhookEventId(video, type);
    const createdAt = clock.now().toISOString();
    const body = webhookEventBody(id, type, createdAt, video);
    for (const endpoint of endpoints) {
      await catalog.createWebhookDelivery({
        endpointId: endpoint.id,
        eventId: id,
        type,
        videoId: video.id,
        body,
        createdAt,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        nextAttemptAt: createdAt,
        deliveredAt: null,
        givenUpAt: null,
      });
      await queue.enqueue({ type: 'webhook', videoId: video.id, endpointId: endpoint.id, eventId: id }, { idempotencyKey: deliveryJobKey(endpoint.id, id, 1) });
    }
  }

  /**
   * The events a stored change of a video makes (patch as given to the catalog, video as stored
   * after it): `video.playable` when it became playable; `video.ready` (after `video.playable`,
   * the same event as an earlier one when there was one); `video.failed`.
   */
  async afterUpdate(patch: VideoPatch, video: Video): Promise<void> {
    if (patch.status === 'ready') {
      await this.emit(video, 'video.playable');
      await this.emit(video, 'video.ready');
    } else if (patch.status === 'failed') {
      await this.emit(video, 'video.failed');
    } else if (patch.playable === true && patch.status === undefined) {
      await this.emit(video, 'video.playable');
    }
  }

  /** Runs `emit`, logging instead of throwing: the status change it follows is already stored. */
  async safely(what: () => Promise<void>, videoId: string): Promise<void> {
    try {
      await what();
    } catch (err) {
      this.deps.logger.error({ videoId, err: errorMessage(err) }, 'webhook event not queued; its deliveries are missing');
    }
  }
}

/**
 * The catalog, emitting webhook events right after the compare-and-set of a status change
 * commits: every place in the lifecycle that stores `playable`, `ready`, `failed` or deletes a
 * video goes through updateVideo or deleteVideo, so none is missed.
 */
export function catalogEmittingWebhooks(catalog: Catalog, events: WebhookEvents): Catalog {
  const updateVideo: Catalog['updateVideo'] = async (id, patch, options) => {
    const video = await catalog.updateVideo(id, patch, options);
    if (video) await events.safely(() => events.afterUpdate(patch, video), id);
    return video;
  };
  const deleteVideo: Catalog['deleteVideo'] = async (id, options) => {
    const before = await catalog.getVideo(id);
    const deleted = await catalog.deleteVideo(id, options);
    if (deleted && before) await events.safely(() => events.emit(before, 'video.deleted'), id);
    return deleted;
  };
  return new Proxy(catalog, {
    get(target, property) {
      if (property === 'updateVideo') return updateVideo;
      if (property === 'deleteVideo') return deleteVideo;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
