import type { AnalysisPoint, AnalysisRequest, AnalysisView, ContentAnalysis } from '../model/content-analysis.ts';
import type { LadderPlan, VideoRung } from '../model/ladder-plan.ts';

/**
 * Per-title ladder: the fixed ladder (plan-ladder.ts) fitted to what a quick analysis of the source
 * found. Pure: same plan and analysis, same result; no analysis, the fixed ladder unchanged.
 *
 * The analysis (analysisRequest) encodes a few sampled scenes at CRF 23 (the fixed ladder's
 * quality), 26 and 29 in two views of at most 640x360 pixels each, and measures the rate and SSIM of
 * each encode: the picture at the smallest rung's size (where detail is averaged away and a quality
 * step shows on edges and shapes), and 3 x 3 tiles taken across the picture at the largest rung's
 * size, put together (where fine detail and grain are what a quality step takes away). Then, for
 * every rung:
 * - CRF: 23 + the largest step (0 to 6) whose predicted SSIM loss stays within SSIM_BUDGET (0.004,
 *   under the 0.005 a rung may lose). At each view the loss is interpolated linearly between the
 *   measured points (SSIM falls faster as CRF rises, so the straight line overstates the loss of a
 *   step between them); a rung between the two views' sizes gets the loss interpolated between theirs
 *   by the logarithm of its pixel count. Content whose SSIM falls fast keeps CRF 23.
 * - Rate cap: the rate per pixel predicted at that CRF (log-linear between the measured points and
 *   between the views), times the rung's pixels, times CAP_HEADROOM (4), never above the fixed
 *   ladder's cap nor below a quarter of it; bufsize 2x cap. Easy content gets lower peaks.
 * An analysis that is not usable (a view or point missing, no rate, not a number) leaves the plan as it is.
 */
export const REFERENCE_CRF = 23;
export const PROBE_CRFS: readonly number[] = [REFERENCE_CRF, REFERENCE_CRF + 3, REFERENCE_CRF + 6];
export const SSIM_BUDGET = 0.004;
export const CAP_HEADROOM = 4;
const MIN_CAP_FRACTION = 0.25;
const MAX_PROBE_PIXELS = 640 * 360;
/** A second view only when the largest rung has this many times the first view's pixels. */
const SECOND_VIEW_RATIO = 1.5;
const SCENES = 4;
const SCENE_SECONDS = 2;

/** What to ask the content analyzer for this plan; null when the plan has no video. */
export function analysisRequest(plan: LadderPlan): AnalysisRequest | null {
  if (!plan.video || plan.video.rungs.length === 0) return null;
  const px = (r: { width: number; height: number }) => r.width * r.height;
  const smallest = plan.video.rungs.reduce((a, b) => (px(b) < px(a) ? b : a));
  const largest = plan.video.rungs.reduce((a, b) => (px(b) > px(a) ? b : a));
  const scale = Math.min(1, Math.sqrt(MAX_PROBE_PIXELS / px(smallest)));
  const width = Math.min(smallest.width, even(smallest.width * scale));
  const height = Math.min(smallest.height, even(smallest.height * scale));
  const views: AnalysisView[] = [{ scaleWidth: width, scaleHeight: height, width, height }];
  if (px(largest) >= SECOND_VIEW_RATIO * width * height) {
    // Tiles from across the largest rung's picture: 3 x 3 of even sizes, about the first view's pixels.
    const tile = (side: number) => Math.max(2, Math.floor(side / 3 / 2) * 2) * 3;
    views.push({ scaleWidth: largest.width, scaleHeight: largest.height, width: tile(width), height: tile(height) });
  }
  return { views, crfs: [...PROBE_CRFS], scenes: SCENES, sceneSeconds: SCENE_SECONDS };
}

/**
 * The quality step (CRF above REFERENCE_CRF) the analysis allows a rung of `pixels` (default: the
 * first view's size); 0 when it allows none or the analysis is not usable.
 */
export function crfStep(analysis: ContentAnalysis, pixels?: number): number {
  const views = usableViews(analysis);
  if (!views) return 0;
  const at = pixels ?? views[0].pixels;
  const maxStep = Math.min(...views.map((v) => v.points[v.points.length - 1].crf)) - REFERENCE_CRF;
  let step = 0;
  for (let s = 1; s <= maxStep; s++) {
    const loss = between(views, at, (v) => predictedLoss(v.points, REFERENCE_CRF + s));
    if (loss > SSIM_BUDGET + 1e-9) break;
    step = s;
  }
  return step;
}

