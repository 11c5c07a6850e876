import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { ObjectCreatedHandler } from './object-created-handler.ts';
import { stateOf } from '../videos/lifecycle.ts';
import { enqueueStage } from './enqueue-stage.ts';

/**
 * Run at start: finishes what a crash may have interrupted. An upload whose bytes are stored but whose
 * event was never handled gets its job; a queued or processing video whose job is missing gets the
 * stage it is at: `ladder` once it is playable (its first output is published), else `prepare`
 * (enqueue is idempotent, so an existing job is left as it is).
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
  do {
    const page = await deps.catalog.listVideos({ limit: 100, cursor, status: ['uploading', 'queued', 'processing'] });
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
