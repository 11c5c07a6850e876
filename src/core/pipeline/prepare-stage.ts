import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, errorMessage, isPermanent } from '../errors.ts';
import { copyEligibility } from '../ladder/copy-eligibility.ts';
import { mediaKey, mediaPrefix } from '../media-keys.ts';
import type { LadderPlan } from '../model/ladder-plan.ts';
import type { Rendition } from '../model/video.ts';
import type { JobContext } from '../ports/job-queue.ts';
import type { OutputUpdate } from '../ports/transcoder.ts';
import type { MasterPlaylistOptions } from '../playlists/master-playlist.ts';
import { ProgressivePublisher } from '../../adapters/transcoder/ffmpeg/progressive-publisher.ts';
import { transition } from '../videos/lifecycle.ts';
import { enqueueStage } from './enqueue-stage.ts';
import { errorDetail, failedForGood, failureReason } from './failure-reason.ts';
import { StageAttempt, type StageSource, type TranscodeJobDeps } from './stage-attempt.ts';

/** Folder (under the video's prefix) of the first playable encode of a source that is not copied. */
export const FIRST_OUTPUT_FOLDER = 'first';

/**
 * The `prepare` stage, run on the prepare lane at high priority so that a long ladder never delays
 * it: source → probe → checks → plan → the first playable output, published while it is written:
 * - a source fit for it is packaged by stream copy into `source/` (seconds, whatever its length);
 * - else the lowest rung (and the audio) is encoded into `first/`, and published as it encodes.
 * Its master is published at `<id>/master.m3u8` as soon as every rendition has a segment, and the
 * video is `playable` from then on. An encrypted video gets no early output (its segments never
 * appear in the clear): it plays once its ladder is done. Then the `ladder` stage is queued.
 *
 * Bad input fails at once with a reason; other errors are retried by the queue; deleting the
 * video aborts the encode.
 */
export async function runPrepare(deps: TranscodeJobDeps, ctx: JobContext): Promise<void> {
  const { catalog } = deps;
  const { videoId, sourceKey } = ctx.payload;
  const run = new StageAttempt(deps, ctx);
  const { log } = run;
  const video = await catalog.getVideo(videoId);
  if (!video || video.status === 'ready') {
    log.info({}, video ? 'already ready; nothing to do' : 'video was deleted; job dropped');
    return;
  }
  // A new encode attempt (taking over an interrupted one); of two workers starting it, one does.
  const started = await transition(catalog, videoId, 'start', {}, { attemptId: video.attemptId ?? null });
  if (!started.applied) {
    log.info({ reason: started.reason, state: started.state }, 'the video moved on meanwhile; job dropped');
    return;
  }
  const attemptId = started.video.attemptId!;
  /** A transition of this attempt; when it no longer applies (deleted, or another attempt took over) the encode stops. */
  const step = async (event: 'progress' | 'playable', patch: Parameters<typeof transition>[3]) => {
    const done = await transition(catalog, videoId, event, patch, { attemptId });
    if (!done.applied) run.videoGone();
    return done.applied;
  };
  try {
    const source = await run.source(sourceKey);
    const { media, plan } = source;
    const top = plan.video?.rungs[0];
    await step('progress', { durationSec: media.durationSec, width: top?.width ?? null, height: top?.height ?? null });
    run.signal.throwIfAborted();
    await deps.media.deletePrefix(mediaPrefix(videoId)); // leftovers of an earlier, interrupted attempt

    const onPlayable = async (masterFile: string, renditions: Rendition[], how: string) => {
      if (await step('playable', { masterKey: mediaKey(videoId, masterFile), renditions })) {
        log.info({ ms: Date.now() - run.started, how, renditions: renditions.map((r) => r.name) }, 'playable');
      }
    };
    if (video.encrypted) log.debug({}, 'encrypted: nothing is published before the ladder is done');
    else await publishFirstOutput(deps, run, source, onPlayable);
    run.signal.throwIfAborted();

    const { id, created } = await enqueueStage(deps.queue, { stage: 'ladder', videoId, sourceKey, attemptId });
    log.info({ ms: Date.now() - run.started, ladderJobId: id, created, rungs: plan.video?.rungs.map((r) => r.name) ?? [] }, 'prepared; ladder queued');
  } catch (caught) {
    const err = run.cause(caught);
    if (run.deleted.signal.aborted) {
      // Deleted: its outputs go. Taken over by another attempt: they are that attempt's now.
      if (!(await catalog.getVideo(videoId))) await deps.media.deletePrefix(mediaPrefix(videoId)).catch(() => {});
      log.info({}, 'video deleted or taken over by another attempt; encode aborted');
      return;
    }
    // Whatever was published goes: the video is not playable until an attempt gets that far again.
    await deps.media.deletePrefix(mediaPrefix(videoId)).catch(() => {});
    if (ctx.signal.aborted) {
      log.warn({}, 'job interrupted; it will run again');
      await transition(catalog, videoId, 'requeue', {}, { attemptId });
      throw err instanceof AbortedError ? err : new AbortedError('job interrupted', { cause: err });
    }
    const final = isPermanent(err) || ctx.attempt >= ctx.maxAttempts;
    // Users get a sentence without server paths; the raw text (tool output included) goes to the log.
    const reason = isPermanent(err) ? failureReason(err) : `${failureReason(err)} (after ${ctx.attempt} attempts)`;
    log[final ? 'warn' : 'error']({ err: errorMessage(err), detail: errorDetail(err), final }, 'transcode failed');
    if (final) await transition(catalog, videoId, 'fail', { error: reason, retryable: !failedForGood(err) }, { attemptId });
    else await transition(catalog, videoId, 'requeue', {}, { attemptId });
    throw err;
  } finally {
    await run.close();
  }
}

