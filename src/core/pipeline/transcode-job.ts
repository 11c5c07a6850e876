import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobContext } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Transcoder } from '../ports/transcoder.ts';
import { AbortedError, errorMessage, isPermanent, NotFoundError, PreconditionFailedError, ValidationError } from '../errors.ts';
import { planLadder } from '../ladder/plan-ladder.ts';
import { mediaKey, mediaPrefix } from '../media-keys.ts';
import { encodeAndPublish } from './encode-and-publish.ts';
import { errorDetail, failedForGood, failureReason } from './failure-reason.ts';
import type { HlsKeys } from '../auth/hls-keys.ts';
import { checkMediaLimits, DEFAULT_JOB_TIMEOUTS, jobTimeoutError, jobTimeoutMs, type JobTimeouts } from '../maintenance/job-limits.ts';

export interface TranscodeJobDeps {
  catalog: Catalog;
  sources: ObjectStore;
  media: ObjectStore;
  transcoder: Transcoder;
  clock: Clock;
  logger: Logger;
  /** Scratch space for job-scoped temp folders. */
  workDir: string;
  segmentSeconds: number;
  /** How often progress is written to the catalog (and deletion noticed). */
  progressIntervalMs?: number;
  /** Publish fit sources by stream copy before the ladder is encoded (default true). */
  instantPublish?: boolean;
  /** Time allowed once the source is probed: max(minSec, factor x duration). Default 10 min / 20x. */
  timeouts?: JobTimeouts;
  /** Content keys of encrypted videos (HLS AES-128); required to encode a video with `encrypted`. */
  hlsKeys?: HlsKeys;
}

/**
 * The transcode job: source → probe → ladder plan → one ffmpeg ladder encode, published while it
 * encodes in the folder named after the upload (see encode-and-publish.ts: playable within seconds,
 * master playlist last) → catalog `ready`. Bad input fails at once with a
 * reason; other errors are retried by the queue; deleting the video aborts the encode.
 */
export class TranscodeJob {
  constructor(private readonly deps: TranscodeJobDeps) {}

