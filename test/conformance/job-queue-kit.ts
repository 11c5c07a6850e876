import { afterEach, beforeEach } from 'vitest';
import type { JobHandler, JobQueue, QueueWorker, WorkOptions } from '../../src/core/ports/job-queue.ts';

/**
 * Storage for one test. Queues it opens use short leases (about 1 s) and short backoff, and the
 * default maxAttempts of 3.
 */
export interface JobQueueHarness {
  /** A new queue instance on the same storage: a second "process". */
  open(): Promise<JobQueue>;
  /** What kill -9 does: heartbeats stop and the connection drops without releasing leases. */
  crash(queue: JobQueue): Promise<void>;
  cleanup(): Promise<void>;
  /** The lease of the queues `open()` makes (default 1000 ms). */
  leaseMs?: number;
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function waitForState(queue: JobQueue, id: string, state: string) {
  return waitFor(`job ${id} to be ${state}`, async () => {
    const job = await queue.getJob(id);
    return job?.state === state ? job : undefined;
  });
}


/** Queues, workers and gates of the running test; all are stopped, closed and released after it. */
export interface QueueTestKit {
  harness(): JobQueueHarness;
  open(): Promise<JobQueue>;
  work(queue: JobQueue, handler: JobHandler, options: WorkOptions): QueueWorker;
  /** A promise the test resolves; resolved after the test in any case. */
  gate(): Deferred;
  crash(queue: JobQueue): Promise<void>;
}

/** Registers the set-up and clean-up of every test in the enclosing describe. */
export function useQueueTestKit(setup: () => Promise<JobQueueHarness>): QueueTestKit {
  let harness: JobQueueHarness | undefined;
  let queues: JobQueue[] = [];
  let crashed = new Set<JobQueue>();
  let workers: QueueWorker[] = [];
  let gates: Deferred[] = [];

  const current = (): JobQueueHarness => {
    if (!harness) throw new Error('the harness setup did not run');
    return harness;
  };

  beforeEach(async () => {
    harness = await setup();
    queues = [];
    crashed = new Set();
    workers = [];
    gates = [];
  });

  afterEach(async () => {
    if (!harness) return;
    for (const g of gates) g.resolve();
    await Promise.all(workers.map((w) => w.stop({ graceful: false }).catch(() => undefined)));
    await Promise.all(queues.filter((q) => !crashed.has(q)).map((q) => q.close()));
    await harness.cleanup();
    harness = undefined;
  });

  return {
    harness: current,
    open: async () => {
      const queue = await current().open();
      queues.push(queue);
      return queue;
    },
    work: (queue, handler, options) => {
      const worker = queue.work(handler, options);
      workers.push(worker);
      return worker;
    },
    gate: () => {
      const g = deferred();
      gates.push(g);
      return g;
    },
    crash: async (queue) => {
      crashed.add(queue);
      await current().crash(queue);
    },
  };
}
