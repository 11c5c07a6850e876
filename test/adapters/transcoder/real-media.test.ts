import { readdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, type types } from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/index.ts';
import { UnsupportedMediaError } from '../../../src/core/errors.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import { checkHls, expectCfr, renditionInfo } from '../../conformance/transcoder-suite.ts';
import { realMedia, realMediaAvailable, realMediaDir } from '../../support/real-media.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

/**
 * Every file of the real-media corpus (see its SOURCES.md) either becomes a valid ladder or is refused
 * with UnsupportedMediaError and a reason. Listed files also have their specific expectations checked.
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

describe.runIf(available)('real media corpus through the ffmpeg transcoder', () => {
  let t: FfmpegTranscoder;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('vodkit-real-media-'));
    const tools = await locateFfmpeg({ ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE });
    t = new FfmpegTranscoder({ ...tools, preset: 'veryfast', threads: 2 });
  });
  afterAll(async () => cleanup?.());

  it('covers the listed files', () => {
    for (const name of Object.keys(EXPECTED)) expect(files, name).toContain(name);
  });

  it.each(files)('%s', async (name) => {
    const expected = EXPECTED[name];
    const outputDir = join(dir, name);
    await mkdir(outputDir);
    const attempt = async () => {
      const media = await t.probe(realMedia(name));
      const plan = planLadder(media, { segmentSeconds: 4, gopSeconds: 2 });
      return t.transcode({ inputPath: realMedia(name), outputDir, media, plan });
    };
    const outcome = await attempt().then(
      (result) => ({ result, err: null }),
      (err: unknown) => ({ result: null, err }),
    );

    if (outcome.err) {
      expect(outcome.err, `${name}: ${String(outcome.err)}`).toBeInstanceOf(UnsupportedMediaError);
      expect((outcome.err as Error).message.length).toBeGreaterThan(20);
      if (expected) expect(expected.outcome, `${name} failed: ${(outcome.err as Error).message}`).toBe('unsupported');
      if (expected?.outcome === 'unsupported' && expected.reason) expect((outcome.err as Error).message).toMatch(expected.reason);
      return;
    }
    const result = outcome.result!;
    const master = parse(await readFile(join(outputDir, result.masterPlaylist), 'utf8')) as types.MasterPlaylist;
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
