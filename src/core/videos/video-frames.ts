import type { Readable } from 'node:stream';
import type { Principal } from '../access/principal.ts';
import { ConflictError, NotFoundError, ValidationError, VodkitError } from '../errors.ts';
import { cacheControlFor } from '../media-files.ts';
import type { Video } from '../model/video.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { FrameGrabber } from '../ports/frame-grabber.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { parseMediaPlaylist } from '../playlists/media-playlist.ts';
import { bestVideoRendition, clampTime, posterKeyAt, segmentAt, thumbnailKey, thumbnailSize } from './frame-requests.ts';
import type { VideoService } from './video-service.ts';

export interface VideoFramesDeps {
  catalog: Catalog;
  media: ObjectStore;
  videos: VideoService;
  logger: Logger;
  /** Absent where no frame can be decoded (the AWS functions): thumbnails on demand and poster times are then not available. */
  frameGrabber?: FrameGrabber;
}

/** A thumbnail as kept in the media store. */
export interface Thumbnail {
  key: string;
  body: Readable;
  size: number;
  etag: string;
  lastModified: Date;
}

/**
 * Pictures taken from a published video on request: thumbnails at any time and width (kept in the
 * media store under `<id>/thumbs/`, so each is made once), and the poster frame its owner picks.
 * Frames come from the best video rendition's segments (only the init segment and the one segment
 * that holds the time are read), so the source is not needed and every storage works the same.
 * Encrypted videos are not served: their segments would have to be decrypted here.
 */
export class VideoFrames {
  constructor(private readonly deps: VideoFramesDeps) {}

  /** True when frames can be taken here (a frame grabber is configured). */
  get available(): boolean {
    return this.deps.frameGrabber !== undefined;
  }

  /**
   * The thumbnail of a video the caller may watch (checked by the caller) at `timeSec` (clamped to
   * the video; default: the poster's time or 1 s) and `width` (clamped to 64..1280 and to the best
   * rendition; aspect kept). A kept one is served as it is; otherwise `beforeMaking` is awaited (a
   * rate limit may refuse there) and it is made and kept.
   */
  async thumbnail(
    video: Video,
    query: { timeSec?: number; width?: number },
    options: { beforeMaking?: () => Promise<void>; signal?: AbortSignal } = {},
  ): Promise<Thumbnail> {
    const source = this.frameSource(video);
    const size = thumbnailSize(source.rendition, query.width);
    const duration = video.durationSec ?? 0;
    const timeSec = clampTime(query.timeSec ?? video.posterTimeSec ?? Math.min(1, duration * 0.1), duration);
    const key = thumbnailKey(video.id, timeSec, size.width);
    const kept = await this.read(key);
    if (kept) return kept;
    if (!this.deps.frameGrabber) {
      throw new NotFoundError('thumbnails at a chosen time are not available on this server; use the poster or the storyboard');
    }
    await options.beforeMaking?.();
    const jpeg = await this.grab(video, source.rendition.playlist, timeSec, size, options.signal);
    await this.deps.media.put(key, jpeg, { contentType: 'image/jpeg', cacheControl: cacheControlFor(key) });
    return (await this.read(key)) ?? notKept();
  }

  /**
   * Takes the poster from the frame at `timeSec` (owner or admin), at the size of the current one
   * (the best rendition's), under a new key, and records the time. Refused before the video is
   * playable and beyond its duration.
   */
  async setPosterTime(id: string, principal: Principal, timeSec: number, signal?: AbortSignal): Promise<Video> {
    const video = await this.deps.videos.getManaged(id, principal);
    if (!Number.isFinite(timeSec) || timeSec < 0) throw new ValidationError('posterTime must be a number of seconds, 0 or more');
    if (!video.playable) throw new ValidationError('the poster frame can be chosen once the video is playable');
    const duration = video.durationSec ?? 0;
    if (timeSec > duration) throw new ValidationError(`posterTime is beyond the end of the video (${Math.round(duration * 10) / 10} s)`);
    if (!this.deps.frameGrabber) throw new ValidationError('choosing the poster frame is not available on this server');
    const source = this.frameSource(video);
    const t = clampTime(timeSec, duration);
    const size = { width: source.rendition.width, height: source.rendition.height };
    const jpeg = await this.grab(video, source.rendition.playlist, t, size, signal);
    const key = posterKeyAt(video.id, t);
    await this.deps.media.put(key, jpeg, { contentType: 'image/jpeg', cacheControl: cacheControlFor(key) });
    const updated = await this.deps.catalog.updateVideo(id, { posterKey: key, posterTimeSec: t });
    if (!updated) throw new NotFoundError('no such video');
    const previous = video.posterKey;
    if (previous && previous !== key && /\/poster-[0-9.]+\.jpg$/.test(previous)) await this.deps.media.delete(previous).catch(() => {});
    this.deps.logger.info({ videoId: id, posterTimeSec: t }, 'poster frame chosen');
    return updated;
  }

  private frameSource(video: Video) {
    if (!video.playable || !video.masterKey) throw new ConflictError('the video is not playable yet');
    if (video.encrypted) throw new NotFoundError('thumbnails at a chosen time are not made for encrypted videos');
    const rendition = bestVideoRendition(video);
    if (!rendition) throw new NotFoundError('the video has no picture');
    return { rendition };
  }

  private async grab(video: Video, playlistPath: string, timeSec: number, size: { width: number; height: number }, signal?: AbortSignal): Promise<Buffer> {
    const playlist = parseMediaPlaylist((await this.bytes(`${video.id}/${playlistPath}`)).toString('utf8'));
    const at = segmentAt(video.id, playlistPath, playlist, timeSec);
    const media = Buffer.concat([await this.bytes(at.initKey), await this.bytes(at.segmentKey)]);
    return this.deps.frameGrabber!.grab({ videoId: video.id, media, offsetSec: at.offsetSec, ...size, signal });
  }

  private async read(key: string): Promise<Thumbnail | null> {
    try {
      const { body, info } = await this.deps.media.get(key);
      return { key, body, size: info.size, etag: info.etag, lastModified: info.lastModified };
    } catch (err) {
      if (err instanceof VodkitError && err.code === 'NotFound') return null;
      throw err;
    }
  }

  private async bytes(key: string): Promise<Buffer> {
    const { body } = await this.deps.media.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  }
}

function notKept(): never {
  throw new NotFoundError('the thumbnail could not be kept');
}
