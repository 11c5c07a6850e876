import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortedError, TransientError, VodkitError, errorMessage } from '../../../core/errors.ts';
import type {
  EnqueueOptions,
  JobHandler,
  JobInfo,
  JobPayload,
  JobQueue,
  JobState,
  QueueWorker,
} from '../../../core/ports/job-queue.ts';
import { checkConcurrency, checkEnqueueInput, emptyCounts } from '../enqueue-input.ts';
import { defaultBackoff, validateBackoff, type BackoffOptions } from '../retry-policy.ts';
import { attemptsOf, BullMqQueueWorker } from './bullmq-queue-worker.ts';
import { Cancellations } from './cancellations.ts';
import { jobIdForKey, toJobState, type BullJobData } from './job-data.ts';
import { assertRedisReachable, createRedisClient, redactRedisUrl, throttleErrors } from '../../redis/redis-connection.ts';

export interface BullMqJobQueueOptions {
  /** redis://[user:password@]host:port[/db] */
  connection: string;
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

/** Job queue on BullMQ + Redis, for several machines sharing one Redis. */
export class BullMqJobQueue implements JobQueue {
  private readonly workers = new Set<BullMqQueueWorker>();
  private readonly cancellations: Cancellations;
  /** Removals of cancelled jobs still under way; close() waits for them. */
  private readonly finishing = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly queue: Queue<BullJobData>,
    private readonly client: Redis,
    private readonly settings: Settings,
  ) {
    this.cancellations = new Cancellations(client, {
      cancelled: queue.toKey('vodkit-cancelled'),
      pending: queue.toKey('vodkit-cancel-pending'),
      completed: queue.keys.completed,
      failed: queue.keys.failed,
      jobKey: (id) => queue.toKey(id),
    });
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
    const queue = new Queue<BullJobData>(settings.queueName, { connection: client, prefix: settings.prefix });
    queue.on('error', settings.onError);
    try {
      await queue.waitUntilReady();
    } catch (err) {
      await queue.close().catch(() => undefined);
      client.disconnect();
      throw new TransientError(`Cannot use Redis at ${redactRedisUrl(settings.url)} for the job queue: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    return new BullMqJobQueue(queue, client, settings);
  }

  async enqueue(payload: JobPayload, options: EnqueueOptions): Promise<{ id: string; created: boolean }> {
    const maxAttempts = checkEnqueueInput(payload, options, this.settings.defaultMaxAttempts);
    const id = jobIdForKey(options.idempotencyKey);
    const enqueueToken = randomUUID();
    return this.guard(async () => {
      if (await this.cancellations.isCancelled(id)) return { id, created: false };
      // An existing job id makes add() a no-op: the stored token tells which call created the job.
      await this.queue.add(payload.type, { payload, enqueueToken }, { jobId: id, attempts: maxAttempts, backoff: { type: 'vodkit' } });
      const job = await this.queue.getJob(id);
      const token = job ? job.data.enqueueToken : (await this.cancellations.get(id))?.enqueueToken;
      return { id, created: token === enqueueToken };
    });
  }

  async getJob(id: string): Promise<JobInfo | null> {
    return this.guard(async () => {
      const [record, job] = await Promise.all([this.cancellations.get(id), this.queue.getJob(id)]);
      if (record) {
        return {
          id,
          payload: record.payload,
          state: 'cancelled',
          attempts: job ? attemptsOf(job) : record.attempts,
          maxAttempts: record.maxAttempts,
          lastError: record.lastError,
        };
      }
      if (!job) return null;
      const state = toJobState(await job.getState());
      return state ? infoOf(job, state) : null;
    });
  }

  async cancel(id: string): Promise<boolean> {
    return this.guard(async () => {
      const job = await this.queue.getJob(id);
      if (!job) return false;
      const info = infoOf(job, 'cancelled');
      const marked = await this.cancellations.mark(id, { ...info, enqueueToken: job.data.enqueueToken });
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
      const raw = await this.queue.getJobCounts('wait', 'delayed', 'prioritized', 'paused', 'waiting-children', 'active', 'completed', 'failed');
      const counts = emptyCounts();
      counts.waiting = raw.wait + raw.delayed + raw.prioritized + raw.paused + raw['waiting-children'];
      counts.active = raw.active;
      counts.completed = raw.completed;
      counts.failed = raw.failed;
      counts.cancelled = await this.cancellations.count();
      // Cancelled jobs BullMQ still holds are counted once, as cancelled.
      for (const id of await this.cancellations.pendingIds()) {
        const state = toJobState(await this.queue.getJobState(id));
        if (state) counts[state] = Math.max(0, counts[state] - 1);
      }
      return counts;
    });
  }

  work(handler: JobHandler, options: { concurrency: number }): QueueWorker {
    if (this.closed) throw new TransientError('The job queue is closed');
    checkConcurrency(options.concurrency);
    const worker = new BullMqQueueWorker(
      handler,
      {
        queueName: this.settings.queueName,
        prefix: this.settings.prefix,
        concurrency: options.concurrency,
        leaseMs: this.settings.leaseMs,
        backoff: this.settings.backoff,
        connection: createRedisClient(this.settings.url, this.settings.onError),
        commands: this.client,
        cancellations: this.cancellations,
        onCancelledJobFailed: (jobId) => this.track(this.removeCancelledJob(jobId)),
        onError: this.settings.onError,
      },
      (stopped) => this.workers.delete(stopped),
    );
    this.workers.add(worker);
    return worker;
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
    await this.queue.close();
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
    await this.queue.close().catch(() => undefined);
  }

  private track(work: Promise<void>): Promise<void> {
    this.finishing.add(work);
    return work.finally(() => this.finishing.delete(work));
  }

  /** A cancelled job that was running has reached the failed set: keep only the cancel record. */
  private async removeCancelledJob(id: string): Promise<void> {
    const [record, job] = await Promise.all([this.cancellations.get(id), this.queue.getJob(id)]);
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
    attempts: attemptsOf(job),
    maxAttempts: job.opts.attempts ?? 1,
    lastError: job.failedReason || null,
  };
}