  readonly handle = async (ctx: JobContext): Promise<void> => {
    const { catalog, logger } = this.deps;
    const { videoId } = ctx.payload;
    const log = logger.child({ jobId: ctx.id, videoId, attempt: ctx.attempt });
    const video = await catalog.getVideo(videoId);
    if (!video || video.status === 'ready') {
      log.info({}, video ? 'already ready; nothing to do' : 'video was deleted; job dropped');
      return;
    }
    const deleted = new AbortController();
    const timeout = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const signal = AbortSignal.any([ctx.signal, deleted.signal, timeout.signal]);
    const scratch = join(this.deps.workDir, `${videoId}-${ctx.attempt}-${process.pid}`);
    const started = Date.now();
    try {
      await catalog.updateVideo(videoId, { status: 'processing', progress: 0, error: null, playable: false, masterKey: null });
      await rm(scratch, { recursive: true, force: true });
      await mkdir(join(scratch, 'out'), { recursive: true });
      const inputPath = await this.localSource(ctx.payload.sourceKey, scratch, signal);
      const media = await this.deps.transcoder.probe(inputPath, signal);
      checkMediaLimits(media);
      const limitMs = jobTimeoutMs(media.durationSec, this.deps.timeouts ?? DEFAULT_JOB_TIMEOUTS);
      timer = setTimeout(() => timeout.abort(jobTimeoutError(limitMs, media.durationSec)), limitMs);
      const plan = planLadder(media, { segmentSeconds: this.deps.segmentSeconds });
      const top = plan.video?.rungs[0];
      await catalog.updateVideo(videoId, {
        durationSec: media.durationSec,
        width: top?.width ?? null,
        height: top?.height ?? null,
      });
      log.info({ rungs: plan.video?.rungs.map((r) => r.name) ?? [], audio: !!plan.audio, durationSec: media.durationSec }, 'encoding');

      const prefix = mediaPrefix(videoId);
      await this.deps.media.deletePrefix(prefix); // leftovers of an earlier, interrupted attempt
      const progress = this.progressReporter(videoId, deleted);
      const encryption = video.encrypted ? this.encryption(videoId) : undefined;
      const { result } = await encodeAndPublish(
        { media: this.deps.media, transcoder: this.deps.transcoder, instantPublish: this.deps.instantPublish },
        {
          videoId,
          inputPath,
          scratch,
          media,
          plan,
          signal,
          log,
          onProgress: progress.report,
          encryption,
          onPlayable: async ({ masterPlaylist, renditions, instant }) => {
            const masterKey = mediaKey(videoId, masterPlaylist);
            const updated = await catalog.updateVideo(videoId, { playable: true, masterKey, renditions }, { expectStatus: ['processing'] });
            if (!updated) deleted.abort(new AbortedError('video deleted'));
            else log.info({ ms: Date.now() - started, instant, renditions: renditions.map((r) => r.name) }, 'playable');
          },
        },
      );
      await progress.flush();
      signal.throwIfAborted();

      const ready = await catalog.updateVideo(videoId, {
        status: 'ready',
        progress: 1,
        error: null,
        renditions: result.renditions,
        masterKey: mediaKey(videoId, result.masterPlaylist),
        posterKey: result.poster ? mediaKey(videoId, result.poster) : null,
        thumbnailKey: result.thumbnail ? mediaKey(videoId, result.thumbnail) : null,
        playable: true,
      });
      if (!ready) {
        await this.deps.media.deletePrefix(prefix); // deleted while publishing
        log.info({}, 'video deleted while publishing; outputs removed');
        return;
      }
      log.info({ ms: Date.now() - started, renditions: result.renditions.length }, 'ready');
    } catch (caught) {
      const err: unknown = timeout.signal.aborted && !ctx.signal.aborted ? timeout.signal.reason : caught;
      // Whatever was published early goes: the video is not playable until an attempt finishes.
      await this.deps.media.deletePrefix(mediaPrefix(videoId)).catch(() => {});
      if (deleted.signal.aborted) {
        log.info({}, 'video deleted; encode aborted');
        return;
      }
      if (ctx.signal.aborted) {
        log.warn({}, 'job interrupted; it will run again');
        await catalog.updateVideo(videoId, { status: 'queued', progress: 0, playable: false, masterKey: null }, { expectStatus: ['processing'] });
        throw err instanceof AbortedError ? err : new AbortedError('job interrupted', { cause: err });
      }
      const final = isPermanent(err) || ctx.attempt >= ctx.maxAttempts;
      // Users get a sentence without server paths; the raw text (tool output included) goes to the log.
      const reason = isPermanent(err) ? failureReason(err) : `${failureReason(err)} (after ${ctx.attempt} attempts)`;
      log[final ? 'warn' : 'error']({ err: errorMessage(err), detail: errorDetail(err), final }, 'transcode failed');
      await catalog.updateVideo(
        videoId,
        final
          ? { status: 'failed', error: reason, retryable: !failedForGood(err), progress: 0, playable: false, masterKey: null }
          : { status: 'queued', progress: 0, error: null, playable: false, masterKey: null },
      );
      throw err;
    } finally {
      clearTimeout(timer);
      await rm(scratch, { recursive: true, force: true }).catch(() => {});
    }
  };

  /** The key of an encrypted video; its playlists refer to GET /media/<id>/keys/<kid>.key. */
  private encryption(videoId: string): { key: Buffer; keyUri: string } {
    const keys = this.deps.hlsKeys;
    if (!keys) throw new ValidationError('this video is to be encrypted but no HLS key secret is configured');
    // Media playlists are at <rung>/index.m3u8, so this resolves to <video id>/keys/<kid>.key.
    return { key: keys.keyFor(videoId), keyUri: `../keys/${keys.fileName()}` };
  }

  /**
   * The source pinned as a file in scratch (a hard link on the same disk, else a copy): probe and
   * encode read the same bytes, whatever is written to the source's key meanwhile.
   */
  private async localSource(key: string, scratch: string, signal: AbortSignal): Promise<string> {
    const target = join(scratch, 'source');
    const info = await this.deps.sources.head(key);
    if (!info) throw new NotFoundError('the uploaded file is gone; upload the video again');
    try {
      await this.deps.sources.pinToFile(key, target, { etag: info.etag, signal });
    } catch (err) {
      if (err instanceof PreconditionFailedError) {
        throw new PreconditionFailedError('the uploaded file was replaced while it was being read; it was not encoded: upload the video again', { cause: err });
      }
      throw err;
    }
    return target;
  }

  private progressReporter(videoId: string, deleted: AbortController) {
    const interval = this.deps.progressIntervalMs ?? 1000;
    let last = 0;
    let latest = 0;
    let pending: Promise<void> = Promise.resolve();
    const write = (fraction: number) => {
      pending = pending.then(async () => {
        const updated = await this.deps.catalog.updateVideo(videoId, { progress: Math.min(0.99, fraction) }, { expectStatus: ['processing'] });
        if (!updated) deleted.abort(new AbortedError('video deleted'));
      }).catch(() => {});
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
}
