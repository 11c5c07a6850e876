import { withQueueTimeouts } from '../core/maintenance/queue-timeouts.ts';
import type { Passwords } from '../core/auth/passwords.ts';
import type { EncodeEvent } from '../core/pipeline/encode-event.ts';
import type { CdnSigner } from '../core/ports/cdn-signer.ts';
import type { Catalog } from '../core/ports/catalog.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { FrameGrabber } from '../core/ports/frame-grabber.ts';
import type { Encoding } from '../core/ports/encode-backend.ts';
import type { JobHandler, JobQueue } from '../core/ports/job-queue.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import type { RateLimiter } from '../core/ports/rate-limiter.ts';
import { ValidationError } from '../core/errors.ts';
import { NodeWebhookSender } from '../adapters/webhook-sender/node-webhook-sender.ts';
import type { CorePorts } from './build-core.ts';
import type { Config } from './config.ts';
import { parseDatabaseUrl, parseQueueUrl, parseStorageUrl, type DatabaseTarget, type QueueTarget, type StorageTarget } from './storage-url.ts';

export interface AdapterOptions {
  logger: Logger;
  clock: Clock;
  /** The installation secret (the embedded store signs its upload URLs with it). */
  secret: string;
  /** Wraps the probe and encode backend once they are built (tests observe or delay them). */
  wrapEncoding?: (encoding: Encoding) => Encoding;
  passwords?: Passwords;
  /** The PEM key that signs CDN URLs, when read from a secret store; else VODKIT_CDN_PRIVATE_KEY. */
  cdnPrivateKey?: string;
}

/** One message of a batch a queue hands to a function (an SQS record). */
export interface QueueBatchRecord {
  messageId: string;
  body: string;
  attributes: Record<string, string | undefined>;
}

