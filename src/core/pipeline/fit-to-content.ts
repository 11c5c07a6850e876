import { analysisRequest, perTitlePlan } from '../ladder/per-title.ts';
import type { StageAttempt, StageSource, TranscodeJobDeps } from './stage-attempt.ts';

/** How long the analysis may take before the ladder goes ahead with the fixed plan. */
export const ANALYSIS_LIMIT_MS = 60_000;

/**
 * The ladder stage's plan fitted to the source's content (core/ladder/per-title.ts) when the
 * installation asks for it (`perTitle`) and the encoding has a content analyzer; else, or when the
 * analysis fails or takes longer than `limitMs` (ANALYSIS_LIMIT_MS), the fixed plan. Only the ladder asks: the
 * first playable output never waits for an analysis. Stopping the stage stops the analysis.
 */
export async function fitToContent(deps: TranscodeJobDeps, run: StageAttempt, source: StageSource, limitMs = ANALYSIS_LIMIT_MS): Promise<StageSource> {
  const analyzer = deps.encoding.analyzer;
  const request = analysisRequest(source.plan);
  if (!deps.perTitle || !analyzer || !request) return source;
  const started = Date.now();
  try {
    const signal = AbortSignal.any([run.signal, AbortSignal.timeout(limitMs)]);
    const analysis = await analyzer.analyze(source.ref, source.media, source.plan, request, signal);
    const plan = perTitlePlan(source.plan, analysis);
    run.log.info(
      { ms: Date.now() - started, crfs: plan.video?.rungs.map((r) => r.crf) ?? [], caps: plan.video?.rungs.map((r) => r.maxrateKbps) ?? [] },
      'ladder fitted to the content',
    );
    return { ...source, plan };
  } catch (err) {
    run.signal.throwIfAborted();
    run.log.warn({ ms: Date.now() - started, err: (err as Error).message }, 'content analysis failed; the fixed ladder is used');
    return source;
  }
}
