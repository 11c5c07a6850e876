import type { HlsKeys } from '../core/auth/hls-keys.ts';
import type { Passwords } from '../core/auth/passwords.ts';
import type { PlaybackTokens } from '../core/auth/playback-tokens.ts';
import type { ObjectCreatedHandler } from '../core/pipeline/object-created-handler.ts';
import type { CdnSigner } from '../core/ports/cdn-signer.ts';
import type { Catalog } from '../core/ports/catalog.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { JobQueue } from '../core/ports/job-queue.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import type { RateLimiter } from '../core/ports/rate-limiter.ts';
import type { UploadService } from '../core/upload/upload-service.ts';
import type { VideoService } from '../core/videos/video-service.ts';
import type { VideoFrames } from '../core/videos/video-frames.ts';
import type { WebhookEndpoints } from '../core/webhooks/webhook-endpoints.ts';

/** The settings the HTTP service reads (a part of vodkit's configuration, same names). */
export interface HttpSettings {
  logLevel: string;
  /** Base of the URLs handed to clients; else taken from the request. */
  publicUrl?: string;
  corsOrigins: string[];
  /** Sources allowed to frame /embed/<id> (CSP frame-ancestors); omitted = any site (`*`). */
  embedOrigins?: string[];
  /** Lifetime of a playback token, and of a CDN grant for a private or unlisted video. */
  playbackTokenTtlSec: number;
  /**
   * 'redirect': segments and images are answered with a signed URL of the store, when it has them;
   * 'x-accel-redirect': after the checks, an empty answer whose X-Accel-Redirect header names the
   * file under `mediaAccelPrefix`, for nginx in front to send.
   */
  mediaDelivery: 'proxy' | 'redirect' | 'x-accel-redirect';
  /** Memory for small media files held whole (MiB; 0 = off). */
  mediaCacheMiB: number;
  /** nginx's internal location of the media folder (x-accel-redirect). */
  mediaAccelPrefix: string;
  /** Shared secret of S3 event notifications (POST /api/v1/webhooks/s3); none = the route is off. */
  webhookSecret?: string;
  uploadRateLimit: number;
  loginRateLimit: number;
  oidcIssuer?: string;
  oidcAudience?: string;
  oidcRoleClaim?: string;
  /**
   * GET /api/v1/events: 'live' (default) keeps the stream open and sends changes as they happen;
   * 'reconnect' answers at once with only a reconnection delay, for a server that cannot hold a
   * response open (a function behind an API gateway): the browser reconnects after it and its
   * client fetches again (it reads a reconnection as "changes may have been missed").
   */
  eventStream?: 'live' | 'reconnect';
  headersTimeoutSec: number;
  bodyTimeoutSec: number;
  keepAliveTimeoutSec: number;
}

/**
 * Everything the HTTP service uses, and nothing more: core services and ports, never adapters.
 * Each route takes the part of it that it needs. What the store can do beyond the common contract
 * (serving its own signed URLs, announcing uploads) is read from `sources.capabilities`.
 */
export interface HttpDeps {
  config: HttpSettings;
  clock: Clock;
  logger: Logger;
  /** The installation secret (session cookies). */
  secret: string;
  catalog: Catalog;
  queue: JobQueue;
  sources: ObjectStore;
  media: ObjectStore;
  uploads: UploadService;
  videos: VideoService;
  frames: VideoFrames;
  objectCreated: ObjectCreatedHandler;
  playbackTokens: PlaybackTokens;
  hlsKeys: HlsKeys;
  passwords: Passwords;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  /** Outgoing webhooks: endpoints and their delivery logs. */
  webhooks: WebhookEndpoints;
  /** Maps a key as it appears in the bucket (S3 notifications) to the sources store's key, or null. */
  sourceKeyFromBucketKey(bucketKey: string): string | null;
  /**
   * The CDN that serves media to requests it signed (CloudFront): media URLs point at it, signed, and
   * a viewer of a video gets its signed cookies. Absent: vodkit serves media (playback tokens).
   */
  cdn?: CdnSigner;
}

/** A part of HttpDeps whose settings are a part of HttpSettings. */
export type DepsOf<K extends Exclude<keyof HttpDeps, 'config'>, S extends keyof HttpSettings = never> = Pick<HttpDeps, K> & {
  config: Pick<HttpSettings, S>;
};
