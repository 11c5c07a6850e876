import { AbortedError, errorMessage, isPermanent } from '../errors.ts';
import { copyEligibility } from '../ladder/copy-eligibility.ts';
import { mediaPrefix } from '../media-keys.ts';
import type { LadderPlan } from '../model/ladder-plan.ts';
import type { Rendition } from '../model/video.ts';
import type { EncodeMode, EncodeRequest } from '../ports/encode-backend.ts';
import type { EncodeJobPayload, JobContext } from '../ports/job-queue.ts';
import { transition } from '../videos/lifecycle.ts';
import { enqueueStage } from './enqueue-stage.ts';
import { finishEncode } from './finish-encode.ts';
import { runEncode } from './run-encode.ts';
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
export async function runPrepare(deps: TranscodeJobDeps, ctx: JobContext<EncodeJobPayload>): Promise<void> {
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
    run.watch(attemptId);
    const { source, full } = await probeSource(deps, run, sourceKey, video.encrypted === true);
    const { media, plan } = source;
    const top = plan.video?.rungs[0];
    await step('progress', { durationSec: media.durationSec, width: top?.width ?? null, height: top?.height ?? null });
    run.signal.throwIfAborted();
    await deps.media.deletePrefix(mediaPrefix(videoId)); // leftovers of an earlier, interrupted attempt

    const onPlayable = async (masterKey: string, renditions: Rendition[], how: string) => {
      if (await step('playable', { masterKey, renditions })) {
        log.info({ ms: Date.now() - run.started, how, renditions: renditions.map((r) => r.name) }, 'playable');
      }
    };
    if (video.encrypted) log.debug({}, 'encrypted: nothing is published before the ladder is done');
    else await publishFirstOutput(deps, run, attemptId, source, full, onPlayable);
    run.signal.throwIfAborted();
    const probed = await full;
    if (probed !== source) {
      if (probed.media.durationSec !== media.durationSec) await step('progress', { durationSec: probed.media.durationSec });
      const eligibility = copyEligibility(probed.media, deps.copyRules);
      if (!eligibility.eligible && copyEligibility(media, deps.copyRules).eligible) log.info({ reason: eligibility.reason }, 'the rest of the source is not fit for a stream copy; the ladder replaces the copy');
    }
    run.signal.throwIfAborted();

    const { id, created } = await enqueueStage(deps.queue, { stage: 'ladder', videoId, sourceKey, attemptId, sourceEtag: probed.ref.etag });
    log.info({ ms: Date.now() - run.started, ladderJobId: id, created, rungs: plan.video?.rungs.map((r) => r.name) ?? [] }, 'prepared; ladder queued');
  } catch (caught) {
    const err = run.cause(caught);
    if (run.deleted.signal.aborted) {
      // Deleted: its outputs go. Taken over by another attempt: they are that attempt's now.
      if (!(await catalog.getVideo(videoId))) await deps.media.deletePrefix(mediaPrefix(videoId)).catch(() => {});
      log.info({}, 'video deleted or taken over by another attempt; encode aborted');
      return;
    }
    if (ctx.signal.aborted) {
      // Whatever was published goes: the video is not playable until an attempt gets that far again.
      await deps.media.deletePrefix(mediaPrefix(videoId)).catch(() => {});
      log.warn({}, 'job interrupted; it will run again');
      await transition(catalog, videoId, 'requeue', {}, { attemptId });
      throw err instanceof AbortedError ? err : new AbortedError('job interrupted', { cause: err });
    }
    // The attempt's end, as for any encode: failed for good, or back to the queue (its outputs removed).
    const final = isPermanent(err) || ctx.attempt >= ctx.maxAttempts;
    await finishEncode({ catalog, media: deps.media, logger: log }, { videoId, attemptId, mode: 'first-playable', error: err, final, attempts: ctx.attempt });
    throw err;
  } finally {
    run.close();
  }
}

/**
 * The source, probed. When the backend can publish early from a look, the source is first looked at
 * (MediaProbe.firstLook: its headers and first seconds), so that a long one is published (by stream
 * copy, or its lowest rung encoded) while the probe reads the rest: `source` is then the look and
 * `full` the probe still under way (an unreadable or refused rest fails the attempt and stops the
 * first output). Else (and when the look itself is refused: the probe then has the last word)
 * `source` is the probe and `full` the same.
 */
