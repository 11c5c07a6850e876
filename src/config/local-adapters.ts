import { join } from 'node:path';
import { awaitingUpload } from '../core/upload/awaiting-upload.ts';
import { UrlSigner } from '../core/upload/url-signer.ts';
import { SqliteCatalog } from '../adapters/catalog/sqlite/sqlite-catalog.ts';
import { PostgresCatalog } from '../adapters/catalog/postgres/postgres-catalog.ts';
import { SqliteJobQueue } from '../adapters/job-queue/sqlite/sqlite-job-queue.ts';
import { BullMqJobQueue } from '../adapters/job-queue/bullmq/bullmq-job-queue.ts';
import { LocalDiskObjectStore } from '../adapters/object-store/local-disk/local-disk-object-store.ts';
import { MemoryRateLimiter } from '../adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { RedisRateLimiter } from '../adapters/rate-limiter/redis/redis-rate-limiter.ts';
import { openFfmpegEncoding } from '../adapters/transcoder/ffmpeg/ffmpeg-encoding.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts';
import { FfmpegFrameGrabber } from '../adapters/transcoder/ffmpeg/frame-grabber.ts';
import { PrometheusMetrics } from '../adapters/metrics/prometheus/prometheus-metrics.ts';
import { onFirstUse, queueMaxAttempts, type AdapterKinds } from './assemble-adapters.ts';
import type { Config } from './config.ts';

/**
 * The adapters of a machine or a cluster: SQLite or PostgreSQL catalog, SQLite or BullMQ queue
 * (with Redis rate limits alongside BullMQ), local-disk storage, ffmpeg, Prometheus metrics.
 */
export const localAdapterKinds: AdapterKinds = {
  catalog: {
    sqlite: (db) => SqliteCatalog.open({ path: db.path }),
    postgres: (db) => PostgresCatalog.open({ connectionString: db.url, schema: db.schema }),
  },
  queue: {
    sqlite: async (q, { config }) => ({
      queue: await SqliteJobQueue.open({ path: q.path, defaultMaxAttempts: queueMaxAttempts(config), leaseMs: config.jobLeaseMs }),
    }),
    redis: async (q, { config, options }) => ({
      queue: await BullMqJobQueue.open({ connection: q.url, prefix: q.prefix, defaultMaxAttempts: queueMaxAttempts(config), leaseMs: config.jobLeaseMs }),
      rateLimiter: new RedisRateLimiter({ url: q.url, prefix: q.prefix, logger: options.logger }),
    }),
  },
  storage: {
    file: async (storage, { options, catalog }) => {
      const { clock } = options;
      const signer = new UrlSigner({ secret: options.secret, clock });
      const sources = await LocalDiskObjectStore.open({
        root: join(storage.root, 'sources'),
        bucket: 'sources',
        signer,
        clock,
        acceptsUpload: (key) => awaitingUpload(catalog, key),
      });
      const media = await LocalDiskObjectStore.open({ root: join(storage.root, 'media'), bucket: 'media', signer, clock });
      return { sources, media, sourceKeyFromBucketKey: (k) => k };
    },
  },
  encoder: {
    // ffmpeg is located and its scratch space (`<data dir>/work`) opened when a worker first needs
    // them, so processes that only serve the API never look for ffmpeg.
    ffmpeg: async ({ config, stores, options }) => ({
      encoding: onFirstUse(async () => {
        const transcoder = await openTranscoder(config);
        return openFfmpegEncoding({ transcoder, sources: stores.sources, media: stores.media, logger: options.logger, workDir: join(config.dataDir, 'work') });
      }),
      frameGrabber: new FfmpegFrameGrabber({ tools: onFirstUse(() => locateFfmpeg({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath })) }),
    }),
  },
  rateLimiter: ({ options }) => new MemoryRateLimiter({ clock: options.clock }),
  metrics: (ports) => new PrometheusMetrics(ports),
};

/** The encoder the configuration names, for a command that encodes without a server (`vodkit transcode`). */
export async function openTranscoder(config: Pick<Config, 'ffmpegPath' | 'ffprobePath' | 'x264Preset'>): Promise<FfmpegTranscoder> {
  const tools = await locateFfmpeg({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
  return new FfmpegTranscoder({ ...tools, preset: config.x264Preset });
}
