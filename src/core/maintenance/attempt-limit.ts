import type { Catalog } from '../ports/catalog.ts';
import type { JobHandler } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { mediaPrefix } from '../media-keys.ts';
import { AttemptsExhaustedError, errorMessage, isPermanent } from '../errors.ts';
import { transition } from '../videos/lifecycle.ts';

/**
 * Makes sure a job that keeps crashing ends `failed` with a reason instead of staying `processing`.
 *
 * The queue is given ONE attempt more than the configured limit (see config/build-adapters.ts). A handler that
 * throws on its last counted attempt gets an AttemptsExhaustedError, so the queue fails the job at
 * once. The spare attempt therefore runs only when every counted attempt ended without the handler
 * returning or throwing: the worker process was killed, crashed or ran out of memory each time. It
 * then only marks the video failed, removes what a crashed attempt may have published, and fails
 * the job, so the queue shows it failed too.
 */
export function limitAttempts(handler: JobHandler, deps: { catalog: Catalog; media: ObjectStore; logger: Logger }): JobHandler {
  return async (ctx) => {
    const limit = ctx.maxAttempts > 1 ? ctx.maxAttempts - 1 : 1;
    if (ctx.attempt > limit) {
      const { videoId } = ctx.payload;
      const reason =
        `transcoding was interrupted ${limit} time${limit === 1 ? '' : 's'} without finishing (the worker crashed, ` +
        'was killed or ran out of memory); it will not be tried again on its own. Retry the video once the cause is fixed.';
      const failed = await transition(deps.catalog, videoId, 'fail', { error: reason });
      // Whatever a crashed attempt had published is not a video anyone should play.
      if (failed.applied) await deps.media.deletePrefix(mediaPrefix(videoId));
      deps.logger.error({ jobId: ctx.id, videoId, attempts: limit, marked: failed.applied }, 'job crashed on every attempt; video failed');
      throw new AttemptsExhaustedError(reason);
    }
    try {
      await handler({ ...ctx, maxAttempts: limit });
    } catch (err) {
      if (!isPermanent(err) && !ctx.signal.aborted && ctx.attempt >= limit) {
        throw new AttemptsExhaustedError(errorMessage(err), { cause: err });
      }
      throw err;
    }
  };
}
