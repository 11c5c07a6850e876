import type { Catalog } from '../ports/catalog.ts';
import type { EncodeMode, EncodeResult } from '../ports/encode-backend.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { errorMessage, isPermanent } from '../errors.ts';
import { mediaPrefix } from '../media-keys.ts';
import { mergeCaptions, presentCaptions, publishSubtitlesGroup } from '../captions/publish-captions.ts';
import { stateOf, transition, type TransitionResult } from '../videos/lifecycle.ts';
import { errorDetail, failedForGood, failureReason } from './failure-reason.ts';

/**
 * The end of an encode, whatever backend ran it: in this process right after `submit` (ffmpeg), or
 * later and from another process when the backend's completion event arrives (MediaConvert).
 * Completions may come twice, late, or for an attempt that is no longer the video's: only the first
 * completion of the video's current attempt, while the video is still being processed, changes it.
 */
export type EncodeCompletion =
  | { videoId: string; attemptId: string; mode: EncodeMode; result: EncodeResult }
  | {
      videoId: string;
      attemptId: string;
      mode: EncodeMode;
      /** What stopped the encode: a VodkitError's sentence is shown to users (without server paths). */
      error: unknown;
      /**
       * True: the video fails. False: another attempt follows (run by the caller: the job queue for an
       * in-process encode); a first playable output's failure puts the video back in the queue, a
       * ladder's leaves it playing its first output.
       */
      final: boolean;
      /** Attempts made so far, said in the reason of a final failure that was not the file's fault. */
      attempts?: number;
    };

/**
 * - ready: a ladder's result was applied; playable: a first playable output's ('copy', 'first-playable').
 * - failed / requeued / retrying: an error was applied: final (what the attempt published is removed),
 *   or another attempt follows (requeued: back in the queue, its outputs removed; retrying: a ladder
 *   runs again while the video keeps playing its first output).
 * - stale: the completion belongs to another attempt than the video's current one; ignored.
 * - duplicate: the video is no longer in the state this completion changes (it, or another, was
 *   applied already); ignored.
 * - gone: the video was deleted; whatever the encode published under its prefix is removed.
 */
export type FinishOutcome = 'ready' | 'playable' | 'failed' | 'requeued' | 'retrying' | 'stale' | 'duplicate' | 'gone';

export interface FinishEncodeDeps {
  catalog: Catalog;
  media: ObjectStore;
  logger: Logger;
}

export async function finishEncode(deps: FinishEncodeDeps, completion: EncodeCompletion): Promise<FinishOutcome> {
  const { catalog } = deps;
  const { videoId, attemptId } = completion;
  const log = deps.logger.child({ videoId, attemptId, mode: completion.mode });
  const attempt = { attemptId };
  let outcome: TransitionResult;
  let applied: FinishOutcome;
  if ('result' in completion) {
    const { result } = completion;
    if (completion.mode === 'ladder') {
      applied = 'ready';
      // A poster its owner took from a chosen frame (PATCH posterTime) stays, while its file does (a
      // new attempt starts from an empty folder).
      const current = await catalog.getVideo(videoId);
      const chosen = current?.posterTimeSec != null && current.posterKey ? current.posterKey : null;
      const chosenPoster = chosen && (await deps.media.head(chosen).catch(() => null)) ? chosen : null;
      // Tracks added through the captions API stay, and win over the upload's of the same language.
      const captions = result.captions !== undefined ? mergeCaptions(await presentCaptions(deps.media, (await catalog.getVideo(videoId))?.captions), result.captions) : undefined;
      outcome = await transition(
        catalog,
        videoId,
        'finish',
        {
          renditions: result.renditions,
          masterKey: result.masterKey,
          posterKey: chosenPoster ?? result.posterKey,
          thumbnailKey: result.thumbnailKey,
          // What this encode made besides the ladder; a field it says nothing of is left as it is.
          ...(captions !== undefined ? { captions: captions.length > 0 ? captions : null } : {}),
          ...(result.storyboard !== undefined ? { storyboard: result.storyboard } : {}),
          ...(result.downloadKey !== undefined ? { downloadKey: result.downloadKey } : {}),
          ...(result.dashKey !== undefined ? { dashKey: result.dashKey } : {}),
        },
        attempt,
      );
      // The ladder's master replaced any earlier one: it lists the video's caption tracks again.
      if (outcome.applied && outcome.video.captions?.length) {
        await publishSubtitlesGroup(deps.media, outcome.video).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'caption tracks not listed in the master playlist'));
      }
    } else {
      // A first playable output is applied once: a video already playable keeps what it plays.
      const video = await catalog.getVideo(videoId);
      if (video && video.attemptId === attemptId && stateOf(video) === 'playable') return ignored(deps, videoId, 'duplicate', log);
      applied = 'playable';
      outcome = await transition(catalog, videoId, 'playable', { masterKey: result.masterKey, renditions: result.renditions }, attempt);
    }
  } else {
    const err = completion.error;
    const reason = isPermanent(err) || completion.attempts === undefined ? failureReason(err) : `${failureReason(err)} (after ${completion.attempts} attempts)`;
    // Users get a sentence without server paths; the raw text (tool output included) goes to the log.
    log[completion.final ? 'warn' : 'error']({ err: errorMessage(err), detail: errorDetail(err), final: completion.final }, 'transcode failed');
    if (completion.final) {
      applied = 'failed';
      // What the attempt published is removed below, caption files included.
      outcome = await transition(catalog, videoId, 'fail', { error: reason, retryable: !failedForGood(err), captions: null }, attempt);
    } else if (completion.mode === 'ladder') {
      // The ladder runs again; meanwhile the video keeps playing its first output.
      applied = 'retrying';
      outcome = await transition(catalog, videoId, 'progress', { progress: 0 }, attempt);
    } else {
      applied = 'requeued';
      outcome = await transition(catalog, videoId, 'requeue', { captions: null }, attempt);
    }
    // A video that failed or went back to the queue plays nothing: what the attempt published goes.
    if (outcome.applied && applied !== 'retrying') await deps.media.deletePrefix(mediaPrefix(videoId));
  }
  if (outcome.applied) return applied;
  return ignored(deps, videoId, outcome.reason === 'refused' ? 'duplicate' : outcome.reason, log);
}

async function ignored(deps: FinishEncodeDeps, videoId: string, why: 'stale' | 'duplicate' | 'gone', log: Logger): Promise<FinishOutcome> {
  if (why === 'gone') {
    await deps.media.deletePrefix(mediaPrefix(videoId));
    log.info({}, 'encode finished for a deleted video; its outputs were removed');
  } else {
    log.info({}, why === 'stale' ? 'completion of an earlier attempt ignored' : 'completion already applied; ignored');
  }
  return why;
}
