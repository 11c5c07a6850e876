import { AbortedError, isPermanent } from '../errors.ts';
import { copyEligibility } from '../ladder/copy-eligibility.ts';
import { mediaPrefix } from '../media-keys.ts';
import type { EncodeJobPayload, JobContext } from '../ports/job-queue.ts';
import { transition } from '../videos/lifecycle.ts';
import { finishEncode } from './finish-encode.ts';
import { fitToContent } from './fit-to-content.ts';
import { runEncode } from './run-encode.ts';
import { splitLadder } from './split-ladder.ts';
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
export async function runLadder(deps: TranscodeJobDeps, ctx: JobContext<EncodeJobPayload>): Promise<void> {
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
  try {
    const started = await step('progress', { progress: 0 });
    if (!started) {
      log.info({}, 'the video moved on meanwhile; ladder dropped');
      return;
    }
    run.watch(attemptId);
    const { ref, media, plan } = await fitToContent(deps, run, await run.source(sourceKey, ctx.payload.type === 'ladder' ? ctx.payload.sourceEtag : undefined));
    const download = !started.encrypted && (started.downloads ?? deps.downloads ?? false);
    if (await splitLadder(deps, run, { attemptId, source: { ref, media, plan }, encrypted: started.encrypted === true, download })) return;
    log.info({ rungs: plan.video?.rungs.map((r) => r.name) ?? [], audio: !!plan.audio, durationSec: media.durationSec }, 'encoding');
    const progress = progressReporter(deps, run, (fraction) => step('progress', { progress: fraction }));
    const outcome = await runEncode(deps, run, {
      request: {
        videoId,
        attemptId,
        sourceKey: ref.key,
        sourceEtag: ref.etag,
        outputPrefix: prefix,
        plan,
        media,
        encryption: started.encrypted ? run.encryption() : null,
        mode: 'ladder',
        // No first output (the prepare stage published none): the ladder's master comes as soon as
        // every rung has a segment, as the only early output.
        earlyMaster: !started.playable,
        // The downloadable MP4: the video's choice, else the installation's; never in the clear for an encrypted video.
        download,
        downloadFromSource: copyEligibility(media, deps.copyRules).eligible,
        attempt: run.encodeAttempt(),
        signal: run.signal,
      },
      onProgress: progress.report,
      onPlayable: async (masterKey, renditions) => {
        await step('playable', { masterKey, renditions });
      },
      beforeFinish: progress.flush,
    });
    if (outcome === 'ready') log.info({ ms: Date.now() - run.started }, 'ready');
    else if (outcome === 'submitted') log.info({}, 'ladder submitted; its completion makes the video ready');
    else log.info({ outcome }, 'the video moved on meanwhile; not marked ready');
  } catch (caught) {
    const err = run.cause(caught);
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
    // The attempt's end, as for any encode: failed for good (its outputs removed), or the ladder runs again.
    const final = isPermanent(err) || ctx.attempt >= ctx.maxAttempts;
    await finishEncode({ catalog, media: deps.media, logger: log }, { videoId, attemptId, mode: 'ladder', error: err, final, attempts: ctx.attempt });
    throw err;
  } finally {
    run.close();
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
