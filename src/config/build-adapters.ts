import { awsAdapterKinds } from './aws-adapters.ts';
import { assembleAdapters, type AdapterKinds, type AdapterOptions, type Adapters } from './assemble-adapters.ts';
import type { Config } from './config.ts';
import { localAdapterKinds, openTranscoder } from './local-adapters.ts';

export type { AdapterOptions, Adapters } from './assemble-adapters.ts';
export { openTranscoder };

/** Every adapter vodkit has: those of a machine or a cluster, and those of AWS. */
const allAdapterKinds: AdapterKinds = {
  catalog: { ...localAdapterKinds.catalog, ...awsAdapterKinds.catalog },
  queue: { ...localAdapterKinds.queue, ...awsAdapterKinds.queue },
  storage: { ...localAdapterKinds.storage, ...awsAdapterKinds.storage },
  encoder: { ...localAdapterKinds.encoder, ...awsAdapterKinds.encoder },
  cdn: awsAdapterKinds.cdn,
  rateLimiter: localAdapterKinds.rateLimiter,
  metrics: localAdapterKinds.metrics,
};

/**
 * Picks and builds the adapters the configuration names: SQLite, PostgreSQL or DynamoDB catalog;
 * SQLite, BullMQ or SQS queue (with Redis rate limits alongside BullMQ); local disk or S3 storage;
 * ffmpeg or MediaConvert; Prometheus metrics. With local-adapters.ts and aws-adapters.ts, the one
 * place that knows adapter classes; buildCore wires the result.
 */
export async function buildAdapters(config: Config, options: AdapterOptions): Promise<Adapters> {
  return assembleAdapters(config, options, allAdapterKinds);
}