/** Runs a batch of a queue's messages through the job handler; says which messages to deliver again. */
export type JobBatchDelivery = (
  records: QueueBatchRecord[],
  handler: JobHandler,
  options?: { /** Jobs still running then see their signal fire; those not started are handed back. */ timeoutMs?: number },
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

/** What one event of an encoder that completes by event means (the core's EncodeEvent). */
export type EncodeEventReading = EncodeEvent;

export interface Adapters extends CorePorts {
  /** Where the objects are, as the configuration names it. */
  storage: StorageTarget;
  /** Set when the queue's jobs are delivered to a function in batches (SQS) instead of taken by workers here. */
  deliverJobBatch?: JobBatchDelivery;
  /** Set when the encode backend completes by event (MediaConvert): reads one of those events. */
  readEncodeEvent?: (event: unknown) => EncodeEventReading;
}

/** What opening the configured storage gives. */
export interface OpenedStores {
  sources: ObjectStore;
  media: ObjectStore;
  sourceKeyFromBucketKey(bucketKey: string): string | null;
}

/** What opening the configured queue gives. */
export interface OpenedQueue {
  queue: JobQueue;
  /** Set when the platform delivers the jobs to a function (see Adapters.deliverJobBatch). */
  deliverJobBatch?: JobBatchDelivery;
  /** A rate limiter shared by every process of the installation, when the queue's server offers one. */
  rateLimiter?: RateLimiter;
}

/** What opening the configured encoder gives. */
export interface OpenedEncoder {
  /** Built when a worker first needs it. */
  encoding(): Promise<Encoding>;
  readEncodeEvent?: Adapters['readEncodeEvent'];
  /** Takes frames of published videos on request, where this encoder can decode them here. */
  frameGrabber?: FrameGrabber;
}

export interface OpenContext {
  config: Config;
  options: AdapterOptions;
}

type Opener<T extends { kind: string }, R, Extra = object> = (target: T, ctx: OpenContext & Extra) => Promise<R>;

/**
 * The adapters a family knows how to open, by the kind the configuration names. buildAdapters
 * knows every family; a function bundle knows only the AWS one (no native module, no ffmpeg).
 */
export interface AdapterKinds {
  catalog: { [K in DatabaseTarget['kind']]?: Opener<Extract<DatabaseTarget, { kind: K }>, Catalog> };
  queue: { [K in QueueTarget['kind']]?: Opener<Extract<QueueTarget, { kind: K }>, OpenedQueue> };
  storage: { [K in StorageTarget['kind']]?: Opener<Extract<StorageTarget, { kind: K }>, OpenedStores, { catalog: Catalog }> };
  encoder: { [K in Config['encoder']]?: (ctx: OpenContext & { stores: OpenedStores; storage: StorageTarget }) => Promise<OpenedEncoder> };
  /** The CDN signer, when the configuration names a CDN (its key given). */
  cdn?: (settings: { url: string; keyPairId: string; privateKey: string }) => Promise<CdnSigner>;
  /** The rate limiter when the queue offers none. */
  rateLimiter(ctx: OpenContext): RateLimiter;
  metrics(ports: { queue: JobQueue; catalog: Catalog; media: ObjectStore }): Metrics;
}

function missing(setting: string, kind: string): never {
  throw new ValidationError(`${setting}: "${kind}" is not available in this build of vodkit`);
}

/**
 * Builds the adapters the configuration names from the kinds given: catalog, queue (with its rate
 * limiter), storage, encoder, metrics. Whatever was opened is closed again when a later one fails.
 */
export async function assembleAdapters(config: Config, options: AdapterOptions, kinds: AdapterKinds): Promise<Adapters> {
  const { logger, clock } = options;
  const ctx: OpenContext = { config, options };
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers) await c().catch((err) => logger.warn({ err: String(err) }, 'close failed'));
  };
  try {
    const db = parseDatabaseUrl(config.databaseUrl);
    const openCatalog = kinds.catalog[db.kind] as Opener<DatabaseTarget, Catalog> | undefined;
    const catalog = await (openCatalog ?? missing('VODKIT_DATABASE_URL', db.kind))(db, ctx);
    closers.push(() => catalog.close());

    const q = parseQueueUrl(config.queueUrl);
    const openQueue = kinds.queue[q.kind] as Opener<QueueTarget, OpenedQueue> | undefined;
    const opened = await (openQueue ?? missing('VODKIT_QUEUE_URL', q.kind))(q, ctx);
    // Requests never wait long on a queue whose server is down (see queue-timeouts.ts).
    const queue = withQueueTimeouts(opened.queue, QUEUE_CALL_TIMEOUT_MS);
    closers.unshift(() => queue.close());
    const rateLimiter = opened.rateLimiter ?? kinds.rateLimiter(ctx);
    closers.push(() => rateLimiter.close());

    const storage = parseStorageUrl(config.storage);
    const openStores = kinds.storage[storage.kind] as Opener<StorageTarget, OpenedStores, { catalog: Catalog }> | undefined;
    const stores = await (openStores ?? missing('VODKIT_STORAGE', storage.kind))(storage, { ...ctx, catalog });
    const { sources, media } = stores;
    const metrics = kinds.metrics({ queue, catalog, media });

    const openEncoder = kinds.encoder[config.encoder] ?? missing('VODKIT_ENCODER', config.encoder);
    const encoder = await openEncoder({ ...ctx, stores, storage });
    const wrap = options.wrapEncoding;
    const cdn = await openCdn(config, options, kinds);

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
      encoding: wrap ? onFirstUse(async () => wrap(await encoder.encoding())) : encoder.encoding,
      sourceKeyFromBucketKey: stores.sourceKeyFromBucketKey,
      webhookSender: new NodeWebhookSender({ allowPrivate: config.webhookAllowPrivate }),
      ...(opened.deliverJobBatch ? { deliverJobBatch: opened.deliverJobBatch } : {}),
      ...(encoder.readEncodeEvent ? { readEncodeEvent: encoder.readEncodeEvent } : {}),
      ...(cdn ? { cdn } : {}),
      ...(encoder.frameGrabber ? { frameGrabber: encoder.frameGrabber } : {}),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function openCdn(config: Config, options: AdapterOptions, kinds: AdapterKinds): Promise<CdnSigner | undefined> {
  if (!config.cdnUrl) return undefined;
  const privateKey = options.cdnPrivateKey ?? config.cdnPrivateKey;
  if (!config.cdnKeyPairId || !privateKey) {
    throw new ValidationError('invalid configuration:\n  VODKIT_CDN_PRIVATE_KEY: the CDN\'s signing key was not given (nor read from VODKIT_CDN_PRIVATE_KEY_SECRET)');
  }
  if (!kinds.cdn) missing('VODKIT_CDN_URL', 'cloudfront');
  return kinds.cdn({ url: config.cdnUrl, keyPairId: config.cdnKeyPairId, privateKey });
}

/** Opens something once, on first use; a failed opening is tried again on the next. */
export function onFirstUse<T>(open: () => Promise<T>): () => Promise<T> {
  let opened: Promise<T> | null = null;
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
export function queueMaxAttempts(config: Config): number {
  return config.jobMaxAttempts + 1;
}
