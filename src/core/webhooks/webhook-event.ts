import { createHash } from 'node:crypto';
import type { Video } from '../model/video.ts';
import type { WebhookEventType } from '../model/webhook.ts';
import { videoFacts } from '../videos/video-facts.ts';

/**
 * The id of the event `type` of `video`: derived from the video, the type and the video's encode
 * attempt, so that emitting the same event again (a retried step, the `video.playable` implied by
 * `video.ready`) names the same event and is delivered once.
 */
export function webhookEventId(video: Pick<Video, 'id' | 'attemptId'>, type: WebhookEventType): string {
  const digest = createHash('sha256').update(`${video.id}\n${type}\n${video.attemptId ?? ''}`).digest('hex');
  return `evt_${digest.slice(0, 32)}`;
}

/**
 * The request body of an event: `{ id, type, createdAt, data }`, data being the video as its owner
 * sees it in the API, without media URLs (those are signed and expire: GET /api/v1/videos/:id
 * answers them).
 */
export function webhookEventBody(id: string, type: WebhookEventType, createdAt: string, video: Video): string {
  return JSON.stringify({ id, type, createdAt, data: { ...videoFacts(video), createdAt: video.createdAt, updatedAt: video.updatedAt } });
}
