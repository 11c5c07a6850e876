/**
 * When a failed delivery is tried again: after each delay of `delaysMs` in turn (the last one
 * repeating), as long as the attempt falls within `giveUpAfterMs` of the event; then the delivery
 * is given up.
 */
export interface WebhookRetrySchedule {
  delaysMs: number[];
  giveUpAfterMs: number;
}

/** 10 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, then every 12 h, for a day. */
export const defaultWebhookRetrySchedule: WebhookRetrySchedule = {
  delaysMs: [10_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000],
  giveUpAfterMs: 86_400_000,
};

/**
 * The delay before the attempt after `attemptsMade` failed ones, or null when that attempt
 * would come later than `giveUpAfterMs` after the event was created (then the delivery is given up).
 */
export function nextAttemptDelayMs(schedule: WebhookRetrySchedule, attemptsMade: number, createdAtMs: number, nowMs: number): number | null {
  const { delaysMs } = schedule;
  if (delaysMs.length === 0) return null;
  const delay = delaysMs[Math.min(Math.max(attemptsMade, 1), delaysMs.length) - 1];
  return nowMs + delay <= createdAtMs + schedule.giveUpAfterMs ? delay : null;
}

/** Checks a schedule read from configuration: positive delays, a positive time to give up. */
export function checkRetrySchedule(schedule: WebhookRetrySchedule): WebhookRetrySchedule {
  if (schedule.delaysMs.length === 0 || schedule.delaysMs.some((d) => !(d > 0)) || !(schedule.giveUpAfterMs > 0)) {
    throw new RangeError('a webhook retry schedule needs at least one positive delay and a positive time to give up');
  }
  return { delaysMs: schedule.delaysMs.map((d) => Math.round(d)), giveUpAfterMs: Math.round(schedule.giveUpAfterMs) };
}
