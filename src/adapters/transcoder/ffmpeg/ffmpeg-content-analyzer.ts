import type { AnalysisRequest, ContentAnalysis } from '../../../core/model/content-analysis.ts';
import type { LadderPlan } from '../../../core/model/ladder-plan.ts';
import type { MediaInfo } from '../../../core/model/media-info.ts';
import type { ContentAnalyzer } from '../../../core/ports/content-analyzer.ts';
import type { ObjectRef } from '../../../core/ports/media-probe.ts';
import type { FfmpegTranscoder } from './ffmpeg-transcoder.ts';
import type { ScratchSpace } from './scratch-space.ts';
import type { SourcePins } from './source-pins.ts';

/**
 * ContentAnalyzer on ffmpeg (content-analysis.ts): the source version pinned as for the probe (and
 * kept for the ladder's encode that follows), its sampled scenes encoded in a scratch folder of
 * their own, removed at the end whatever happens.
 */
export class FfmpegContentAnalyzer implements ContentAnalyzer {
  constructor(private readonly deps: { transcoder: FfmpegTranscoder; pins: SourcePins; scratch: ScratchSpace }) {}

  async analyze(source: ObjectRef, media: MediaInfo, plan: LadderPlan, request: AnalysisRequest, signal?: AbortSignal): Promise<ContentAnalysis> {
    const pinned = await this.deps.pins.acquire(source, signal);
    let dir: string | null = null;
    try {
      dir = await this.deps.scratch.create('analysis');
      return await this.deps.transcoder.analyzeContent({ inputPath: pinned.path, media, plan, request, dir }, signal);
    } finally {
      if (dir) await this.deps.scratch.remove(dir);
      await pinned.release({ keep: true });
    }
  }
}
