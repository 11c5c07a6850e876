import type { HlsKeys } from '../auth/hls-keys.ts';
import { AbortedError, NotFoundError, ValidationError } from '../errors.ts';
import { planLadder } from '../ladder/plan-ladder.ts';
import type { CopyEligibilityOptions } from '../ladder/copy-eligibility.ts';
import type { LadderPlan } from '../model/ladder-plan.ts';
import type { MediaInfo } from '../model/media-info.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { Encoding, HlsEncryption } from '../ports/encode-backend.ts';
import type { EncodeJobPayload, JobContext, JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectRef } from '../ports/media-probe.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { checkMediaLimits, DEFAULT_JOB_TIMEOUTS, jobTimeoutError, jobTimeoutMs, type JobTimeouts } from './job-limits.ts';

export interface TranscodeJobDeps {
  catalog: Catalog;
  sources: ObjectStore;
  media: ObjectStore;
  /** `prepare` queues the video's `ladder` here. */
  queue: JobQueue;
  /** The probe and the encode backend (which reads the source and writes the outputs itself). */
  encoding: Encoding;
  clock: Clock;
  logger: Logger;
  segmentSeconds: number;
  /** How often progress is written to the catalog (and deletion noticed). */
  progressIntervalMs?: number;
  /** Publish fit sources by stream copy as the first playable output (default true). */
  instantPublish?: boolean;
  /** Rules for that (see copy-eligibility.ts). */
  copyRules?: CopyEligibilityOptions;
  /** The ladder makes a downloadable MP4 for videos that do not say (`Video.downloads`); default false. */
  downloads?: boolean;
  /** Time allowed once the source is probed: max(minSec, factor x duration). Default 10 min / 20x. */
  timeouts?: JobTimeouts;
  /**
   * Ladders of videos at least two chunks long are split into chunks of about this many seconds,
   * encoded as separate jobs (split-ladder.ts); 0 or absent: never split.
   */
  chunkSeconds?: number;
  /** Content keys of encrypted videos (HLS AES-128); required to encode a video with `encrypted`. */
  hlsKeys?: HlsKeys;
  /** Fit each ladder to its source's content when the encoding can analyse it (fit-to-content.ts); default false. */
  perTitle?: boolean;
}

/** The source version a stage works on (probed: the encode reads exactly those bytes), and the ladder planned for it. */
export interface StageSource {
  ref: ObjectRef;
  media: MediaInfo;
  plan: LadderPlan;
}

/** One attempt of a stage's job: its abort signals (job cancelled or stopped, video deleted, time limit), the probed source. */
export class StageAttempt {
  readonly deleted = new AbortController();
  readonly timeout = new AbortController();
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private limitFrom: number | undefined;
  private watcher: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: TranscodeJobDeps,
    readonly ctx: JobContext<EncodeJobPayload>,
  ) {
    const { videoId } = ctx.payload;
    this.log = deps.logger.child({ jobId: ctx.id, videoId, attempt: ctx.attempt, stage: ctx.payload.type });
    this.signal = AbortSignal.any([ctx.signal, this.deleted.signal, this.timeout.signal]);
  }

  /**
   * A version of the source (the one with `etag`, else the current one), probed: the probe and every
   * encode read exactly that version, whatever is written to the key meanwhile. The limits checked,
   * the time limit armed, the ladder planned.
   */
  async source(sourceKey: string, etag?: string): Promise<StageSource> {
    const ref = await this.version(sourceKey, etag);
    return this.checked(ref, await this.deps.encoding.probe.probe(ref, this.signal));
  }

  /**
   * A first look at a version of the source (MediaProbe.firstLook: its headers and first seconds,
   * the limits checked on them, the time limit armed for the duration they claim) and the ladder
   * planned for it; `whole` when the look read the whole source (it is then what source() returns).
   * Only when the probe declares `firstLook`.
   */
  async firstLook(sourceKey: string, etag?: string): Promise<{ source: StageSource; whole: boolean }> {
    const ref = await this.version(sourceKey, etag);
    const { media, whole } = await this.deps.encoding.probe.firstLook(ref, this.signal);
    return { source: this.checked(ref, media), whole };
  }

  private async version(sourceKey: string, etag: string | undefined): Promise<ObjectRef> {
    if (etag !== undefined) return { key: sourceKey, etag };
    const info = await this.deps.sources.head(sourceKey);
    if (!info) throw new NotFoundError('the uploaded file is gone; upload the video again');
    return { key: sourceKey, etag: info.etag };
  }

  /** Checks the limits, (re)arms the time limit for the probed duration and plans the ladder. */
  private checked(ref: ObjectRef, media: MediaInfo): StageSource {
    checkMediaLimits(media);
    const limitMs = jobTimeoutMs(media.durationSec, this.deps.timeouts ?? DEFAULT_JOB_TIMEOUTS);
    // The time runs from the first probe's answer (a first look's, then the full probe's duration).
    this.limitFrom ??= Date.now();
    clearTimeout(this.timer);
    const left = Math.max(0, limitMs - (Date.now() - this.limitFrom));
    this.timer = setTimeout(() => this.timeout.abort(jobTimeoutError(limitMs, media.durationSec)), left);
    return { ref, media, plan: planLadder(media, { segmentSeconds: this.deps.segmentSeconds }) };
  }

  /** The key of an encrypted video; its playlists refer to GET /media/<id>/keys/<kid>.key. */
  encryption(): HlsEncryption {
    const keys = this.deps.hlsKeys;
    if (!keys) throw new ValidationError('this video is to be encrypted but no HLS key secret is configured');
    // Media playlists are at <rung>/index.m3u8, so this resolves to <video id>/keys/<kid>.key.
    return { key: keys.keyFor(this.ctx.payload.videoId), keyUri: `../keys/${keys.fileName()}` };
  }

  /**
   * Which encode attempt of the stage this job makes: its own attempt number, after the attempts of
   * earlier jobs of the stage (an encode that completes by event comes back as a new job).
   */
  encodeAttempt(): { number: number; max: number } {
    const { payload } = this.ctx;
    const prior = payload.type === 'transcode' || payload.type === 'ladder-part' ? 0 : (payload.priorAttempts ?? 0);
    return { number: prior + this.ctx.attempt, max: this.ctx.maxAttempts };
  }

  /** What stopped the attempt: the time limit when it fired (and the job was not stopped), else `caught`. */
  cause(caught: unknown): unknown {
    return this.timeout.signal.aborted && !this.ctx.signal.aborted ? this.timeout.signal.reason : caught;
  }

  /** Marks the video deleted: the encode stops. */
  videoGone(): void {
    this.deleted.abort(new AbortedError('video deleted'));
  }

  /**
   * Looks at the video every `progressIntervalMs` until close(): once it is deleted, or no longer
   * processing in `attemptId`, whatever the attempt runs (a probe, an analysis, a stream copy: work
   * that writes no progress) stops, as progress writes that no longer apply stop an encode. A
   * catalog that cannot be read is asked again at the next tick.
   */
  watch(attemptId: string): void {
    if (this.watcher) return;
    const { videoId } = this.ctx.payload;
    let looking = false;
    this.watcher = setInterval(() => {
      if (looking || this.deleted.signal.aborted) return;
      looking = true;
      this.deps.catalog.getVideo(videoId).then(
        (video) => {
          looking = false;
          if (!video || video.status !== 'processing' || video.attemptId !== attemptId) this.videoGone();
        },
        () => {
          looking = false;
        },
      );
    }, this.deps.progressIntervalMs ?? 1000);
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    clearInterval(this.watcher);
  }
}
