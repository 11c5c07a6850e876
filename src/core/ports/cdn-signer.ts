/**
 * CdnSigner: a CDN in front of the media store that serves a video's files only to requests it
 * signed (CloudFront with a trusted key group: src/adapters/cdn/cloudfront). One grant covers every
 * file of one video until a time, as signed URLs (for the first request: the master, the poster,
 * the thumbnail) and as cookies the browser sends with the requests a player makes relative to the
 * master (media playlists, segments).
 */
export interface CdnGrant {
  /** The CDN's URL of a key of the media store, carrying the grant. */
  url(key: string): string;
  /** Cookies that carry the same grant (name → value), for requests under `cookiePath`. */
  cookies: Record<string, string>;
  /** Path of the CDN the cookies are sent to: the video's folder, e.g. "/media/<id>/". */
  cookiePath: string;
  /** Unix seconds after which the grant is refused. */
  expiresAt: number;
}

export interface CdnSigner {
  /** Grants the files of `videoId` until `expiresAt` (unix seconds). */
  grant(videoId: string, expiresAt: number): CdnGrant;
}
