import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, ValidationError } from '../../../core/errors.ts';
import type { LadderPlan } from '../../../core/model/ladder-plan.ts';
import type { Rendition } from '../../../core/model/video.ts';
import type {
  EncodeBackend,
  EncodeBackendCapabilities,
  EncodeEvents,
  EncodeRequest,
  EncodeResult,
  EncodeSubmission,
} from '../../../core/ports/encode-backend.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import type { MasterPlaylistOptions } from '../../../core/playlists/master-playlist.ts';
import type { Logger } from '../../../core/ports/logger.ts';
import { writeDashManifest } from '../../../core/playlists/dash-manifest.ts';
import { publishedMediaPlaylist } from '../../../core/playlists/progressive-playlist.ts';
import { cacheControlFor, contentTypeFor } from '../../../core/media-files.ts';
import type { FfmpegTranscoder } from './ffmpeg-transcoder.ts';
import { ProgressivePublisher } from './progressive-publisher.ts';
import type { ScratchSpace } from './scratch-space.ts';
import type { SourcePins } from './source-pins.ts';

/** The DASH manifest a ladder writes beside its HLS master, over the same segments. */
export const DASH_MANIFEST_FILE = 'manifest.mpd';

export interface FfmpegEncodeBackendOptions {
  transcoder: FfmpegTranscoder;
  /** Where outputs are published. */
  media: ObjectStore;
  /** Source versions pinned as files (shared with the probe). */
  pins: SourcePins;
  /** This adapter's scratch space; every encode works in a folder of its own, removed at the end. */
  scratch: ScratchSpace;
  logger?: Logger;
}

/**
 * EncodeBackend on a local ffmpeg, in this process: the source version is pinned to a scratch folder,
 * encoded there, and published to the media store while it is written (ProgressivePublisher: no
 * published playlist ever refers to a file that is not published yet). `submit` resolves when
 * everything is published, the master playlist last.
 */
export class FfmpegEncodeBackend implements EncodeBackend {
  readonly capabilities: EncodeBackendCapabilities = { completion: 'in-process', streamCopy: true, earlyPlayable: true, chunks: true };

  constructor(private readonly options: FfmpegEncodeBackendOptions) {}

  async submit(request: EncodeRequest, events: EncodeEvents): Promise<EncodeSubmission> {
    return { state: 'completed', result: await this.encode(request, events) };
  }

