import { afterEach, beforeEach } from 'vitest';
import type {
  JobHandler,
  JobLookup,
  JobQueue,
  JobQueueCapabilities,
  JobWorkers,
  QueueWorker,
  WorkOptions,
} from '../../src/core/ports/job-queue.ts';

/**
 * Storage for one test. Queues it opens use short leases (about 1 s) and short backoff, and the
 * default maxAttempts of 3.
 */
export interface JobQueueHarness {
  /** A new queue instance on the same storage: a second "process". */
  open(): Promise<JobQueue>;
  /** Queues with workers: what kill -9 does: heartbeats stop and the connection drops without releasing leases. */
  crash?(queue: JobQueue): Promise<void>;
  /**
   * Queues without workers: hands the jobs waiting in the queue to `handler` the way the platform
   * delivers them to a function (one round; a job whose handler failed comes back in a later one).
   */
  deliver?(queue: JobQueue, handler: JobHandler): Promise<void>;
  cleanup(): Promise<void>;
  /** The lease of the queues `open()` makes (default 1000 ms). */
  leaseMs?: number;
}

/** A queue with workers and job lookup, their methods on one object, as the cases of those capabilities use it. */
export interface WorkingQueue extends JobQueue, JobWorkers, JobLookup {}

/** The queue's workers and lookup as one object; fails when the queue declares either absent. */
function workingQueue(queue: JobQueue): WorkingQueue {
  const { workers, lookup } = queue.capabilities;
  if (!workers || !lookup) throw new Error('this queue declares no workers or no job lookup');
  return {
    capabilities: queue.capabilities,
    enqueue: (payload, options) => queue.enqueue(payload, options),
    counts: () => queue.counts(),
    ping: () => queue.ping(),
    close: () => queue.close(),
    work: (handler, options) => workers.work(handler, options),
    getJob: (id) => lookup.getJob(id),
    cancel: (id) => lookup.cancel(id),
  };
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

export function waitForState(queue: JobLookup, id: string, state: string) {
  return waitFor(`job ${id} to be ${state}`, async () => {
    const job = await queue.getJob(id);
    return job?.state === state ? job : undefined;
  });
}


/** Queues, workers and gates of the running test; all are stopped, closed and released after it. */
export interface QueueTestKit {
  harness(): JobQueueHarness;
  /** A queue with workers and job lookup (the cases that need them run only for such queues). */
  open(): Promise<WorkingQueue>;
  /** A queue as its adapter makes it, whatever it declares. */
  openQueue(): Promise<JobQueue>;
  work(queue: WorkingQueue, handler: JobHandler, options: WorkOptions): QueueWorker;
  /** A promise the test resolves; resolved after the test in any case. */
  gate(): Deferred;
  crash(queue: WorkingQueue): Promise<void>;
  /**
   * Runs the jobs of `queue` through `handler` until `done()` holds: by a worker of the queue, or
   * by the harness's deliveries for a queue without workers.
   */
  runJobs(queue: JobQueue, handler: JobHandler, done: () => boolean): Promise<void>;
  /** Skips each case of the enclosing describe when the adapter's queue does not declare these capabilities. */
  requireCapabilities(...names: Array<'workers' | 'lookup'>): void;
}

/** Registers the set-up and clean-up of every test in the enclosing describe. */
export function useQueueTestKit(setup: () => Promise<JobQueueHarness>): QueueTestKit {
  let harness: JobQueueHarness | undefined;
  let queues: JobQueue[] = [];
  let crashed = new Set<JobQueue>();
  let workers: QueueWorker[] = [];
  let gates: Deferred[] = [];
  /** The adapter's queue behind each working view handed out. */
  let views = new Map<WorkingQueue, JobQueue>();

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
    views = new Map();
  });

  afterEach(async () => {
    if (!harness) return;
    for (const g of gates) g.resolve();
    await Promise.all(workers.map((w) => w.stop({ graceful: false }).catch(() => undefined)));
    await Promise.all(queues.filter((q) => !crashed.has(q)).map((q) => q.close()));
    await harness.cleanup();
    harness = undefined;
  });

  const openQueue = async (): Promise<JobQueue> => {
    const queue = await current().open();
    queues.push(queue);
    return queue;
  };

  const work = (queue: JobQueue, handler: JobHandler, options: WorkOptions): QueueWorker => {
    const source = queue.capabilities.workers;
    if (!source) throw new Error('this queue declares no workers');
    const worker = source.work(handler, options);
    workers.push(worker);
    return worker;
  };

  return {
    harness: current,
    openQueue,
    open: async () => {
      const queue = await openQueue();
      const view = workingQueue(queue);
      views.set(view, queue);
      return view;
    },
    work,
    gate: () => {
      const g = deferred();
      gates.push(g);
      return g;
    },
    crash: async (view) => {
      const queue = views.get(view) ?? view;
      const h = current();
      if (!h.crash) throw new Error('the harness cannot crash a queue');
      crashed.add(queue);
      await h.crash(queue);
    },
    runJobs: async (queue, handler, done) => {
      if (queue.capabilities.workers) {
        work(queue, handler, { concurrency: 1 });
        await waitFor('the jobs to run', done);
        return;
      }
      const h = current();
      if (!h.deliver) throw new Error('the harness of a queue without workers must deliver its jobs');
      await waitFor('the jobs to be delivered', async () => {
        await h.deliver!(queue, handler);
        return done();
      });
    },
    requireCapabilities: (...names) => {
      beforeEach(async (ctx) => {
        const capabilities: JobQueueCapabilities = (await openQueue()).capabilities;
        if (names.some((name) => capabilities[name] === null)) ctx.skip();
      });
    },
  };
}
