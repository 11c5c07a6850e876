import type { Video } from '../model/video.ts';
import { withoutServerPaths } from '../server-paths.ts';

/**
 * What the API says of a video besides its media URLs, as its owner sees it: the API's video view
 * (src/http/video-view.ts) adds the URLs to it, a webhook event (src/core/webhooks) sends it as is.
 */
export function videoFacts(video: Video) {
  return {
    id: video.id,
    title: video.title,
    status: video.status,
    progress: Math.round(video.progress * 1000) / 1000,
    // Stored reasons carry no server path; records written by older versions may, so check again.
    error: video.error === null ? null : (withoutServerPaths(video.error) as string | null),
    /** True for a failed video that may be tried again (false when its file is the cause). */
    retryable: video.status === 'failed' && video.retryable !== false,
    filename: video.filename as string | null,
    sizeBytes: video.sourceSize as number | null,
    durationSec: video.durationSec,
    width: video.width,
    height: video.height,
    visibility: video.visibility,
    ownerId: video.ownerId,
    playable: video.playable,
    /** Present (true) only for HLS AES-128 videos. */
    ...(video.encrypted ? { encrypted: true as const } : {}),
    renditions: video.renditions.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      bandwidth: r.bandwidth,
      averageBandwidth: r.averageBandwidth,
      codecs: r.codecs,
      frameRate: r.frameRate,
    })),
  };
}
