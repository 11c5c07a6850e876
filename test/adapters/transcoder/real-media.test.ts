import { readdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, type types } from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/index.ts';
import { UnsupportedMediaError } from '../../../src/core/errors.ts';
import { copyEligibility } from '../../../src/core/ladder/copy-eligibility.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import { checkHls, expectCfr, renditionInfo } from './transcoder-suite.ts';
import { realMedia, realMediaAvailable, realMediaDir } from '../../support/real-media.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

/**
 * Every file of the real-media corpus (see its SOURCES.md) either becomes a valid ladder or is refused
 * with UnsupportedMediaError and a reason; a refusal must be listed here as expected, any other error
 * fails. Listed files also have their specific expectations checked.
 */
type Expectation =
  | { outcome: 'unsupported'; reason?: RegExp }
  | {
      outcome: 'ok';
      /** Top rendition size, or null for audio-only. */
      top: [number, number] | null;
      audio: boolean;
      fps?: number;
      /** Rendition names, top first. */
      rungs?: string[];
      /** The source is HDR or 10-bit: the output must be 8-bit bt709. */
      sdr?: boolean;
    };

const EXPECTED: Record<string, Expectation> = {
  'ax_bbb_1ch_8kHz_aac_lc.m4a': { outcome: 'ok', top: null, audio: true },
  'ax_internal_emulator_transformer_output.mp4': { outcome: 'ok', top: [1280, 720], audio: true, fps: 29.97, rungs: ['720p', '480p', '360p'] },
  'ax_sample_malformed_free_box.mp4': { outcome: 'unsupported', reason: /moov/ },
  'ax_sowt-with-video.mov': { outcome: 'ok', top: [1920, 1080], audio: true, fps: 50, rungs: ['1080p', '720p', '480p', '360p'] },
  'exo_bear-id3.mp3': { outcome: 'ok', top: null, audio: true },
  'exo_hdr10-video-with-sdr-container.mp4': { outcome: 'ok', top: [1920, 1080], audio: true, fps: 30, sdr: true },
  'exo_invalid-bitstream.webm': { outcome: 'unsupported' },
  'exo_portrait_4k60.mp4': { outcome: 'ok', top: [1080, 1920], audio: true, fps: 60, rungs: ['1080p', '720p', '480p', '360p'] },
  'exo_roadtrip-vp92-10bit.webm': { outcome: 'ok', top: [426, 240], audio: false, fps: 23.976, sdr: true },
  'exo_sample.flv': { outcome: 'ok', top: [1080, 720], audio: true, fps: 30 },
  'exo_sample.mp4': { outcome: 'ok', top: [1080, 720], audio: true, fps: 29.97 },
  'exo_sample_android_slow_motion.mp4': { outcome: 'ok', top: [1280, 720], audio: false },
  'exo_sample_with_srt.mkv': { outcome: 'ok', top: [1080, 720], audio: true, fps: 30 },
  'mb_1080p-portrait-derotated.mp4': { outcome: 'ok', top: [1080, 1920], audio: true },
  'mb_annex-b.mp4': { outcome: 'ok', top: [1920, 1080], audio: false },
  'mb_cursed-vfr.mp4': { outcome: 'ok', top: [2358, 1080], audio: false },
  'mb_no-aud.ts': { outcome: 'ok', top: [1920, 1080], audio: true },
  'mb_no-correct-videoframe-format.mov': { outcome: 'ok', top: [1080, 1920], audio: true, fps: 60, sdr: true },
  'mi_many_tracks.mp4': { outcome: 'ok', top: [640, 360], audio: false, fps: 10, rungs: ['360p'] },
  'thumbor_corrupt.mp4': { outcome: 'unsupported', reason: /empty/ },
  'thumbor_corrupt2.mp4': { outcome: 'unsupported' },
  'tsebml_chrome57.webm': { outcome: 'ok', top: [640, 480], audio: true },
};

const available = realMediaAvailable();
const files = available ? readdirSync(realMediaDir).filter((f) => !f.startsWith('.') && !f.endsWith('.md')).sort() : [];

/** A transcoder and a temp folder, set up before the tests of the describe block that calls it. */
function useTranscoder(prefix: string): { t: FfmpegTranscoder; dir: string } {
  const ctx = {} as { t: FfmpegTranscoder; dir: string };
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const temp = await makeTempDir(prefix);
    ctx.dir = temp.dir;
    cleanup = temp.cleanup;
    const tools = await locateFfmpeg({ ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE });
    ctx.t = new FfmpegTranscoder({ ...tools, preset: 'superfast', threads: 2 });
  });
  afterAll(async () => cleanup?.());
  return ctx;
}

