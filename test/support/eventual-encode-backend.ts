import { ValidationError } from '../../src/core/errors.ts';
import type { EncodeCompletion } from '../../src/core/pipeline/finish-encode.ts';
import type { EncodeBackend, EncodeBackendCapabilities, EncodeEvents, EncodeRequest, EncodeSubmission } from '../../src/core/ports/encode-backend.ts';

/**
 * An encode backend that completes by event, as a remote one does (MediaConvert): `submit` only
 * accepts the job; the encode (a real one, by the backend it wraps) runs in another task, and its
 * completion is delivered later, at least once: every second job's completion arrives twice, and
 * after each delivery the previous completion of the same video (an earlier job, maybe of an
 * earlier attempt) arrives again, late.
 */
export class EventualEncodeBackend implements EncodeBackend {
  readonly capabilities: EncodeBackendCapabilities = { completion: 'event', streamCopy: false, earlyPlayable: false, chunks: false };
  private readonly running = new Set<Promise<void>>();
  private readonly previous = new Map<string, EncodeCompletion>();
  private jobs = 0;

  constructor(
    private readonly inner: EncodeBackend,
    private readonly deliver: (completion: EncodeCompletion) => Promise<unknown>,
  ) {}

  async submit(request: EncodeRequest, events: EncodeEvents): Promise<EncodeSubmission> {
    if (request.mode === 'copy') throw new Error('this backend does not package by stream copy');
    if (request.mode === 'chunk' || request.mode === 'ladder-rest') throw new ValidationError('this backend encodes a ladder whole');
    const job = ++this.jobs;
    const task = this.run(job, request, events);
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
    return { state: 'submitted', jobRef: `job-${job}` };
  }

  /** Resolves once every submitted job's completions have been delivered. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(job: number, request: EncodeRequest, events: EncodeEvents): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // never in the submitting task
    const { videoId, attemptId, mode } = request;
    let completion: EncodeCompletion;
    try {
      const done = await this.inner.submit({ ...request, earlyMaster: false }, { progress: events.progress, playable: async () => {} });
      if (done.state !== 'completed') throw new Error('the wrapped backend must complete in process');
      completion = { videoId, attemptId, mode, result: done.result };
    } catch (error) {
      completion = { videoId, attemptId, mode, error, final: true };
    }
    const earlier = this.previous.get(videoId);
    this.previous.set(videoId, completion);
    await this.deliver(completion);
    if (job % 2 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.deliver(completion);
    }
    if (earlier) await this.deliver(earlier);
  }
}
