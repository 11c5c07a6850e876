import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedMediaError, ValidationError } from '../../../src/core/errors.ts';
import { maxrateFor, outputFps, planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { LadderPlan } from '../../../src/core/model/ladder-plan.ts';
import type { AudioStreamInfo, MediaInfo, VideoStreamInfo } from '../../../src/core/model/media-info.ts';

function video(width: number, height: number, extra: Partial<VideoStreamInfo> = {}): VideoStreamInfo {
  const rotation = extra.rotation ?? 0;
  const quarter = rotation === 90 || rotation === 270;
  return {
    index: 0,
    codec: 'h264',
    profile: 'High',
    width,
    height,
    displayWidth: quarter ? height : width,
    displayHeight: quarter ? width : height,
    rotation,
    fps: 30,
    variableFrameRate: false,
    pixFmt: 'yuv420p',
    bitDepth: 8,
    colorTransfer: 'bt709',
    colorPrimaries: 'bt709',
    bitrate: null,
    ...extra,
  };
}

const stereo: AudioStreamInfo = { index: 1, codec: 'aac', channels: 2, sampleRate: 44100, bitrate: 128000 };

function media(v: VideoStreamInfo | null, a: AudioStreamInfo | null = stereo, durationSec = 10): MediaInfo {
  const held = { videoFrames: v ? Math.round(durationSec * v.fps) : 0, videoSpanSec: v ? durationSec : 0, audioSec: a ? durationSec : 0, audioSpanSec: a ? durationSec : 0 };
  return { formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationSec, sizeBytes: 1000, bitrate: null, video: v, audio: a, held };
}

const plan = (m: MediaInfo, opts: { gopSeconds?: number; maxRungs?: number } = {}) => planLadder(m, { segmentSeconds: 6, ...opts });
const sizes = (m: MediaInfo) => plan(m).video!.rungs.map((r) => `${r.width}x${r.height}`);

describe('planLadder rungs', () => {
  it('gives 1080p, 720p, 480p and 360p for a 1080p source, with the reference rates', () => {
    const rungs = plan(media(video(1920, 1080))).video!.rungs;
    expect(rungs.map((r) => [r.name, r.width, r.height, r.maxrateKbps])).toEqual([
      ['1080p', 1920, 1080, 5000],
      ['720p', 1280, 720, 3000],
      ['480p', 854, 480, 1500],
      ['360p', 640, 360, 800],
    ]);
    for (const r of rungs) {
      expect(r.bufsizeKbps).toBe(2 * r.maxrateKbps);
      // Encoder-neutral: codec settings are the encode backend's.
      expect(Object.keys(r).sort()).toEqual(['bufsizeKbps', 'height', 'maxrateKbps', 'name', 'width']);
    }
  });

  it('never goes above 1080p, and never upscales', () => {
    expect(sizes(media(video(3840, 2160)))[0]).toBe('1920x1080');
    expect(sizes(media(video(1280, 720)))).toEqual(['1280x720', '854x480', '640x360']);
    expect(sizes(media(video(640, 360)))).toEqual(['640x360']);
  });

  it('uses the source size as the top rung when it lies between standard rungs', () => {
    const rungs = plan(media(video(1778, 1000))).video!.rungs;
    expect(rungs.map((r) => r.name)).toEqual(['1000p', '720p', '480p', '360p']);
    expect(rungs[0]).toMatchObject({ width: 1778, height: 1000 });
    expect(rungs[0].maxrateKbps).toBeGreaterThan(3000);
    expect(rungs[0].maxrateKbps).toBeLessThan(5000);
  });

  it('leaves out a standard rung that is too close to the top one', () => {
    expect(plan(media(video(1334, 750))).video!.rungs.map((r) => r.name)).toEqual(['750p', '480p', '360p']);
  });

  it('adds 240p only below 360p', () => {
    expect(sizes(media(video(534, 300)))).toEqual(['534x300', '428x240']);
    expect(sizes(media(video(320, 180)))).toEqual(['320x180']);
    expect(plan(media(video(534, 300))).video!.rungs[1].maxrateKbps).toBe(400);
  });

  it('keeps portrait portrait', () => {
    expect(sizes(media(video(1080, 1920)))).toEqual(['1080x1920', '720x1280', '480x854', '360x640']);
  });

  it('applies rotation: landscape pixels with a 90-degree matrix give portrait rungs', () => {
    const p = plan(media(video(1920, 1080, { rotation: 90 })));
    expect(p.video!.rotation).toBe(90);
    expect(p.video!.rungs.map((r) => `${r.width}x${r.height}`)).toEqual(['1080x1920', '720x1280', '480x854', '360x640']);
    expect(p.poster).toMatchObject({ width: 1080, height: 1920 });
  });

  it('uses the shown size of anamorphic pictures', () => {
    const v = video(720, 576, { displayWidth: 1024, displayHeight: 576 });
    expect(sizes(media(v))).toEqual(['1024x576', '854x480', '640x360']);
  });

  it('makes every size even and keeps the aspect ratio', () => {
    for (const [w, h] of [[321, 241], [3026, 1386], [1080, 720], [853, 481], [1366, 768], [999, 1999]]) {
      const p = plan(media(video(w, h)));
      for (const r of p.video!.rungs) {
        expect(r.width % 2, `${w}x${h} ${r.name}`).toBe(0);
        expect(r.height % 2, `${w}x${h} ${r.name}`).toBe(0);
        expect(r.width).toBeLessThanOrEqual(w);
        expect(r.height).toBeLessThanOrEqual(h);
        expect(Math.abs(r.width / r.height - w / h) / (w / h)).toBeLessThan(0.02);
      }
    }
    expect(sizes(media(video(321, 241)))).toEqual(['320x240']);
  });

  it('keeps at most maxRungs, the largest ones', () => {
    expect(plan(media(video(1920, 1080)), { maxRungs: 2 }).video!.rungs.map((r) => r.name)).toEqual(['1080p', '720p']);
    expect(() => plan(media(video(1920, 1080)), { maxRungs: 0 })).toThrow(ValidationError);
  });

  it('interpolates maxrate by pixel count between the reference rungs', () => {
    expect(maxrateFor(1280 * 720)).toBe(3000);
    const between = maxrateFor(1600 * 900);
    expect(between).toBeGreaterThan(3000);
    expect(between).toBeLessThan(5000);
    expect(maxrateFor(160 * 90)).toBeGreaterThanOrEqual(150);
  });
});

describe('planLadder frame rate, colour and keyframes', () => {
  it('keeps a constant source rate, capped at 60 by dropping frames evenly', () => {
    expect(outputFps({ fps: 30000 / 1001, variableFrameRate: false })).toBeCloseTo(29.97, 2);
    expect(outputFps({ fps: 50, variableFrameRate: false })).toBe(50);
    expect(outputFps({ fps: 120, variableFrameRate: false })).toBe(60);
    expect(outputFps({ fps: 90, variableFrameRate: false })).toBe(45);
    expect(outputFps({ fps: 60.06, variableFrameRate: false })).toBe(60);
    expect(outputFps({ fps: Number.NaN, variableFrameRate: false })).toBe(30);
  });

  it('turns variable frame rate into the rounded average', () => {
    expect(outputFps({ fps: 29.6, variableFrameRate: true })).toBe(30);
    expect(outputFps({ fps: 13.3, variableFrameRate: true })).toBe(13);
    expect(plan(media(video(1280, 720, { fps: 24.4, variableFrameRate: true })))).toMatchObject({ video: { fps: 24 } });
  });

  it('tone maps deep colour and HDR, not 8-bit SDR', () => {
    expect(plan(media(video(1920, 1080))).video!.toneMap).toBe(false);
    expect(plan(media(video(1920, 1080, { bitDepth: 10, pixFmt: 'yuv420p10le' }))).video!.toneMap).toBe(true);
    expect(plan(media(video(1920, 1080, { colorTransfer: 'smpte2084' }))).video!.toneMap).toBe(true);
    expect(plan(media(video(1920, 1080, { colorTransfer: 'arib-std-b67' }))).video!.toneMap).toBe(true);
  });

  it('puts keyframes on a period that divides the segment length', () => {
    expect(plan(media(video(640, 360))).video!.gopSeconds).toBe(2);
    expect(plan(media(video(640, 360)), { gopSeconds: 4 }).video!.gopSeconds).toBe(3);
    expect(planLadder(media(video(640, 360)), { segmentSeconds: 4, gopSeconds: 1 }).video!.gopSeconds).toBe(1);
    expect(() => planLadder(media(video(640, 360)), { segmentSeconds: 0 })).toThrow(ValidationError);
  });
});

describe('planLadder audio, stills and odd sources', () => {
  it('encodes stereo AAC at 128k, mono at 64k, more channels downmixed, always 48 kHz', () => {
    expect(plan(media(video(640, 360))).audio).toEqual({ bitrateKbps: 128, channels: 2, sampleRate: 48000 });
    expect(plan(media(video(640, 360), { ...stereo, channels: 6 })).audio).toEqual({ bitrateKbps: 128, channels: 2, sampleRate: 48000 });
    expect(plan(media(video(640, 360), { ...stereo, channels: 1, sampleRate: 8000 })).audio).toEqual({ bitrateKbps: 64, channels: 1, sampleRate: 48000 });
    expect(plan(media(video(640, 360), null)).audio).toBeNull();
  });

  it('plans audio only, without stills, when there is no video', () => {
    expect(plan(media(null))).toEqual({
      video: null,
      audio: { bitrateKbps: 128, channels: 2, sampleRate: 48000 },
      segmentSeconds: 6,
      poster: null,
      thumbnail: null,
      storyboard: null,
    });
  });

  it('refuses a source with neither video nor audio, or a picture too small to use', () => {
    expect(() => plan(media(null, null))).toThrow(UnsupportedMediaError);
    expect(() => plan(media(video(8, 8)))).toThrow(UnsupportedMediaError);
  });

  it('takes the poster at the top size and a 320-px thumbnail, both inside the video', () => {
    const p = plan(media(video(1920, 1080), stereo, 60));
    expect(p.poster).toEqual({ width: 1920, height: 1080, atSec: 1 });
    expect(p.thumbnail).toEqual({ width: 320, height: 180, atSec: 1 });
    expect(plan(media(video(1920, 1080), stereo, 3)).poster!.atSec).toBeCloseTo(0.3, 3);
    expect(plan(media(video(1080, 1920), stereo, 3)).thumbnail).toMatchObject({ width: 180, height: 320 });
    const short = plan(media(video(640, 360, { fps: 30 }), stereo, 0.05));
    expect(short.poster!.atSec).toBeLessThanOrEqual(0.05 - 1 / 30);
    expect(plan(media(video(640, 360), stereo, 0)).poster!.atSec).toBe(0);
  });

  it('keeps a small picture at its own size for the thumbnail', () => {
    expect(plan(media(video(240, 136))).thumbnail).toMatchObject({ width: 240, height: 136 });
  });
});

/**
 * Never upscale, checked at the edges: for every standard rung, sources one pixel below, at and above
 * it, landscape and portrait, with odd sides; then a property over random sizes, sample aspect
 * ratios and rotations.
 */
describe('planLadder never upscales', () => {
  /** Every rung, the poster and the thumbnail fit the picture as shown, are even and keep its shape. */
  function expectFits(p: LadderPlan, shownWidth: number, shownHeight: number): void {
    const label = `${shownWidth}x${shownHeight}`;
    const pictures = [...p.video!.rungs, p.poster!, p.thumbnail!];
    for (const r of pictures) {
      const what = `${label}: ${r.width}x${r.height}`;
      expect(r.width, what).toBeLessThanOrEqual(shownWidth);
      expect(r.height, what).toBeLessThanOrEqual(shownHeight);
      expect(r.width % 2, what).toBe(0);
      expect(r.height % 2, what).toBe(0);
      expect(r.width, what).toBeGreaterThanOrEqual(2);
      expect(r.height, what).toBeGreaterThanOrEqual(2);
      // Within a pixel of the shown aspect ratio: one side is what the other gives, give or take a
      // pixel (or the 2-pixel floor, for absurdly thin pictures).
      const widthOff = Math.abs(r.width - (r.height * shownWidth) / shownHeight);
      const heightOff = Math.abs(r.height - (r.width * shownHeight) / shownWidth);
      expect(Math.min(widthOff, heightOff) <= 1 || Math.min(r.width, r.height) === 2, `${what} is off the aspect ratio`).toBe(true);
      const turned = (r.width > r.height && shownHeight > shownWidth) || (r.height > r.width && shownWidth > shownHeight);
      expect(turned, `${what} changed orientation`).toBe(false);
    }
    const rungs = p.video!.rungs;
    expect(new Set(rungs.map((r) => r.name)).size, `${label}: rung names ${rungs.map((r) => r.name)}`).toBe(rungs.length);
    for (let i = 1; i < rungs.length; i++) {
      expect(rungs[i].width * rungs[i].height, `${label}: ${rungs[i].name} after ${rungs[i - 1].name}`).toBeLessThan(rungs[i - 1].width * rungs[i - 1].height);
    }
    expect(p.poster).toMatchObject({ width: rungs[0].width, height: rungs[0].height });
  }

  it('gives sources one pixel below, at and above each rung no rung larger than themselves', () => {
    for (const rung of [240, 360, 480, 720, 1080]) {
      for (const short of [rung - 1, rung, rung + 1]) {
        // 16:9 rounded both ways (855x480 is where rounding the long side up would give 856), 4:3, and odd.
        for (const long of [Math.floor((short * 16) / 9), Math.ceil((short * 16) / 9), Math.round((short * 4) / 3), 2 * short + 1]) {
          expectFits(plan(media(video(long, short))), long, short);
          expectFits(plan(media(video(short, long))), short, long);
          expectFits(plan(media(video(short, long, { rotation: 90 }))), long, short);
        }
      }
    }
  });

  it('caps the long side at the source, not one pixel past it', () => {
    expect(sizes(media(video(855, 480)))).toEqual(['854x480', '642x360']);
    expect(sizes(media(video(480, 855)))).toEqual(['480x854', '360x642']);
    expect(sizes(media(video(855, 480, { rotation: 270 })))).toEqual(['480x854', '360x642']);
    expect(sizes(media(video(1281, 721)))).toEqual(['1280x720', '852x480', '640x360']);
    expect(sizes(media(video(1279, 719)))).toEqual(['1278x718', '854x480', '640x360']);
    expect(sizes(media(video(1921, 1081)))[0]).toBe('1920x1080');
    expect(sizes(media(video(641, 361)))).toEqual(['640x360']);
    expect(sizes(media(video(639, 359)))).toEqual(['638x358', '428x240']);
    expect(sizes(media(video(427, 241)))).toEqual(['426x240']);
    expect(sizes(media(video(425, 239)))).toEqual(['424x238']);
  });

  it('chooses the rungs of a very wide picture below the 3840-pixel long side, each once', () => {
    expect(sizes(media(video(4511, 565)))).toEqual(['3832x480', '2874x360']);
    expect(sizes(media(video(8000, 700)))).toEqual(['3840x336', '2742x240']);
    expect(sizes(media(video(700, 8000)))).toEqual(['336x3840', '240x2742']);
  });

  it('holds for any size, sample aspect ratio and rotation (property)', () => {
    const source = fc.record({
      width: fc.integer({ min: 16, max: 8192 }),
      height: fc.integer({ min: 16, max: 8192 }),
      sar: fc.oneof(fc.constant(1), fc.double({ min: 0.5, max: 2, noNaN: true })),
      rotation: fc.constantFrom(0 as const, 90 as const, 180 as const, 270 as const),
      maxRungs: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(source, ({ width, height, sar, rotation, maxRungs }) => {
        const shown = Math.round(width * sar);
        const quarter = rotation === 90 || rotation === 270;
        const displayWidth = quarter ? height : shown;
        const displayHeight = quarter ? shown : height;
        fc.pre(displayWidth >= 16 && displayHeight >= 16);
        const p = plan(media(video(width, height, { rotation, displayWidth, displayHeight })), { maxRungs });
        expectFits(p, displayWidth, displayHeight);
      }),
      { numRuns: 2000 },
    );
  });
});
