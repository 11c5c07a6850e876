import { describe, expect, it } from 'vitest';
import { AbortedError } from '../../../src/core/errors.ts';
import { analysisRequest, perTitlePlan } from '../../../src/core/ladder/per-title.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { AnalysisRequest, ContentAnalysis } from '../../../src/core/model/content-analysis.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { fitToContent } from '../../../src/core/pipeline/fit-to-content.ts';
import { StageAttempt, type StageSource, type TranscodeJobDeps } from '../../../src/core/pipeline/stage-attempt.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import type { ContentAnalyzer } from '../../../src/core/ports/content-analyzer.ts';
import type { Encoding } from '../../../src/core/ports/encode-backend.ts';
import type { EncodeJobPayload, JobContext } from '../../../src/core/ports/job-queue.ts';
import type { Logger } from '../../../src/core/ports/logger.ts';

const media: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationSec: 60, sizeBytes: 1, bitrate: null, audio: null,
  held: { videoFrames: 1800, videoSpanSec: 60, audioSec: 0, audioSpanSec: 0 },
  video: { index: 0, codec: 'h264', profile: 'High', width: 1920, height: 1080, displayWidth: 1920, displayHeight: 1080, rotation: 0, fps: 30, variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: null, colorPrimaries: null, bitrate: null },
};
const plan = planLadder(media, { segmentSeconds: 4 });
const source: StageSource = { ref: { key: 'v.mp4', etag: 'e1' }, media, plan };

/** What an easy picture gives: little rate at every CRF, SSIM high. */
function easyAnalysis(request: AnalysisRequest): ContentAnalysis {
  return {
    sampledSec: 8,
    views: request.views.map((v) => ({ ...v, points: request.crfs.map((crf, i) => ({ crf, kbps: 300 * 0.7 ** i, ssim: 0.995 })) })),
  };
}

function setUp(analyzer: ContentAnalyzer, perTitle = true) {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => {}, info: () => {}, error: () => {},
    warn: (_fields, message) => void warnings.push(String(message)),
    child: () => logger,
  };
  const encoding = { analyzer } as unknown as Encoding;
  const deps = { encoding, perTitle, logger, clock: systemClock, segmentSeconds: 4 } as unknown as TranscodeJobDeps;
  const stop = new AbortController();
  const ctx = { id: 'job', payload: { type: 'ladder', videoId: 'v' } as EncodeJobPayload, attempt: 1, maxAttempts: 3, signal: stop.signal } as JobContext<EncodeJobPayload>;
  return { deps, run: new StageAttempt(deps, ctx), stop, warnings };
}

/**
 * The ladder stage's per-title step (core/pipeline/fit-to-content.ts): the analysis is a refinement
 * that must never cost the video its ladder. A failed, slow or missing analysis leaves the fixed
 * plan; only stopping the stage itself stops the stage.
 */
describe('fitting the ladder to the content', () => {
  it('uses the plan the analysis gives', async () => {
    const analyzer: ContentAnalyzer = { analyze: async (_ref, _media, _plan, request) => easyAnalysis(request) };
    const { deps, run } = setUp(analyzer);
    const fitted = await fitToContent(deps, run, source);
    expect(fitted.plan).toEqual(perTitlePlan(plan, easyAnalysis(analysisRequest(plan)!)));
    expect(fitted.plan).not.toEqual(plan);
  });

  it('keeps the fixed plan, with a warning, when the analysis fails', async () => {
    const analyzer: ContentAnalyzer = {
      analyze: async () => {
        throw new Error('ffmpeg exited with code 1');
      },
    };
    const { deps, run, warnings } = setUp(analyzer);
    expect(await fitToContent(deps, run, source)).toBe(source);
    expect(warnings).toEqual(['content analysis failed; the fixed ladder is used']);
  });

  it('stops an analysis that takes longer than the limit and keeps the fixed plan', async () => {
    let stopped = false;
    const analyzer: ContentAnalyzer = {
      analyze: (_ref, _media, _plan, _request, signal) =>
        new Promise((_resolve, reject) => {
          signal!.addEventListener('abort', () => {
            stopped = true;
            reject(new AbortedError('analysis stopped'));
          });
        }),
    };
    const { deps, run, warnings } = setUp(analyzer);
    expect(await fitToContent(deps, run, source, 50)).toBe(source);
    expect(stopped).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('stops with the stage: a cancelled ladder does not go on with the fixed plan', async () => {
    const analyzer: ContentAnalyzer = {
      analyze: (_ref, _media, _plan, _request, signal) =>
        new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(new AbortedError('analysis stopped')))),
    };
    const { deps, run, stop } = setUp(analyzer);
    const fitting = fitToContent(deps, run, source, 60_000);
    stop.abort();
    await expect(fitting).rejects.toBeDefined();
  });

  it('does not analyse when per-title is off or the encoding has no analyzer', async () => {
    let calls = 0;
    const analyzer: ContentAnalyzer = {
      analyze: async (_ref, _media, _plan, request) => {
        calls++;
        return easyAnalysis(request);
      },
    };
    const off = setUp(analyzer, false);
    expect(await fitToContent(off.deps, off.run, source)).toBe(source);
    const none = setUp(null as unknown as ContentAnalyzer);
    expect(await fitToContent(none.deps, none.run, source)).toBe(source);
    expect(calls).toBe(0);
  });
});
