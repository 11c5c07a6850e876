import { HlsKeys } from '../core/auth/hls-keys.ts';
import { Passwords } from '../core/auth/passwords.ts';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Catalog } from '../core/ports/catalog.ts';
import type { JobQueue, QueueWorker } from '../core/ports/job-queue.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { ObjectCreatedListener, ObjectStore } from '../core/ports/object-store.ts';
import type { Transcoder } from '../core/ports/transcoder.ts';
import { systemClock, type Clock } from '../core/ports/clock.ts';
import { ObjectCreatedHandler } from '../core/pipeline/object-created-handler.ts';
import { awaitingUpload } from '../core/upload/awaiting-upload.ts';
import { TranscodeJob } from '../core/pipeline/transcode-job.ts';
import { UploadService } from '../core/upload/upload-service.ts';
import { VideoService } from '../core/videos/video-service.ts';
import { PlaybackTokens } from '../core/auth/playback-tokens.ts';
import { playbackSigningKeys } from '../core/auth/playback-keys.ts';
import { UrlSigner } from '../core/upload/url-signer.ts';
import { SqliteCatalog } from '../adapters/catalog/sqlite/sqlite-catalog.ts';
import { PostgresCatalog } from '../adapters/catalog/postgres/postgres-catalog.ts';
import { SqliteJobQueue } from '../adapters/job-queue/sqlite/sqlite-job-queue.ts';
import { BullMqJobQueue } from '../adapters/job-queue/bullmq/bullmq-job-queue.ts';
import { MemoryRateLimiter } from '../adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { RedisRateLimiter } from '../adapters/rate-limiter/redis/redis-rate-limiter.ts';
import type { RateLimiter } from '../core/ports/rate-limiter.ts';
import { LocalDiskObjectStore } from '../adapters/object-store/local-disk/local-disk-object-store.ts';
import { S3ObjectStore } from '../adapters/object-store/s3/s3-object-store.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts';
import { Maintenance } from '../core/maintenance/maintenance.ts';
import { limitAttempts } from '../core/maintenance/attempt-limit.ts';
import { observeJobs } from '../core/maintenance/job-observer.ts';
import { removeStaleScratch } from '../core/maintenance/scratch-cleanup.ts';
import { withQueueTimeouts } from '../core/maintenance/queue-timeouts.ts';
import { errorMessage, isPermanent } from '../core/errors.ts';
import { PrometheusMetrics } from '../adapters/metrics/prometheus/prometheus-metrics.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { Config } from './config.ts';
import { ensurePrivateDir } from './private-dir.ts';
import { parseDatabaseUrl, parseQueueUrl, parseStorageUrl, type StorageTarget } from './storage-url.ts';

/** Everything a vodkit process runs on, built from the config in this one place. */
export interface Runtime {
  config: Config;
  clock: Clock;
  logger: Logger;
  secret: string;
  catalog: Catalog;
  queue: JobQueue;
  sources: ObjectStore;
  media: ObjectStore;
  storage: StorageTarget;
  /** Present when the sources store is served by vodkit itself (signed PUTs arrive over HTTP). */
  localUploads: LocalDiskObjectStore | null;
  uploads: UploadService;
  videos: VideoService;
  objectCreated: ObjectCreatedHandler;
  playbackTokens: PlaybackTokens;
  /** HLS AES-128 content keys of encrypted videos, derived from the installation secret. */
  hlsKeys: HlsKeys;
  /** Password hashing and checking (scrypt). */
  passwords: Passwords;
  /** Maps a key as it appears in the bucket (S3 notifications) to the sources store's key, or null. */
  sourceKeyFromBucketKey(bucketKey: string): string | null;
  /** Prometheus metrics of this process (HTTP, jobs, queue depth). */
  metrics: Metrics;
  /** Sign-in and upload rate limits: in Redis with a BullMQ queue (shared by the cluster), else in memory. */
  rateLimiter: RateLimiter;
  /** Periodic recovery and cleanup; `vodkit serve` starts it. */
  maintenance: Maintenance;
  transcoder(): Promise<Transcoder>;
  startWorker(concurrency?: number): Promise<QueueWorker>;
  /**
   * Stops this process's workers: no new jobs; running ones may finish within `graceMs`, then they
   * are aborted and handed back to the queue (their attempt is not counted).
   */
  stopWorkers(graceMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger: Logger;
  clock?: Clock;
  /** Needed for the ffmpeg-free parts (API only) to skip locating ffmpeg until a job runs. */
  transcoder?: Transcoder;
  /** Password hashing; scrypt by default. */
  passwords?: Passwords;
}

export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  await ensurePrivateDir(config.dataDir, logger);
  const secret = config.secret ?? (await localSecret(config.dataDir));
  const closers: Array<() => Promise<void>> = [];

  const db = parseDatabaseUrl(config.databaseUrl);
  const catalog: Catalog =
    db.kind === 'sqlite' ? await SqliteCatalog.open({ path: db.path }) : await PostgresCatalog.open({ connectionString: db.url, schema: db.schema });
  closers.push(() => catalog.close());

  const q = parseQueueUrl(config.queueUrl);
  const rawQueue: JobQueue =
    q.kind === 'sqlite'
      ? await SqliteJobQueue.open({ path: q.path, defaultMaxAttempts: queueMaxAttempts(config), leaseMs: config.jobLeaseMs })
      : await BullMqJobQueue.open({ connection: q.url, prefix: q.prefix, defaultMaxAttempts: queueMaxAttempts(config), leaseMs: config.jobLeaseMs });
  // Requests never wait long on a queue whose server is down (see queue-timeouts.ts).
  const queue = withQueueTimeouts(rawQueue, QUEUE_CALL_TIMEOUT_MS);
  closers.unshift(() => queue.close());
  const rateLimiter: RateLimiter =
    q.kind === 'redis' ? new RedisRateLimiter({ url: q.url, prefix: q.prefix, logger }) : new MemoryRateLimiter({ clock });
  closers.push(() => rateLimiter.close());

