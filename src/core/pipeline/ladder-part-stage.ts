import { buffer } from 'node:stream/consumers';
import { AbortedError, isPermanent, TransientError } from '../errors.ts';
import { mediaPrefix } from '../media-keys.ts';
import type { EncodeRequest, EncodeResult } from '../ports/encode-backend.ts';
import type { JobContext, LadderPartJobPayload } from '../ports/job-queue.ts';
import { transition } from '../videos/lifecycle.ts';
import { finishEncode } from './finish-encode.ts';
import { StageAttempt, type TranscodeJobDeps } from './stage-attempt.ts';
import { stitchLadder } from './stitch-ladder.ts';

/** Folder (under the video's prefix) of the completion records of a split ladder's parts, per attempt. */
export const PARTS_FOLDER = 'parts';

/**
 * A `ladder-part` job: one part of a split ladder (split-ladder.ts), a chunk of the video rungs or
 * the rest (audio, stills, captions). Its outputs published, it records its result under
 * `<id>/parts/<attemptId>/`, then looks at the records of the attempt: the part that finds every part
 * done stitches them (stitch-ladder.ts) and ends the ladder through finishEncode, like an unsplit
 * ladder; two parts doing it at once write the same objects, and only one completion applies (the
 * lifecycle's compare-and-set). Until then the video's progress is the share of parts done.
 *
 * A video deleted, or taken over by another attempt, stops the part (as for the ladder); a part
 * that fails runs again (the queue's retries), and its last failure fails the video.
 */
export async function runLadderPart(deps: TranscodeJobDeps, ctx: JobContext<LadderPartJobPayload>): Promise<void> {
  const { catalog } = deps;
  const { videoId, sourceKey, attemptId, chunk, chunks } = ctx.payload;
  const run = new StageAttempt(deps, ctx);
  const { log } = run;
  const prefix = mediaPrefix(videoId);
  const records = `${prefix}${PARTS_FOLDER}/${attemptId}/`;
  const name = chunk ? `chunk-${String(chunk.index).padStart(4, '0')}` : 'rest';
  const total = chunks + 1;
  /** The share of parts done as the progress; when it no longer applies (deleted, taken over) the part stops. */
  const progress = async (fraction: number): Promise<boolean> => {
    const done = await transition(catalog, videoId, 'progress', { progress: Math.min(0.99, fraction) }, { attemptId });
    if (!done.applied) run.videoGone();
    return done.applied;
  };
  const partsDone = async () => (await deps.media.list(records)).filter((o) => o.key.endsWith('.json')).length;
  try {
    const video = await catalog.getVideo(videoId);
    if (!video || video.status !== 'processing' || video.attemptId !== attemptId) {
      log.info({ part: name, status: video?.status ?? 'deleted' }, 'not this attempt any more; nothing to do');
      return;
    }
    if (!(await progress((await partsDone()) / total))) {
      log.info({ part: name }, 'the video moved on meanwhile; part dropped');
      return;
    }
    run.watch(attemptId);
    // The source version is probed again (for its stream layout); the plan is the ladder job's.
    const { ref, media } = await run.source(sourceKey, ctx.payload.sourceEtag);
    const { plan } = ctx.payload;
    const request: EncodeRequest = {
      videoId, attemptId, sourceKey: ref.key, sourceEtag: ref.etag, outputPrefix: prefix, plan, media, encryption: null,
      mode: chunk ? 'chunk' : 'ladder-rest', ...(chunk ? { chunk } : {}), attempt: run.encodeAttempt(), signal: run.signal,
    };
    // The progress writes notice a deletion too (as for an unsplit ladder), besides run.watch.
    let lastCheck = Date.now();
    let checking: Promise<unknown> = Promise.resolve();
    const submitted = await deps.encoding.backend.submit(request, {
      progress: () => {
        if (Date.now() - lastCheck < (deps.progressIntervalMs ?? 1000)) return;
        lastCheck = Date.now();
        checking = checking.then(() => partsDone().then((n) => progress(n / total))).catch(() => {});
      },
      playable: async () => {},
    });
    await checking;
    if (submitted.state !== 'completed') throw new TransientError('the encode backend did not encode the part in this process');
    run.signal.throwIfAborted();
    await deps.media.put(`${records}${name}.json`, Buffer.from(JSON.stringify(submitted.result)), { contentType: 'application/json', cacheControl: 'no-store' });

    const done = await partsDone();
    if (done < total) {
      await progress(done / total);
      log.info({ part: name, done, total, ms: Date.now() - run.started }, 'part done');
      return;
    }
    // Every part is done: this one stitches them.
    const results = await readResults(deps, records, chunks);
    const result = await stitchLadder({
      media: deps.media,
      prefix,
      chunks: results.chunks,
      rest: results.rest,
      master: { audioChannels: plan.audio && media.audio ? plan.audio.channels : undefined },
    });
    run.signal.throwIfAborted();
    const outcome = await finishEncode({ catalog, media: deps.media, logger: log }, { videoId, attemptId, mode: 'ladder', result });
    if (outcome === 'ready') {
      await deps.media.deletePrefix(`${prefix}${PARTS_FOLDER}/`).catch(() => {});
      log.info({ part: name, parts: total }, 'parts stitched; ready');
    } else {
      log.info({ part: name, outcome }, 'parts stitched; the completion was not applied');
    }
  } catch (caught) {
    const err = run.cause(caught);
    if (run.deleted.signal.aborted) {
      if (!(await catalog.getVideo(videoId))) await deps.media.deletePrefix(prefix).catch(() => {});
      log.info({ part: name }, 'video deleted or taken over by another attempt; part aborted');
      return;
    }
    if (ctx.signal.aborted) {
      log.warn({ part: name }, 'job interrupted; it will run again');
      throw err instanceof AbortedError ? err : new AbortedError('job interrupted', { cause: err });
    }
    // A part's last failure is the ladder's: the video fails (its outputs removed). Else the queue runs it again.
    if (isPermanent(err) || ctx.attempt >= ctx.maxAttempts) {
      await finishEncode({ catalog, media: deps.media, logger: log }, { videoId, attemptId, mode: 'ladder', error: err, final: true, attempts: ctx.attempt });
    }
    throw err;
  } finally {
    run.close();
  }
}

async function readResults(deps: TranscodeJobDeps, records: string, chunks: number): Promise<{ chunks: EncodeResult[]; rest: EncodeResult }> {
  const read = async (name: string) => JSON.parse((await buffer((await deps.media.get(`${records}${name}.json`)).body)).toString('utf8')) as EncodeResult;
  const results: EncodeResult[] = [];
  for (let index = 0; index < chunks; index++) results.push(await read(`chunk-${String(index).padStart(4, '0')}`));
  return { chunks: results, rest: await read('rest') };
}
