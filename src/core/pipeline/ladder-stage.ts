import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, errorMessage, isPermanent } from '../errors.ts';
import { mediaKey, mediaPrefix } from '../media-keys.ts';
import type { Rendition } from '../model/video.ts';
import type { JobContext } from '../ports/job-queue.ts';
import type { MasterPlaylistOptions } from '../playlists/master-playlist.ts';
import { ProgressivePublisher } from '../../adapters/transcoder/ffmpeg/progressive-publisher.ts';
import { transition } from '../videos/lifecycle.ts';
import { errorDetail, failedForGood, failureReason } from './failure-reason.ts';
import { StageAttempt, type TranscodeJobDeps } from './stage-attempt.ts';

/**
 * The `ladder` stage, queued by `prepare` on the ladder lane: the full ladder, its media playlists
 * published as they grow (EVENT, then VOD) and its master last, replacing the first one; the video
 * is then `ready`. The first output's files stay published, so players that opened its master play
 * on to the end. The video's progress is the ladder's.
 *
 * While it runs the video stays playable: a failed attempt that will be tried again keeps the first
 * output; only a final failure (or deletion) takes it down. A video with no first output (encrypted)
 * is published here, once, when the ladder is done.
 */
export async function runLadder(deps: TranscodeJobDeps, ctx: JobContext): Promise<void> {
  const { catalog } = deps;
  const { videoId, sourceKey } = ctx.payload;
  const run = new StageAttempt(deps, ctx);
  const { log } = run;
  const video = await catalog.getVideo(videoId);
  const attemptId = (ctx.payload.type === 'ladder' ? ctx.payload.attemptId : undefined) ?? video?.attemptId ?? null;
  if (!video || video.status !== 'processing' || !attemptId || video.attemptId !== attemptId) {
    log.info({ status: video?.status ?? 'deleted' }, video ? 'not this attempt any more; nothing to do' : 'video was deleted; job dropped');
    return;
  }
  /** A transition of this attempt; when it no longer applies (deleted, or another attempt took over) the encode stops. */
  const step = async (event: 'progress' | 'playable', patch: Parameters<typeof transition>[3]) => {
    const done = await transition(catalog, videoId, event, patch, { attemptId });
    if (!done.applied) run.videoGone();
    return done.applied ? done.video : null;
  };
  const prefix = mediaPrefix(videoId);
  const local = new AbortController();
  const publisher = new ProgressivePublisher({ media: deps.media, prefix, signal: AbortSignal.any([run.signal, local.signal]) });
  try {
    const started = await step('progress', { progress: 0 });
    if (!started) {
      log.info({}, 'the video moved on meanwhile; ladder dropped');
      return;
    }
    const { inputPath, media, plan } = await run.source(sourceKey);
    log.info({ rungs: plan.video?.rungs.map((r) => r.name) ?? [], audio: !!plan.audio, durationSec: media.durationSec }, 'encoding');
    const progress = progressReporter(deps, run, (fraction) => step('progress', { progress: fraction }));
    const signal = AbortSignal.any([run.signal, local.signal, publisher.failed.signal]);
    const masterOptions: MasterPlaylistOptions = { audioChannels: plan.audio && media.audio ? plan.audio.channels : undefined };
    // No first output (the prepare stage published none): the ladder's master comes as soon as
    // every rung has a segment, as the only early output.
    const early = started.playable
      ? null
      : {
          options: masterOptions,
          onMaster: async (renditions: Rendition[]) => {
            await step('playable', { masterKey: mediaKey(videoId, publisher.masterFile), renditions });
          },
        };
    const outDir = join(run.scratch, 'out');
    await mkdir(outDir, { recursive: true });
    const result = await deps.transcoder.transcode({
      inputPath,
      outputDir: outDir,
      media,
      plan,
      signal,
      onProgress: progress.report,
      progressive: true,
      encryption: started.encrypted ? run.encryption() : undefined,
      onOutput: (update) => publisher.update(outDir, update, early),
    });
    await publisher.finish(outDir, result.files, result.masterPlaylist);
    await progress.flush();
    run.signal.throwIfAborted();

    const ready = await transition(
      catalog,
      videoId,
      'finish',
      {
        renditions: result.renditions,
        masterKey: mediaKey(videoId, result.masterPlaylist),
        posterKey: result.poster ? mediaKey(videoId, result.poster) : null,
        thumbnailKey: result.thumbnail ? mediaKey(videoId, result.thumbnail) : null,
      },
      { attemptId },
    );
    if (!ready.applied) {
      if (ready.reason === 'gone') {
        await deps.media.deletePrefix(prefix); // deleted while publishing
        log.info({}, 'video deleted while publishing; outputs removed');
      } else log.info({ reason: ready.reason, state: ready.state }, 'the video moved on meanwhile; not marked ready');
      return;
    }
    log.info({ ms: Date.now() - run.started, renditions: result.renditions.length }, 'ready');
  } catch (caught) {
    local.abort(new AbortedError('publishing stopped'));
    await publisher.drain().catch(() => {});
    let err = run.cause(caught);
    if (!run.signal.aborted && publisher.failed.signal.aborted) err = publisher.failed.signal.reason;
    if (run.deleted.signal.aborted) {
      // Deleted: its outputs go. Taken over by another attempt: they are that attempt's now.
      if (!(await catalog.getVideo(videoId))) await deps.media.deletePrefix(prefix).catch(() => {});
      log.info({}, 'video deleted or taken over by another attempt; encode aborted');
      return;
    }
    if (ctx.signal.aborted) {
      // The first output stays published; the ladder starts over when the job runs again.
      log.warn({}, 'job interrupted; it will run again');
      await transition(catalog, videoId, 'progress', { progress: 0 }, { attemptId });
      throw err instanceof AbortedError ? err : new AbortedError('job interrupted', { cause: err });
    }
    const final = isPermanent(err) || ctx.attempt >= ctx.maxAttempts;
    const reason = isPermanent(err) ? failureReason(err) : `${failureReason(err)} (after ${ctx.attempt} attempts)`;
    log[final ? 'warn' : 'error']({ err: errorMessage(err), detail: errorDetail(err), final }, 'transcode failed');
    if (final) {
      const failed = await transition(catalog, videoId, 'fail', { error: reason, retryable: !failedForGood(err) }, { attemptId });
      if (failed.applied) await deps.media.deletePrefix(prefix).catch(() => {});
    } else {
      await transition(catalog, videoId, 'progress', { progress: 0 }, { attemptId });
    }
    throw err;
  } finally {
    await run.close();
  }
}

/** Writes the ladder's progress every `progressIntervalMs` (through `store`, which stops the encode of a video that moved on). */
function progressReporter(deps: TranscodeJobDeps, run: StageAttempt, store: (fraction: number) => Promise<unknown>) {
  const interval = deps.progressIntervalMs ?? 1000;
  let last = 0;
  let latest = 0;
  let pending: Promise<void> = Promise.resolve();
  const write = (fraction: number) => {
    pending = pending
      .then(async () => {
        await store(Math.min(0.99, fraction));
      })
      .catch(() => {});
  };
  return {
    report: (fraction: number) => {
      latest = fraction;
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        write(fraction);
      }
    },
    flush: async () => {
      write(latest);
      await pending;
    },
  };
}
