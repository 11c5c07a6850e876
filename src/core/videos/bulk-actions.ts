import type { Principal } from '../access/principal.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import type { Visibility } from '../model/video.ts';
import type { VideoService } from './video-service.ts';

/** How many videos one bulk action takes. */
export const MAX_BULK_IDS = 100;

/** What became of one video of a bulk action: done, not there (or not visible), or not the principal's to change. */
export type BulkResult = 'ok' | 'not_found' | 'forbidden';

export type BulkAction = { kind: 'delete' } | { kind: 'visibility'; visibility: Visibility };

/**
 * Applies one action to each of `ids` in turn, each authorized like the single action (the owner
 * or an admin; a video one may not see is not found), and tells what became of each, in the
 * order given (an id given twice is acted on once). Any other failure stops the run and is thrown.
 */
export async function applyBulk(videos: VideoService, principal: Principal, ids: readonly string[], action: BulkAction): Promise<Array<{ id: string; result: BulkResult }>> {
  const results: Array<{ id: string; result: BulkResult }> = [];
  for (const id of new Set(ids)) {
    try {
      if (action.kind === 'delete') await videos.delete(id, principal);
      else await videos.update(id, principal, { visibility: action.visibility });
      results.push({ id, result: 'ok' });
    } catch (err) {
      if (err instanceof NotFoundError) results.push({ id, result: 'not_found' });
      else if (err instanceof ForbiddenError) results.push({ id, result: 'forbidden' });
      else throw err;
    }
  }
  return results;
}
