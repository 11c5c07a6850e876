import type { JobQueue } from '../ports/job-queue.ts';
import { TransientError } from '../errors.ts';

/**
 * The same queue, with the same capabilities, but every call a request waits on (enqueue, getJob,
 * cancel, counts, ping) gives up after `ms` with a TransientError. A queue whose server is down
 * (Redis) may otherwise wait for it to come back, holding an upload or an API request open all
 * that time. A call given up on may
 * still complete later; enqueue is idempotent, so that is harmless.
 */
export function withQueueTimeouts(queue: JobQueue, ms: number): JobQueue {
  const bounded = <T>(what: string, promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransientError(`the job queue did not answer within ${ms / 1000} s (${what}); is it running?`)), ms);
      promise.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (err: unknown) => (clearTimeout(timer), reject(err)),
      );
    });
  const { workers, lookup } = queue.capabilities;
  return {
    capabilities: {
      workers,
      lookup: lookup && {
        getJob: (id) => bounded('getJob', lookup.getJob(id)),
        cancel: (id) => bounded('cancel', lookup.cancel(id)),
      },
      idempotency: queue.capabilities.idempotency,
      delays: queue.capabilities.delays,
    },
    enqueue: (payload, options) => bounded('enqueue', queue.enqueue(payload, options)),
    counts: () => bounded('counts', queue.counts()),
    ping: () => bounded('ping', queue.ping()),
    close: () => queue.close(),
  };
}
