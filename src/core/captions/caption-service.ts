import type { Catalog } from '../ports/catalog.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { CaptionTrack, Video } from '../model/video.ts';
import type { Principal } from '../access/principal.ts';
import { canManage, canView } from '../access/video-access.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { isValidId } from '../ids.ts';
import { mediaKey } from '../media-keys.ts';
import { canonicalLanguage, checkLabel, languageName } from './language.ts';
import { publishSubtitlesGroup, putCaptionFiles } from './publish-captions.ts';
import { srtToWebVtt } from './srt.ts';
import { checkWebVtt } from './webvtt.ts';

export interface CaptionServiceDeps {
  catalog: Catalog;
  media: ObjectStore;
  logger: Logger;
}

/** A caption file as a client sends it. */
export interface CaptionInput {
  language: string;
  /** Shown in the captions menu; default: the language's English name. */
  label?: string;
  format: 'vtt' | 'srt';
  text: string;
}

/** Caption tracks of a video added through the API are kept under `<id>/captions/<language>.vtt` (and .m3u8). */
export function apiCaptionKeys(videoId: string, language: string): Pick<CaptionTrack, 'vttKey' | 'playlistKey'> {
  return { vttKey: mediaKey(videoId, `captions/${language}.vtt`), playlistKey: mediaKey(videoId, `captions/${language}.m3u8`) };
}

/**
 * Caption tracks of videos: listed for whoever may watch the video, added, replaced and removed by
 * its owner or an admin (as PATCH of the video). Each change rewrites the video's published master
 * playlist so that players find the tracks (a subtitles group named by every variant).
 */
export class CaptionService {
  /** The change of each video's tracks under way in this process: changes of one video run one after the other. */
  private readonly changing = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: CaptionServiceDeps) {}

  async list(id: string, principal: Principal | null): Promise<CaptionTrack[]> {
    return (await this.visible(id, principal)).captions ?? [];
  }

  /** Adds the track of `input.language`, replacing the one the video has in that language. */
  put(id: string, principal: Principal, input: CaptionInput): Promise<CaptionTrack> {
    return this.oneAtATime(id, () => this.replace(id, principal, input));
  }

  delete(id: string, principal: Principal, language: string): Promise<void> {
    return this.oneAtATime(id, () => this.remove(id, principal, language));
  }

  private async replace(id: string, principal: Principal, input: CaptionInput): Promise<CaptionTrack> {
    const video = await this.managed(id, principal);
    const language = canonicalLanguage(input.language);
    const label = input.label === undefined || input.label.trim() === '' ? languageName(language) : checkLabel(input.label);
    const vtt = this.check(input);
    // Before then, the first stage of an encode starts from an empty folder (it would remove them).
    if (!video.playable) throw new ConflictError('captions can be added once the video can be played');
    const track: CaptionTrack = { language, label, ...apiCaptionKeys(id, language), source: 'api' };
    await putCaptionFiles(this.deps.media, track, vtt, video.durationSec ?? lastCueEnd(vtt));
    const before = video.captions ?? [];
    const replaced = before.find((c) => c.language === language);
    const captions = [...before.filter((c) => c.language !== language), track].sort((a, b) => a.language.localeCompare(b.language));
    const updated = await this.deps.catalog.updateVideo(id, { captions });
    if (!updated) throw new NotFoundError('no such video');
    await publishSubtitlesGroup(this.deps.media, updated);
    if (replaced && replaced.vttKey !== track.vttKey) await this.removeFiles(replaced);
    this.deps.logger.info({ videoId: id, language, replaced: replaced !== undefined }, 'caption track added');
    return track;
  }

  private async remove(id: string, principal: Principal, language: string): Promise<void> {
    const video = await this.managed(id, principal);
    const tag = canonicalLanguage(language);
    const track = (video.captions ?? []).find((c) => c.language === tag);
    if (!track) throw new NotFoundError(`the video has no caption track in "${tag}"`);
    const captions = (video.captions ?? []).filter((c) => c.language !== tag);
    const updated = await this.deps.catalog.updateVideo(id, { captions: captions.length > 0 ? captions : null });
    if (!updated) throw new NotFoundError('no such video');
    await publishSubtitlesGroup(this.deps.media, updated);
    await this.removeFiles(track);
    this.deps.logger.info({ videoId: id, language: tag }, 'caption track removed');
  }

  /**
   * Runs `change` after the changes of the video's tracks already under way in this process, so that
   * none of them is lost (each reads the tracks, then writes them all). Across processes, the last
   * write of concurrent changes of one video wins.
   */
  private async oneAtATime<T>(id: string, change: () => Promise<T>): Promise<T> {
    const before = this.changing.get(id) ?? Promise.resolve();
    const run = before.catch(() => {}).then(change);
    this.changing.set(id, run);
    try {
      return await run;
    } finally {
      if (this.changing.get(id) === run) this.changing.delete(id);
    }
  }

  private check(input: CaptionInput): string {
    if (input.format === 'srt') {
      const converted = srtToWebVtt(input.text);
      return checkWebVtt(converted.text, converted.sourceLine).text;
    }
    if (input.format === 'vtt') return checkWebVtt(input.text).text;
    throw new ValidationError('format must be vtt or srt');
  }

  private async removeFiles(track: CaptionTrack): Promise<void> {
    await Promise.all([this.deps.media.delete(track.vttKey), this.deps.media.delete(track.playlistKey)]).catch((err: unknown) => {
      this.deps.logger.warn({ err: String(err), key: track.vttKey }, 'a removed caption track left files behind');
    });
  }

  /** NotFoundError both when absent and when the principal may not see it (no existence leak). */
  private async visible(id: string, principal: Principal | null): Promise<Video> {
    const video = isValidId(id) ? await this.deps.catalog.getVideo(id) : null;
    if (!video || !canView(principal, video)) throw new NotFoundError('no such video');
    return video;
  }

  private async managed(id: string, principal: Principal): Promise<Video> {
    const video = await this.visible(id, principal);
    if (!canManage(principal, video)) throw new ForbiddenError('only the owner or an admin can change the captions of this video');
    return video;
  }
}

function lastCueEnd(vtt: string): number {
  return checkWebVtt(vtt).cues.reduce((end, c) => Math.max(end, c.endTime), 1);
}