/** The plan with each rung's CRF and rate cap chosen from the analysis (see above); `plan` itself when there is nothing to change. */
export function perTitlePlan(plan: LadderPlan, analysis: ContentAnalysis | null): LadderPlan {
  if (!plan.video || !analysis) return plan;
  const views = usableViews(analysis);
  if (!views) return plan;
  const rungs: VideoRung[] = plan.video.rungs.map((r) => {
    const pixels = r.width * r.height;
    const crf = REFERENCE_CRF + crfStep(analysis, pixels);
    const perPixel = Math.exp(between(views, pixels, (v) => Math.log(rateAt(v.points, crf) / (v.width * v.height))));
    const cap = Math.min(r.maxrateKbps, Math.max(r.maxrateKbps * MIN_CAP_FRACTION, CAP_HEADROOM * perPixel * pixels));
    const maxrateKbps = Math.min(r.maxrateKbps, Math.round(cap / 10) * 10);
    return { ...r, crf, maxrateKbps, bufsizeKbps: 2 * maxrateKbps };
  });
  return { ...plan, video: { ...plan.video, rungs } };
}

interface View {
  /** Pixels of the picture the view was cut from (a rung's). */
  pixels: number;
  width: number;
  height: number;
  points: AnalysisPoint[];
}

/** `value` of the views, interpolated by the logarithm of the pixel count; the nearest view's outside their range. */
function between(views: View[], pixels: number, value: (v: View) => number): number {
  if (views.length === 1 || pixels <= views[0].pixels) return value(views[0]);
  const last = views[views.length - 1];
  if (pixels >= last.pixels) return value(last);
  let i = 1;
  while (views[i].pixels < pixels) i++;
  const a = views[i - 1];
  const b = views[i];
  const t = (Math.log(pixels) - Math.log(a.pixels)) / (Math.log(b.pixels) - Math.log(a.pixels));
  return value(a) + t * (value(b) - value(a));
}

/** SSIM lost at `crf` against REFERENCE_CRF: linear between the measured points, never less than a measured point below it shows. */
function predictedLoss(points: AnalysisPoint[], crf: number): number {
  const { a, b } = segment(points, crf);
  const ssim = a.ssim + ((b.ssim - a.ssim) * (crf - a.crf)) / (b.crf - a.crf);
  return Math.max(0, points[0].ssim - Math.min(ssim, ...points.filter((p) => p.crf <= crf).map((p) => p.ssim)));
}

/** Rate at `crf`, kbit/s: log-linear between the measured points. */
function rateAt(points: AnalysisPoint[], crf: number): number {
  const { a, b } = segment(points, crf);
  return a.kbps * (b.kbps / a.kbps) ** ((crf - a.crf) / (b.crf - a.crf));
}

function segment(points: AnalysisPoint[], crf: number): { a: AnalysisPoint; b: AnalysisPoint } {
  let i = 1;
  while (i < points.length - 1 && points[i].crf < crf) i++;
  return { a: points[i - 1], b: points[i] };
}

/** The views by size, each with its points from REFERENCE_CRF up, when every one is sound and they measured the same CRFs. */
function usableViews(a: ContentAnalysis): View[] | null {
  if (!Array.isArray(a.views) || a.views.length === 0) return null;
  const views: View[] = [];
  for (const v of a.views) {
    if (!(v.width > 0 && v.height > 0 && v.scaleWidth >= v.width && v.scaleHeight >= v.height)) return null;
    const points = v.points.filter((p) => p.crf >= REFERENCE_CRF).sort((x, y) => x.crf - y.crf);
    if (points.length < 2 || points[0].crf !== REFERENCE_CRF) return null;
    if (new Set(points.map((p) => p.crf)).size !== points.length) return null;
    for (const p of points) {
      if (!(Number.isFinite(p.kbps) && p.kbps > 0 && Number.isFinite(p.ssim) && p.ssim > 0 && p.ssim <= 1)) return null;
    }
    views.push({ pixels: v.scaleWidth * v.scaleHeight, width: v.width, height: v.height, points });
  }
  const crfs = views[0].points.map((p) => p.crf).join(',');
  if (views.some((v) => v.points.map((p) => p.crf).join(',') !== crfs)) return null;
  views.sort((x, y) => x.pixels - y.pixels);
  if (views.some((v, i) => i > 0 && v.pixels === views[i - 1].pixels)) return null;
  return views;
}

function even(x: number): number {
  return Math.max(2, Math.round(x / 2) * 2);
}