  private async encode(req: EncodeRequest, events: EncodeEvents): Promise<EncodeResult> {
    const { outputPrefix, mode } = req;
    if (!/^[A-Za-z0-9_-][A-Za-z0-9_./-]*\/$/.test(outputPrefix) || outputPrefix.split('/').includes('..')) {
      throw new ValidationError(`invalid output prefix "${outputPrefix}"`);
    }
    if (mode === 'copy' && req.encryption) throw new ValidationError('an encrypted video is never published by stream copy');
    const part = mode === 'chunk' || mode === 'ladder-rest';
    if (part && (req.encryption || req.folder)) throw new ValidationError('the parts of a split ladder are never encrypted and never in a folder');
    if (mode === 'chunk' && !req.chunk) throw new ValidationError('a chunk encode needs its range');
    const folder = req.folder ?? '';
    if (folder !== '' && (mode === 'copy' || !/^[A-Za-z0-9_-]+$/.test(folder))) throw new ValidationError(`invalid output folder "${folder}"`);
    /** A path of the encode's output folder as a path under the prefix. */
    const under = (path: string): string => (folder ? `${folder}/${path}` : path);
    const moved = (renditions: Rendition[]): Rendition[] => renditions.map((r) => ({ ...r, playlist: under(r.playlist) }));
    if (req.signal?.aborted) throw new AbortedError('the encode was aborted before it started');

    const source = await this.options.pins.acquire({ key: req.sourceKey, etag: req.sourceEtag }, req.signal);
    const local = new AbortController();
    const publisher = new ProgressivePublisher({
      media: this.options.media,
      prefix: outputPrefix,
      signal: req.signal ? AbortSignal.any([req.signal, local.signal]) : local.signal,
    });
    const signal = AbortSignal.any([...(req.signal ? [req.signal] : []), local.signal, publisher.failed.signal]);
    const masterKey = `${outputPrefix}${publisher.masterFile}`;
    let reported = false;
    const onMaster = async (renditions: Rendition[]): Promise<void> => {
      if (reported) return;
      reported = true;
      await events.playable({ masterKey, renditions });
    };
    let dir: string | null = null;
    let keepSource = false;
    try {
      dir = await this.options.scratch.create(`${req.videoId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}-${mode}`);
      const outDir = dir;
      if (mode === 'copy') {
        const copied = await this.options.transcoder.packageCopy({
          inputPath: source.path,
          outputDir: outDir,
          media: req.media,
          segmentSeconds: req.plan.segmentSeconds,
          signal,
          onOutput: (update) => publisher.update(outDir, update, { options: {}, onMaster }),
        });
        await publisher.finish(outDir, copied.files, null);
        // A copy too short for any update to carry a master still ends with one.
        if (await publisher.publishMasterOnce([copied.rendition], {})) await onMaster([copied.rendition]);
        keepSource = true; // for the ladder that follows
        return { masterKey, renditions: [copied.rendition], posterKey: null, thumbnailKey: null };
      }
      const early = mode === 'first-playable' || req.earlyMaster === true;
      const masterOptions: MasterPlaylistOptions = { audioChannels: req.plan.audio && req.media.audio ? req.plan.audio.channels : undefined };
      // ffmpeg writes into <dir>/<folder>; the publisher publishes <dir> under the prefix.
      const encodeDir = folder ? join(outDir, folder) : outDir;
      await mkdir(encodeDir, { recursive: true });
      const result = await this.options.transcoder.transcode({
        inputPath: source.path,
        outputDir: encodeDir,
        media: req.media,
        plan: part ? partPlan(req) : req.plan,
        signal,
        onProgress: (fraction) => events.progress(fraction),
        progressive: !part,
        chunk: mode === 'chunk' ? req.chunk : undefined,
        master: !part,
        quickStart: mode === 'first-playable',
        encryption: req.encryption ?? undefined,
        download: mode === 'ladder' && req.download && !req.encryption ? (req.downloadFromSource ? 'source' : 'ladder') : undefined,
        onOutput: (update) =>
          publisher.update(
            outDir,
            { playlists: update.playlists.map(under), renditions: update.renditions ? moved(update.renditions) : null },
            early ? { options: masterOptions, onMaster } : null,
          ),
      });
      const renditions = moved(result.renditions);
      const files = result.files.filter((f) => f !== result.masterPlaylist).map(under);
      await publisher.finish(outDir, files, null);
      if (part) {
        // No master: the core stitches the parts' playlists and publishes one (stitch-ladder.ts).
        const captions =
          mode === 'ladder-rest'
            ? await this.options.transcoder.extractCaptions({ store: this.options.media, logger: this.options.logger }, { inputPath: source.path, workDir: outDir, media: req.media, outputPrefix, signal })
            : undefined;
        return {
          masterKey: '',
          renditions,
          posterKey: result.poster ? `${outputPrefix}${result.poster}` : null,
          thumbnailKey: result.thumbnail ? `${outputPrefix}${result.thumbnail}` : null,
          ...(mode === 'ladder-rest'
            ? { captions, storyboard: result.storyboard ? { vttKey: `${outputPrefix}${result.storyboard.vtt}`, imageKey: `${outputPrefix}${result.storyboard.image}` } : null }
            : {}),
        };
      }
      // A ladder takes the upload's text subtitle streams as caption tracks, published before its master.
      const captions =
        mode === 'ladder'
          ? await this.options.transcoder.extractCaptions({ store: this.options.media, logger: this.options.logger }, { inputPath: source.path, workDir: outDir, media: req.media, outputPrefix, signal })
          : undefined;
      // A ladder's DASH manifest, over the published segments (AES-128 segments are HLS-only).
      const dashKey = mode === 'ladder' && !req.encryption ? `${outputPrefix}${DASH_MANIFEST_FILE}` : null;
      if (dashKey) await this.publishDash(outDir, renditions, dashKey);
      // The encoder's own master lists its folder's playlists; the published one lists them under the
      // folder. A first playable output keeps the master its players opened; a ladder's replaces it, last.
      if (mode === 'ladder') await publisher.publishMaster(renditions, masterOptions);
      else await publisher.publishMasterOnce(renditions, masterOptions);
      if (early) await onMaster(renditions); // when no update carried a master (a very short source)
      keepSource = mode !== 'ladder'; // a first playable output is followed by the ladder
      return {
        masterKey,
        renditions,
        posterKey: result.poster ? `${outputPrefix}${under(result.poster)}` : null,
        thumbnailKey: result.thumbnail ? `${outputPrefix}${under(result.thumbnail)}` : null,
        ...(captions ? { captions } : {}),
        ...(mode === 'ladder' ? { downloadKey: result.download ? `${outputPrefix}${under(result.download)}` : null, dashKey } : {}),
        ...(mode === 'ladder'
          ? { storyboard: result.storyboard ? { vttKey: `${outputPrefix}${under(result.storyboard.vtt)}`, imageKey: `${outputPrefix}${under(result.storyboard.image)}` } : null }
          : {}),
      };
    } catch (err) {
      local.abort(new AbortedError('publishing stopped'));
      await publisher.drain().catch(() => {});
      if (req.signal?.aborted) throw err;
      if (publisher.failed.signal.aborted) throw publisher.failed.signal.reason;
      throw err;
    } finally {
      if (dir) await this.options.scratch.remove(dir).catch(() => {});
      await source.release({ keep: keepSource }).catch(() => {});
    }
  }

  /** Writes the DASH manifest of `renditions` from their final media playlists in `dir` (as published). */
  private async publishDash(dir: string, renditions: Rendition[], key: string): Promise<void> {
    const inputs = [];
    for (const rendition of renditions) {
      inputs.push({ rendition, playlist: publishedMediaPlaylist(await readFile(join(dir, rendition.playlist), 'utf8')) });
    }
    const body = Buffer.from(writeDashManifest(inputs));
    await this.options.media.put(key, body, { contentType: contentTypeFor(key), cacheControl: cacheControlFor(key) });
  }
}

/**
 * What a part of a split ladder encodes: a chunk, the video rungs only; the rest, the audio and the
 * stills (the picture decoded for them alone, no rung).
 */
function partPlan(req: EncodeRequest): LadderPlan {
  const { plan } = req;
  if (req.mode === 'chunk') return { ...plan, audio: null, poster: null, thumbnail: null, storyboard: null };
  const stills = Boolean(plan.poster || plan.thumbnail || plan.storyboard);
  return { ...plan, video: plan.video && stills ? { ...plan.video, rungs: [] } : null };
}
