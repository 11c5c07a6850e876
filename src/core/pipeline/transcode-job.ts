import type { JobContext } from '../ports/job-queue.ts';
import { runLadder } from './ladder-stage.ts';
import { runPrepare } from './prepare-stage.ts';
import type { TranscodeJobDeps } from './stage-attempt.ts';

export type { TranscodeJobDeps } from './stage-attempt.ts';

/**
 * The handler of every job type of the pipeline (see enqueue-stage.ts): `prepare` (first playable
 * output, then queues `ladder`), `ladder` (the full ladder, then `ready`). A `transcode` job, the
 * former single stage still found in queues, runs as a `prepare`, so its video gets its ladder too.
 */
export class TranscodeJob {
  constructor(private readonly deps: TranscodeJobDeps) {}

  readonly handle = async (ctx: JobContext): Promise<void> => {
    switch (ctx.payload.type) {
      case 'prepare':
      case 'transcode':
        return runPrepare(this.deps, ctx);
      case 'ladder':
        return runLadder(this.deps, ctx);
    }
  };
}
