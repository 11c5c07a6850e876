import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { AbortedError, PreconditionFailedError } from '../../src/core/errors.ts';
import { analysisRequest, perTitlePlan } from '../../src/core/ladder/per-title.ts';
import { planLadder } from '../../src/core/ladder/plan-ladder.ts';
import type { LadderPlan } from '../../src/core/model/ladder-plan.ts';
import type { MediaInfo } from '../../src/core/model/media-info.ts';
import { systemClock } from '../../src/core/ports/clock.ts';
import type { ContentAnalyzer } from '../../src/core/ports/content-analyzer.ts';
import type { MediaProbe, ObjectRef } from '../../src/core/ports/media-probe.ts';
import type { ObjectStore } from '../../src/core/ports/object-store.ts';
import { UrlSigner } from '../../src/core/upload/url-signer.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';

export interface AnalyzerSeamUnderTest {
  analyzer: ContentAnalyzer;
  probe: MediaProbe;
  /** Throws when the analyzer left anything of its own behind (scratch folders). */
  idle(): Promise<void>;
}

/**
 * The content analyzer's contract: for one source version and request it measures a rate and an
 * SSIM per requested CRF at the requested size (more bits and no less SSIM at the lower CRF), the
 * same figures every time, from exactly that version; it stops when aborted and leaves nothing behind.
 */
export function contentAnalyzerSuite(name: string, make: (ctx: { sources: ObjectStore; workDir: string }) => Promise<AnalyzerSeamUnderTest>): void {
  describe(`ContentAnalyzer conformance: ${name}`, () => {
    let tmp: { dir: string; cleanup: () => Promise<void> };
    let seam: AnalyzerSeamUnderTest;
    let source: ObjectRef;
    let media: MediaInfo;
    let plan: LadderPlan;

    beforeAll(async () => {
      tmp = await makeTempDir('vodkit-analyzer-');
      const signer = new UrlSigner({ secret: 'content-analyzer-conformance-0123456789', clock: systemClock });
      const sources = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'sources'), bucket: 'sources', signer, clock: systemClock });
      seam = await make({ sources, workDir: join(tmp.dir, 'work') });
      // Longer than the sampled scenes (4 x 2 s), so that they are sampled rather than taken whole.
      const clip = await makeClip(tmp.dir, 'landscape', { seconds: 10 });
      const info = await sources.put('landscape.mp4', await readFile(clip.path), { contentType: 'video/mp4' });
      source = { key: info.key, etag: info.etag };
      media = await seam.probe.probe(source);
      plan = planLadder(media, { segmentSeconds: 2 });
    });
    afterAll(async () => {
      await tmp?.cleanup();
    });

    it('measures every requested CRF in every view, the same every time, and leaves nothing behind', async () => {
      const request = analysisRequest(plan)!;
      expect(request.views.length).toBe(2);
      const first = await seam.analyzer.analyze(source, media, plan, request);
      expect(first.sampledSec).toBeCloseTo(request.scenes * request.sceneSeconds, 0);
      expect(first.views.map(({ scaleWidth, scaleHeight, width, height }) => ({ scaleWidth, scaleHeight, width, height }))).toEqual(request.views);
      for (const view of first.views) {
        expect(view.points.map((p) => p.crf)).toEqual(request.crfs);
        for (const p of view.points) {
          expect(p.kbps).toBeGreaterThan(0);
          expect(p.ssim).toBeGreaterThan(0.5);
          expect(p.ssim).toBeLessThanOrEqual(1);
        }
        for (let i = 1; i < view.points.length; i++) expect(view.points[i - 1].kbps).toBeGreaterThan(view.points[i].kbps);
        expect(view.points[0].ssim).toBeGreaterThanOrEqual(view.points[view.points.length - 1].ssim);
      }
      const again = await seam.analyzer.analyze(source, media, plan, request);
      expect(again).toEqual(first);
      expect(perTitlePlan(plan, again)).toEqual(perTitlePlan(plan, first));
      await seam.idle();
    });

    it('reads exactly the version it is given', async () => {
      const request = analysisRequest(plan)!;
      await expect(seam.analyzer.analyze({ ...source, etag: '"0123456789abcdef0123456789abcdef"' }, media, plan, request)).rejects.toBeInstanceOf(PreconditionFailedError);
    });

    it('stops when aborted, and leaves nothing behind', async () => {
      const request = analysisRequest(plan)!;
      const controller = new AbortController();
      const running = seam.analyzer.analyze(source, media, plan, request, controller.signal);
      setTimeout(() => controller.abort(new AbortedError('stopped')), 50);
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      await seam.idle();
    });
  });
}
