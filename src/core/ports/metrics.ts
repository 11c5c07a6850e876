/**
 * Metrics: what one vodkit process counts (requests, uploads, media sent, job attempts) and how the
 * counts are read (a text exposition such as Prometheus's, served on /metrics).
 * Adapter: Prometheus (src/adapters/metrics/prometheus).
 */
export type JobOutcome = 'succeeded' | 'failed' | 'retrying' | 'interrupted';

/** Told about every job attempt a worker runs. */
export interface JobObserver {
  jobStarted(type: string): void;
  jobFinished(type: string, outcome: JobOutcome, seconds: number): void;
}

export interface Metrics extends JobObserver {
  /** One answered request; `route` is the route pattern (e.g. /media/:id/*), never the raw URL. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  /** Bytes of an upload received through a signed upload URL and stored. */
  uploadReceived(bytes: number): void;
  /** Bytes of media sent to a viewer; `path` tells the kind (playlist, segment, image). */
  mediaSent(path: string, bytes: number): void;
  /** Every metric now, in the adapter's text format. */
  render(): Promise<{ contentType: string; body: string }>;
}
