import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, type types } from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { SqliteCatalog } from '../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../src/core/errors.ts';
import { newId } from '../../src/core/ids.ts';
import { chunkInitFile, chunkPlaylistFile, planChunks } from '../../src/core/ladder/plan-chunks.ts';
import { planLadder } from '../../src/core/ladder/plan-ladder.ts';
import { mediaPrefix } from '../../src/core/media-keys.ts';
import type { MediaInfo } from '../../src/core/model/media-info.ts';
import type { Video } from '../../src/core/model/video.ts';
import { finishEncode, type EncodeCompletion, type FinishOutcome } from '../../src/core/pipeline/finish-encode.ts';
import { stitchLadder } from '../../src/core/pipeline/stitch-ladder.ts';
import type { Catalog } from '../../src/core/ports/catalog.ts';
import { systemClock } from '../../src/core/ports/clock.ts';
import type { EncodeBackend, EncodeMode, EncodeRequest, EarlyPlayable } from '../../src/core/ports/encode-backend.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import type { MediaProbe, ObjectRef } from '../../src/core/ports/media-probe.ts';
import type { ObjectStore } from '../../src/core/ports/object-store.ts';
import { UrlSigner } from '../../src/core/upload/url-signer.ts';
import { ffmpeg, makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** What a backend under test is built from: the core's stores and its `finishEncode` entry point. */
export interface EncodeSeamContext {
  sources: ObjectStore;
  media: ObjectStore;
  /** finishEncode, as the core exposes it; an event backend's completions are delivered here. */
  finish: (completion: EncodeCompletion) => Promise<FinishOutcome>;
  /** An empty folder the backend may use as its scratch space. */
  workDir: string;
}

export interface EncodeSeamUnderTest {
  backend: EncodeBackend;
  probe: MediaProbe;
  /** Resolves once every completion of the encodes finished so far has been delivered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

type MasterPlaylist = types.MasterPlaylist;
type MediaPlaylist = types.MediaPlaylist;

const SEGMENT_SECONDS = 1;

/**
 * The encode seam's contract, the same for every backend (in-process or completing by event):
 * outputs land under the request's prefix and play (every playlist's files are published), progress
 * and early-playable updates are reported, the completion reaches `finishEncode` (by the caller for
 * an in-process backend, by the backend's own event otherwise), which makes the video ready exactly
 * once whatever duplicate or stale completions arrive, and a failed encode fails the video once
 * with a sentence. The probe reads exactly the object version it is given.
 */
export function encodeBackendSuite(name: string, make: (ctx: EncodeSeamContext) => Promise<EncodeSeamUnderTest>): void {
  describe(`EncodeBackend conformance: ${name}`, () => {
    let tmp: { dir: string; cleanup: () => Promise<void> };
    let sources: ObjectStore;
    let media: ObjectStore;
    let rawCatalog: Catalog;
    let catalog: Catalog;
    let seam: EncodeSeamUnderTest;
    const readyWrites = new Map<string, number>();
    const outcomes: Array<{ completion: EncodeCompletion; outcome: FinishOutcome }> = [];
    let landscape: { key: string; etag: string; media: MediaInfo };

    const finish = async (completion: EncodeCompletion): Promise<FinishOutcome> => {
      const outcome = await finishEncode({ catalog, media, logger: silentLogger }, completion);
      outcomes.push({ completion, outcome });
      return outcome;
    };

    beforeAll(async () => {
      tmp = await makeTempDir('vodkit-encode-seam-');
      const signer = new UrlSigner({ secret: 'encode-seam-conformance-secret-0123456789', clock: systemClock });
      sources = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'sources'), bucket: 'sources', signer, clock: systemClock });
      media = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'media'), bucket: 'media', signer, clock: systemClock });
      rawCatalog = await SqliteCatalog.open({ path: join(tmp.dir, 'catalog.db') });
      // Every write that makes a video ready is counted: exactly one per video, whatever arrives.
      catalog = new Proxy(rawCatalog, {
        get(target, prop) {
          if (prop === 'updateVideo') {
            return async (...args: Parameters<Catalog['updateVideo']>) => {
              const updated = await target.updateVideo(...args);
              if (updated && args[1].status === 'ready') readyWrites.set(args[0], (readyWrites.get(args[0]) ?? 0) + 1);
              return updated;
            };
          }
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      seam = await make({ sources, media, finish, workDir: join(tmp.dir, 'work') });
      const clip = await makeClip(tmp.dir, 'landscape', { seconds: 3 });
      const info = await sources.put('landscape.mp4', await readFile(clip.path), { contentType: 'video/mp4' });
      landscape = { key: info.key, etag: info.etag, media: await seam.probe.probe({ key: info.key, etag: info.etag }) };
    });
    afterAll(async () => {
      await seam?.close();
      await rawCatalog?.close();
      await tmp?.cleanup();
    });

    async function processingVideo(attemptId: string): Promise<Video> {
      const id = newId();
      const now = new Date().toISOString();
      return catalog.createVideo({
        id, title: id, status: 'processing', progress: 0, error: null, filename: 'clip.mp4', contentType: 'video/mp4',
        sourceSize: 1, sourceKey: landscape.key, ownerId: null, visibility: 'private', durationSec: null, width: null,
        height: null, renditions: [], masterKey: null, posterKey: null, thumbnailKey: null, playable: false, attemptId,
        createdAt: now, updatedAt: now,
      });
    }

    function request(video: Video, attemptId: string, mode: EncodeMode, source: ObjectRef = landscape, earlyMaster = false): EncodeRequest {
      return {
        videoId: video.id,
        attemptId,
        sourceKey: source.key,
        sourceEtag: source.etag,
        outputPrefix: mediaPrefix(video.id),
        plan: planLadder(landscape.media, { segmentSeconds: SEGMENT_SECONDS, gopSeconds: 1 }),
        media: landscape.media,
        encryption: null,
        mode,
        earlyMaster,
      };
    }

    /**
     * Runs an encode to its delivered completion: an in-process backend's result (or error) is handed
     * to finishEncode here, as the core's stage does; an event backend delivers it by itself.
     */
    async function encode(req: EncodeRequest) {
      const progress: number[] = [];
      const playable: EarlyPlayable[] = [];
      const events = { progress: (f: number) => progress.push(f), playable: async (e: EarlyPlayable) => void playable.push(e) };
      if (seam.backend.capabilities.completion === 'in-process') {
        try {
          const submitted = await seam.backend.submit(req, events);
          expect(submitted.state).toBe('completed');
          if (submitted.state === 'completed') await finish({ videoId: req.videoId, attemptId: req.attemptId, mode: req.mode, result: submitted.result });
        } catch (error) {
          await finish({ videoId: req.videoId, attemptId: req.attemptId, mode: req.mode, error, final: true });
        }
      } else {
        const submitted = await seam.backend.submit(req, events);
        expect(submitted.state).toBe('submitted');
        if (submitted.state === 'submitted') expect(submitted.jobRef).toEqual(expect.any(String));
      }
      await seam.settled();
      return { progress, playable, outcomes: outcomes.filter((o) => o.completion.videoId === req.videoId) };
    }

    async function text(key: string): Promise<string> {
      const chunks: Buffer[] = [];
      for await (const chunk of (await media.get(key)).body) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    }

    /** Every playlist the master lists, and every file those list, is published. */
    async function expectPlayable(masterKey: string): Promise<void> {
      const base = masterKey.slice(0, masterKey.lastIndexOf('/') + 1);
      const master = parse(await text(masterKey)) as MasterPlaylist;
      expect(master.variants.length).toBeGreaterThan(0);
      for (const variant of master.variants) {
        const playlistKey = base + variant.uri;
        const playlist = parse(await text(playlistKey)) as MediaPlaylist;
        expect(playlist.segments.length).toBeGreaterThan(0);
        const folder = playlistKey.slice(0, playlistKey.lastIndexOf('/') + 1);
        const files = new Set(playlist.segments.flatMap((s) => [s.uri, ...(s.map ? [s.map.uri] : [])]));
        for (const f of files) expect(await media.head(folder + f), folder + f).not.toBeNull();
      }
    }

    it('probes exactly the object version it is given', async () => {
      expect(landscape.media.video).toMatchObject({ codec: 'h264', width: 568, height: 320 });
      expect(landscape.media.durationSec).toBeCloseTo(3, 0);
      await expect(seam.probe.probe({ key: landscape.key, etag: '"0123456789abcdef0123456789abcdef"' })).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(seam.probe.probe({ key: 'missing.mp4', etag: landscape.etag })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('gives a first look at the start of a long source when it declares one, and reads a short one whole', async () => {
      if (!seam.probe.capabilities.firstLook) {
        await expect(seam.probe.firstLook(landscape)).rejects.toBeInstanceOf(ValidationError);
        return;
      }
      expect(await seam.probe.firstLook(landscape)).toEqual({ media: landscape.media, whole: true });
      // 150 s: a keyframe every 2 s for 130 s, then none until the end.
      const path = join(tmp.dir, 'keyframes-stop.mp4');
      await ffmpeg([
        '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10:duration=150', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
        '-g', '10000', '-sc_threshold', '0', '-force_key_frames', 'expr:lt(t,130)*gte(t,n_forced*2)', path,
      ]);
      const info = await sources.put('keyframes-stop.mp4', await readFile(path), { contentType: 'video/mp4' });
      const ref = { key: info.key, etag: info.etag };
      const [look, probed] = [await seam.probe.firstLook(ref), await seam.probe.probe(ref)];
      expect(look.whole).toBe(false);
      expect(probed.video?.maxKeyframeIntervalSec).toBeGreaterThan(19);
      expect(look.media.video?.maxKeyframeIntervalSec).toBeLessThanOrEqual(2.1);
      expect(look.media.durationSec).toBeCloseTo(150, 0);
      expect(look.media.held.videoSpanSec).toBeLessThan(probed.held.videoSpanSec - 20);
      const { maxKeyframeIntervalSec: _a, ...lookVideo } = look.media.video!;
      const { maxKeyframeIntervalSec: _b, ...probedVideo } = probed.video!;
      expect(lookVideo).toEqual(probedVideo);
    });

    it('publishes the ladder under the prefix, reports progress and early playback, and the video becomes ready once', async () => {
      const attemptId = newId();
      const video = await processingVideo(attemptId);
      const run = await encode(request(video, attemptId, 'ladder', landscape, true));
      const after = (await catalog.getVideo(video.id))!;
      expect(after).toMatchObject({ status: 'ready', progress: 1, playable: true, error: null, attemptId });
      expect(readyWrites.get(video.id)).toBe(1);
      expect(run.outcomes.filter((o) => o.outcome === 'ready')).toHaveLength(1);
      expect(run.outcomes.every((o) => o.outcome === 'ready' || o.outcome === 'duplicate')).toBe(true);

      const prefix = mediaPrefix(video.id);
      expect(after.masterKey).toBe(`${prefix}master.m3u8`);
      expect(after.posterKey?.startsWith(prefix)).toBe(true);
      expect(after.thumbnailKey?.startsWith(prefix)).toBe(true);
      expect(after.renditions.map((r) => r.name)).toEqual(['320p', '240p', 'audio']);
      const stored = await media.list('');
      expect(stored.filter((o) => o.key.startsWith(prefix)).length).toBeGreaterThan(4);
      expect(stored.filter((o) => !o.key.startsWith(`${video.id}/`) && o.key.startsWith(video.id))).toEqual([]);
      for (const key of [after.posterKey!, after.thumbnailKey!]) expect(await media.head(key)).not.toBeNull();
      await expectPlayable(after.masterKey!);

      expect(run.progress.length).toBeGreaterThan(0);
      expect(run.progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= run.progress[i - 1]))).toBe(true);
      if (seam.backend.capabilities.earlyPlayable) {
        expect(run.playable).toHaveLength(1);
        expect(run.playable[0].masterKey).toBe(`${prefix}master.m3u8`);
        expect(run.playable[0].renditions.map((r) => r.name)).toEqual(['320p', '240p', 'audio']);
      }
    });

    it('encodes the parts of a split ladder when it declares chunks, which the core stitches into one ladder; else refuses them', async () => {
      const attemptId = newId();
      const video = await processingVideo(attemptId);
      const base = request(video, attemptId, 'chunk');
      const decision = planChunks(base.plan, landscape.media, { chunkSeconds: 1, encrypted: false, download: false });
      if (!decision.split) throw new Error(`the clip is not split: ${decision.reason}`);
      const events = { progress: () => {}, playable: async () => {} };
      if (!seam.backend.capabilities.chunks) {
        await expect(seam.backend.submit({ ...base, chunk: decision.chunks[0] }, events)).rejects.toBeInstanceOf(ValidationError);
        await expect(seam.backend.submit({ ...base, mode: 'ladder-rest' }, events)).rejects.toBeInstanceOf(ValidationError);
        return;
      }
      const results = [];
      for (const chunk of decision.chunks) {
        const submitted = await seam.backend.submit({ ...base, chunk }, events);
        if (submitted.state !== 'completed') throw new Error('a backend with chunks encodes them in process');
        // Video rungs only, no master: each rung's chunk playlist, its segments numbered from the chunk's first.
        expect(submitted.result.renditions.map((r) => r.name)).toEqual(['320p', '240p']);
        const playlist = parse(await text(`${mediaPrefix(video.id)}320p/${chunkPlaylistFile(chunk.index)}`)) as MediaPlaylist;
        expect(playlist.segments[0].uri).toBe(`seg_${String(chunk.firstSegment).padStart(5, '0')}.m4s`);
        expect(playlist.segments[0].map?.uri).toBe(chunkInitFile(chunk.index));
        results.push(submitted.result);
      }
      const rest = await seam.backend.submit({ ...base, mode: 'ladder-rest' }, events);
      if (rest.state !== 'completed') throw new Error('a backend with chunks encodes them in process');
      expect(rest.result.renditions.map((r) => r.name)).toEqual(['audio']);
      expect(rest.result.posterKey).toEqual(expect.any(String));
      expect(await media.head(`${mediaPrefix(video.id)}master.m3u8`)).toBeNull();

      const result = await stitchLadder({ media, prefix: mediaPrefix(video.id), chunks: results, rest: rest.result, master: { audioChannels: 2 } });
      expect(await finish({ videoId: video.id, attemptId, mode: 'ladder', result })).toBe('ready');
      expect(await finish({ videoId: video.id, attemptId, mode: 'ladder', result })).toBe('duplicate');
      expect(readyWrites.get(video.id)).toBe(1);
      await expectPlayable(result.masterKey);
      const stitched = parse(await text(`${mediaPrefix(video.id)}240p/index.m3u8`)) as MediaPlaylist;
      expect(stitched.segments.map((s) => s.uri)).toEqual(['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s']);
      expect(stitched.segments.reduce((t, s) => t + s.duration, 0)).toBeCloseTo(landscape.media.durationSec, 1);
      await seam.settled();
    });

    it('ignores a completion delivered again', async () => {
      const attemptId = newId();
      const video = await processingVideo(attemptId);
      const run = await encode(request(video, attemptId, 'ladder'));
      const ready = (await catalog.getVideo(video.id))!;
      expect(ready.status).toBe('ready');
      const first = run.outcomes.find((o) => o.outcome === 'ready')!;
      // However often the backend's completion arrives, nothing changes after the first.
      expect(await finish(first.completion)).toBe('duplicate');
      expect(await catalog.getVideo(video.id)).toEqual(ready);
      expect(readyWrites.get(video.id)).toBe(1);
    });

    it('ignores the completion of an attempt that is no longer the video\'s', async () => {
      const old = newId();
      const current = newId();
      const video = await processingVideo(current);
      // The encode of an earlier attempt ends while the video is processed again under a new one.
      const run = await encode(request(video, old, 'ladder'));
      expect(run.outcomes.length).toBeGreaterThan(0);
      expect(run.outcomes.every((o) => o.outcome === 'stale')).toBe(true);
      expect(await catalog.getVideo(video.id)).toMatchObject({ status: 'processing', attemptId: current, masterKey: null, playable: false });
      expect(readyWrites.get(video.id)).toBeUndefined();

      // The current attempt's completion is the one that counts.
      const later = await encode(request(video, current, 'ladder'));
      expect(later.outcomes.filter((o) => o.completion.attemptId === current && o.outcome === 'ready')).toHaveLength(1);
      expect(await catalog.getVideo(video.id)).toMatchObject({ status: 'ready', attemptId: current });
      expect(readyWrites.get(video.id)).toBe(1);
    });

    it('fails the video once, with a sentence, when the source was replaced after it was probed', async () => {
      const attemptId = newId();
      const video = await processingVideo(attemptId);
      const replaced = { key: landscape.key, etag: '"0123456789abcdef0123456789abcdef"' };
      const run = await encode(request(video, attemptId, 'ladder', replaced));
      expect(run.outcomes.filter((o) => o.outcome === 'failed')).toHaveLength(1);
      const failed = (await catalog.getVideo(video.id))!;
      expect(failed).toMatchObject({ status: 'failed', playable: false, masterKey: null });
      expect(failed.error).toMatch(/replaced/);
      expect(failed.error).not.toMatch(/\//);
      expect(readyWrites.get(video.id)).toBeUndefined();
    });

    it('publishes a first playable output (a stream copy when declared), which makes the video playable, not ready', async () => {
      for (const mode of seam.backend.capabilities.streamCopy ? (['copy', 'first-playable'] as const) : (['first-playable'] as const)) {
        const attemptId = newId();
        const video = await processingVideo(attemptId);
        const plan = planLadder(landscape.media, { segmentSeconds: SEGMENT_SECONDS, gopSeconds: 1, maxRungs: 1 });
        // The first rungs in a folder of their own, so that the ladder never replaces a file their players read.
        const run = await encode({ ...request(video, attemptId, mode), plan, ...(mode === 'copy' ? {} : { folder: 'first' }) });
        expect(run.outcomes.filter((o) => o.outcome === 'playable')).toHaveLength(1);
        expect(run.outcomes.every((o) => o.outcome === 'playable' || o.outcome === 'duplicate')).toBe(true);
        const after = (await catalog.getVideo(video.id))!;
        expect(after).toMatchObject({ status: 'processing', playable: true, masterKey: `${mediaPrefix(video.id)}master.m3u8` });
        expect(after.renditions.map((r) => r.playlist)).toEqual(mode === 'copy' ? ['source/index.m3u8'] : ['first/320p/index.m3u8', 'first/audio/index.m3u8']);
        if (seam.backend.capabilities.earlyPlayable) expect(run.playable).toHaveLength(1);
        await expectPlayable(after.masterKey!);

        // The ladder that follows makes it ready, and the copy's or first rungs' files stay published.
        const ladder = await encode(request(video, attemptId, 'ladder'));
        expect(ladder.outcomes.filter((o) => o.outcome === 'ready')).toHaveLength(1);
        const ready = (await catalog.getVideo(video.id))!;
        expect(ready).toMatchObject({ status: 'ready', playable: true });
        expect(ready.renditions.map((r) => r.name)).toEqual(['320p', '240p', 'audio']);
        await expectPlayable(ready.masterKey!);
        for (const r of after.renditions) expect(await media.head(`${mediaPrefix(video.id)}${r.playlist}`)).not.toBeNull();
        expect(readyWrites.get(video.id)).toBe(1);
      }
    });
  });
}
