import { join } from 'node:path';
import type { Passwords } from '../core/auth/passwords.ts';
import { withQueueTimeouts } from '../core/maintenance/queue-timeouts.ts';
import type { Catalog } from '../core/ports/catalog.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { JobQueue } from '../core/ports/job-queue.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import type { RateLimiter } from '../core/ports/rate-limiter.ts';
import type { Encoding } from '../core/ports/encode-backend.ts';
import { awaitingUpload } from '../core/upload/awaiting-upload.ts';
import { UrlSigner } from '../core/upload/url-signer.ts';
import { SqliteCatalog } from '../adapters/catalog/sqlite/sqlite-catalog.ts';
import { PostgresCatalog } from '../adapters/catalog/postgres/postgres-catalog.ts';
import { SqliteJobQueue } from '../adapters/job-queue/sqlite/sqlite-job-queue.ts';
import { BullMqJobQueue } from '../adapters/job-queue/bullmq/bullmq-job-queue.ts';
import { PrometheusMetrics } from '../adapters/metrics/prometheus/prometheus-metrics.ts';
import { LocalDiskObjectStore } from '../adapters/object-store/local-disk/local-disk-object-store.ts';
import { S3ObjectStore } from '../adapters/object-store/s3/s3-object-store.ts';
import { MemoryRateLimiter } from '../adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { RedisRateLimiter } from '../adapters/rate-limiter/redis/redis-rate-limiter.ts';
import { openFfmpegEncoding } from '../adapters/transcoder/ffmpeg/ffmpeg-encoding.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts';
import type { CorePorts } from './build-core.ts';
import type { Config } from './config.ts';
import { parseDatabaseUrl, parseQueueUrl, parseStorageUrl, type StorageTarget } from './storage-url.ts';

export interface AdapterOptions {
  logger: Logger;
  clock: Clock;
  /** The installation secret (the embedded store signs its upload URLs with it). */
  secret: string;
  /** Wraps the probe and encode backend once they are built (tests observe or delay them). */
  wrapEncoding?: (encoding: Encoding) => Encoding;
  passwords?: Passwords;
}

export interface Adapters extends CorePorts {
  /** Where the objects are, as the configuration names it. */
  storage: StorageTarget;
}

/**
 * Picks and builds the adapters the configuration names: SQLite or PostgreSQL catalog, SQLite or
 * BullMQ queue (with Redis rate limits alongside BullMQ), local disk or S3 storage, ffmpeg,
 * Prometheus metrics. The one place that knows adapter classes; buildCore wires the result.
 */
export async function buildAdapters(config: Config, options: AdapterOptions): Promise<Adapters> {
  const { logger, clock, secret } = options;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers) await c().catch((err) => logger.warn({ err: String(err) }, 'close failed'));
  };
  try {
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
    let sources: ObjectStore;
    let media: ObjectStore;
    let sourceKeyFromBucketKey: (k: string) => string | null;
    if (storage.kind === 'file') {
      const signer = new UrlSigner({ secret, clock });
      sources = await LocalDiskObjectStore.open({
        root: join(storage.root, 'sources'),
        bucket: 'sources',
        signer,
        clock,
        acceptsUpload: (key) => awaitingUpload(catalog, key),
      });
      media = await LocalDiskObjectStore.open({ root: join(storage.root, 'media'), bucket: 'media', signer, clock });
      sourceKeyFromBucketKey = (k) => k;
    } else {
      const common = { bucket: storage.bucket, region: storage.region, endpoint: storage.endpoint, forcePathStyle: storage.forcePathStyle };
      const sourcesPrefix = `${storage.prefix}sources/`;
      sources = new S3ObjectStore({ ...common, prefix: sourcesPrefix });
      media = new S3ObjectStore({ ...common, prefix: `${storage.prefix}media/` });
      sourceKeyFromBucketKey = (k) => (k.startsWith(sourcesPrefix) ? k.slice(sourcesPrefix.length) : null);
    }
    const metrics: Metrics = new PrometheusMetrics({ queue, catalog, media });

    return {
      clock,
      logger,
      catalog,
      queue,
      sources,
      media,
      storage,
      rateLimiter,
      metrics,
      passwords: options.passwords,
      encoding: lazyEncoding(config, { sources, media, logger }, options.wrapEncoding),
      sourceKeyFromBucketKey,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The encoder the configuration names, for a command that encodes without a server (`vodkit transcode`). */
export async function openTranscoder(config: Pick<Config, 'ffmpegPath' | 'ffprobePath' | 'x264Preset'>): Promise<FfmpegTranscoder> {
  const tools = await locateFfmpeg({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
  return new FfmpegTranscoder({ ...tools, preset: config.x264Preset });
}

/**
 * The probe and encode backend the configuration names: ffmpeg, located and its scratch space
 * (`<data dir>/work`) opened when a worker first needs them, so processes that only serve the API
 * never look for ffmpeg.
 */
function lazyEncoding(
  config: Pick<Config, 'ffmpegPath' | 'ffprobePath' | 'x264Preset' | 'dataDir'>,
  stores: { sources: ObjectStore; media: ObjectStore; logger: Logger },
  wrap?: (encoding: Encoding) => Encoding,
): () => Promise<Encoding> {
  let opened: Promise<Encoding> | null = null;
  const open = async (): Promise<Encoding> => {
    const transcoder = await openTranscoder(config);
    const encoding = await openFfmpegEncoding({ transcoder, ...stores, workDir: join(config.dataDir, 'work') });
    return wrap ? wrap(encoding) : encoding;
  };
  return () =>
    (opened ??= open().catch((err: unknown) => {
      opened = null;
      throw err;
    }));
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
