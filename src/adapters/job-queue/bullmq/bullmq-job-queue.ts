import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortedError, TransientError, VodkitError, errorMessage } from '../../../core/errors.ts';
import {
  jobLanes,
  type EnqueueOptions,
  type JobHandler,
  type JobInfo,
  type JobLane,
  type JobPayload,
  type JobLookup,
  type JobQueue,
  type JobQueueCapabilities,
  type JobWorkers,
  type JobState,
  type QueueWorker,
  type WorkOptions,
} from '../../../core/ports/job-queue.ts';
import { checkEnqueueInput, checkWorkOptions, emptyCounts } from '../enqueue-input.ts';
import { priorityOfRank, priorityRank, workerPerLane } from '../lanes.ts';
import { defaultBackoff, validateBackoff, type BackoffOptions } from '../retry-policy.ts';
import { attemptsOf, BullMqQueueWorker } from './bullmq-queue-worker.ts';
import { Cancellations, type JobQueueKeys } from './cancellations.ts';
import { jobIdForKey, toJobState, type BullJobData } from './job-data.ts';
import { defaultLane, laneQueueName, LaneRegistry } from './lane-registry.ts';
import { assertRedisReachable, createRedisClient, redactRedisUrl, throttleErrors } from '../../redis/redis-connection.ts';

export interface BullMqJobQueueOptions {
  /** redis://[user:password@]host:port[/db] */
  connection: string;
  /** Name of the ladder lane's BullMQ queue; another lane's is `<queueName>-<lane>`. */
  queueName?: string;
  /** Prefix of every Redis key the queue writes. */
  prefix?: string;
  /** BullMQ lock duration; the lock is renewed every leaseMs/3 and checked for stalls every leaseMs. */
  leaseMs?: number;
  defaultMaxAttempts?: number;
  backoff?: BackoffOptions;
  /** How long open() waits for Redis to answer. */
  connectTimeoutMs?: number;
  /** Errors met in the background (Redis connection lost, lock renewal failed). Default: console.error. */
  onError?: (error: unknown) => void;
}

interface Settings {
  url: string;
  queueName: string;
  prefix: string;
  leaseMs: number;
  defaultMaxAttempts: number;
  backoff: BackoffOptions;
  onError: (error: unknown) => void;
}

type LaneQueues = Readonly<Record<JobLane, Queue<BullJobData>>>;

/**
 * Job queue on BullMQ + Redis, for several machines sharing one Redis. Each lane is a BullMQ queue
 * of its own, so a lane's workers fetch only its jobs; priorities are BullMQ's native ones.
 */
