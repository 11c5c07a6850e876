/**
 * Frame-rate analysis from packet timestamps (seconds) of one video stream.
 *
 * - Timestamps are sorted (B-frames arrive out of order) and duplicates dropped (VP8/VP9 hidden
 *   frames share the timestamp of the frame they belong to).
 * - The nominal frame interval is the median gap. A gap is regular when it is a whole number of
 *   nominal intervals (a dropped frame is still constant frame rate).
 * - The stream is VFR when more than 10% of the gaps are irregular.
 * - fps: for CFR, the nominal rate, snapped to the stream's declared rates or a common rate when
 *   within 1% (container timestamps in milliseconds make 29.97 look like 30.3); for VFR, the average.
 */
export interface FrameTiming {
  fps: number;
  variableFrameRate: boolean;
  frames: number;
}

const COMMON_RATES = [24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60, 90, 100, 120, 240];
const VFR_IRREGULAR_SHARE = 0.1;

export function analyseFrameTiming(timestamps: readonly number[], declaredRates: readonly number[] = []): FrameTiming | null {
  const sorted = [...timestamps].filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  const unique: number[] = [];
  for (const t of sorted) {
    if (unique.length === 0 || t - unique[unique.length - 1] > 1e-6) unique.push(t);
  }
  if (unique.length < 2) return null;
  const gaps: number[] = [];
  for (let i = 1; i < unique.length; i++) gaps.push(unique[i] - unique[i - 1]);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  if (!(median > 0)) return null;

  const tolerance = Math.max(0.0015, 0.1 * median);
  let irregular = 0;
  let regularSum = 0;
  let regularCount = 0;
  for (const g of gaps) {
    const k = Math.max(1, Math.round(g / median));
    if (Math.abs(g - k * median) > tolerance) irregular++;
    else if (k === 1) {
      regularSum += g;
      regularCount++;
    }
  }
  const span = unique[unique.length - 1] - unique[0];
  const variableFrameRate = irregular > VFR_IRREGULAR_SHARE * gaps.length;
  if (variableFrameRate) {
    return { fps: (unique.length - 1) / span, variableFrameRate, frames: unique.length };
  }
  const nominal = 1 / (regularCount > 0 ? regularSum / regularCount : median);
  return { fps: snapRate(nominal, declaredRates), variableFrameRate, frames: unique.length };
}

/** A declared or common rate within 1% of the measured one, else the measured one. */
export function snapRate(measured: number, declaredRates: readonly number[] = []): number {
  const near = (r: number): boolean => Number.isFinite(r) && r > 0 && Math.abs(r - measured) <= 0.01 * measured;
  const declared = declaredRates.find(near);
  if (declared !== undefined) return declared;
  let best: number | null = null;
  for (const r of COMMON_RATES) {
    if (near(r) && (best === null || Math.abs(r - measured) < Math.abs(best - measured))) best = r;
  }
  return best ?? measured;
}

/** "30000/1001" -> 29.97..., "0/0" or junk -> NaN. */
export function parseRate(rate: string | undefined): number {
  if (!rate) return Number.NaN;
  const [n, d] = rate.split('/').map(Number);
  if (d === undefined) return Number.isFinite(n) && n > 0 ? n : Number.NaN;
  return n > 0 && d > 0 ? n / d : Number.NaN;
}
