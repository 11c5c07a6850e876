import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse, type types } from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, UnsupportedMediaError } from '../../../src/core/errors.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { TranscodeResult, Transcoder } from '../../../src/adapters/transcoder/ffmpeg/transcoder-types.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { canaryRead, CLIP_KINDS, type Clip, type ClipKind, HOSTILE_KINDS, makeClip } from '../../support/clips.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const FFPROBE = process.env.VODKIT_FFPROBE ?? 'ffprobe';
const FFMPEG = process.env.VODKIT_FFMPEG ?? 'ffmpeg';
type MasterPlaylist = types.MasterPlaylist;
type MediaPlaylist = types.MediaPlaylist;

const SEGMENT_SECONDS = 2;
const GOP_SECONDS = 1;

export interface TranscodeRun {
  media: MediaInfo;
  result: TranscodeResult;
  outputDir: string;
  master: MasterPlaylist;
}

/**
 * The ffmpeg adapter's encoder and its outputs, checked on generated clips with ffprobe: probe fields, a valid fMP4 HLS
 * ladder, H.264 High yuv420p CFR renditions with aligned keyframes, upright pictures, stills,
 * audio-only and video-only sources, 8-bit output for 10-bit/HDR input, progress, abort, and hostile
 * inputs that must be refused without the files they point to ever being read.
 */