export class BullMqJobQueue implements JobQueue, JobWorkers, JobLookup {
  /** Workers in this process; jobs kept by id; an idempotency key recognised for as long as its job exists. */
  readonly capabilities: JobQueueCapabilities = { workers: this, lookup: this, idempotency: { windowMs: null }, delays: true };
  private readonly workers = new Set<BullMqQueueWorker>();
  private readonly cancellations: Cancellations;
  private readonly registry: LaneRegistry;
  /** Removals of cancelled jobs still under way; close() waits for them. */
  private readonly finishing = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly queues: LaneQueues,
    private readonly client: Redis,
    private readonly settings: Settings,
  ) {
    const main = queues[defaultLane];
    this.cancellations = new Cancellations(client, {
      cancelled: main.toKey('vodkit-cancelled'),
      pending: main.toKey('vodkit-cancel-pending'),
    });
    this.registry = new LaneRegistry(client, main.toKey('vodkit-lanes'), (id) => main.toKey(id));
  }

  static async open(options: BullMqJobQueueOptions): Promise<BullMqJobQueue> {
    const settings: Settings = {
      url: options.connection,
      queueName: options.queueName ?? 'vodkit-transcode',
      prefix: options.prefix ?? 'vodkit',
      leaseMs: options.leaseMs ?? 30_000,
      defaultMaxAttempts: options.defaultMaxAttempts ?? 3,
      backoff: validateBackoff(options.backoff ?? defaultBackoff),
      onError: throttleErrors(options.onError ?? ((error) => console.error('vodkit job queue:', error))),
    };
    if (!(settings.leaseMs >= 30)) throw new RangeError(`leaseMs must be at least 30 (got ${settings.leaseMs})`);
    if (!Number.isInteger(settings.defaultMaxAttempts) || settings.defaultMaxAttempts < 1) {
      throw new RangeError(`defaultMaxAttempts must be a whole number of at least 1 (got ${settings.defaultMaxAttempts})`);
    }
    if (settings.queueName.includes(':') || settings.prefix.length === 0) {
      throw new RangeError('queueName may not contain ":" and prefix may not be empty');
    }
    await assertRedisReachable(settings.url, options.connectTimeoutMs ?? 5000);
    const client = createRedisClient(settings.url, settings.onError);
    const queues = Object.fromEntries(
      jobLanes.map((lane) => {
        const queue = new Queue<BullJobData>(laneQueueName(settings.queueName, lane), { connection: client, prefix: settings.prefix });
        queue.on('error', settings.onError);
        return [lane, queue];
      }),
    ) as Record<JobLane, Queue<BullJobData>>;
    try {
      await Promise.all(Object.values(queues).map((queue) => queue.waitUntilReady()));
    } catch (err) {
      await Promise.all(Object.values(queues).map((queue) => queue.close().catch(() => undefined)));
      client.disconnect();
      throw new TransientError(`Cannot use Redis at ${redactRedisUrl(settings.url)} for the job queue: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    return new BullMqJobQueue(queues, client, settings);
  }

  async enqueue(payload: JobPayload, options: EnqueueOptions): Promise<{ id: string; created: boolean }> {
    const { maxAttempts, priority, lane, delayMs } = checkEnqueueInput(payload, options, this.settings.defaultMaxAttempts);
    const id = jobIdForKey(options.idempotencyKey);
    const enqueueToken = randomUUID();
    return this.guard(async () => {
      if (await this.cancellations.isCancelled(id)) return { id, created: false };
      // The key already names a job of another lane: that job is the one.
      if ((await this.registry.claim(id, lane)) !== lane) return { id, created: false };
      const queue = this.queues[lane];
      // An existing job id makes add() a no-op: the stored token tells which call created the job.
      await queue.add(
        payload.type,
        { payload, enqueueToken },
        { jobId: id, attempts: maxAttempts, backoff: { type: 'vodkit' }, priority: priorityRank(priority), ...(delayMs > 0 ? { delay: delayMs } : {}) },
      );
      const job = await queue.getJob(id);
      const token = job ? job.data.enqueueToken : (await this.cancellations.get(id))?.enqueueToken;
      return { id, created: token === enqueueToken };
    });
  }

  async getJob(id: string): Promise<JobInfo | null> {
    return this.guard(async () => {
      const queue = this.queues[await this.registry.laneOf(id)];
      // State first: once it is final (completed, failed) the job read after it is final too, so
      // a finished job is never shown with the error or attempts of an earlier moment.
      const state = toJobState(await queue.getJobState(id));
      const [record, job] = await Promise.all([this.cancellations.get(id), queue.getJob(id)]);
      if (record) {
        return {
          id,
          payload: record.payload,
          state: 'cancelled',
          priority: record.priority ?? 'normal',
          attempts: job ? attemptsOf(job) : record.attempts,
          maxAttempts: record.maxAttempts,
          lastError: record.lastError,
        };
      }
      return job && state ? infoOf(job, state) : null;
    });
  }

  async cancel(id: string): Promise<boolean> {
    return this.guard(async () => {
      const lane = await this.registry.laneOf(id);
      const job = await this.queues[lane].getJob(id);
      if (!job) return false;
      const info = infoOf(job, 'cancelled');
      const marked = await this.cancellations.mark(id, { ...info, enqueueToken: job.data.enqueueToken }, this.keysOf(lane));
      if (!marked) return false;
      for (const worker of this.workers) worker.abortJob(id, new AbortedError('the job was cancelled'));
      try {
        // Fails while a worker holds the job's lock: that worker sees the mark and ends the job.
        await job.remove();
        await this.cancellations.removedFromBull(id);
      } catch {
        // Active: removed once it reaches the failed set (see onCancelledJobFailed).
      }
      return true;
    });
  }

  async counts(): Promise<Record<JobState, number>> {
    return this.guard(async () => {
      const counts = emptyCounts();
      for (const queue of Object.values(this.queues)) {
        const raw = await queue.getJobCounts('wait', 'delayed', 'prioritized', 'paused', 'waiting-children', 'active', 'completed', 'failed');
        counts.waiting += raw.wait + raw.delayed + raw.prioritized + raw.paused + raw['waiting-children'];
        counts.active += raw.active;
        counts.completed += raw.completed;
        counts.failed += raw.failed;
      }
      counts.cancelled = await this.cancellations.count();
      // Cancelled jobs BullMQ still holds are counted once, as cancelled.
      for (const id of await this.cancellations.pendingIds()) {
        const queue = this.queues[await this.registry.laneOf(id)];
        const state = toJobState(await queue.getJobState(id));
        if (state) counts[state] = Math.max(0, counts[state] - 1);
      }
      return counts;
    });
  }

  work(handler: JobHandler, options: WorkOptions): QueueWorker {
    if (this.closed) throw new TransientError('The job queue is closed');
    const lanes = checkWorkOptions(options);
    return workerPerLane(lanes, (lane) => {
      const worker = new BullMqQueueWorker(
        handler,
        {
          queueName: laneQueueName(this.settings.queueName, lane),
          prefix: this.settings.prefix,
          concurrency: options.concurrency,
          leaseMs: this.settings.leaseMs,
          backoff: this.settings.backoff,
          connection: createRedisClient(this.settings.url, this.settings.onError),
          commands: this.client,
          cancellations: this.cancellations,
          onCancelledJobFailed: (jobId) => this.track(this.removeCancelledJob(jobId, lane)),
          onError: this.settings.onError,
        },
        (stopped) => this.workers.delete(stopped),
      );
      this.workers.add(worker);
      return worker;
    });
  }

  async ping(): Promise<void> {
    await this.guard(async () => {
      await this.client.ping();
    });
  }

  /** Stops workers still running (their jobs go back to waiting), then closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.stop({ graceful: false })));
    await Promise.allSettled([...this.finishing]);
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /**
   * Drops every connection without releasing locks or waiting for handlers: the state a killed
   * process (kill -9) leaves behind. For crash-recovery tests.
   */
  async simulateCrash(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.crash()));
    this.client.disconnect();
    await Promise.all(Object.values(this.queues).map((queue) => queue.close().catch(() => undefined)));
  }

  private track(work: Promise<void>): Promise<void> {
    this.finishing.add(work);
    return work.finally(() => this.finishing.delete(work));
  }

  private keysOf(lane: JobLane): JobQueueKeys {
    const queue = this.queues[lane];
    return { completed: queue.keys.completed, failed: queue.keys.failed, jobKey: (id) => queue.toKey(id) };
  }

  /** A cancelled job that was running has reached the failed set: keep only the cancel record. */
  private async removeCancelledJob(id: string, lane: JobLane): Promise<void> {
    const [record, job] = await Promise.all([this.cancellations.get(id), this.queues[lane].getJob(id)]);
    if (!job) return;
    if (record) await this.cancellations.update(id, { ...record, attempts: attemptsOf(job) });
    await job.remove();
    await this.cancellations.removedFromBull(id);
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new TransientError('The job queue is closed');
    try {
      return await operation();
    } catch (err) {
      if (err instanceof VodkitError) throw err;
      throw new TransientError(`The job queue (Redis at ${redactRedisUrl(this.settings.url)}) failed: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
}

function infoOf(job: Job<BullJobData>, state: JobState): JobInfo {
  return {
    id: job.id as string,
    payload: job.data.payload,
    state,
    priority: priorityOfRank(job.priority),
    attempts: attemptsOf(job),
    maxAttempts: job.opts.attempts ?? 1,
    lastError: job.failedReason || null,
  };
}
