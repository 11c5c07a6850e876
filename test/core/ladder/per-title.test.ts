import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import { analysisRequest, crfStep, perTitlePlan, REFERENCE_CRF, SSIM_BUDGET } from '../../../src/core/ladder/per-title.ts';
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

type Measured = [kbps: number, ssim: number];

/** One view: the rate and SSIM at CRF 23, 26 and 29. */
function view(scale: [number, number], size: [number, number], at23: Measured, at26: Measured, at29: Measured): ContentAnalysis['views'][number] {
  return {
    scaleWidth: scale[0],
    scaleHeight: scale[1],
    width: size[0],
    height: size[1],
    points: [
      { crf: 23, kbps: at23[0], ssim: at23[1] },
      { crf: 26, kbps: at26[0], ssim: at26[1] },
      { crf: 29, kbps: at29[0], ssim: at29[1] },
    ],
  };
}

/** An analysis of the whole picture at 640x360 and, when given, of tiles across it at 1920x1080. */
function analysis(small: [Measured, Measured, Measured], large?: [Measured, Measured, Measured]): ContentAnalysis {
  return {
    sampledSec: 8,
    views: [view([640, 360], [640, 360], ...small), ...(large ? [view([1920, 1080], [636, 360], ...large)] : [])],
  };
}

const rungs = (a: ContentAnalysis | null) => perTitlePlan(fixed, a).video!.rungs.map((r) => [r.name, r.crf, r.maxrateKbps, r.bufsizeKbps]);

