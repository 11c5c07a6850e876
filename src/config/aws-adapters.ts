import { CloudFrontSigner } from '../adapters/cdn/cloudfront/cloudfront-signer.ts';
import { S3ObjectStore } from '../adapters/object-store/s3/s3-object-store.ts';
import { MemoryRateLimiter } from '../adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { PrometheusMetrics } from '../adapters/metrics/prometheus/prometheus-metrics.ts';
import { assembleAdapters, type AdapterKinds, type AdapterOptions, type Adapters } from './assemble-adapters.ts';
import type { Config } from './config.ts';

/**
 * The adapters of the AWS deployment: S3 storage, DynamoDB catalog, SQS queue, MediaConvert. Pure
 * JavaScript only (no native module, no ffmpeg), so a function bundle holds them and nothing else.
 */
export const awsAdapterKinds: AdapterKinds = {
  catalog: {},
  queue: {},
  storage: {
    s3: async (storage) => {
      const common = { bucket: storage.bucket, region: storage.region, endpoint: storage.endpoint, forcePathStyle: storage.forcePathStyle };
      const sourcesPrefix = `${storage.prefix}sources/`;
      return {
        sources: new S3ObjectStore({ ...common, prefix: sourcesPrefix }),
        media: new S3ObjectStore({ ...common, prefix: `${storage.prefix}media/` }),
        sourceKeyFromBucketKey: (k) => (k.startsWith(sourcesPrefix) ? k.slice(sourcesPrefix.length) : null),
      };
    },
  },
  encoder: {},
  cdn: (settings) => new CloudFrontSigner(settings),
  // Per function container: sign-in and upload limits hold within one container only.
  rateLimiter: ({ options }) => new MemoryRateLimiter({ clock: options.clock }),
  metrics: (ports) => new PrometheusMetrics(ports),
};

/** The adapters the configuration names, from the AWS family only (what a function bundle holds). */
export async function buildAwsAdapters(config: Config, options: AdapterOptions): Promise<Adapters> {
  return assembleAdapters(config, options, awsAdapterKinds);
}