async function probeSource(
  deps: TranscodeJobDeps,
  run: StageAttempt,
  sourceKey: string,
  encrypted: boolean,
): Promise<{ source: StageSource; full: Promise<StageSource> }> {
  const copyFirst = !encrypted && deps.instantPublish !== false && deps.encoding.backend.capabilities.streamCopy && deps.encoding.probe.capabilities.firstLook;
  if (!copyFirst) {
    const source = await run.source(sourceKey);
    return { source, full: Promise.resolve(source) };
  }
  // A look that cannot be taken or whose figures are refused (headers claiming 600 hours, which the
  // packets may belie; a gap the whole file shows longer) gets the full probe's verdict.
  const look = await run.firstLook(sourceKey).catch((err: unknown) => {
    if (run.signal.aborted) throw err;
    run.log.debug({ err: errorMessage(err) }, 'first look refused; probing the whole source');
    return null;
  });
  if (!look) {
    const source = await run.source(sourceKey);
    return { source, full: Promise.resolve(source) };
  }
  if (look.whole) return { source: look.source, full: Promise.resolve(look.source) };
  const full = run.source(sourceKey, look.source.ref.etag);
  full.catch(() => {}); // awaited by the caller; a failure meanwhile stops the first output (publishFirstOutput)
  return { source: look.source, full };
}

/**
 * Publishes the first playable output under the video's prefix: the stream copy when the source is
 * fit for it and the backend can, else the lowest rung (and the audio) in `first/`. Its master comes
 * as soon as every rendition has a segment (then `onPlayable`); at no moment does a published
 * playlist refer to a file that is not published (the backend's part).
 */
async function publishFirstOutput(
  deps: TranscodeJobDeps,
  run: StageAttempt,
  attemptId: string,
  source: StageSource,
  full: Promise<StageSource>,
  onPlayable: (masterKey: string, renditions: Rendition[], how: string) => Promise<void>,
): Promise<void> {
  const { videoId } = run.ctx.payload;
  const { ref, media } = source;
  const { backend } = deps.encoding;
  const request = (mode: EncodeMode, how: string, from: StageSource, extra: Partial<EncodeRequest> = {}) => ({
    request: {
      videoId, attemptId, sourceKey: ref.key, sourceEtag: ref.etag, outputPrefix: mediaPrefix(videoId),
      plan: from.plan, media: from.media, encryption: null, mode, attempt: run.encodeAttempt(), signal: run.signal, ...extra,
    },
    onPlayable: (masterKey: string, renditions: Rendition[]) => onPlayable(masterKey, renditions, how),
  });

  // The probe may still be reading the rest of the source: when it fails, the first output stops.
  const probeFailed = new AbortController();
  full.catch((err: unknown) => probeFailed.abort(err));
  const signal = AbortSignal.any([run.signal, probeFailed.signal]);
  const eligibility = copyEligibility(media, deps.copyRules);
  if (deps.instantPublish !== false && backend.capabilities.streamCopy && eligibility.eligible) {
    let playable = false;
    const copy = request('copy', 'stream copy', source, { signal });
    try {
      await runEncode(deps, run, {
        ...copy,
        onPlayable: async (masterKey, renditions) => {
          playable = true;
          await copy.onPlayable(masterKey, renditions);
        },
      });
      return;
    } catch (err) {
      if (probeFailed.signal.aborted) throw probeFailed.signal.reason;
      // Players may be on the copy already: a copy that stops half-way fails the attempt.
      if (run.signal.aborted || playable) throw err;
      run.log.warn({ err: errorMessage(err) }, 'stream copy failed; the lowest rung is encoded instead');
    }
  } else if (!eligibility.eligible) {
    run.log.debug({ reason: eligibility.reason }, 'source not published as is');
  }

  // The lowest rung and the audio, written under first/ so that the ladder's folders never
  // replace a playlist a player of this output is reading. Its segments are one keyframe interval
  // long: the first one, which players wait for, needs that much of the source decoded, not more.
  // Planned from the first look when there is one (the ladder waits for the full probe): its
  // duration is the one the headers claim, which the look's checks accepted.
  const { plan } = source;
  const firstPlan: LadderPlan = {
    ...plan,
    segmentSeconds: plan.video ? plan.video.gopSeconds : plan.segmentSeconds,
    video: plan.video ? { ...plan.video, rungs: plan.video.rungs.slice(-1) } : null,
    poster: null,
    thumbnail: null,
    storyboard: null,
  };
  try {
    await runEncode(deps, run, request('first-playable', 'first rung', source, { plan: firstPlan, folder: FIRST_OUTPUT_FOLDER, signal }));
  } catch (err) {
    if (probeFailed.signal.aborted) throw probeFailed.signal.reason;
    throw err;
  }
}
