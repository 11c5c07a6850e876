/**
 * What a quick look at a source's picture content found: a few sampled scenes encoded at a small
 * size at each of a few constant-quality settings (H.264 CRF scale), with the rate each took and
 * the SSIM each kept against the sampled pictures. Asked for by core/ladder/per-title.ts
 * (analysisRequest), made by the encoding's content analyzer (ports/content-analyzer.ts), read back
 * by the same file (perTitlePlan) to set each rung's quality and rate cap.
 */
export interface AnalysisRequest {
  /** Size the sampled scenes are encoded at (the plan's smallest rung: where a quality step shows most). */
  width: number;
  height: number;
  /** CRFs to encode the samples at, ascending. */
  crfs: number[];
  /** How many scenes to sample, spread over the duration, and how long each is, seconds. */
  scenes: number;
  sceneSeconds: number;
}

export interface AnalysisPoint {
  crf: number;
  /** Mean video rate of the samples at that CRF, kbit/s. */
  kbps: number;
  /** Mean SSIM ("All", 0..1) of the samples at that CRF against the sampled pictures at the same size. */
  ssim: number;
}

export interface ContentAnalysis {
  width: number;
  height: number;
  /** Seconds of pictures encoded at each CRF. */
  sampledSec: number;
  /** One per requested CRF, ascending by CRF. */
  points: AnalysisPoint[];
}
