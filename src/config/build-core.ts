import { HlsKeys } from '../core/auth/hls-keys.ts';
import { Passwords } from '../core/auth/passwords.ts';
import { PlaybackTokens } from '../core/auth/playback-tokens.ts';
import { playbackSigningKeys } from '../core/auth/playback-keys.ts';
import type { SigningKey } from '../core/auth/signed-tokens.ts';
import { errorMessage, isPermanent } from '../core/errors.ts';
import { Maintenance } from '../core/maintenance/maintenance.ts';
import { ObjectCreatedHandler } from '../core/pipeline/object-created-handler.ts';
import { enqueueStage } from '../core/pipeline/enqueue-stage.ts';
import { newId } from '../core/ids.ts';
import type { CdnSigner } from '../core/ports/cdn-signer.ts';
import type { Catalog } from '../core/ports/catalog.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { JobHandler, JobQueue, QueueWorker } from '../core/ports/job-queue.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { ObjectCreatedListener, ObjectStore } from '../core/ports/object-store.ts';
import type { RateLimiter } from '../core/ports/rate-limiter.ts';
import type { Encoding } from '../core/ports/encode-backend.ts';
import { UploadService } from '../core/upload/upload-service.ts';
import { VideoService } from '../core/videos/video-service.ts';
import { VideoFrames } from '../core/videos/video-frames.ts';
import type { FrameGrabber } from '../core/ports/frame-grabber.ts';
import type { WebhookSender } from '../core/ports/webhook-sender.ts';
import { WebhookEndpoints } from '../core/webhooks/webhook-endpoints.ts';
import { catalogEmittingWebhooks, WebhookEvents } from '../core/webhooks/webhook-events.ts';
import { jobWorkers, type JobWorkerSettings } from './job-workers.ts';

/**
 * The adapters a vodkit process runs on, already built (by buildAdapters from the configuration,
 * or by a test, or by another entry point such as a function handler): ports only, no adapter class.
 */
export interface CorePorts {
  clock: Clock;
  logger: Logger;
  catalog: Catalog;
  queue: JobQueue;
  /** Uploaded sources. Its capabilities say whether it announces uploads (then buildCore listens). */
  sources: ObjectStore;
  /** Published renditions, posters, keys. */
  media: ObjectStore;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  /** Password hashing and checking; scrypt by default. */
  passwords?: Passwords;
  /** The probe and encode backend, built when a worker first needs them (processes that only serve the API never look for ffmpeg). */
  encoding(): Promise<Encoding>;
  /** Maps a key as it appears in the bucket (S3 notifications) to the sources store's key, or null. */
  sourceKeyFromBucketKey(bucketKey: string): string | null;
  /** Takes frames of published videos (thumbnails on demand, poster times); absent where nothing can decode them. */
  frameGrabber?: FrameGrabber;
  /** The CDN that serves the media store's files to requests it signed; absent: vodkit serves them (playback tokens). */
  cdn?: CdnSigner;
  /** Sends outgoing webhooks (and vets their destinations). */
  webhookSender: WebhookSender;
  /** Closes the adapters; called once by the core's close(), after its workers stopped. */
  close(): Promise<void>;
}

/** What the core services are told, already parsed and checked (no environment is read here). */
export interface CoreSettings extends JobWorkerSettings {
  /** The installation secret: session cookies, playback tokens unless keys are given, HLS keys. */
  secret: string;
  /** Playback token signing keys (the first signs); default: derived from the secret. */
  playbackKeys?: SigningKey[];
  playbackTokenTtlSec: number;
  maxUploadBytes: number;
  uploadUrlTtlSec: number;
  partSizeBytes: number;
  /** Uploads still incomplete this long after their URL expired are removed by maintenance. */
  uploadGraceSec: number;
}

