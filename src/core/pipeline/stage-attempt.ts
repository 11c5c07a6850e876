import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HlsKeys } from '../auth/hls-keys.ts';
import { AbortedError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors.ts';
import { planLadder } from '../ladder/plan-ladder.ts';
import type { CopyEligibilityOptions } from '../ladder/copy-eligibility.ts';
import { checkMediaLimits, DEFAULT_JOB_TIMEOUTS, jobTimeoutError, jobTimeoutMs, type JobTimeouts } from '../maintenance/job-limits.ts';
import type { LadderPlan } from '../model/ladder-plan.ts';
import type { MediaInfo } from '../model/media-info.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobContext, JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Transcoder } from '../ports/transcoder.ts';

export interface TranscodeJobDeps {
  catalog: Catalog;
  sources: ObjectStore;
  media: ObjectStore;
  /** `prepare` queues the video's `ladder` here. */
  queue: JobQueue;
  transcoder: Transcoder;
  clock: Clock;
  logger: Logger;
  /** Scratch space for job-scoped temp folders. */
  workDir: string;
  segmentSeconds: number;
  /** How often progress is written to the catalog (and deletion noticed). */
  progressIntervalMs?: number;
  /** Publish fit sources by stream copy as the first playable output (default true). */
  instantPublish?: boolean;
  /** Rules for that (see copy-eligibility.ts). */
  copyRules?: CopyEligibilityOptions;
  /** Time allowed once the source is probed: max(minSec, factor x duration). Default 10 min / 20x. */
  timeouts?: JobTimeouts;
  /** Content keys of encrypted videos (HLS AES-128); required to encode a video with `encrypted`. */
  hlsKeys?: HlsKeys;
}

/** The source of a stage, pinned and probed, and the ladder planned for it. */
export interface StageSource {
  inputPath: string;
  media: MediaInfo;
  plan: LadderPlan;
}

/**
 * One attempt of a stage's job: its scratch folder, its abort signals (job cancelled or stopped,
 * video deleted, time limit), the pinned and probed source.
 */
export class StageAttempt {
  readonly deleted = new AbortController();
  readonly timeout = new AbortController();
  readonly signal: AbortSignal;
  readonly scratch: string;
  readonly log: Logger;
  readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: TranscodeJobDeps,
    readonly ctx: JobContext,
  ) {
    const { videoId } = ctx.payload;
    this.log = deps.logger.child({ jobId: ctx.id, videoId, attempt: ctx.attempt, stage: ctx.payload.type });
    this.signal = AbortSignal.any([ctx.signal, this.deleted.signal, this.timeout.signal]);
    this.scratch = join(deps.workDir, `${videoId}-${ctx.payload.type}-${ctx.attempt}-${process.pid}`);
  }

  /**
   * Pins the source as a file in scratch (a hard link on the same disk, else a copy: probe and
   * encode read the same bytes, whatever is written to the key meanwhile), probes it, checks the
   * limits, arms the time limit and plans the ladder.
   */
  async source(sourceKey: string): Promise<StageSource> {
    await rm(this.scratch, { recursive: true, force: true });
    await mkdir(this.scratch, { recursive: true });
    const inputPath = join(this.scratch, 'source');
    const info = await this.deps.sources.head(sourceKey);
    if (!info) throw new NotFoundError('the uploaded file is gone; upload the video again');
    try {
      await this.deps.sources.pinToFile(sourceKey, inputPath, { etag: info.etag, signal: this.signal });
    } catch (err) {
      if (err instanceof PreconditionFailedError) {
        throw new PreconditionFailedError('the uploaded file was replaced while it was being read; it was not encoded: upload the video again', { cause: err });
      }
      throw err;
    }
    const media = await this.deps.transcoder.probe(inputPath, this.signal);
    checkMediaLimits(media);
    const limitMs = jobTimeoutMs(media.durationSec, this.deps.timeouts ?? DEFAULT_JOB_TIMEOUTS);
    this.timer = setTimeout(() => this.timeout.abort(jobTimeoutError(limitMs, media.durationSec)), limitMs);
    return { inputPath, media, plan: planLadder(media, { segmentSeconds: this.deps.segmentSeconds }) };
  }

  /** The key of an encrypted video; its playlists refer to GET /media/<id>/keys/<kid>.key. */
  encryption(): { key: Buffer; keyUri: string } {
    const keys = this.deps.hlsKeys;
    if (!keys) throw new ValidationError('this video is to be encrypted but no HLS key secret is configured');
    // Media playlists are at <rung>/index.m3u8, so this resolves to <video id>/keys/<kid>.key.
    return { key: keys.keyFor(this.ctx.payload.videoId), keyUri: `../keys/${keys.fileName()}` };
  }

  /** What stopped the attempt: the time limit when it fired (and the job was not stopped), else `caught`. */
  cause(caught: unknown): unknown {
    return this.timeout.signal.aborted && !this.ctx.signal.aborted ? this.timeout.signal.reason : caught;
  }

  /** Marks the video deleted: the encode stops. */
  videoGone(): void {
    this.deleted.abort(new AbortedError('video deleted'));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await rm(this.scratch, { recursive: true, force: true }).catch(() => {});
  }
}
