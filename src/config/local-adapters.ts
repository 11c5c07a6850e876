import { join } from 'node:path';
import { awaitingUpload } from '../core/upload/awaiting-upload.ts';
import { UrlSigner } from '../core/upload/url-signer.ts';
import { MemoryRateLimiter } from '../adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { PrometheusMetrics } from '../adapters/metrics/prometheus/prometheus-metrics.ts';
import type { FfmpegTranscoder } from '../adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts';
import { onFirstUse, queueMaxAttempts, type AdapterKinds } from './assemble-adapters.ts';
import type { Config } from './config.ts';

/**
 * The adapters of a machine or a cluster: SQLite or PostgreSQL catalog, SQLite or BullMQ queue
 * (with Redis rate limits alongside BullMQ), local-disk storage, ffmpeg, Prometheus metrics.
 * Each adapter's module (and its client library) is loaded when the configuration first names it,
 * so a process holds only the families it uses.
 */
export const localAdapterKinds: AdapterKinds = {
  catalog: {
    sqlite: async (db) => {
      const { SqliteCatalog } = await import('../adapters/catalog/sqlite/sqlite-catalog.ts');
      return SqliteCatalog.open({ path: db.path });
    },
    postgres: async (db) => {
      const { PostgresCatalog } = await import('../adapters/catalog/postgres/postgres-catalog.ts');
      return PostgresCatalog.open({ connectionString: db.url, schema: db.schema });
    },
  },
  queue: {
    sqlite: async (q, { config }) => {
      const { SqliteJobQueue } = await import('../adapters/job-queue/sqlite/sqlite-job-queue.ts');
      return { queue: await SqliteJobQueue.open({ path: q.path, defaultMaxAttempts: queueMaxAttempts(config), leaseMs: config.jobLeaseMs }) };
    },
    redis: async (q, { config, options }) => {
      const { BullMqJobQueue } = await import('../adapters/job-queue/bullmq/bullmq-job-queue.ts');
      const { RedisRateLimiter } = await import('../adapters/rate-limiter/redis/redis-rate-limiter.ts');
      return {
        queue: await BullMqJobQueue.open({ connection: q.url, prefix: q.prefix, defaultMaxAttempts: queueMaxAttempts(config), leaseMs: config.jobLeaseMs }),
        rateLimiter: new RedisRateLimiter({ url: q.url, prefix: q.prefix, logger: options.logger }),
      };
    },
  },
  storage: {
    file: async (storage, { options, catalog }) => {
      const { LocalDiskObjectStore } = await import('../adapters/object-store/local-disk/local-disk-object-store.ts');
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
    ffmpeg: async ({ config, stores, options }) => {
      const { FfmpegFrameGrabber } = await import('../adapters/transcoder/ffmpeg/frame-grabber.ts');
      const { locateFfmpeg } = await import('../adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts');
      return {
        encoding: onFirstUse(async () => {
          const { openFfmpegEncoding } = await import('../adapters/transcoder/ffmpeg/ffmpeg-encoding.ts');
          const transcoder = await openTranscoder(config);
          return openFfmpegEncoding({ transcoder, sources: stores.sources, media: stores.media, logger: options.logger, workDir: join(config.dataDir, 'work') });
        }),
        frameGrabber: new FfmpegFrameGrabber({ tools: onFirstUse(() => locateFfmpeg({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath })) }),
      };
    },
  },
  rateLimiter: ({ options }) => new MemoryRateLimiter({ clock: options.clock }),
  metrics: (ports) => new PrometheusMetrics(ports),
};

/** The encoder the configuration names, for a command that encodes without a server (`vodkit transcode`). */
export async function openTranscoder(config: Pick<Config, 'ffmpegPath' | 'ffprobePath' | 'x264Preset'>): Promise<FfmpegTranscoder> {
  const { FfmpegTranscoder, locateFfmpeg } = await import('../adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts');
  const tools = await locateFfmpeg({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
  return new FfmpegTranscoder({ ...tools, preset: config.x264Preset });
}