/** The core services of one process, wired to its ports. Every entry point uses this one shape. */
export interface Core {
  clock: Clock;
  logger: Logger;
  secret: string;
  catalog: Catalog;
  queue: JobQueue;
  sources: ObjectStore;
  media: ObjectStore;
  uploads: UploadService;
  videos: VideoService;
  /** Thumbnails at a chosen time and the poster frame, taken from the published renditions. */
  frames: VideoFrames;
  objectCreated: ObjectCreatedHandler;
  playbackTokens: PlaybackTokens;
  /** HLS AES-128 content keys of encrypted videos, derived from the installation secret. */
  hlsKeys: HlsKeys;
  /** Password hashing and checking (scrypt). */
  passwords: Passwords;
  /** Maps a key as it appears in the bucket (S3 notifications) to the sources store's key, or null. */
  sourceKeyFromBucketKey(bucketKey: string): string | null;
  /** Metrics of this process (HTTP, jobs, queue depth). */
  metrics: Metrics;
  /** The CDN that serves media to requests it signed, when one is configured. */
  cdn?: CdnSigner;
  /** Sign-in and upload rate limits. */
  rateLimiter: RateLimiter;
  /** Outgoing webhooks: endpoints as their owners manage them. */
  webhooks: WebhookEndpoints;
  /** Periodic recovery and cleanup; `vodkit serve` starts it. */
  maintenance: Maintenance;
  encoding(): Promise<Encoding>;
  /** The handler of every job type (attempt limit and metrics around it), for a runner that is not a queue worker (a function given a batch). */
  jobHandler(): Promise<JobHandler>;
  startWorker(concurrency?: number): Promise<QueueWorker>;
  /**
   * Stops this process's workers: no new jobs; running ones may finish within `graceMs`, then they
   * are aborted and handed back to the queue (their attempt is not counted).
   */
  stopWorkers(graceMs?: number): Promise<void>;
  /** Stops maintenance and workers, then closes the ports. */
  close(): Promise<void>;
}

/**
 * Wires the core services to already-built ports. Knows no configuration format, no environment
 * and no adapter class: serve, worker, the CLI and tests all come through here.
 */
export function buildCore(ports: CorePorts, settings: CoreSettings): Core {
  const { clock, logger, queue, sources, media, metrics } = ports;
  // Every status change stored through this catalog emits its webhook events.
  const catalog = catalogEmittingWebhooks(ports.catalog, new WebhookEvents({ catalog: ports.catalog, queue, clock, logger }));
  const webhooks = new WebhookEndpoints({ catalog, clock, sender: ports.webhookSender });

  const objectCreated = new ObjectCreatedHandler({ catalog, queue, sources, sourcesBucket: sources.bucket, logger });
  const onObjectCreated: ObjectCreatedListener = async (event) => {
    try {
      await objectCreated.handle(event);
    } catch (err) {
      if (isPermanent(err)) throw err;
      // The bytes are stored, so the upload succeeded; the periodic recovery queues it once the
      // catalog or queue answers again.
      logger.warn({ err: errorMessage(err) }, 'upload stored but not queued yet (a dependency is down); it will be queued once it is back');
    }
  };
  const { uploadEvents } = sources.capabilities;
  if (uploadEvents) uploadEvents.setObjectCreatedListener(onObjectCreated);

  const uploads = new UploadService({
    catalog,
    sources,
    clock,
    limits: { maxUploadBytes: settings.maxUploadBytes, uploadUrlTtlSec: settings.uploadUrlTtlSec, partSizeBytes: settings.partSizeBytes },
  });
  const videos = new VideoService({
    catalog,
    sources,
    media,
    logger,
    // A retry's prepare job gets a key of its own (the first run's key is fixed).
    queueRetry: (videoId, sourceKey) => enqueueStage(queue, { stage: 'prepare', videoId, sourceKey, retry: newId(8) }),
  });
  const frames = new VideoFrames({ catalog, media, videos, logger, ...(ports.frameGrabber ? { frameGrabber: ports.frameGrabber } : {}) });
  const playbackTokens = new PlaybackTokens(playbackSigningKeys(settings.playbackKeys, settings.secret), clock, settings.playbackTokenTtlSec);
  const hlsKeys = new HlsKeys(settings.secret);
  const maintenance = new Maintenance({
    catalog,
    queue,
    sources,
    objectCreated,
    clock,
    logger,
    uploadUrlTtlSec: settings.uploadUrlTtlSec,
    uploadGraceSec: settings.uploadGraceSec,
  });
  const workers = jobWorkers(
    { catalog, queue, sources, media, clock, logger, metrics, hlsKeys, encoding: ports.encoding, webhookSender: ports.webhookSender },
    settings,
  );

  return {
    clock,
    logger,
    secret: settings.secret,
    catalog,
    queue,
    sources,
    media,
    uploads,
    videos,
    frames,
    objectCreated,
    playbackTokens,
    hlsKeys,
    passwords: ports.passwords ?? new Passwords(),
    sourceKeyFromBucketKey: ports.sourceKeyFromBucketKey,
    metrics,
    ...(ports.cdn ? { cdn: ports.cdn } : {}),
    rateLimiter: ports.rateLimiter,
    webhooks,
    maintenance,
    encoding: ports.encoding,
    jobHandler: workers.jobHandler,
    startWorker: workers.startWorker,
    stopWorkers: workers.stopWorkers,
    async close() {
      await maintenance.stop();
      await workers.stopWorkers(0);
      await ports.close();
    },
  };
}
