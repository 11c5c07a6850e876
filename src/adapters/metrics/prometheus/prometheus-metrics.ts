import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Catalog } from '../../../core/ports/catalog.ts';
import type { JobQueue, JobState } from '../../../core/ports/job-queue.ts';
import type { JobOutcome, Metrics } from '../../../core/ports/metrics.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';

export interface MetricsDeps {
  queue: JobQueue;
  catalog: Catalog;
  media: ObjectStore;
  /** Node.js process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
}

const JOB_STATES: JobState[] = ['waiting', 'active', 'completed', 'failed', 'cancelled'];
/** A dependency that does not answer within this long counts as down for the scrape. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * Prometheus metrics of one vodkit process, in its own registry (no global state):
 *
 * - vodkit_http_requests_total{method,route,status}, vodkit_http_request_duration_seconds{method,route,status}
 * - vodkit_upload_bytes_total: bytes received through signed upload URLs (the embedded store)
 * - vodkit_media_bytes_sent_total{kind}: bytes of playlists, segments and images sent to viewers
 * - vodkit_jobs_total{type,outcome}, vodkit_job_duration_seconds{type,outcome}, vodkit_jobs_running{type}
 *   (outcome: succeeded, failed, retrying, interrupted; attempts run by this process)
 * - vodkit_queue_jobs{state}: jobs in the shared queue by state, read at scrape time
 * - vodkit_dependency_up{dependency}: 1 when the catalog, queue or media store answered the scrape's probe
 * - the default Node.js process metrics (process_*, nodejs_*)
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly uploadBytes: Counter;
  private readonly mediaBytes: Counter<'kind'>;
  private readonly jobs: Counter<'type' | 'outcome'>;
  private readonly jobDuration: Histogram<'type' | 'outcome'>;
  private readonly jobsRunning: Gauge<'type'>;

  constructor(deps: MetricsDeps) {
    const registers = [this.registry];
    if (deps.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'vodkit_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'vodkit_http_request_duration_seconds',
      help: 'Time to answer HTTP requests (until the response is sent), by route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.uploadBytes = new Counter({
      name: 'vodkit_upload_bytes_total',
      help: 'Bytes of uploads received through signed upload URLs and stored',
      registers,
    });
    this.mediaBytes = new Counter({
      name: 'vodkit_media_bytes_sent_total',
      help: 'Bytes of media sent to viewers (kind: playlist, segment, image)',
      labelNames: ['kind'],
      registers,
    });
    this.jobs = new Counter({
      name: 'vodkit_jobs_total',
      help: 'Job attempts run by this process, by outcome (succeeded, failed, retrying, interrupted)',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'vodkit_job_duration_seconds',
      help: 'Duration of job attempts run by this process, by outcome',
      labelNames: ['type', 'outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200],
      registers,
    });
    this.jobsRunning = new Gauge({
      name: 'vodkit_jobs_running',
      help: 'Jobs running in this process now',
      labelNames: ['type'],
      registers,
    });
    new Gauge({
      name: 'vodkit_queue_jobs',
      help: 'Jobs in the shared queue by state (read from the queue at scrape time)',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const counts = await withTimeout(deps.queue.counts(), PROBE_TIMEOUT_MS).catch(() => null);
        if (counts) for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'vodkit_dependency_up',
      help: '1 when the dependency answered a probe during this scrape, else 0',
      labelNames: ['dependency'],
      registers,
      async collect() {
        const probes: Record<string, () => Promise<unknown>> = {
          catalog: () => deps.catalog.ping(),
          queue: () => deps.queue.ping(),
          storage: () => deps.media.head('readyz-probe'),
        };
        await Promise.all(
          Object.entries(probes).map(async ([dependency, probe]) => {
            const up = await withTimeout(probe(), PROBE_TIMEOUT_MS).then(() => 1, () => 0);
            this.set({ dependency }, up);
          }),
        );
      },
    });
  }

  jobStarted(type: string): void {
    this.jobsRunning.inc({ type });
  }

  jobFinished(type: string, outcome: JobOutcome, seconds: number): void {
    this.jobsRunning.dec({ type });
    this.jobs.inc({ type, outcome });
    this.jobDuration.observe({ type, outcome }, seconds);
  }

  /** Records one answered request (called from the onResponse hook). */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  uploadReceived(bytes: number): void {
    if (bytes > 0) this.uploadBytes.inc(bytes);
  }

  mediaSent(path: string, bytes: number): void {
    if (bytes > 0) this.mediaBytes.inc({ kind: mediaKind(path) }, bytes);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function mediaKind(path: string): 'playlist' | 'segment' | 'image' {
  if (path.endsWith('.m3u8')) return 'playlist';
  if (/\.(jpe?g|png|webp)$/i.test(path)) return 'image';
  return 'segment';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err) => (clearTimeout(timer), reject(err)),
    );
  });
}
