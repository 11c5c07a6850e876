import type { Catalog } from '../ports/catalog.ts';
import type { VideoStatus } from '../model/video.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { ObjectCreatedHandler } from './object-created-handler.ts';
import { stateOf } from '../videos/lifecycle.ts';
import { enqueueStage } from './enqueue-stage.ts';

/**
 * Run at start and by maintenance: finishes what a crash may have interrupted. An upload whose bytes
 * are stored but whose event was never handled gets its job; a queued or processing video whose job
 * is missing gets the stage it is at: `ladder` once it is playable (its first output is published),
 * else `prepare` (enqueue is idempotent for as long as the job exists, so an existing job is left
 * as it is).
 *
 * With a queue that recognises an idempotency key only for a while (`capabilities.idempotency.
 * windowMs` set: SQS), enqueueing again could start a second encode of a video whose job is still
 * running (a MediaConvert job outlives SQS's 5-minute deduplication window), so only lost uploads
 * are recovered there. Queued and processing videos are left alone: SQS keeps their waiting job
 * until it runs or, its attempts spent, moves it to its dead-letter queue, and a submitted encode
 * reports its end by event.
 */
export async function recoverPending(deps: {
  catalog: Catalog;
  queue: JobQueue;
  sources: ObjectStore;
  objectCreated: ObjectCreatedHandler;
  logger: Logger;
}): Promise<{ uploads: number; jobs: number }> {
  let uploads = 0;
  let jobs = 0;
  let cursor: string | null = null;
  const requeueJobs = deps.queue.capabilities.idempotency.windowMs === null;
  const status: VideoStatus[] = requeueJobs ? ['uploading', 'queued', 'processing'] : ['uploading'];
  do {
    const page = await deps.catalog.listVideos({ limit: 100, cursor, status });
    for (const video of page.items) {
      if (video.status === 'uploading') {
        const info = await deps.sources.head(video.sourceKey);
        if (info) {
          await deps.objectCreated.handleObject(info);
          uploads++;
        }
      } else {
        // Past `prepare` (playable), the attempt's ladder; else its prepare.
        const { created } = await enqueueStage(
          deps.queue,
          stateOf(video) === 'playable' && video.attemptId
            ? { stage: 'ladder', videoId: video.id, sourceKey: video.sourceKey, attemptId: video.attemptId }
            : { stage: 'prepare', videoId: video.id, sourceKey: video.sourceKey },
        );
        if (created) jobs++;
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  if (uploads || jobs) deps.logger.info({ uploads, jobs }, 'recovered work interrupted by a stop');
  return { uploads, jobs };
}
