import type { Catalog } from '../ports/catalog.ts';
import { videoIdFromSourceKey } from '../media-keys.ts';

/**
 * True while `key` is the source key of a video that still waits for its upload. A store that
 * serves its own upload URLs asks this before it takes a body, so deleting a video, or the end of
 * its upload, revokes every URL handed out for it.
 */
export async function awaitingUpload(catalog: Catalog, key: string): Promise<boolean> {
  const videoId = videoIdFromSourceKey(key);
  if (!videoId) return false;
  const video = await catalog.getVideo(videoId);
  return video !== null && video.sourceKey === key && video.status === 'uploading';
}