describe('per-title ladder', () => {
  it('asks for sampled scenes at the smallest rung, at CRF 23, 26 and 29', () => {
    expect(analysisRequest(fixed)).toEqual({
      views: [
        { scaleWidth: 640, scaleHeight: 360, width: 640, height: 360 },
        { scaleWidth: 1920, scaleHeight: 1080, width: 636, height: 360 },
      ],
      crfs: [23, 26, 29],
      scenes: 4,
      sceneSeconds: 2,
    });
    // A single large rung: the whole picture at no more than 640x360 (its aspect kept), and tiles at its size.
    const one = planLadder(media1080(), { segmentSeconds: 4, maxRungs: 1 });
    expect(analysisRequest(one)!.views).toEqual([
      { scaleWidth: 640, scaleHeight: 360, width: 640, height: 360 },
      { scaleWidth: 1920, scaleHeight: 1080, width: 636, height: 360 },
    ]);
    // A small source: one view, the whole picture.
    const small = planLadder({ ...media1080(), video: { ...media1080().video!, width: 640, height: 360, displayWidth: 640, displayHeight: 360 } }, { segmentSeconds: 4 });
    expect(analysisRequest(small)!.views).toEqual([{ scaleWidth: 640, scaleHeight: 360, width: 640, height: 360 }]);
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
    expect(rungs(analysis([[40, 0.995], [30, 0.995], [25, 0.995]], [[45, 0.996], [34, 0.996], [24, 0.996]]))).toEqual([
      ['1080p', 29, 1250, 2500],
      ['720p', 29, 750, 1500],
      ['480p', 29, 380, 760],
      ['360p', 29, 200, 400],
    ]);
  });

  it('very complex content (SSIM falls fast) keeps CRF 23 and the fixed caps', () => {
    // 0.015 a step at 640x360: more than the budget on every rung, 1080p included.
    expect(rungs(analysis([[2500, 0.93], [1700, 0.885], [1200, 0.84]], [[2500, 0.95], [1700, 0.935], [1200, 0.92]]))).toEqual([
      ['1080p', 23, 5000, 10000],
      ['720p', 23, 3000, 6000],
      ['480p', 23, 1500, 3000],
      ['360p', 23, 800, 1600],
    ]);
  });

  it('gives each rung the largest step whose predicted loss is within the budget, from the view of its size or between the two', () => {
    // Whole picture at 640x360: 0.0012 a step up to CRF 26, then 0.002. Tiles at 1080p: 0.0006 a step, then 0.001.
    const a = analysis(
      [[400, 0.97], [300, 0.9664], [200, 0.9604]],
      [[900, 0.98], [700, 0.9782], [500, 0.9752]],
    );
    // 360p: the first view's loss, 0.0036 at +3, 0.0056 at +4. 1080p: the tiles' loss, 0.0038 at +5, 0.0048 at +6.
    // 720p, 480p: between the two by log pixels (t = 0.63 and 0.26).
    expect(perTitlePlan(fixed, a).video!.rungs.map((r) => r.crf)).toEqual([28, 27, 26, 26]);
    expect(crfStep(a)).toBe(3);
    expect(crfStep(a, 1920 * 1080)).toBe(5);
    // Grain: the tiles at 1080p lose more than the small picture; the larger rung gets the smaller step.
    const grain = analysis(
      [[250, 0.994], [190, 0.991], [150, 0.9865]],
      [[490, 0.9897], [300, 0.9853], [210, 0.9815]],
    );
    // 360p: 0.003 at +3; 1080p: 0.0029 at +2, 0.0044 at +3; 720p between: 0.0039 at +3.
    expect(perTitlePlan(fixed, grain).video!.rungs.map((r) => r.crf)).toEqual([25, 26, 26, 26]);
    // One view: every rung gets that view's step.
    const one = analysis([[400, 0.97], [300, 0.9664], [200, 0.9604]]);
    expect(perTitlePlan(fixed, one).video!.rungs.map((r) => r.crf)).toEqual([26, 26, 26, 26]);
  });

  it('caps each rung at 4 x the rate predicted at its CRF, per pixel, within a quarter of the fixed cap and the fixed cap', () => {
    const one = analysis([[100, 0.99], [100 * 0.7, 0.99], [100 * 0.49, 0.99]]);
    const plan = perTitlePlan(fixed, one);
    for (const r of plan.video!.rungs) {
      expect(r.crf).toBe(29);
      const predicted = (49 * r.width * r.height) / (640 * 360);
      const f = fixed.video!.rungs.find((x) => x.name === r.name)!;
      expect(Math.abs(r.maxrateKbps - Math.min(f.maxrateKbps, Math.max(f.maxrateKbps / 4, 4 * predicted)))).toBeLessThanOrEqual(5);
      expect(r.bufsizeKbps).toBe(2 * r.maxrateKbps);
    }
    // Everything else in the plan is the fixed ladder's.
    expect({ ...plan, video: { ...plan.video!, rungs: [] } }).toEqual({ ...fixed, video: { ...fixed.video!, rungs: [] } });
  });

  it('leaves the plan as it is when the analysis is not usable', () => {
    const ok = analysis([[100, 0.99], [70, 0.985], [50, 0.98]], [[200, 0.99], [150, 0.985], [100, 0.98]]);
    const small = ok.views[0];
    const broken: ContentAnalysis[] = [
      analysis([[0, 0.99], [0, 0.99], [0, 0.99]]),
      analysis([[Number.NaN, 0.99], [70, 0.985], [50, 0.98]]),
      analysis([[100, Number.NaN], [70, 0.985], [50, 0.98]]),
      { ...ok, views: [] },
      { ...ok, views: [{ ...small, points: [small.points[0]] }] },
      { ...ok, views: [{ ...small, points: small.points.slice(1) }] },
      { ...ok, views: [{ ...small, points: [small.points[0], small.points[1], small.points[1]] }] },
      { ...ok, views: [{ ...small, width: 0 }] },
      { ...ok, views: [small, { ...ok.views[1], points: ok.views[1].points.slice(0, 2) }] },
      { ...ok, views: [small, small] },
    ];
    for (const a of broken) expect(perTitlePlan(fixed, a)).toBe(fixed);
  });

  it('is deterministic, never raises a cap, never goes below CRF 23 nor past the measured range, and keeps the predicted loss within the budget', () => {
    const point = fc.tuple(fc.double({ min: 1, max: 20_000, noNaN: true }), fc.double({ min: 0.5, max: 1, noNaN: true }));
    const points = fc.tuple(point, point, point);
    fc.assert(
      fc.property(points, points, (small, large) => {
        const a = analysis(small, large);
        const once = perTitlePlan(fixed, a);
        expect(perTitlePlan(fixed, structuredClone(a))).toEqual(once);
        // The loss at each view, linear between its measured points.
        const lossAt = (m: [Measured, Measured, Measured], k: number) =>
          Math.max(0, k <= 3 ? ((m[0][1] - m[1][1]) * k) / 3 : m[0][1] - m[1][1] + ((m[1][1] - m[2][1]) * (k - 3)) / 3);
        once.video!.rungs.forEach((r, i) => {
          const f = fixed.video!.rungs[i];
          const step = r.crf! - REFERENCE_CRF;
          expect(step).toBeGreaterThanOrEqual(0);
          expect(step).toBeLessThanOrEqual(6);
          expect(step).toBe(crfStep(a, r.width * r.height));
          // At the two views' own sizes the step is within what that view measured.
          if (r.name === '360p' && step > 0) expect(lossAt(small, step)).toBeLessThanOrEqual(SSIM_BUDGET + 1e-9);
          if (r.name === '1080p' && step > 0) expect(lossAt(large, step)).toBeLessThanOrEqual(SSIM_BUDGET + 1e-9);
          expect(r.maxrateKbps).toBeLessThanOrEqual(f.maxrateKbps);
          expect(r.maxrateKbps).toBeGreaterThanOrEqual(Math.floor(f.maxrateKbps / 4 / 10) * 10);
          expect([r.name, r.width, r.height]).toEqual([f.name, f.width, f.height]);
        });
      }),
    );
  });
});
