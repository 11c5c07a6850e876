import { checkRetrySchedule } from '../core/webhooks/retry-schedule.ts';
import type { CoreSettings } from './build-core.ts';
import type { Config } from './config.ts';

/** The core's settings from the configuration. */
export function coreSettings(config: Config, secret: string): CoreSettings {
  return {
    secret,
    playbackKeys: config.playbackKeys,
    playbackTokenTtlSec: config.playbackTokenTtlSec,
    maxUploadBytes: config.maxUploadBytes,
    uploadUrlTtlSec: config.uploadUrlTtlSec,
    partSizeBytes: config.partSizeBytes,
    uploadGraceSec: config.uploadGraceSec,
    segmentSeconds: config.segmentSeconds,
    chunkSeconds: config.chunkSeconds,
    jobTimeoutMinSec: config.jobTimeoutMinSec,
    jobTimeoutFactor: config.jobTimeoutFactor,
    workerConcurrency: config.workerConcurrency,
    downloads: config.downloads,
    perTitle: config.perTitle,
    webhookRetrySchedule: checkRetrySchedule({ delaysMs: config.webhookRetrySec.map((s) => s * 1000), giveUpAfterMs: config.webhookGiveUpSec * 1000 }),
  };
}
