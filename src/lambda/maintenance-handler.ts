import type { MaintenanceReport } from '../core/maintenance/maintenance.ts';
import type { EventBridgeEvent } from './aws-events.ts';
import { containerRuntime, type LambdaRuntime } from './lambda-runtime.ts';

/**
 * The maintenance function (an EventBridge schedule): one run of the core's maintenance, what
 * `vodkit serve` runs on a timer. Uploads whose bytes are stored but whose S3 event never came get
 * their `prepare` job; uploads still incomplete after their URL's lifetime and the grace period
 * are removed. Jobs of queued and processing videos are not queued again (SQS keeps them; see
 * recoverPending). Each run is idempotent; an error thrown here makes Lambda try the run again,
 * and the next scheduled run starts afresh anyway.
 */
export function createMaintenanceHandler(runtime: () => Promise<LambdaRuntime>): (event: EventBridgeEvent) => Promise<MaintenanceReport> {
  return async (event) => {
    const { core } = await runtime();
    const report = await core.maintenance.runOnce();
    core.logger.info(
      {
        eventId: event.id,
        recoveredUploads: report.recoveredUploads,
        recoveredJobs: report.recoveredJobs,
        removedUploads: report.videos,
        abortedMultipartUploads: report.multipartUploads,
      },
      'maintenance done',
    );
    return report;
  };
}

/** The function's entry point (bundled by the CDK stack). */
export const handler = createMaintenanceHandler(containerRuntime);
