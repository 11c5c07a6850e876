import type { Node } from 'constructs';

/**
 * The deployment's settings, read from CDK context (`cdk deploy -c name=value` or the `context`
 * of cdk.json):
 * - `sourceRetentionDays` (default 30): days after which an uploaded source file is deleted from
 *   `sources/`. A video's outputs stay; what goes is the original, so after this many days a
 *   failed video can no longer be retried and a ready one can no longer be re-encoded.
 * - `alarmEmail` (optional): an e-mail address subscribed to the alarms' SNS topic. Without it the
 *   alarms exist (visible in the CloudWatch console) and notify nobody.
 * - `signingKeyVersion` (default 1): raising it makes the next deployment generate a new CloudFront
 *   signing key pair (a new public key replaces the old one in the key group; URLs and cookies
 *   signed with the old key stop working at once).
 * - `logRetentionDays` (default 30): how long the functions' and the API's logs are kept; one of
 *   the periods CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...).
 * - `maintenanceMinutes` (default 10): how often the maintenance function runs (queues uploads
 *   whose S3 event was lost, removes abandoned uploads).
 */
export interface DeploymentSettings {
  readonly sourceRetentionDays: number;
  readonly alarmEmail?: string;
  readonly logRetentionDays: number;
  readonly signingKeyVersion: number;
  readonly maintenanceMinutes: number;
}

export const DEFAULT_SOURCE_RETENTION_DAYS = 30;
export const DEFAULT_LOG_RETENTION_DAYS = 30;
export const DEFAULT_MAINTENANCE_MINUTES = 10;

/** The retention periods, in days, that CloudWatch Logs accepts. */
const LOG_RETENTION_PERIODS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The settings from a construct tree's context, with their defaults; refuses malformed values. */
export function readSettings(node: Node): DeploymentSettings {
  const sourceRetentionDays = wholeDays(node.tryGetContext('sourceRetentionDays'), 'sourceRetentionDays', DEFAULT_SOURCE_RETENTION_DAYS);
  const logRetentionDays = wholeDays(node.tryGetContext('logRetentionDays'), 'logRetentionDays', DEFAULT_LOG_RETENTION_DAYS);
  if (!LOG_RETENTION_PERIODS.includes(logRetentionDays)) {
    throw new Error(`Context logRetentionDays must be one of ${LOG_RETENTION_PERIODS.join(', ')}; got ${logRetentionDays}`);
  }
  const email: unknown = node.tryGetContext('alarmEmail');
  if (email !== undefined && (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))) {
    throw new Error(`Context alarmEmail must be an e-mail address, got ${JSON.stringify(email)}`);
  }
  const signingKeyVersion = wholeDays(node.tryGetContext('signingKeyVersion'), 'signingKeyVersion', 1);
  const maintenanceMinutes = wholeDays(node.tryGetContext('maintenanceMinutes'), 'maintenanceMinutes', DEFAULT_MAINTENANCE_MINUTES);
  return {
    sourceRetentionDays,
    logRetentionDays,
    signingKeyVersion,
    maintenanceMinutes,
    alarmEmail: email === '' ? undefined : (email as string | undefined),
  };
}

/** A whole number, at least 1 (days, minutes, or a version). */
function wholeDays(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const days = typeof value === 'string' ? Number(value) : value;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1) {
    throw new Error(`Context ${name} must be a whole number, at least 1; got ${JSON.stringify(value)}`);
  }
  return days;
}
