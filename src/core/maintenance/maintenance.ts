import type { Catalog } from '../ports/catalog.ts';
import type { Clock } from '../ports/clock.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { errorMessage } from '../errors.ts';
import type { ObjectCreatedHandler } from '../pipeline/object-created-handler.ts';
import { recoverPending } from '../pipeline/recover-pending.ts';
import { cleanupAbandonedUploads, type AbandonedUploadsReport } from './abandoned-uploads.ts';

export interface MaintenanceDeps {
  catalog: Catalog;
  queue: JobQueue;
  sources: ObjectStore;
  objectCreated: ObjectCreatedHandler;
  clock: Clock;
  logger: Logger;
  uploadUrlTtlSec: number;
  uploadGraceSec: number;
}

export interface MaintenanceReport extends AbandonedUploadsReport {
  /** Stored uploads whose event was lost, now queued. */
  recoveredUploads: number;
  /**
   * Queued or processing videos whose job was missing (e.g. Redis lost its data), queued again;
   * always 0 with a queue whose idempotency lasts a limited time (SQS: see recoverPending).
   */
  recoveredJobs: number;
}

/**
 * Periodic housekeeping, run by `vodkit serve` (and on AWS by the maintenance function, on a
 * schedule: src/lambda/maintenance-handler.ts): queues what was stored but never queued (a lost
 * event, a queue that lost its data), and removes abandoned uploads. Each run is idempotent;
 * runs never overlap.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<MaintenanceReport | null> | null = null;

  constructor(private readonly deps: MaintenanceDeps) {}

  async runOnce(): Promise<MaintenanceReport> {
    const { uploads, jobs } = await recoverPending(this.deps);
    const abandoned = await cleanupAbandonedUploads(this.deps, {
      urlTtlSec: this.deps.uploadUrlTtlSec,
      graceSec: this.deps.uploadGraceSec,
    });
    return { recoveredUploads: uploads, recoveredJobs: jobs, ...abandoned };
  }

  /** Runs every `intervalMs` (first run after one interval); errors are logged, never thrown. */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): Promise<MaintenanceReport | null> {
    this.running ??= this.runOnce()
      .then((report) => {
        if (report.videos.length || report.multipartUploads || report.recoveredUploads || report.recoveredJobs) {
          this.deps.logger.info({ ...report, videos: report.videos.length }, 'maintenance done');
        }
        return report;
      })
      .catch((err: unknown) => {
        this.deps.logger.warn({ err: errorMessage(err) }, 'maintenance failed; it runs again later');
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
