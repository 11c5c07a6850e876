/**
 * What a quick look at a source's picture content found: a few sampled scenes encoded at a few
 * constant-quality settings (H.264 CRF scale), in one or more views (the picture at a rung's size,
 * whole or tiles taken across it), with the rate each took and the SSIM each kept against the sampled
 * pictures. Asked for by core/ladder/per-title.ts (analysisRequest), made by the encoding's content
 * analyzer (ports/content-analyzer.ts), read back by the same file (perTitlePlan) to set each
 * rung's quality and rate cap.
 */
export interface AnalysisView {
  /** The sampled picture is scaled to this size (a rung's)... */
  scaleWidth: number;
  scaleHeight: number;
  /** ...then, when this is smaller, 3 x 3 tiles spread over it are put together to this size (the scaled size: the whole picture). */
  width: number;
  height: number;
}

export interface AnalysisRequest {
  views: AnalysisView[];
  /** CRFs to encode every view at, ascending. */
  crfs: number[];
  /** How many scenes to sample, spread over the duration, and how long each is, seconds. */
  scenes: number;
  sceneSeconds: number;
}

export interface AnalysisPoint {
  crf: number;
  /** Mean video rate of the view's encode at that CRF, kbit/s. */
  kbps: number;
  /** Mean SSIM ("All", 0..1) of that encode against the view's pictures. */
  ssim: number;
}

export interface ContentAnalysis {
  /** Seconds of pictures encoded in each view at each CRF. */
  sampledSec: number;
  /** The views asked for, in order, each with one point per requested CRF, ascending by CRF. */
  views: Array<AnalysisView & { points: AnalysisPoint[] }>;
}
