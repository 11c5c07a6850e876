import type { Video } from '../core/model/video.ts';
import type { PlaybackTokens } from '../core/auth/playback-tokens.ts';
import type { CdnGrant, CdnSigner } from '../core/ports/cdn-signer.ts';
import type { Clock } from '../core/ports/clock.ts';
import { videoFacts } from '../core/videos/video-facts.ts';
import type { DepsOf } from './http-deps.ts';

/** What authorizes the media URLs of a view: playback tokens for vodkit's own /media, or the CDN's signatures. */
export interface MediaAccess {
  playbackTokens: PlaybackTokens;
  /** Set: media URLs point at the CDN, signed for the video's folder. */
  cdn?: CdnSigner;
  clock: Clock;
  /** How long a grant for a private or unlisted video lasts (the playback token's lifetime). */
  playbackTokenTtlSec: number;
}

/** What a route needs to sign the media URLs of its views. */
export type MediaAccessDeps = DepsOf<'playbackTokens' | 'cdn' | 'clock', 'playbackTokenTtlSec'>;

export function mediaAccess(deps: MediaAccessDeps): MediaAccess {
  return { playbackTokens: deps.playbackTokens, cdn: deps.cdn, clock: deps.clock, playbackTokenTtlSec: deps.config.playbackTokenTtlSec };
}

/**
 * How the media of one video is reached: open (a public video served by vodkit), with a playback
 * token, or through the CDN with a grant (signed URLs, and cookies for the player's relative requests).
 */
export type MediaGrant = { kind: 'open' } | { kind: 'token'; token: string; expiresAt: number } | { kind: 'cdn'; grant: CdnGrant };

/**
 * A public video's CDN grant lasts seven to eight days: it ends at the start of the eighth day
 * from today (UTC), so everyone gets the same URLs all day and browsers cache them (the CDN's
 * cache ignores the query string anyway).
 */
const PUBLIC_CDN_GRANT_DAYS = 8;
const DAY_SEC = 24 * 3600;

/** The grant a view of `video` carries (nothing to grant before there is something to watch). */
export async function grantMedia(video: Video, access: MediaAccess): Promise<MediaGrant> {
  if (!video.playable && !video.posterKey) return { kind: 'open' };
  const cdn = cdnGrant(video, access);
  if (cdn) return { kind: 'cdn', grant: cdn };
  if (video.visibility === 'public') return { kind: 'open' };
  const { token, expiresAt } = await access.playbackTokens.issue(video.id);
  return { kind: 'token', token, expiresAt };
}

/**
 * The CDN's grant of the files of `video`, when a CDN serves them. Every file the CDN serves is
 * signed: its media behaviour trusts only the key group.
 */
export function cdnGrant(video: Video, access: MediaAccess): CdnGrant | null {
  if (!access.cdn) return null;
  const now = Math.floor(access.clock.now().getTime() / 1000);
  const expiresAt = video.visibility === 'public' ? (Math.floor(now / DAY_SEC) + PUBLIC_CDN_GRANT_DAYS) * DAY_SEC : now + access.playbackTokenTtlSec;
  return access.cdn.grant(video.id, expiresAt);
}

/** The API's representation of a video, with complete playback URLs. */
export async function videoView(video: Video, baseUrl: string, access: MediaAccess) {
  return videoViewWith(video, baseUrl, await grantMedia(video, access));
}

/** The API's representation of a video, its media URLs carrying `grant`. */
export function videoViewWith(video: Video, baseUrl: string, grant: MediaGrant) {
  const url = (key: string | null) => {
    if (!key) return null;
    if (grant.kind === 'cdn') return grant.grant.url(key);
    return `${baseUrl}/media/${key}${grant.kind === 'token' ? `?token=${grant.token}` : ''}`;
  };
  const expiresAt = grant.kind === 'cdn' ? grant.grant.expiresAt : grant.kind === 'token' ? grant.expiresAt : null;
  const playbackExpiresAt = expiresAt === null ? null : new Date(expiresAt * 1000).toISOString();
  return {
    ...videoFacts(video),
    playback: {
      hls: video.playable ? url(video.masterKey) : null,
      /** The DASH manifest over the same fMP4 segments, once the ladder made one. */
      dash: video.playable && video.dashKey ? url(video.dashKey) : null,
      expiresAt: playbackExpiresAt,
    },
    poster: url(video.posterKey),
    thumbnail: url(video.thumbnailKey),
    /** Caption tracks (WebVTT), each authorized like the rest of the media. */
    captions: (video.captions ?? []).map((c) => ({ language: c.language, label: c.label, url: url(c.vttKey) })),
    /** Scrub previews: a WebVTT map of `#xywh=` tiles of the sprite sheet `image`. */
    storyboard: video.storyboard ? { vtt: url(video.storyboard.vttKey), image: url(video.storyboard.imageKey) } : null,
    downloads: { mp4: url(video.downloadKey ?? null) },
    createdAt: video.createdAt,
    updatedAt: video.updatedAt,
  };
}

export type VideoView = ReturnType<typeof videoViewWith>;

/**
 * The view as someone who may watch the video but not manage it sees it: the uploaded file's name
 * and size and the reason of a failure are its owner's (and admins') business.
 */
export function viewFor<V extends VideoView>(view: V, manages: boolean): V {
  return manages ? view : { ...view, filename: null, sizeBytes: null, error: null };
}

/**
 * Set-Cookie values carrying a CDN grant to the video's folder on the CDN (the player's requests
 * for media playlists and segments, relative to the signed master, carry no signature of their own).
 */
export function cdnGrantCookies(grant: CdnGrant, now: Date): string[] {
  const maxAge = Math.max(0, grant.expiresAt - Math.floor(now.getTime() / 1000));
  return Object.entries(grant.cookies).map(
    ([name, value]) => `${name}=${value}; Path=${grant.cookiePath}; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Lax`,
  );
}
