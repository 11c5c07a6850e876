import { ValidationError } from '../errors.ts';
import type { EncodeJobPayload, JobContext, LadderPartJobPayload } from '../ports/job-queue.ts';
import { runLadderPart } from './ladder-part-stage.ts';
import { runLadder } from './ladder-stage.ts';
import { runPrepare } from './prepare-stage.ts';
import type { TranscodeJobDeps } from './stage-attempt.ts';

export type { TranscodeJobDeps } from './stage-attempt.ts';

/**
 * The handler of every job type of the pipeline (see enqueue-stage.ts): `prepare` (first playable
 * output, then queues `ladder`), `ladder` (the full ladder, then `ready`; a long one split into
 * `ladder-part` jobs, the last of which stitches them). A `transcode` job, the
 * former single stage still found in queues, runs as a `prepare`, so its video gets its ladder too.
 */
export class TranscodeJob {
  constructor(private readonly deps: TranscodeJobDeps) {}

  readonly handle = async (ctx: JobContext): Promise<void> => {
    const { type } = ctx.payload;
    if (type === 'webhook') throw new ValidationError('a webhook delivery is not a job of the encoding pipeline');
    const job = ctx as JobContext<EncodeJobPayload>;
    if (type === 'ladder-part') return runLadderPart(this.deps, job as JobContext<LadderPartJobPayload>);
    return type === 'ladder' ? runLadder(this.deps, job) : runPrepare(this.deps, job);
  };
}