export function transcoderSuite(name: string, makeTranscoder: () => Promise<Transcoder>): void {
  describe(`ffmpeg encoder outputs: ${name}`, () => {
    let t: Transcoder;
    let dir: string;
    let cleanup: () => Promise<void>;
    const clips = {} as Record<ClipKind, Clip>;
    let runs = 0;

    beforeAll(async () => {
      ({ dir, cleanup } = await makeTempDir('vodkit-transcoder-'));
      t = await makeTranscoder();
      for (const kind of [...CLIP_KINDS, ...HOSTILE_KINDS]) clips[kind] = await makeClip(dir, kind);
    });
    afterAll(async () => cleanup?.());

    async function transcode(path: string, extra: Partial<Parameters<Transcoder['transcode']>[0]> = {}): Promise<TranscodeRun> {
      const media = extra.media ?? (await t.probe(path));
      const plan = planLadder(media, { segmentSeconds: SEGMENT_SECONDS, gopSeconds: GOP_SECONDS });
      const outputDir = join(dir, `out-${++runs}`);
      await mkdir(outputDir);
      const result = await t.transcode({ inputPath: path, outputDir, media, plan, ...extra });
      const master = parse(await readFile(join(outputDir, result.masterPlaylist!), 'utf8')) as MasterPlaylist;
      await checkHls(outputDir, result, master);
      return { media, result, outputDir, master };
    }

    describe('probe', () => {
      it('reads a landscape clip with audio', async () => {
        const m = await t.probe(clips.landscape.path);
        expect(m.durationSec).toBeCloseTo(3, 0);
        expect(m.sizeBytes).toBe((await stat(clips.landscape.path)).size);
        expect(m.video).toMatchObject({ codec: 'h264', width: 568, height: 320, displayWidth: 568, displayHeight: 320, rotation: 0 });
        expect(m.video).toMatchObject({ variableFrameRate: false, bitDepth: 8, pixFmt: 'yuv420p' });
        expect(m.video!.fps).toBeCloseTo(30, 2);
        expect(m.audio).toMatchObject({ codec: 'aac', channels: 2, sampleRate: 48000 });
      });

      it('keeps portrait pixels portrait', async () => {
        const m = await t.probe(clips.portrait.path);
        expect(m.video).toMatchObject({ width: 320, height: 568, displayWidth: 320, displayHeight: 568, rotation: 0 });
      });

      it('reads the display matrix of a rotated clip', async () => {
        const m = await t.probe(clips.rotated.path);
        expect(m.video).toMatchObject({ width: 568, height: 320, displayWidth: 320, displayHeight: 568, rotation: 90 });
      });

      it('reports no audio, or no video, when there is none', async () => {
        expect((await t.probe(clips['no-audio'].path)).audio).toBeNull();
        const audioOnly = await t.probe(clips['audio-only'].path);
        expect(audioOnly.video).toBeNull();
        expect(audioOnly.audio).toMatchObject({ codec: 'aac', channels: 2 });
      });

      it('does not take an MP3 cover picture for video', async () => {
        const m = await t.probe(clips['mp3-with-cover'].path);
        expect(m.video).toBeNull();
        expect(m.audio).toMatchObject({ codec: 'mp3' });
      });

      it('reports bit depth and HDR transfer', async () => {
        expect((await t.probe(clips['10bit'].path)).video).toMatchObject({ bitDepth: 10, pixFmt: 'yuv420p10le' });
        expect((await t.probe(clips['hdr-pq'].path)).video).toMatchObject({ bitDepth: 10, colorTransfer: 'smpte2084' });
      });

      it('detects variable frame rate, and constant frame rate', async () => {
        expect((await t.probe(clips.vfr.path)).video!.variableFrameRate).toBe(true);
        expect((await t.probe(clips.portrait.path)).video!.variableFrameRate).toBe(false);
      });

      it('reads odd picture sizes as they are', async () => {
        expect((await t.probe(clips['odd-size'].path)).video).toMatchObject({ width: 321, height: 241 });
      });

      it('measures what a truncated file really holds', async () => {
        const m = await t.probe(clips.truncated.path);
        expect(m.video).not.toBeNull();
        expect(m.durationSec).toBeGreaterThan(0);
        expect(m.durationSec).toBeLessThan(2.9);
      });

      it('refuses text, empty files and hostile inputs without reading the files they name', async () => {
        const empty = join(dir, 'empty.mp4');
        await writeFile(empty, '');
        for (const path of [empty, clips.text.path]) {
          await expect(t.probe(path)).rejects.toThrow(/not a video or audio file/);
        }
        for (const kind of HOSTILE_KINDS) {
          const clip = clips[kind];
          const err = await t.probe(clip.path).catch((e: unknown) => e);
          expect(err, kind).toBeInstanceOf(UnsupportedMediaError);
          expect((err as Error).message, kind).toMatch(/not a video or audio file: \S/);
          for (const canary of clip.canaries) expect(await canaryRead(canary), `${kind} read ${canary}`).toBe(false);
        }
      });

      it('has a canary check that does notice a read (plain ffprobe falls for the tricks)', async () => {
        for (const kind of ['hls-playlist', 'ffconcat', 'concat-protocol'] as const) {
          const fresh = await makeClip(join(dir), kind, { name: `control-${kind}.mp4` });
          await run(FFPROBE, ['-v', 'error', '-show_format', fresh.path]).catch(() => '');
          const read = await Promise.all(fresh.canaries.map(canaryRead));
          expect(read.some(Boolean), kind).toBe(true);
        }
      });
    });

    describe('transcode', () => {
      it('makes an HLS ladder with aligned keyframes, separate audio and stills', async () => {
        const { result, outputDir, master } = await transcode(clips.landscape.path);
        const video = master.variants;
        expect(video.map((v) => v.resolution)).toEqual([{ width: 426, height: 240 }, { width: 568, height: 320 }]);
        for (const v of video) {
          expect(v.codecs).toMatch(/^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/);
          expect(v.frameRate).toBe(30);
          expect(v.bandwidth).toBeGreaterThanOrEqual(v.averageBandwidth!);
          expect(v.audio.map((a) => a.uri)).toEqual(['audio/index.m3u8']);
        }
        expect(video[0].bandwidth).toBeLessThan(video[1].bandwidth);
        const keyframes: number[][] = [];
        for (const r of result.renditions.filter((x) => x.width > 0)) {
          const info = await renditionInfo(outputDir, r.name);
          expect(info.stream).toMatchObject({ codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width: r.width, height: r.height });
          expectCfr(info.pts, 30);
          keyframes.push(info.keyframes);
        }
        expect(keyframes[0].length).toBeGreaterThanOrEqual(3);
        expect(keyframes[1]).toEqual(keyframes[0]);
        expect((await renditionInfo(outputDir, 'audio')).stream).toMatchObject({ codec_name: 'aac', channels: 2, sample_rate: '48000' });
        expect(await jpegSize(join(outputDir, result.poster!))).toEqual({ width: 568, height: 320 });
        expect(await jpegSize(join(outputDir, result.thumbnail!))).toEqual({ width: 320, height: 180 });
      });

      it('keeps portrait portrait', async () => {
        const { result, outputDir } = await transcode(clips.portrait.path);
        for (const r of result.renditions.filter((x) => x.width > 0)) expect(r.height).toBeGreaterThan(r.width);
        expect(await jpegSize(join(outputDir, result.poster!))).toEqual({ width: 320, height: 568 });
        expect(await jpegSize(join(outputDir, result.thumbnail!))).toEqual({ width: 180, height: 320 });
      });

      it('turns a rotated clip upright (portrait, no rotation flag left)', async () => {
        const upright = await transcode(clips.rotated.path);
        const sizes = upright.result.renditions.filter((x) => x.width > 0).map((r) => [r.width, r.height]);
        expect(sizes).toEqual([[320, 568], [240, 426]]);
        const info = await renditionInfo(upright.outputDir, '320p');
        expect(info.stream).toMatchObject({ width: 320, height: 568 });
        expect(JSON.stringify(info.stream)).not.toMatch(/rotation/);
        // Same pictures as the landscape clip, turned 90 degrees clockwise.
        const landscape = await transcode(clips.landscape.path);
        const poster = join(upright.outputDir, 'poster.jpg');
        const reference = join(landscape.outputDir, 'poster.jpg');
        const clockwise = await psnr(poster, reference, 'transpose=clock');
        const counter = await psnr(poster, reference, 'transpose=cclock');
        expect(clockwise).toBeGreaterThan(counter + 5);
      });

      it('makes an audio-only master for audio sources, with no stills', async () => {
        for (const kind of ['audio-only', 'mp3-with-cover'] as const) {
          const { result, master } = await transcode(clips[kind].path);
          expect(master.variants.map((v) => [v.uri, v.codecs, v.resolution])).toEqual([['audio/index.m3u8', 'mp4a.40.2', undefined]]);
          expect(result.poster).toBeNull();
          expect(result.thumbnail).toBeNull();
          expect(result.files.some((f) => f.endsWith('.jpg'))).toBe(false);
        }
      });

      it('makes video-only renditions for a source without audio', async () => {
        const { result, master } = await transcode(clips['no-audio'].path);
        expect(result.renditions.every((r) => r.width > 0)).toBe(true);
        for (const v of master.variants) {
          expect(v.codecs).toMatch(/^avc1\.[0-9a-f]{6}$/);
          expect(v.audio).toEqual([]);
        }
      });

      it('converts 10-bit and HDR to 8-bit yuv420p SDR', async () => {
        for (const kind of ['10bit', 'hdr-pq'] as const) {
          const { result, outputDir } = await transcode(clips[kind].path);
          const info = await renditionInfo(outputDir, result.renditions[0].name);
          expect(info.stream, kind).toMatchObject({ profile: 'High', pix_fmt: 'yuv420p' });
          if (kind === 'hdr-pq') expect(info.stream.color_transfer).toBe('bt709');
        }
      });

      it('makes variable frame rate constant', async () => {
        const { result, outputDir, master } = await transcode(clips.vfr.path);
        const fps = master.variants[0].frameRate!;
        expect(Number.isInteger(fps)).toBe(true);
        expectCfr((await renditionInfo(outputDir, result.renditions[0].name)).pts, fps);
      });

      it('makes even sizes from an odd-sized source', async () => {
        const { result } = await transcode(clips['odd-size'].path);
        for (const r of result.renditions.filter((x) => x.width > 0)) {
          expect(r.width % 2, r.name).toBe(0);
          expect(r.height % 2, r.name).toBe(0);
        }
        expect(result.renditions[0]).toMatchObject({ width: 320, height: 240 });
      });

      it('transcodes what a truncated file holds', async () => {
        const { master, outputDir } = await transcode(clips.truncated.path);
        const media = parse(await readFile(join(outputDir, master.variants[0].uri), 'utf8')) as MediaPlaylist;
        const seconds = media.segments.reduce((a, s) => a + s.duration, 0);
        expect(seconds).toBeGreaterThan(0);
        expect(seconds).toBeLessThan(2.9);
      });

      it('reports progress that only grows and ends at 1', async () => {
        const long = await makeClip(dir, 'landscape', { seconds: 20, name: 'long.mp4' });
        const seen: number[] = [];
        await transcode(long.path, { onProgress: (f) => seen.push(f) });
        expect(seen.length).toBeGreaterThanOrEqual(2);
        // Reported while it encodes, not only at the end (an output that writes nothing before the
        // end, such as a whole storyboard sheet, would hold ffmpeg's reports back).
        expect(seen.some((f) => f < 0.5), `progress seen: ${seen.join(', ')}`).toBe(true);
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
        expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
        expect(seen[seen.length - 1]).toBe(1);
      });

      it('stops ffmpeg when aborted', async () => {
        const long = existsSync(join(dir, 'long.mp4')) ? join(dir, 'long.mp4') : (await makeClip(dir, 'landscape', { seconds: 20, name: 'long.mp4' })).path;
        const media = await t.probe(long);
        const plan = planLadder(media, { segmentSeconds: SEGMENT_SECONDS });
        const outputDir = join(dir, 'aborted');
        await mkdir(outputDir);
        const controller = new AbortController();
        const err = await t
          .transcode({ inputPath: long, outputDir, media, plan, signal: controller.signal, onProgress: () => controller.abort() })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AbortedError);
        expect(await processesUsing(outputDir)).toEqual([]);
        expect(existsSync(join(outputDir, 'master.m3u8'))).toBe(false);

        const early = new AbortController();
        early.abort();
        const before = await t.transcode({ inputPath: long, outputDir, media, plan, signal: early.signal }).catch((e: unknown) => e);
        expect(before).toBeInstanceOf(AbortedError);
      });

      it('refuses hostile inputs even when told they are media, without reading other files', async () => {
        const media = await t.probe(clips.landscape.path);
        for (const kind of HOSTILE_KINDS) {
          const clip = clips[kind];
          const outputDir = join(dir, `hostile-${kind}`);
          await mkdir(outputDir);
          const plan = planLadder(media, { segmentSeconds: SEGMENT_SECONDS });
          const err = await t.transcode({ inputPath: clip.path, outputDir, media, plan }).catch((e: unknown) => e);
          expect(err, kind).toBeInstanceOf(UnsupportedMediaError);
          for (const canary of clip.canaries) expect(await canaryRead(canary), `${kind} read ${canary}`).toBe(false);
        }
      });
    });
  });
}

