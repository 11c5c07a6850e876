import { describe, expect, it } from 'vitest';
import { buildTranscodeArgs } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { quickStartPreset } from '../../../src/adapters/transcoder/ffmpeg/x264-settings.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { LadderPlan } from '../../../src/core/model/ladder-plan.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';

/** A rotated 10-bit HDR (PQ) 1080p phone clip, shown as portrait. */
const media: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 60,
  sizeBytes: 50_000_000,
  bitrate: 6_000_000,
  video: {
    index: 0, codec: 'hevc', profile: 'Main 10', width: 1920, height: 1080, displayWidth: 1080, displayHeight: 1920,
    rotation: 90, fps: 30, variableFrameRate: false, pixFmt: 'yuv420p10le', bitDepth: 10,
    colorTransfer: 'smpte2084', colorPrimaries: 'bt2020', bitrate: 6_000_000,
  },
  audio: { index: 1, codec: 'aac', channels: 2, sampleRate: 48_000, bitrate: 128_000 },
  held: { videoFrames: 1800, videoSpanSec: 60, audioSec: 60, audioSpanSec: 60 },
};

const graphOf = (args: string[]): string => args[args.indexOf('-filter_complex') + 1];

describe('first playable output (quick start) arguments', () => {
  const plan = planLadder(media, { segmentSeconds: 4 });
  const lowest: LadderPlan = { ...plan, video: { ...plan.video!, rungs: plan.video!.rungs.slice(-1) }, poster: null, thumbnail: null, storyboard: null };
  const input = { inputPath: '/in/clip.mov', outputDir: '/out', media, plan: lowest, preset: 'superfast', zscale: true };

  it('scales to the rung size as stored before turning the picture and tone mapping it', () => {
    expect(lowest.video!.rungs[0]).toMatchObject({ name: '360p', width: 360, height: 640 });
    const graph = graphOf(buildTranscodeArgs({ ...input, quickStart: true }));
    const filters = graph.replace(/^\[0:0\]/, '').replace(/\[v0\]$/, '').split(',');
    expect(filters[0]).toBe('fps=fps=30');
    expect(filters[1]).toBe('scale=640:360:flags=bicubic');
    const turned = filters.indexOf('transpose=clock');
    const toneMapped = filters.findIndex((f) => f.startsWith('tonemap='));
    expect(turned).toBeGreaterThan(1);
    expect(toneMapped).toBeGreaterThan(turned);
    expect(filters.at(-3)).toMatch(/^scale=360:640:/);
    expect(graph).not.toContain('split=');
  });

  it('keeps the full-size head filters for a ladder, and for a run asked for stills', () => {
    expect(graphOf(buildTranscodeArgs(input))).toMatch(/^\[0:0\]transpose=clock,fps=fps=30,zscale=/);
    const withPoster = graphOf(buildTranscodeArgs({ ...input, plan: { ...lowest, poster: plan.poster }, quickStart: true }));
    expect(withPoster).toMatch(/^\[0:0\]transpose=clock,fps=fps=30,zscale=.*split=2/);
  });

  it('uses superfast, or the configured preset when that is faster still', () => {
    expect(quickStartPreset('veryfast')).toBe('superfast');
    expect(quickStartPreset('medium')).toBe('superfast');
    expect(quickStartPreset('ultrafast')).toBe('ultrafast');
    expect(quickStartPreset('superfast')).toBe('superfast');
  });
});
