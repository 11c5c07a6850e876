import type { Video } from '../core/model/video.ts';
import type { PlaybackTokens } from '../core/auth/playback-tokens.ts';
import { withoutServerPaths } from '../core/pipeline/failure-reason.ts';

/** The API's representation of a video, with complete playback URLs. */
export async function videoView(video: Video, baseUrl: string, tokens: PlaybackTokens) {
  let query = '';
  let playbackExpiresAt: string | null = null;
  if (video.visibility !== 'public' && (video.playable || video.posterKey)) {
    const { token, expiresAt } = await tokens.issue(video.id);
    query = `?token=${token}`;
    playbackExpiresAt = new Date(expiresAt * 1000).toISOString();
  }
  const url = (key: string | null) => (key ? `${baseUrl}/media/${key}${query}` : null);
  return {
    id: video.id,
    title: video.title,
    status: video.status,
    progress: Math.round(video.progress * 1000) / 1000,
    // Stored reasons carry no server path; records written by older versions may, so check again.
    error: video.error === null ? null : withoutServerPaths(video.error),
    /** True for a failed video that may be tried again (false when its file is the cause). */
    retryable: video.status === 'failed' && video.retryable !== false,
    filename: video.filename,
    sizeBytes: video.sourceSize,
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
    playback: { hls: video.playable ? url(video.masterKey) : null, expiresAt: playbackExpiresAt },
    poster: url(video.posterKey),
    thumbnail: url(video.thumbnailKey),
    createdAt: video.createdAt,
    updatedAt: video.updatedAt,
  };
}

export type VideoView = Awaited<ReturnType<typeof videoView>>;