describe.runIf(available)('real media corpus through the ffmpeg transcoder', () => {
  const ctx = useTranscoder('vodkit-real-media-');

  it('covers the listed files', () => {
    for (const name of Object.keys(EXPECTED)) expect(files, name).toContain(name);
  });

  it.each(files)('%s', async (name) => {
    const expected = EXPECTED[name];
    const outputDir = join(ctx.dir, name);
    await mkdir(outputDir);
    const attempt = async () => {
      const media = await ctx.t.probe(realMedia(name));
      const plan = planLadder(media, { segmentSeconds: 4, gopSeconds: 2 });
      return ctx.t.transcode({ inputPath: realMedia(name), outputDir, media, plan });
    };
    const outcome = await attempt().then(
      (result) => ({ result, err: null }),
      (err: unknown) => ({ result: null, err }),
    );

    if (outcome.err) {
      expect(outcome.err, `${name}: ${String(outcome.err)}`).toBeInstanceOf(UnsupportedMediaError);
      expect((outcome.err as Error).message.length).toBeGreaterThan(20);
      expect(expected?.outcome, `${name} failed: ${(outcome.err as Error).message}`).toBe('unsupported');
      if (expected?.outcome === 'unsupported' && expected.reason) expect((outcome.err as Error).message).toMatch(expected.reason);
      return;
    }
    const result = outcome.result!;
    const master = parse(await readFile(join(outputDir, result.masterPlaylist!), 'utf8')) as types.MasterPlaylist;
    await checkHls(outputDir, result, master);
    if (!expected) return;
    expect(expected.outcome, `${name} was expected to be refused`).toBe('ok');
    if (expected.outcome !== 'ok') return;

    const video = result.renditions.filter((r) => r.width > 0);
    expect(result.renditions.some((r) => r.width === 0)).toBe(expected.audio);
    if (!expected.top) {
      expect(video).toEqual([]);
      expect(master.variants.map((v) => v.codecs)).toEqual(['mp4a.40.2']);
      expect(result.poster).toBeNull();
      return;
    }
    const [top, ...rest] = [...video].sort((a, b) => b.height * b.width - a.height * a.width);
    expect([top.width, top.height]).toEqual(expected.top);
    if (expected.rungs) expect([top, ...rest].map((r) => r.name)).toEqual(expected.rungs);
    const portrait = expected.top[1] > expected.top[0];
    const keyframes: number[][] = [];
    for (const r of video) {
      expect(r.height > r.width, r.name).toBe(portrait);
      const info = await renditionInfo(outputDir, r.name);
      expect(info.stream, r.name).toMatchObject({ codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width: r.width, height: r.height });
      if (expected.sdr) expect(info.stream.color_transfer, r.name).toBe('bt709');
      expectCfr(info.pts, r.frameRate!);
      keyframes.push(info.keyframes);
    }
    for (const k of keyframes.slice(1)) expect(k).toEqual(keyframes[0]);
    if (expected.fps) expect(top.frameRate).toBeCloseTo(expected.fps, 2);
    expect(result.poster).toBe('poster.jpg');
    expect(result.thumbnail).toBe('thumbnail/thumbnail.jpg');
  });
});

/**
 * Every corpus file that instant publish would package by stream copy: its copy's playlist must tell
 * the truth (segment durations adding up to the source's duration, none empty), since players trust
 * those durations while the ladder is encoded.
 */
describe.runIf(available)('real media corpus: stream copies of the files fit for instant publish', () => {
  const ctx = useTranscoder('vodkit-real-copy-');

  /** The probe's answer; null only for a file listed as refused that the probe refuses as such. */
  const probeUnlessRefused = (name: string) =>
    ctx.t.probe(realMedia(name)).catch((err: unknown) => {
      if (EXPECTED[name]?.outcome === 'unsupported' && err instanceof UnsupportedMediaError) return null;
      throw err;
    });

  it('finds files fit for a copy in the corpus, and refuses the FLV one', async () => {
    const verdicts = new Map<string, boolean>();
    for (const name of files) {
      const media = await probeUnlessRefused(name);
      verdicts.set(name, media ? copyEligibility(media).eligible : false);
    }
    expect([...verdicts.values()].filter(Boolean).length).toBeGreaterThanOrEqual(3);
    if (verdicts.has('exo_sample.flv')) expect(verdicts.get('exo_sample.flv')).toBe(false);
    if (verdicts.has('exo_sample.mp4')) expect(verdicts.get('exo_sample.mp4')).toBe(true);
  });

  it.each(files)('%s', async (name) => {
    const media = await probeUnlessRefused(name);
    if (!media || !copyEligibility(media).eligible) return;
    const outputDir = join(ctx.dir, name);
    await mkdir(outputDir);
    const copy = await ctx.t.packageCopy({ inputPath: realMedia(name), outputDir, media, segmentSeconds: 4 });
    const playlist = parse(await readFile(join(outputDir, copy.rendition.playlist), 'utf8')) as types.MediaPlaylist;
    expect(playlist.endlist).toBe(true);
    expect(playlist.segments.length).toBeGreaterThan(0);
    const total = playlist.segments.reduce((sum, s) => sum + s.duration, 0);
    expect(Math.abs(total - media.durationSec), `${name}: playlist ${total} s, source ${media.durationSec} s`).toBeLessThan(Math.max(0.25, media.durationSec * 0.05));
    for (const s of playlist.segments) expect(s.duration, s.uri).toBeGreaterThan(0);
    expect(playlist.targetDuration).toBeGreaterThanOrEqual(Math.round(Math.max(...playlist.segments.map((s) => s.duration))));
  });
});
