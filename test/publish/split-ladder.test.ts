import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import { promisify } from 'node:util';
import HLS, { type types } from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTranscoder } from '../../src/config/build-adapters.ts';
import { mediaPrefix } from '../../src/core/media-keys.ts';
import type { LadderPlan } from '../../src/core/model/ladder-plan.ts';
import { finishEncode } from '../../src/core/pipeline/finish-encode.ts';
import { runLadderPart } from '../../src/core/pipeline/ladder-part-stage.ts';
import type { EncodeRequest, Encoding } from '../../src/core/ports/encode-backend.ts';
import type { LadderPartJobPayload } from '../../src/core/ports/job-queue.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import type { ObjectStore } from '../../src/core/ports/object-store.ts';
import { ApiClient } from '../support/api-client.ts';
import { ffmpeg } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);
const SECONDS = 12;
const FPS = 25;

/**
 * A ladder split into chunks (VODKIT_CHUNK_SECONDS=4, 2 s segments: a 12 s upload in three chunks
 * and the rest), encoded by two queue workers on the embedded SQLite queue, stitched by the last
 * part done. Its output is checked against the same ladder encoded whole, with real ffmpeg: valid
 * HLS, the same segments and durations, every frame once (frame counts), the same pictures (SSIM),
 * keyframes at the same times on every rung, and the audio in one piece.
 */
