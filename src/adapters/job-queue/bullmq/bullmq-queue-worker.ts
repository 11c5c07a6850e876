import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortedError, errorMessage, isPermanent } from '../../../core/errors.ts';
import type { JobHandler, QueueWorker } from '../../../core/ports/job-queue.ts';
import { retryDelayMs, stoppedRespondingMessage, type BackoffOptions } from '../retry-policy.ts';
import type { Cancellations } from './cancellations.ts';
import type { BullJobData } from './job-data.ts';

export interface BullMqWorkerSettings {
  queueName: string;
  prefix: string;
  concurrency: number;
  leaseMs: number;
  backoff: BackoffOptions;
  /** A fresh connection for this worker alone (closed with it). */
  connection: Redis;
  /** The queue's command connection, for cancellation checks. */
  commands: Redis;
  cancellations: Cancellations;
  /** Called once a cancelled job has reached BullMQ's failed set. */
  onCancelledJobFailed: (jobId: string) => Promise<void>;
  onError: (error: unknown) => void;
}

interface RunningJob {
  controller: AbortController;
  stopRequested: boolean;
}

const cancelledMessage = 'the job was cancelled';

/** Attempts are counted as starts (a stalled attempt counts), capped at maxAttempts. */
export function attemptsOf(job: Job): number {
  return Math.min(job.attemptsStarted, job.opts.attempts ?? 1);
}

/**
 * A BullMQ Worker running a JobHandler: lease = BullMQ lock (renewed every leaseMs/3), permanent
 * errors and last attempts end as UnrecoverableError, cancellation and stop fire the handler's signal.
 */
export class BullMqQueueWorker implements QueueWorker {
  private readonly worker: Worker<BullJobData>;
  private readonly running = new Map<string, RunningJob>();
  private stopping: Promise<void> | null = null;
  private crashed = false;

  constructor(
    private readonly handler: JobHandler,
    private readonly settings: BullMqWorkerSettings,
    private readonly onStopped: (worker: BullMqQueueWorker) => void,
  ) {
    const { backoff, leaseMs } = settings;
    this.worker = new Worker<BullJobData>(settings.queueName, (job, token) => this.process(job, token), {
      connection: settings.connection,
      prefix: settings.prefix,
      concurrency: settings.concurrency,
      lockDuration: leaseMs,
      // The lock manager ticks every lockRenewTime/2 and renews locks older than lockRenewTime/2,
      // so each lock is renewed about every leaseMs/3.
      lockRenewTime: Math.max(2, Math.floor(leaseMs / 3)),
      stalledInterval: leaseMs,
      // Stalls are limited per job by maxAttempts in process(), not by BullMQ's global count.
      maxStalledCount: 1_000_000,
      settings: { backoffStrategy: (made, _type, _err, job) => retryDelayMs((job as Job | undefined)?.attemptsStarted ?? made, backoff) },
    });
    this.worker.on('error', (err) => {
      if (!this.crashed) settings.onError(err);
    });
    this.worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) {
        this.running.get(id)?.controller.abort(new AbortedError('the job lease passed to another worker'));
      }
    });
    this.worker.on('failed', (job, err) => {
      if (job?.id && err?.message === cancelledMessage && err.name === 'UnrecoverableError') {
        settings.onCancelledJobFailed(job.id).catch(settings.onError);
      }
    });
  }

  /** Fires the signal of job `id` when this worker runs it. */
  abortJob(id: string, reason: Error): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    entry.controller.abort(reason);
    return true;
  }

  stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (this.crashed) return Promise.resolve();
    if (options.graceful === false) {
      for (const entry of this.running.values()) {
        entry.stopRequested = true;
        entry.controller.abort(new AbortedError('the worker is stopping; the job will run again'));
      }
    }
    this.stopping ??= (async () => {
      try {
        await this.worker.close();
      } finally {
        this.settings.connection.disconnect();
        this.onStopped(this);
      }
    })();
    return this.stopping;
  }

  /** Drops the connections without releasing locks or waiting for handlers: a killed process. */
  async crash(): Promise<void> {
    this.crashed = true;
    this.settings.connection.disconnect();
    await this.worker.close(true).catch(() => undefined);
    this.onStopped(this);
  }

  private async process(job: Job<BullJobData>, token?: string): Promise<void> {
    const id = job.id as string;
    const maxAttempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsStarted;
    const { cancellations } = this.settings;
    if (await cancellations.isCancelled(id)) throw new UnrecoverableError(cancelledMessage);
    // Started more often than allowed: the previous (last) attempt's worker died.
    if (attempt > maxAttempts) throw new UnrecoverableError(stoppedRespondingMessage(maxAttempts, maxAttempts));

    const entry: RunningJob = { controller: new AbortController(), stopRequested: false };
    this.running.set(id, entry);
    // Cancellation by another process is seen at this pace.
    const watch = setInterval(() => {
      cancellations.isCancelled(id).then(
        (cancelled) => cancelled && entry.controller.abort(new AbortedError(cancelledMessage)),
        () => undefined,
      );
    }, Math.max(1, Math.floor(this.settings.leaseMs / 3)));
    let succeeded = false;
    let failure: unknown;
    try {
      await this.handler({ id, payload: job.data.payload, attempt, maxAttempts, signal: entry.controller.signal });
      succeeded = true;
    } catch (err) {
      failure = err;
    } finally {
      clearInterval(watch);
      this.running.delete(id);
    }
    if (this.crashed) throw new AbortedError('the worker crashed');
    if (await cancellations.isCancelled(id)) throw new UnrecoverableError(cancelledMessage);
    if (succeeded) return;
    if (entry.stopRequested && token) {
      // Back to waiting; the interrupted start is not counted.
      await this.settings.commands.hincrby(this.worker.toKey(id), 'ats', -1);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const message = errorMessage(failure);
    if (isPermanent(failure) || attempt >= maxAttempts) throw new UnrecoverableError(message);
    throw failure instanceof Error ? failure : new Error(message);
  }
}