/** Master and media playlists parse, every listed file exists, result.files matches the disk. */
export async function checkHls(outputDir: string, result: TranscodeResult, master: MasterPlaylist): Promise<void> {
  expect(master.isMasterPlaylist).toBe(true);
  expect(master.version).toBe(7);
  expect(master.independentSegments).toBe(true);
  expect(result.files[result.files.length - 1]).toBe(result.masterPlaylist);
  const onDisk = (await readdir(outputDir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(outputDir.length + 1))
    .sort();
  expect([...result.files].sort()).toEqual(onDisk);
  const playlists = new Set([...master.variants.map((v) => v.uri), ...master.variants.flatMap((v) => v.audio.map((a) => a.uri!))]);
  expect([...playlists].sort()).toEqual(result.renditions.map((r) => r.playlist).sort());
  for (const uri of playlists) {
    const media = parse(await readFile(join(outputDir, uri), 'utf8')) as MediaPlaylist;
    expect(media.isMasterPlaylist, uri).toBe(false);
    expect(media.endlist, uri).toBe(true);
    expect(media.segments.length, uri).toBeGreaterThan(0);
    const folder = uri.split('/')[0];
    expect(existsSync(join(outputDir, folder, media.segments[0].map!.uri)), `${uri} init`).toBe(true);
    for (const s of media.segments) {
      expect(existsSync(join(outputDir, folder, s.uri)), s.uri).toBe(true);
      expect(Math.round(s.duration), s.uri).toBeLessThanOrEqual(media.targetDuration);
    }
  }
}

export interface RenditionProbe {
  stream: Record<string, unknown>;
  keyframes: number[];
  pts: number[];
}

/** ffprobe of init + segments of one rendition folder, concatenated. */
export async function renditionInfo(outputDir: string, folder: string): Promise<RenditionProbe> {
  const media = parse(await readFile(join(outputDir, folder, 'index.m3u8'), 'utf8')) as MediaPlaylist;
  const joined = join(outputDir, `${folder}.joined.mp4`);
  const out = createWriteStream(joined);
  for (const part of [media.segments[0].map!.uri, ...media.segments.map((s) => s.uri)]) {
    await pipeline(createReadStream(join(outputDir, folder, part)), out, { end: false });
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  try {
    const json = JSON.parse(await run(FFPROBE, ['-v', 'error', '-show_streams', '-show_packets', '-of', 'json', joined])) as {
      streams: Array<Record<string, unknown>>;
      packets: Array<{ pts_time: string; flags: string }>;
    };
    const pts = json.packets.map((p) => Number(p.pts_time)).sort((a, b) => a - b);
    const keyframes = json.packets.filter((p) => p.flags.startsWith('K')).map((p) => Number(p.pts_time)).sort((a, b) => a - b);
    return { stream: json.streams[0], keyframes, pts };
  } finally {
    await rm(joined, { force: true });
  }
}

export function expectCfr(pts: number[], fps: number): void {
  expect(pts.length).toBeGreaterThan(2);
  for (let i = 1; i < pts.length; i++) expect(Math.abs(pts[i] - pts[i - 1] - 1 / fps)).toBeLessThan(0.002);
}

async function jpegSize(path: string): Promise<{ width: number; height: number }> {
  const json = JSON.parse(await run(FFPROBE, ['-v', 'error', '-show_streams', '-of', 'json', path])) as {
    streams: Array<{ codec_name: string; width: number; height: number }>;
  };
  expect(json.streams[0].codec_name).toBe('mjpeg');
  return { width: json.streams[0].width, height: json.streams[0].height };
}

/** PSNR (dB) of `a` against `b` after `filter` is applied to `b`. */
async function psnr(a: string, b: string, filter: string): Promise<number> {
  const log = await run(FFMPEG, ['-hide_banner', '-nostdin', '-i', a, '-i', b, '-lavfi', `[1]${filter}[r];[0][r]psnr`, '-f', 'null', '-'], true);
  const m = /average:([\d.]+|inf)/.exec(log);
  if (!m) throw new Error(`no PSNR in ffmpeg output: ${log.slice(-500)}`);
  return m[1] === 'inf' ? 100 : Number(m[1]);
}

/** Pids of processes whose command line mentions the path. */
async function processesUsing(path: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(path)) pids.push(Number(entry));
  }
  return pids;
}

function run(command: string, args: string[], stderr = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stderr ? err : out) : reject(new Error(`${command} failed: ${err.slice(-1000)}`))));
  });
}
