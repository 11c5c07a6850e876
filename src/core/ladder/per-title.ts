import type { AnalysisRequest, ContentAnalysis } from '../model/content-analysis.ts';
import type { LadderPlan, VideoRung } from '../model/ladder-plan.ts';

/**
 * Per-title ladder: the fixed ladder (plan-ladder.ts) fitted to what a quick analysis of the source
 * found. Pure: same plan and analysis, same result; no analysis, the fixed ladder unchanged.
 *
 * The analysis (analysisRequest) encodes a few sampled scenes at the plan's smallest rung (at most
 * 640x360), where a quality step costs the most SSIM, at CRF 23 (the fixed ladder's quality) and
 * CRF 29, and measures the rate and SSIM of each. Then, for every rung:
 * - CRF: 23 + the largest step (0 to 6) whose SSIM loss, interpolated linearly between the two
 *   measured points, stays within SSIM_BUDGET (0.003, under the 0.005 a rung may lose). SSIM falls
 *   faster as CRF rises, so the straight line overstates the loss of a small step, and larger rungs
 *   lose less than the smallest: the estimate is on the safe side. Content whose SSIM drops by more
 *   than the budget in one step (noise, fast detailed motion) keeps CRF 23.
 * - Rate cap: the rate predicted at that CRF (log-linear between the two points), scaled to the
 *   rung's pixels, times CAP_HEADROOM (4), never above the fixed ladder's cap nor below a quarter
 *   of it; bufsize 2x cap. Easy content gets lower peaks; hard content keeps the fixed caps.
 * An analysis that is not usable (missing points, no rate, not a number) leaves the plan as it is.
 */
export const REFERENCE_CRF = 23;
export const PROBE_CRFS: readonly number[] = [REFERENCE_CRF, REFERENCE_CRF + 6];
export const SSIM_BUDGET = 0.003;
export const CAP_HEADROOM = 4;
const MIN_CAP_FRACTION = 0.25;
const MAX_PROBE_PIXELS = 640 * 360;
const SCENES = 4;
const SCENE_SECONDS = 2;

/** What to ask the content analyzer for this plan; null when the plan has no video. */
export function analysisRequest(plan: LadderPlan): AnalysisRequest | null {
  if (!plan.video || plan.video.rungs.length === 0) return null;
  const smallest = plan.video.rungs.reduce((a, b) => (b.width * b.height < a.width * a.height ? b : a));
  const scale = Math.min(1, Math.sqrt(MAX_PROBE_PIXELS / (smallest.width * smallest.height)));
  return {
    width: even(smallest.width * scale),
    height: even(smallest.height * scale),
    crfs: [...PROBE_CRFS],
    scenes: SCENES,
    sceneSeconds: SCENE_SECONDS,
  };
}

/** The quality step (CRF above REFERENCE_CRF) the analysis allows; 0 when it allows none or is not usable. */
export function crfStep(analysis: ContentAnalysis): number {
  const pair = usablePoints(analysis);
  if (!pair) return 0;
  const [low, high] = pair;
  const span = high.crf - low.crf;
  const lossPerStep = Math.max(0, low.ssim - high.ssim) / span;
  if (lossPerStep === 0) return span;
  return Math.max(0, Math.min(span, Math.floor(SSIM_BUDGET / lossPerStep + 1e-9)));
}

/** The plan with each rung's CRF and rate cap chosen from the analysis (see above); `plan` itself when there is nothing to change. */
export function perTitlePlan(plan: LadderPlan, analysis: ContentAnalysis | null): LadderPlan {
  if (!plan.video || !analysis) return plan;
  const pair = usablePoints(analysis);
  if (!pair) return plan;
  const [low, high] = pair;
  const step = crfStep(analysis);
  const crf = REFERENCE_CRF + step;
  // Rate at the chosen CRF at the analysed size, then per pixel.
  const kbps = low.kbps * (high.kbps / low.kbps) ** ((crf - low.crf) / (high.crf - low.crf));
  const kbpsPerPixel = kbps / (analysis.width * analysis.height);
  const rungs: VideoRung[] = plan.video.rungs.map((r) => {
    const predicted = kbpsPerPixel * r.width * r.height;
    const cap = Math.min(r.maxrateKbps, Math.max(r.maxrateKbps * MIN_CAP_FRACTION, CAP_HEADROOM * predicted));
    const maxrateKbps = Math.min(r.maxrateKbps, Math.round(cap / 10) * 10);
    return { ...r, crf, maxrateKbps, bufsizeKbps: 2 * maxrateKbps };
  });
  return { ...plan, video: { ...plan.video, rungs } };
}

/** The points at REFERENCE_CRF and at the highest CRF measured, when both are sound. */
function usablePoints(a: ContentAnalysis): [ContentAnalysis['points'][number], ContentAnalysis['points'][number]] | null {
  if (!(a.width > 0 && a.height > 0)) return null;
  const low = a.points.find((p) => p.crf === REFERENCE_CRF);
  const high = a.points.filter((p) => p.crf > REFERENCE_CRF).sort((x, y) => y.crf - x.crf)[0];
  if (!low || !high) return null;
  for (const p of [low, high]) {
    if (!(Number.isFinite(p.kbps) && p.kbps > 0 && Number.isFinite(p.ssim) && p.ssim > 0 && p.ssim <= 1)) return null;
  }
  return [low, high];
}

function even(x: number): number {
  return Math.max(2, Math.round(x / 2) * 2);
}
