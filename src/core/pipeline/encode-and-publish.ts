import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, errorMessage } from '../errors.ts';
import type { Rendition } from '../model/video.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { CopyResult, LadderPlan, MediaInfo, TranscodeResult, Transcoder } from '../ports/transcoder.ts';
import { copyEligibility, type CopyEligibilityOptions } from '../ladder/copy-eligibility.ts';
import { mediaPrefix } from '../media-keys.ts';
import type { MasterPlaylistOptions } from '../playlists/master-playlist.ts';
import { ProgressivePublisher } from '../../adapters/transcoder/ffmpeg/progressive-publisher.ts';

export interface EncodeAndPublishDeps {
  media: ObjectStore;
  transcoder: Transcoder;
  /** Publish fit sources by stream copy before the ladder is encoded (default true). */
  instantPublish?: boolean;
  /** Rules for that (see copy-eligibility.ts). */
  copyRules?: CopyEligibilityOptions;
}

export interface EncodeAndPublishRequest {
  videoId: string;
  inputPath: string;
  /** The job's scratch folder: the copy goes to <scratch>/copy, the ladder to <scratch>/out. */
  scratch: string;
  media: MediaInfo;
  plan: LadderPlan;
  signal: AbortSignal;
  log: Logger;
  onProgress?: (fraction: number) => void;
  /**
   * Called once, when a master playlist is published before the ladder is done (the stream copy's,
   * or the ladder's while it grows), with the renditions it lists.
   */
  onPlayable?: (early: { masterPlaylist: string; renditions: Rendition[]; instant: boolean }) => Promise<void>;
  /**
   * HLS AES-128 (see TranscodeRequest.encryption). An encrypted video is never published by stream
   * copy nor while it encodes: it is published once, encrypted, when the ladder is done.
   */
  encryption?: { key: Buffer; keyUri: string };
}

export interface EncodeAndPublishResult {
  /** The ladder; its master playlist is published (last) under the video's prefix. */
  result: TranscodeResult;
  /** The stream copy, when the source was published that way; its files stay published. */
  copy: CopyResult | null;
}

/**
 * Encodes a source and publishes it while it encodes, so that it plays within seconds of the upload:
 *
 * 1. Instant publish: when the source is fit for it (copyEligibility), it is packaged by stream copy
 *    into `source/` and a master with that one variant is published after its first segment.
 * 2. Progressive publish: the ladder's playlists are published as they grow (EVENT playlists,
 *    segment by segment). Without an instant master, a master of every rung is published once each
 *    has its first segment.
 * 3. When the ladder is done, its playlists become VOD and its master is published last. The final
 *    master lists the encoded rungs only (aligned keyframes, known profile and capped rates); the
 *    copy's files stay published, so players that opened the instant master play on to the end.
 *
 * At no moment does a published playlist refer to a file that is not published (ProgressivePublisher).
 */
export async function encodeAndPublish(deps: EncodeAndPublishDeps, req: EncodeAndPublishRequest): Promise<EncodeAndPublishResult> {
  const { media, plan, log } = req;
  const local = new AbortController();
  const publisher = new ProgressivePublisher({
    media: deps.media,
    prefix: mediaPrefix(req.videoId),
    signal: AbortSignal.any([req.signal, local.signal]),
  });
  const signal = AbortSignal.any([req.signal, local.signal, publisher.failed.signal]);
  const masterOptions: MasterPlaylistOptions = { audioChannels: plan.audio && media.audio ? plan.audio.channels : undefined };
  let playable = false;
  const onMaster = (instant: boolean) => async (renditions: Rendition[]) => {
    playable = true;
    await req.onPlayable?.({ masterPlaylist: publisher.masterFile, renditions, instant });
  };

  let copy: Promise<CopyResult | null> = Promise.resolve(null);
  let copyFailure: unknown = null;
  const copyDir = join(req.scratch, 'copy');
  const outDir = join(req.scratch, 'out');
  try {
    const eligibility = copyEligibility(media, deps.copyRules);
    if (deps.instantPublish !== false && !req.encryption && deps.transcoder.packageCopy && eligibility.eligible) {
      await mkdir(copyDir, { recursive: true });
      let firstMaster!: () => void;
      const published = new Promise<void>((resolve) => (firstMaster = resolve));
      const instantMaster = onMaster(true);
      copy = deps.transcoder
        .packageCopy({
          inputPath: req.inputPath,
          outputDir: copyDir,
          media,
          segmentSeconds: plan.segmentSeconds,
          signal,
          onOutput: (update) =>
            publisher.update(copyDir, update, {
              options: {},
              onMaster: async (renditions) => {
                await instantMaster(renditions);
                firstMaster();
              },
            }),
        })
        .catch(async (err: unknown) => {
          if (signal.aborted) throw err;
          await publisher.drain().catch(() => {}); // an update of the copy may still be queued
          if (publisher.hasMaster) {
            // Players may be on the copy already: a copy that stops half-way fails the attempt.
            copyFailure = err;
            local.abort(err);
            throw err;
          }
          log.warn({ err: errorMessage(err) }, 'stream copy failed; the ladder is published as it encodes instead');
          return null;
        });
      // The ladder starts once the copy is playable (or over), so that it does not slow it down.
      await Promise.race([copy, published]);
    } else if (!eligibility.eligible) {
      log.debug({ reason: eligibility.reason }, 'source not published as is');
    }

    await mkdir(outDir, { recursive: true });
    const result = await deps.transcoder.transcode({
      inputPath: req.inputPath,
      outputDir: outDir,
      media,
      plan,
      signal,
      onProgress: req.onProgress,
      progressive: true,
      encryption: req.encryption,
      onOutput: (update) => publisher.update(outDir, update, { options: masterOptions, onMaster: onMaster(false) }),
    });
    const copied = await copy;
    if (copied) await publisher.finish(copyDir, copied.files, null);
    await publisher.finish(outDir, result.files, result.masterPlaylist);
    log.debug({ early: playable, instant: copied !== null }, 'published');
    return { result, copy: copied };
  } catch (err) {
    local.abort(new AbortedError('publishing stopped'));
    await copy.catch(() => {});
    await publisher.drain().catch(() => {});
    if (req.signal.aborted) throw err;
    if (publisher.failed.signal.aborted) throw publisher.failed.signal.reason;
    throw copyFailure ?? err;
  }
}