  const storage = parseStorageUrl(config.storage);
  let objectCreated!: ObjectCreatedHandler;
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
  let sources: ObjectStore;
  let media: ObjectStore;
  let localUploads: LocalDiskObjectStore | null = null;
  let sourceKeyFromBucketKey: (k: string) => string | null;
  if (storage.kind === 'file') {
    const signer = new UrlSigner({ secret, clock });
    localUploads = await LocalDiskObjectStore.open({
      root: join(storage.root, 'sources'),
      bucket: 'sources',
      signer,
      clock,
      onObjectCreated,
      acceptsUpload: (key) => awaitingUpload(catalog, key),
    });
    sources = localUploads;
    media = await LocalDiskObjectStore.open({ root: join(storage.root, 'media'), bucket: 'media', signer, clock });
    sourceKeyFromBucketKey = (k) => k;
  } else {
    const common = { bucket: storage.bucket, region: storage.region, endpoint: storage.endpoint, forcePathStyle: storage.forcePathStyle };
    const sourcesPrefix = `${storage.prefix}sources/`;
    sources = new S3ObjectStore({ ...common, prefix: sourcesPrefix });
    media = new S3ObjectStore({ ...common, prefix: `${storage.prefix}media/` });
    sourceKeyFromBucketKey = (k) => (k.startsWith(sourcesPrefix) ? k.slice(sourcesPrefix.length) : null);
  }
  objectCreated = new ObjectCreatedHandler({ catalog, queue, sources, sourcesBucket: sources.bucket, logger });

  const uploads = new UploadService({
    catalog,
    sources,
    clock,
    limits: { maxUploadBytes: config.maxUploadBytes, uploadUrlTtlSec: config.uploadUrlTtlSec, partSizeBytes: config.partSizeBytes },
  });
  const videos = new VideoService({ catalog, sources, media, queue, logger });
  const playbackTokens = new PlaybackTokens(playbackSigningKeys(config.playbackKeys, secret), clock, config.playbackTokenTtlSec);
  const hlsKeys = new HlsKeys(secret);

  let transcoder: Transcoder | undefined = options.transcoder;
  const getTranscoder = async (): Promise<Transcoder> => {
    if (!transcoder) {
      const tools = await locateFfmpeg({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
      transcoder = new FfmpegTranscoder({ ...tools, preset: config.x264Preset });
    }
    return transcoder;
  };

  const metrics: Metrics = new PrometheusMetrics({ queue, catalog, media });
  const maintenance = new Maintenance({
    catalog,
    queue,
    sources,
    objectCreated,
    clock,
    logger,
    uploadUrlTtlSec: config.uploadUrlTtlSec,
    uploadGraceSec: config.uploadGraceSec,
  });

  const workers: QueueWorker[] = [];
  const stopWorkers = async (graceMs = 0) => {
    const running = workers.splice(0);
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all(running.map((w) => w.stop({ graceful: true }))).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (finished) return;
      logger.info({ graceMs }, 'running jobs did not finish in time; handing them back to the queue');
    }
    await Promise.all(running.map((w) => w.stop({ graceful: false })));
  };
  const runtime: Runtime = {
    config,
    clock,
    logger,
    secret,
    catalog,
    queue,
    sources,
    media,
    storage,
    localUploads,
    uploads,
    videos,
    objectCreated,
    playbackTokens,
    hlsKeys,
    passwords: options.passwords ?? new Passwords(),
    sourceKeyFromBucketKey,
    metrics,
    rateLimiter,
    maintenance,
    transcoder: getTranscoder,
    async startWorker(concurrency = config.workerConcurrency) {
      const workDir = join(config.dataDir, 'work');
      await mkdir(workDir, { recursive: true, mode: 0o700 });
      const stale = await removeStaleScratch(workDir);
      if (stale.length) logger.info({ removed: stale }, 'scratch folders of stopped workers removed');
      const job = new TranscodeJob({
        catalog,
        sources,
        media,
        transcoder: await getTranscoder(),
        clock,
        logger,
        workDir,
        segmentSeconds: config.segmentSeconds,
        timeouts: { minSec: config.jobTimeoutMinSec, factor: config.jobTimeoutFactor },
        hlsKeys,
      });
      const handler = observeJobs(limitAttempts(job.handle, { catalog, media, logger }), metrics);
      const worker = queue.work(handler, { concurrency });
      workers.push(worker);
      return worker;
    },
    stopWorkers,
    async close() {
      await maintenance.stop();
      await stopWorkers(0);
      for (const close of closers) await close().catch((err) => logger.warn({ err: String(err) }, 'close failed'));
    },
  };
  return runtime;
}

/** How long a request waits on the job queue before it is told the queue is unavailable. */
const QUEUE_CALL_TIMEOUT_MS = 5000;

/**
 * The queue gets one attempt more than VODKIT_JOB_MAX_ATTEMPTS: the spare one only marks the video
 * failed when every counted attempt crashed (see core/maintenance/attempt-limit.ts).
 */
function queueMaxAttempts(config: Config): number {
  return config.jobMaxAttempts + 1;
}

/** A per-installation secret kept in the data dir (mode 0600) when VODKIT_SECRET is not set. */
async function localSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, 'secret.key');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('base64url');
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(() => {});
    return (await readFile(path, 'utf8')).trim();
  }
}
