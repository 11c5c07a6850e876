import type { AnalysisRequest, ContentAnalysis } from '../model/content-analysis.ts';
import type { LadderPlan } from '../model/ladder-plan.ts';
import type { MediaInfo } from '../model/media-info.ts';
import type { ObjectRef } from './media-probe.ts';

/**
 * ContentAnalyzer: encodes a few sampled scenes of one source version at a small size and the CRFs
 * asked for, and measures the rate and SSIM of each (model/content-analysis.ts), so that the ladder
 * can be fitted to the content (core/ladder/per-title.ts). An encoding that has none declares
 * `analyzer: null` (ports/encode-backend.ts `Encoding`) and keeps the fixed ladder.
 * Adapter: ffmpeg (src/adapters/transcoder/ffmpeg/ffmpeg-content-analyzer.ts). Conformance:
 * test/conformance/encode-backend-suite.ts (encodings that declare one).
 */
export interface ContentAnalyzer {
  /**
   * Reads exactly the bytes of `source` (probed as `media`; `plan` says how its picture is turned
   * upright, made constant-rate and SDR). Same source and request: the same sampled pictures.
   * Rejects with AbortedError when `signal` aborts (the encodes are stopped).
   */
  analyze(source: ObjectRef, media: MediaInfo, plan: LadderPlan, request: AnalysisRequest, signal?: AbortSignal): Promise<ContentAnalysis>;
}