/**
 * Publishes the first playable output (the stream copy, or else the lowest rung) under the video's
 * prefix, its master as soon as every rendition has a segment (then `onPlayable`), the rest when it
 * is written. At no moment does a published playlist refer to a file that is not published.
 */
async function publishFirstOutput(
  deps: TranscodeJobDeps,
  run: StageAttempt,
  source: StageSource,
  onPlayable: (masterFile: string, renditions: Rendition[], how: string) => Promise<void>,
): Promise<void> {
  const { videoId } = run.ctx.payload;
  const { inputPath, media, plan } = source;
  const local = new AbortController();
  const publisher = new ProgressivePublisher({ media: deps.media, prefix: mediaPrefix(videoId), signal: AbortSignal.any([run.signal, local.signal]) });
  const signal = AbortSignal.any([run.signal, local.signal, publisher.failed.signal]);
  let reported = false;
  const onMaster = (how: string) => async (renditions: Rendition[]) => {
    if (reported) return;
    reported = true;
    await onPlayable(publisher.masterFile, renditions, how);
  };
  try {
    const eligibility = copyEligibility(media, deps.copyRules);
    if (deps.instantPublish !== false && deps.transcoder.packageCopy && eligibility.eligible) {
      const copyDir = join(run.scratch, 'copy');
      await mkdir(copyDir, { recursive: true });
      try {
        const copied = await deps.transcoder.packageCopy({
          inputPath,
          outputDir: copyDir,
          media,
          segmentSeconds: plan.segmentSeconds,
          signal,
          onOutput: (update) => publisher.update(copyDir, update, { options: {}, onMaster: onMaster('stream copy') }),
        });
        await publisher.finish(copyDir, copied.files, null);
        // A copy too short for any update to carry a master still ends with one.
        if (await publisher.publishMasterOnce([copied.rendition], {})) await onMaster('stream copy')([copied.rendition]);
        return;
      } catch (err) {
        if (signal.aborted && !publisher.failed.signal.aborted) throw err;
        await publisher.drain().catch(() => {});
        // Players may be on the copy already: a copy that stops half-way fails the attempt.
        if (publisher.hasMaster || publisher.failed.signal.aborted) throw publisher.failed.signal.reason ?? err;
        run.log.warn({ err: errorMessage(err) }, 'stream copy failed; the lowest rung is encoded instead');
      }
    } else if (!eligibility.eligible) {
      run.log.debug({ reason: eligibility.reason }, 'source not published as is');
    }

    // The lowest rung and the audio, written under first/ so that the ladder's folders never
    // replace a playlist a player of this output is reading.
    const firstPlan: LadderPlan = {
      ...plan,
      video: plan.video ? { ...plan.video, rungs: plan.video.rungs.slice(-1) } : null,
      poster: null,
      thumbnail: null,
    };
    const root = join(run.scratch, 'encode');
    const outDir = join(root, FIRST_OUTPUT_FOLDER);
    await mkdir(outDir, { recursive: true });
    const inFirst = (path: string) => `${FIRST_OUTPUT_FOLDER}/${path}`;
    const moved = (renditions: Rendition[]) => renditions.map((r) => ({ ...r, playlist: inFirst(r.playlist) }));
    const masterOptions: MasterPlaylistOptions = { audioChannels: plan.audio && media.audio ? plan.audio.channels : undefined };
    const result = await deps.transcoder.transcode({
      inputPath,
      outputDir: outDir,
      media,
      plan: firstPlan,
      signal,
      progressive: true,
      onOutput: (update: OutputUpdate) =>
        publisher.update(
          root,
          { playlists: update.playlists.map(inFirst), renditions: update.renditions ? moved(update.renditions) : null },
          { options: masterOptions, onMaster: onMaster('first rung') },
        ),
    });
    await publisher.finish(root, result.files.filter((f) => f !== result.masterPlaylist).map(inFirst), null);
    const renditions = moved(result.renditions);
    if (await publisher.publishMasterOnce(renditions, masterOptions)) await onMaster('first rung')(renditions);
  } catch (err) {
    local.abort(new AbortedError('publishing stopped'));
    await publisher.drain().catch(() => {});
    if (run.signal.aborted) throw err;
    if (publisher.failed.signal.aborted) throw publisher.failed.signal.reason;
    throw err;
  }
}
