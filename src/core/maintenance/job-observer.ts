import type { JobHandler } from '../ports/job-queue.ts';
import type { JobObserver, JobOutcome } from '../ports/metrics.ts';
import { isPermanent } from '../errors.ts';

export type { JobObserver, JobOutcome } from '../ports/metrics.ts';

/** Wraps a handler so `observer` hears of each attempt's start, outcome and duration. */
export function observeJobs(handler: JobHandler, observer: JobObserver): JobHandler {
  return async (ctx) => {
    const type = ctx.payload.type;
    const started = performance.now();
    observer.jobStarted(type);
    let outcome: JobOutcome = 'succeeded';
    try {
      await handler(ctx);
    } catch (err) {
      outcome = ctx.signal.aborted ? 'interrupted' : isPermanent(err) ? 'failed' : 'retrying';
      throw err;
    } finally {
      observer.jobFinished(type, outcome, (performance.now() - started) / 1000);
    }
  };
}
