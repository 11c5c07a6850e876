import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import { analysisRequest, crfStep, perTitlePlan, PROBE_CRFS, REFERENCE_CRF, SSIM_BUDGET } from '../../../src/core/ladder/per-title.ts';
import type { ContentAnalysis } from '../../../src/core/model/content-analysis.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';

function media1080(durationSec = 60): MediaInfo {
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSec,
    sizeBytes: 1000,
    bitrate: null,
    video: {
      index: 0, codec: 'h264', profile: 'High', width: 1920, height: 1080, displayWidth: 1920, displayHeight: 1080, rotation: 0, fps: 30,
      variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: 'bt709', colorPrimaries: 'bt709', bitrate: null,
    },
    audio: null,
    held: { videoFrames: durationSec * 30, videoSpanSec: durationSec, audioSec: 0, audioSpanSec: 0 },
  };
}

const fixed = planLadder(media1080(), { segmentSeconds: 4 });

/** An analysis at 640x360 with the rate and SSIM at CRF 23 and CRF 29. */
function analysis(at23: [number, number], at29: [number, number]): ContentAnalysis {
  return {
    width: 640,
    height: 360,
    sampledSec: 8,
    points: [
      { crf: 23, kbps: at23[0], ssim: at23[1] },
      { crf: 29, kbps: at29[0], ssim: at29[1] },
    ],
  };
}

const rungs = (a: ContentAnalysis | null) => perTitlePlan(fixed, a).video!.rungs.map((r) => [r.name, r.crf, r.maxrateKbps, r.bufsizeKbps]);

describe('per-title ladder', () => {
  it('asks for sampled scenes at the smallest rung, at CRF 23 and 29', () => {
    expect(analysisRequest(fixed)).toEqual({ width: 640, height: 360, crfs: [23, 29], scenes: 4, sceneSeconds: 2 });
    // A single large rung is analysed at no more than 640x360 (its aspect kept).
    const one = planLadder(media1080(), { segmentSeconds: 4, maxRungs: 1 });
    expect(analysisRequest(one)).toMatchObject({ width: 640, height: 360 });
    expect(analysisRequest({ ...fixed, video: null })).toBeNull();
  });

  it('without an analysis keeps the fixed ladder, unchanged', () => {
    expect(perTitlePlan(fixed, null)).toBe(fixed);
    expect(rungs(null)).toEqual([
      ['1080p', undefined, 5000, 10000],
      ['720p', undefined, 3000, 6000],
      ['480p', undefined, 1500, 3000],
      ['360p', undefined, 800, 1600],
    ]);
  });

  it('static content (no SSIM lost from CRF 23 to 29) gets CRF 29 and caps at a quarter of the fixed ones', () => {
    expect(rungs(analysis([40, 0.995], [25, 0.995]))).toEqual([
      ['1080p', 29, 1250, 2500],
      ['720p', 29, 750, 1500],
      ['480p', 29, 380, 760],
      ['360p', 29, 200, 400],
    ]);
  });

  it('very complex content (SSIM falls fast) keeps CRF 23 and the fixed caps', () => {
    // 0.03 over 6 steps: 0.005 a step, above the budget for one.
    expect(rungs(analysis([2500, 0.93], [1200, 0.9]))).toEqual([
      ['1080p', 23, 5000, 10000],
      ['720p', 23, 3000, 6000],
      ['480p', 23, 1500, 3000],
      ['360p', 23, 800, 1600],
    ]);
  });

  it('moderate content gets the largest step whose predicted loss is within the budget, and caps from the predicted rate', () => {
    // 0.006 over 6 steps: 0.001 a step, so 3 steps fit 0.003.
    const a = analysis([400, 0.97], [200, 0.964]);
    expect(crfStep(a)).toBe(3);
    const plan = perTitlePlan(fixed, a);
    const predicted360 = 400 * (200 / 400) ** 0.5; // kbit/s at CRF 26, 640x360
    for (const r of plan.video!.rungs) {
      expect(r.crf).toBe(26);
      const wanted = Math.min(fixed.video!.rungs.find((f) => f.name === r.name)!.maxrateKbps, (4 * predicted360 * (r.width * r.height)) / (640 * 360));
      expect(Math.abs(r.maxrateKbps - Math.max(wanted, 0))).toBeLessThanOrEqual(10);
      expect(r.bufsizeKbps).toBe(2 * r.maxrateKbps);
    }
    // Everything else in the plan is the fixed ladder's.
    expect({ ...plan, video: { ...plan.video!, rungs: [] } }).toEqual({ ...fixed, video: { ...fixed.video!, rungs: [] } });
  });

  it('leaves the plan as it is when the analysis is not usable', () => {
    const broken: ContentAnalysis[] = [
      analysis([0, 0.99], [0, 0.99]),
      analysis([Number.NaN, 0.99], [100, 0.98]),
      analysis([100, Number.NaN], [50, 0.98]),
      { ...analysis([100, 0.99], [50, 0.98]), points: [{ crf: 23, kbps: 100, ssim: 0.99 }] },
      { ...analysis([100, 0.99], [50, 0.98]), width: 0 },
    ];
    for (const a of broken) expect(perTitlePlan(fixed, a)).toBe(fixed);
  });

  it('is deterministic, never raises a cap, never lowers quality below CRF 23 nor above the measured range, and keeps the predicted loss within the budget', () => {
    const point = fc.record({ kbps: fc.double({ min: 1, max: 20_000, noNaN: true }), ssim: fc.double({ min: 0.5, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(point, point, (p23, p29) => {
        const a = analysis([p23.kbps, p23.ssim], [p29.kbps, p29.ssim]);
        const once = perTitlePlan(fixed, a);
        expect(perTitlePlan(fixed, structuredClone(a))).toEqual(once);
        const step = crfStep(a);
        expect(step).toBeGreaterThanOrEqual(0);
        expect(step).toBeLessThanOrEqual(PROBE_CRFS[1] - PROBE_CRFS[0]);
        expect((step * Math.max(0, p23.ssim - p29.ssim)) / 6).toBeLessThanOrEqual(SSIM_BUDGET + 1e-9);
        once.video!.rungs.forEach((r, i) => {
          const f = fixed.video!.rungs[i];
          expect(r.crf).toBe(REFERENCE_CRF + step);
          expect(r.maxrateKbps).toBeLessThanOrEqual(f.maxrateKbps);
          expect(r.maxrateKbps).toBeGreaterThanOrEqual(Math.floor(f.maxrateKbps / 4 / 10) * 10);
          expect([r.name, r.width, r.height]).toEqual([f.name, f.width, f.height]);
        });
      }),
    );
  });
});
