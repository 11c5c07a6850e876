import type { HlsKeys } from '../core/auth/hls-keys.ts';
import { ConfigurationError } from '../core/errors.ts';
import { limitAttempts } from '../core/maintenance/attempt-limit.ts';
import { observeJobs } from '../core/maintenance/job-observer.ts';
import { TranscodeJob } from '../core/pipeline/transcode-job.ts';
import type { Catalog } from '../core/ports/catalog.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { JobContext, JobHandler, JobQueue, QueueWorker, WebhookJobPayload } from '../core/ports/job-queue.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Metrics } from '../core/ports/metrics.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import type { Encoding } from '../core/ports/encode-backend.ts';
import type { WebhookSender } from '../core/ports/webhook-sender.ts';
import { defaultWebhookRetrySchedule, type WebhookRetrySchedule } from '../core/webhooks/retry-schedule.ts';
import { WebhookDelivery } from '../core/webhooks/webhook-delivery.ts';

/** What the job workers are told. */
export interface JobWorkerSettings {
  segmentSeconds: number;
  /** Ladders of videos at least two chunks long are split into chunks of about this length (VODKIT_CHUNK_SECONDS); 0 or absent: never. */
  chunkSeconds?: number;
  jobTimeoutMinSec: number;
  jobTimeoutFactor: number;
  /** Jobs at once in each lane (prepare, ladder, webhook) of a worker started without a concurrency of its own. */
  workerConcurrency: number;
  /** Ladders make a downloadable MP4 for videos that do not say (VODKIT_DOWNLOADS; default false). */
  downloads?: boolean;
  /** Ladders fitted to each source's content (VODKIT_PER_TITLE; default false here, true in the configuration). */
  perTitle?: boolean;
  /** When failed webhook deliveries are tried again; default: 10 s, 30 s, 2 min, 10 min, 1 h... for a day. */
  webhookRetrySchedule?: WebhookRetrySchedule;
}

export interface JobWorkerDeps {
  catalog: Catalog;
  queue: JobQueue;
  sources: ObjectStore;
  media: ObjectStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  hlsKeys: HlsKeys;
  webhookSender: WebhookSender;
  /** The probe and encode backend (built on first use). */
  encoding(): Promise<Encoding>;
}

/**
 * The job handlers and the workers that run them: which job types a worker serves, on which lanes,
 * with what around them (attempt limit, metrics). Started by `vodkit serve` and `vodkit worker`.
 */
export function jobWorkers(
  deps: JobWorkerDeps,
  settings: JobWorkerSettings,
): { jobHandler(): Promise<JobHandler>; startWorker(concurrency?: number): Promise<QueueWorker>; stopWorkers(graceMs?: number): Promise<void> } {
  const { catalog, queue, sources, media, clock, logger, metrics, hlsKeys } = deps;
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
  /** What runs each job, wherever the job comes from (a worker of the queue, or a function given a batch). */
  const jobHandler = async (): Promise<JobHandler> => {
    const job = new TranscodeJob({
      catalog,
      sources,
      media,
      queue,
      encoding: await deps.encoding(),
      clock,
      logger,
      segmentSeconds: settings.segmentSeconds,
      chunkSeconds: settings.chunkSeconds,
      timeouts: { minSec: settings.jobTimeoutMinSec, factor: settings.jobTimeoutFactor },
      downloads: settings.downloads,
      perTitle: settings.perTitle,
      hlsKeys,
    });
    const pipeline = limitAttempts(job.handle, { catalog, media, logger });
    // Webhook deliveries keep their own record of attempts (the delivery log): no attempt limit of the pipeline's.
    const webhooks = new WebhookDelivery({ catalog, queue, sender: deps.webhookSender, clock, logger, schedule: settings.webhookRetrySchedule ?? defaultWebhookRetrySchedule });
    const handler: JobHandler = (ctx) =>
      ctx.payload.type === 'webhook' ? webhooks.handle(ctx as JobContext<WebhookJobPayload>) : pipeline(ctx);
    return observeJobs(handler, metrics);
  };
  return {
    jobHandler,
    async startWorker(concurrency = settings.workerConcurrency) {
      const source = queue.capabilities.workers;
      if (!source) {
        throw new ConfigurationError(
          'this job queue has no workers: the platform delivers its jobs to the stage function (SQS feeding a Lambda function); run that function instead of a worker',
        );
      }
      const handler = await jobHandler();
      // No lane: the worker serves each lane with slots of its own, so a new upload's `prepare` (its
      // first playable output) never waits for a running `ladder`, even on a one-worker machine.
      const worker = source.work(handler, { concurrency });
      workers.push(worker);
      return worker;
    },
    stopWorkers,
  };
}
