import { createHash } from 'node:crypto';
import type { Video } from '../model/video.ts';
import type { WebhookEventType } from '../model/webhook.ts';
import { withoutServerPaths } from '../pipeline/failure-reason.ts';

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
 * The video as its owner sees it in the API, without media URLs (those are signed and expire:
 * GET /api/v1/videos/:id answers them).
 */
export function webhookVideoData(video: Video) {
  return {
    id: video.id,
    title: video.title,
    status: video.status,
    progress: Math.round(video.progress * 1000) / 1000,
    error: video.error === null ? null : (withoutServerPaths(video.error) as string | null),
    retryable: video.status === 'failed' && video.retryable !== false,
    filename: video.filename as string | null,
    sizeBytes: video.sourceSize as number | null,
    durationSec: video.durationSec,
    width: video.width,
    height: video.height,
    visibility: video.visibility,
    ownerId: video.ownerId,
    playable: video.playable,
    renditions: video.renditions.map((r) => ({ name: r.name, width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs })),
    createdAt: video.createdAt,
    updatedAt: video.updatedAt,
  };
}

/** The request body of an event: `{ id, type, createdAt, data }`, data being the video. */
export function webhookEventBody(id: string, type: WebhookEventType, createdAt: string, video: Video): string {
  return JSON.stringify({ id, type, createdAt, data: webhookVideoData(video) });
}
