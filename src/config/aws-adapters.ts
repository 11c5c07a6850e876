import { MemoryRateLimiter } from '../adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { PrometheusMetrics } from '../adapters/metrics/prometheus/prometheus-metrics.ts';
import { ValidationError } from '../core/errors.ts';
import { assembleAdapters, onFirstUse, queueMaxAttempts, type AdapterKinds, type AdapterOptions, type Adapters } from './assemble-adapters.ts';
import type { Config } from './config.ts';
import type { StorageTarget } from './storage-url.ts';

/**
 * The adapters of the AWS deployment: S3 storage, DynamoDB catalog, SQS queue, MediaConvert,
 * CloudFront. Pure JavaScript only (no native module, no ffmpeg), so a function bundle holds them
 * and nothing else. Each adapter's module (and its AWS SDK client) is loaded when the configuration
 * first names it, so a server of another family never loads them.
 */
export const awsAdapterKinds: AdapterKinds = {
  catalog: {
    dynamodb: async (db, { config, options }) => {
      const { DynamoDbCatalog } = await import('../adapters/catalog/dynamodb/dynamodb-catalog.ts');
      return DynamoDbCatalog.open({ tableName: db.table, region: db.region ?? config.awsRegion, endpoint: db.endpoint, clock: options.clock });
    },
  },
  queue: {
    sqs: async (q, { config, options }) => {
      const { SqsJobQueue } = await import('../adapters/job-queue/sqs/sqs-job-queue.ts');
      const { deliverSqsJobs } = await import('../adapters/job-queue/sqs/deliver-sqs-jobs.ts');
      return {
        queue: new SqsJobQueue({ queueUrl: q.queueUrl, region: q.region ?? config.awsRegion, endpoint: q.endpoint, defaultMaxAttempts: queueMaxAttempts(config) }),
        deliverJobBatch: async (records, handler, batch) => {
          const delivered = await deliverSqsJobs(
            records.map((r) => ({
              messageId: r.messageId,
              body: r.body,
              attributes: { ApproximateReceiveCount: r.attributes.ApproximateReceiveCount ?? '1', MessageGroupId: r.attributes.MessageGroupId },
            })),
            handler,
            { logger: options.logger, timeoutMs: batch?.timeoutMs },
          );
          for (const other of delivered.otherRecords) {
            options.logger.error({ messageId: other.messageId }, 'a message of the job queue that is not a vodkit job; left for the dead-letter queue');
          }
          return { batchItemFailures: [...delivered.batchItemFailures, ...delivered.otherRecords.map((r) => ({ itemIdentifier: r.messageId }))] };
        },
      };
    },
  },
  storage: {
    s3: async (storage) => {
      const { S3ObjectStore } = await import('../adapters/object-store/s3/s3-object-store.ts');
      const common = { bucket: storage.bucket, region: storage.region, endpoint: storage.endpoint, forcePathStyle: storage.forcePathStyle };
      const sourcesPrefix = `${storage.prefix}sources/`;
      return {
        sources: new S3ObjectStore({ ...common, prefix: sourcesPrefix }),
        media: new S3ObjectStore({ ...common, prefix: `${storage.prefix}media/` }),
        sourceKeyFromBucketKey: (k) => (k.startsWith(sourcesPrefix) ? k.slice(sourcesPrefix.length) : null),
      };
    },
  },
  encoder: {
    // MediaConvert reads the sources and writes the media straight in the bucket; its completion
    // comes back as EventBridge events, read by readEncodeEvent.
    mediaconvert: async ({ config, storage, options }) => {
      if (storage.kind !== 's3') throw new ValidationError('VODKIT_STORAGE: MediaConvert reads and writes S3 only; use s3://<bucket>/');
      if (!config.mediaConvertRoleArn) throw new ValidationError('VODKIT_MEDIACONVERT_ROLE_ARN: required when VODKIT_ENCODER is mediaconvert');
      const s3 = s3Locations(storage);
      const roleArn = config.mediaConvertRoleArn;
      const region = config.awsRegion ?? storage.region;
      const { MediaConvertClient } = await import('@aws-sdk/client-mediaconvert');
      const { MediaConvertEncodeBackend, MediaConvertMediaProbe, parseJobStateEvent } = await import('../adapters/transcoder/mediaconvert/index.ts');
      return {
        encoding: onFirstUse(async () => {
          const client = new MediaConvertClient({ region });
          return {
            probe: new MediaConvertMediaProbe({ client, sourceUri: s3.sourceUri }),
            backend: new MediaConvertEncodeBackend({ client, roleArn, queueArn: config.mediaConvertQueueArn, s3, logger: options.logger }),
            // MediaConvert encodes where the source is; nothing here samples it: the fixed ladder.
            analyzer: null,
          };
        }),
        readEncodeEvent: (event) => parseJobStateEvent(event, { mediaKeyFromUri: s3.mediaKeyFromUri }),
      };
    },
  },
  cdn: async (settings) => {
    const { CloudFrontSigner } = await import('../adapters/cdn/cloudfront/cloudfront-signer.ts');
    return new CloudFrontSigner(settings);
  },
  // Per function container: sign-in and upload limits hold within one container only.
  rateLimiter: ({ options }) => new MemoryRateLimiter({ clock: options.clock }),
  metrics: (ports) => new PrometheusMetrics(ports),
};

/** The S3 URIs of the sources and media stores' keys (what MediaConvert reads and writes), and back. */
export function s3Locations(storage: Extract<StorageTarget, { kind: 's3' }>) {
  const base = `s3://${storage.bucket}/${storage.prefix}`;
  return {
    sourceUri: (key: string) => `${base}sources/${key}`,
    mediaUri: (key: string) => `${base}media/${key}`,
    mediaKeyFromUri: (uri: string) => (uri.startsWith(`${base}media/`) ? uri.slice(`${base}media/`.length) || null : null),
  };
}

/** The adapters the configuration names, from the AWS family only (what a function bundle holds). */
export async function buildAwsAdapters(config: Config, options: AdapterOptions): Promise<Adapters> {
  return assembleAdapters(config, options, awsAdapterKinds);
}
