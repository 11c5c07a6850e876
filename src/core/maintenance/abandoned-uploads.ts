import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Video } from '../model/video.ts';
import { deleteRecord } from '../videos/lifecycle.ts';

export interface AbandonedUploadsDeps {
  catalog: Catalog;
  sources: ObjectStore;
  clock: Clock;
  logger: Logger;
}

export interface AbandonedUploadsReport {
  /** Videos removed: still `uploading`, no stored file and no recent multipart activity. */
  videos: string[];
  /** Multipart uploads aborted: no part stored for longer than the limit. */
  multipartUploads: number;
}

/**
 * Removes uploads that will never finish: a video still `uploading` whose URL expired more than
 * `graceSec` ago (created more than `urlTtlSec + graceSec` ago) and whose file is not stored, and
 * multipart uploads with no part stored in that long. A video whose multipart upload is still
 * receiving parts is kept (parts are signed on demand, so a large upload may outlive one URL's
 * lifetime). Uploads whose file IS stored are not touched here: recoverPending raises them.
 */
export async function cleanupAbandonedUploads(
  deps: AbandonedUploadsDeps,
  limits: { urlTtlSec: number; graceSec: number },
): Promise<AbandonedUploadsReport> {
  const { catalog, sources, clock, logger } = deps;
  const cutoff = clock.now().getTime() - (limits.urlTtlSec + limits.graceSec) * 1000;
  const report: AbandonedUploadsReport = { videos: [], multipartUploads: 0 };

  const activeKeys = new Set<string>();
  const { multipartListing } = sources.capabilities;
  for (const upload of multipartListing ? await multipartListing.listMultipartUploads() : []) {
    if (upload.lastActivity.getTime() >= cutoff) {
      activeKeys.add(upload.key);
      continue;
    }
    await sources.abortMultipartUpload(upload.key, upload.uploadId);
    report.multipartUploads++;
    logger.info({ key: upload.key, uploadId: upload.uploadId, lastActivity: upload.lastActivity.toISOString() }, 'abandoned multipart upload aborted');
  }

  const stale: Video[] = [];
  let cursor: string | null = null;
  do {
    const page = await catalog.listVideos({ limit: 100, cursor, status: ['uploading'] });
    for (const video of page.items) {
      if (Date.parse(video.createdAt) < cutoff && Date.parse(video.updatedAt) < cutoff) stale.push(video);
    }
    cursor = page.nextCursor;
  } while (cursor);

  for (const video of stale) {
    if (activeKeys.has(video.sourceKey)) continue;
    if (await sources.head(video.sourceKey)) continue; // stored: recoverPending queues it
    // Only while still uploading (one atomic step): a file that arrives meanwhile wins.
    if (await deleteRecord(catalog, video.id, ['uploading'])) {
      report.videos.push(video.id);
      logger.info({ videoId: video.id, createdAt: video.createdAt }, 'abandoned upload removed');
    }
  }
  return report;
}