describe('split-and-stitch ladder', () => {
  let server: TestServer;
  let api: ApiClient;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let clip: string;
  const requests: EncodeRequest[] = [];
  let videoId: string;
  let video: any;

  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-split-');
    clip = join(tmp.dir, 'clip.mp4');
    await ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=size=854x480:rate=${FPS}:duration=${SECONDS}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
      // A keyframe every 5 s: chunks start between the source's keyframes (the seek decodes from the one before).
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '26', '-g', '125', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-shortest', clip,
    ]);
    const record = (encoding: Encoding): Encoding => ({
      ...encoding,
      backend: {
        capabilities: encoding.backend.capabilities,
        submit: (request, events) => {
          requests.push(request);
          return encoding.backend.submit(request, events);
        },
      },
    });
    server = await startTestServer({ worker: false, flags: { segmentSeconds: 2, chunkSeconds: 4 }, wrapEncoding: record });
    // Two queue workers, each with one slot per lane: two parts encode at once.
    await server.rt.startWorker(1);
    await server.rt.startWorker(1);
    api = new ApiClient(server.url, server.token);
    videoId = await api.upload(clip);
    video = await api.waitSettled(videoId);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await tmp?.cleanup();
  });

  const get = async (media: ObjectStore, key: string) => buffer((await media.get(key)).body);

  /** The rendition under `key` (a media playlist) as one MP4 file: its init segments and segments in order. */
  async function joined(media: ObjectStore, key: string, out: string): Promise<{ playlist: types.MediaPlaylist; path: string }> {
    const base = key.slice(0, key.lastIndexOf('/') + 1);
    const playlist = HLS.parse((await get(media, key)).toString('utf8')) as types.MediaPlaylist;
    const parts: Buffer[] = [];
    let map: string | null = null;
    for (const s of playlist.segments) {
      if (s.map && s.map.uri !== map) {
        map = s.map.uri;
        parts.push(await get(media, `${base}${map}`));
      }
      parts.push(await get(media, `${base}${s.uri}`));
    }
    await writeFile(out, Buffer.concat(parts));
    return { playlist, path: out };
  }

  async function frames(path: string): Promise<{ count: number; keyframes: number[] }> {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time,key_frame', '-of', 'csv=p=0', path], { maxBuffer: 64 << 20 });
    // One row per frame (key_frame,pts_time); side data adds lines of its own, left out.
    const rows = stdout.split('\n').map((l) => l.split(',')).filter((r) => r.length >= 2 && /^[01]$/.test(r[0]) && r[1] !== '');
    return { count: rows.length, keyframes: rows.filter((r) => r[0] === '1').map((r) => Number(r[1])) };
  }

  async function ssim(a: string, b: string): Promise<number> {
    const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-i', a, '-i', b, '-lavfi', '[0:v][1:v]ssim', '-f', 'null', '-']);
    return Number(/All:([0-9.]+)/.exec(stderr)![1]);
  }

  it('splits the ladder into chunks and a rest, encoded as separate jobs, and the video becomes ready', async () => {
    expect(video.status).toBe('ready');
    const chunks = requests.filter((r) => r.mode === 'chunk');
    expect(chunks.map((r) => r.chunk!.startSec).sort((a, b) => a - b)).toEqual([0, 4, 8]);
    expect(requests.filter((r) => r.mode === 'ladder-rest')).toHaveLength(1);
    expect(requests.filter((r) => r.mode === 'ladder')).toHaveLength(0);
    // What the rest made is the video's, and the chunks' records are gone.
    const stored = await server.rt.catalog.getVideo(videoId);
    expect(stored?.posterKey && stored.thumbnailKey && stored.storyboard && stored.dashKey).toBeTruthy();
    for (const key of [stored!.posterKey!, stored!.thumbnailKey!, stored!.dashKey!]) expect(await server.rt.media.head(key)).not.toBeNull();
    // Removed by the stitching part once the video is ready (it may still be at it).
    for (let i = 0; i < 100 && (await server.rt.media.list(`${mediaPrefix(videoId)}parts/`)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await server.rt.media.list(`${mediaPrefix(videoId)}parts/`)).toEqual([]);
  });

  it('publishes one rendition per rung that plays like the unsplit encode of the same plan', async () => {
    const { media } = server.rt;
    const prefix = mediaPrefix(videoId);
    const plan: LadderPlan = requests.find((r) => r.mode === 'chunk')!.plan;
    const master = HLS.parse((await get(media, `${prefix}master.m3u8`)).toString('utf8')) as types.MasterPlaylist;
    const rungs = plan.video!.rungs.map((r) => r.name);
    expect(rungs.length).toBeGreaterThan(1);
    expect(master.variants.map((v) => v.uri).sort()).toEqual(rungs.map((r) => `${r}/index.m3u8`).sort());
    expect(master.variants.every((v) => v.audio.length === 1)).toBe(true);

    // The same plan encoded whole, by the same transcoder.
    const whole = join(tmp.dir, 'whole');
    for (const r of rungs) await mkdir(join(whole, r), { recursive: true });
    const transcoder = await openTranscoder(server.rt.config);
    const probe = await transcoder.probe(clip);
    await transcoder.transcode({ inputPath: clip, outputDir: whole, media: probe, plan: { ...plan, poster: null, thumbnail: null, storyboard: null } });

    const keyframesByRung: number[][] = [];
    for (const rung of rungs) {
      const split = await joined(media, `${prefix}${rung}/index.m3u8`, join(tmp.dir, `split-${rung}.mp4`));
      const reference = HLS.parse(await readFile(join(whole, rung, 'index.m3u8'), 'utf8')) as types.MediaPlaylist;
      // Valid VOD HLS, with the unsplit encode's segments and durations.
      expect(split.playlist.playlistType).toBe('VOD');
      expect(split.playlist.endlist).toBe(true);
      expect(split.playlist.segments.map((s) => s.uri)).toEqual(reference.segments.map((s) => s.uri));
      expect(split.playlist.segments.map((s) => s.duration)).toEqual(reference.segments.map((s) => s.duration));
      expect(split.playlist.segments.every((s) => Math.abs(s.duration - 2) < 1e-6)).toBe(true);
      // Every frame once, the same pictures.
      const wholeFile = join(tmp.dir, `whole-${rung}.mp4`);
      await run('ffmpeg', ['-v', 'error', '-i', join(whole, rung, 'index.m3u8'), '-c', 'copy', wholeFile]);
      const splitFrames = await frames(split.path);
      expect(splitFrames.count).toBe(SECONDS * FPS);
      expect(splitFrames.count).toBe((await frames(wholeFile)).count);
      expect(await ssim(split.path, wholeFile)).toBeGreaterThanOrEqual(0.99);
      keyframesByRung.push(splitFrames.keyframes);
    }
    // Keyframes every 2 s, at the same times on every rung.
    expect(keyframesByRung[0]).toHaveLength(SECONDS / 2);
    for (const k of keyframesByRung) expect(k).toEqual(keyframesByRung[0]);
  }, 240_000);

  it('publishes the audio whole, once, with no gap', async () => {
    const { media } = server.rt;
    const audio = await joined(media, `${mediaPrefix(videoId)}audio/index.m3u8`, join(tmp.dir, 'audio.mp4'));
    expect(audio.playlist.segments.reduce((t, s) => t + s.duration, 0)).toBeCloseTo(SECONDS, 1);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', audio.path], { maxBuffer: 64 << 20 });
    const packets = stdout.split('\n').map((l) => l.split(',').map(Number)).filter((p) => p.length >= 2 && p.every(Number.isFinite));
    expect(packets.length).toBeGreaterThan(SECONDS * 40);
    for (let i = 1; i < packets.length; i++) expect(packets[i][0]).toBeCloseTo(packets[i - 1][0] + packets[i - 1][1], 4);
  });

  it('ignores a duplicate part and a duplicate or stale completion once the video is ready', async () => {
    const before = await server.rt.catalog.getVideo(videoId);
    const part = requests.find((r) => r.mode === 'chunk')!;
    const payload: LadderPartJobPayload = {
      type: 'ladder-part', videoId, sourceKey: part.sourceKey, attemptId: part.attemptId, sourceEtag: part.sourceEtag, chunk: part.chunk, chunks: 3, plan: part.plan,
    };
    const count = requests.length;
    const encoding = { probe: { probe: async () => { throw new Error('not probed'); } }, backend: { capabilities: { completion: 'in-process', streamCopy: false, earlyPlayable: false, chunks: true }, submit: async () => { throw new Error('not encoded'); } } } as unknown as Encoding;
    const deps = { catalog: server.rt.catalog, sources: server.rt.sources, media: server.rt.media, queue: server.rt.queue, encoding, clock: server.rt.clock, logger: silentLogger, segmentSeconds: 2, chunkSeconds: 4 };
    await runLadderPart(deps, { id: 'again', payload, attempt: 1, maxAttempts: 3, signal: new AbortController().signal });
    expect(requests.length).toBe(count);
    const result = { masterKey: before!.masterKey!, renditions: before!.renditions!, posterKey: null, thumbnailKey: null };
    const finish = (attemptId: string) => finishEncode({ catalog: server.rt.catalog, media: server.rt.media, logger: silentLogger }, { videoId, attemptId, mode: 'ladder', result });
    expect(await finish(part.attemptId)).toBe('duplicate');
    expect(await finish('another-attempt')).toBe('stale');
    const after = await server.rt.catalog.getVideo(videoId);
    expect(after).toEqual(before);
    expect(await server.rt.media.head(`${mediaPrefix(videoId)}master.m3u8`)).not.toBeNull();
  });
});
