import type { Catalog, Page, SortOrder, VideoSort } from '../ports/catalog.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Video, VideoStatus, Visibility } from '../model/video.ts';
import type { Principal } from '../access/principal.ts';
import { canManage, canView, listScope } from '../access/video-access.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { isValidId } from '../ids.ts';
import { mediaPrefix } from '../media-keys.ts';
import { deleteRecord, transition } from './lifecycle.ts';

export interface VideoServiceDeps {
  catalog: Catalog;
  sources: ObjectStore;
  media: ObjectStore;
  logger: Logger;
  /** Queues a video's processing from its first stage as a new attempt (the pipeline's job, wired by the composition). */
  queueRetry(videoId: string, sourceKey: string): Promise<unknown>;
}

const VISIBILITIES: Visibility[] = ['private', 'unlisted', 'public'];

/** How many users one video may be shared with. */
const MAX_SHARES = 100;

/**
 * The statuses a library is filtered by: the stored ones, and `waiting` (waiting for upload), the
 * name the library gives to videos whose file has not arrived (stored as `uploading`), such as an
 * upload an API client created and never sent.
 */
export type LibraryStatus = VideoStatus | 'waiting';

/** A page of a library: its filters and order (see ListVideosQuery), within what the principal may list. */
export interface LibraryQuery {
  limit?: number;
  cursor?: string | null;
  search?: string;
  status?: LibraryStatus[];
  visibility?: Visibility[];
  sort?: VideoSort;
  order?: SortOrder;
}

/** A user a video is shared with, as its managers see it. */
export interface ShareView {
  id: string;
  email: string;
}

/** Reading, changing and deleting videos, with the access rules applied. */
export class VideoService {
  constructor(private readonly deps: VideoServiceDeps) {}

  /** NotFoundError both when absent and when the principal may not see it (no existence leak). */
  async get(id: string, principal: Principal | null): Promise<Video> {
    const video = isValidId(id) ? await this.deps.catalog.getVideo(id) : null;
    if (!video || !canView(principal, video)) throw new NotFoundError('no such video');
    return video;
  }

  async getManaged(id: string, principal: Principal): Promise<Video> {
    const video = await this.get(id, principal);
    if (!canManage(principal, video)) throw new ForbiddenError('only the owner or an admin can change this video');
    return video;
  }

  /** The users `video` is shared with, for those who manage it (a user deleted since is left out). */
  async sharesOf(video: Video): Promise<ShareView[]> {
    const users = await Promise.all((video.shares ?? []).map((userId) => this.deps.catalog.getUser(userId)));
    return users.filter((u) => u !== null).map((u) => ({ id: u.id, email: u.email }));
  }

  /** The user ids of a list of e-mails; ValidationError naming the first e-mail no account has. */
  private async shareIds(emails: unknown): Promise<string[] | null> {
    if (!Array.isArray(emails) || emails.some((e) => typeof e !== 'string') || emails.length > MAX_SHARES) {
      throw new ValidationError(`shares must be a list of at most ${MAX_SHARES} e-mail addresses`);
    }
    const ids: string[] = [];
    for (const email of emails as string[]) {
      const user = await this.deps.catalog.getUserByEmail(email.trim());
      if (!user) throw new ValidationError(`no account has the e-mail ${JSON.stringify(email.trim())}: the video can be shared only with people who have an account`);
      if (!ids.includes(user.id)) ids.push(user.id);
    }
    return ids.length ? ids : null;
  }

  async list(principal: Principal, query: LibraryQuery): Promise<Page<Video>> {
    const limit = query.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('limit must be between 1 and 100');
    const scope = listScope(principal);
    const status = query.status && [...new Set(query.status.map((s) => (s === 'waiting' ? 'uploading' : s)))];
    return this.deps.catalog.listVideos({
      limit,
      cursor: query.cursor ?? null,
      ...('all' in scope ? {} : scope),
      ...(query.search ? { search: query.search } : {}),
      ...(status ? { status } : {}),
      ...(query.visibility ? { onlyVisibility: query.visibility } : {}),
      ...(query.sort ? { sort: query.sort } : {}),
      ...(query.order ? { order: query.order } : {}),
    });
  }

  /**
   * Changes the title, the visibility, whether the video gets a downloadable MP4 (`downloads`:
   * the next ladder encode makes one; false also withdraws the one it has), or the users it is
   * shared with (`shares`: their e-mails, the whole list; [] shares it with nobody).
   */
  async update(id: string, principal: Principal, patch: { title?: unknown; visibility?: unknown; downloads?: unknown; shares?: unknown }): Promise<Video> {
    const current = await this.getManaged(id, principal);
    const changes: { title?: string; visibility?: Visibility; downloads?: boolean; downloadKey?: null; shares?: string[] | null } = {};
    if (patch.title !== undefined) {
      if (typeof patch.title !== 'string' || !patch.title.trim() || patch.title.length > 200) {
        throw new ValidationError('title must be 1 to 200 characters');
      }
      changes.title = patch.title.trim();
    }
    if (patch.visibility !== undefined) {
      if (!VISIBILITIES.includes(patch.visibility as Visibility)) {
        throw new ValidationError('visibility must be private, unlisted or public');
      }
      changes.visibility = patch.visibility as Visibility;
    }
    if (patch.downloads !== undefined) {
      if (typeof patch.downloads !== 'boolean') throw new ValidationError('downloads must be true or false');
      changes.downloads = patch.downloads;
      if (!patch.downloads && current.downloadKey) changes.downloadKey = null;
    }
    if (patch.shares !== undefined) changes.shares = await this.shareIds(patch.shares);
    const updated = await this.deps.catalog.updateVideo(id, changes);
    if (!updated) throw new NotFoundError('no such video');
    if (changes.downloadKey === null && current.downloadKey) {
      await this.deps.media.delete(current.downloadKey).catch((err: unknown) => {
        this.deps.logger.warn({ videoId: id, err: String(err) }, 'a withdrawn download could not be deleted');
      });
    }
    return updated;
  }

  /**
   * Deletes the record first (a running encode notices within a second and is killed), then the
   * source and every output.
   */
  async delete(id: string, principal: Principal): Promise<void> {
    const video = await this.getManaged(id, principal);
    await deleteRecord(this.deps.catalog, id);
    await Promise.all([
      this.deps.sources.delete(video.sourceKey).catch(() => {}),
      this.deps.media.deletePrefix(mediaPrefix(id)),
    ]);
    this.deps.logger.info({ videoId: id }, 'video deleted');
  }

  /** Runs a failed video's processing again from its stored source, from the first stage, as a new attempt. */
  async retry(id: string, principal: Principal): Promise<Video> {
    const video = await this.getManaged(id, principal);
    if (video.status !== 'failed') throw new ConflictError(`only failed videos can be retried (status ${video.status})`);
    if (video.retryable === false) {
      throw new ConflictError('this video failed because of its file, and trying again would fail the same way; upload a file that plays instead');
    }
    if (!(await this.deps.sources.head(video.sourceKey))) throw new ConflictError('the source file is gone; upload the video again');
    const queued = await transition(this.deps.catalog, id, 'retry');
    if (!queued.applied) throw new ConflictError('the video changed meanwhile; try again');
    await this.deps.queueRetry(id, video.sourceKey);
    return queued.video;
  }
}
