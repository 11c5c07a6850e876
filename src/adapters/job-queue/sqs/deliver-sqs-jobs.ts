import { AbortedError, errorMessage, isPermanent } from '../../../core/errors.ts';
import type { JobHandler } from '../../../core/ports/job-queue.ts';
import type { Logger } from '../../../core/ports/logger.ts';
import { decodeJobMessage, type SqsJobMessage } from './sqs-job-message.ts';

/** The part of an SQS record, as an SQS event source hands it to a Lambda function, that delivery reads. */
export interface SqsRecord {
  messageId: string;
  body: string;
  attributes: {
    /** How many times the message was received, this time included (always set by SQS; read as 1 when absent). */
    ApproximateReceiveCount?: string;
    /** Set on FIFO queues. */
    MessageGroupId?: string;
  };
}

/** A partial batch response: the records SQS must deliver again (the event source reports batch item failures). */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface SqsJobDelivery<R extends SqsRecord> extends SqsBatchResponse {
  /** Records that hold no vodkit job (S3 events on the uploads queue, say), untouched, in their order: the caller's to handle. */
  otherRecords: R[];
}

export interface DeliverSqsJobsOptions {
  logger: Logger;
  /**
   * The handlers' signals fire after this many milliseconds, and jobs not started by then are
   * handed back (a Lambda function: its remaining time minus a margin to answer). Default: never.
   */
  timeoutMs?: number;
}

interface JobRecord {
  messageId: string;
  job: SqsJobMessage;
  attempt: number;
}

/**
 * Runs the vodkit jobs of a batch of SQS records through the job handler and says which records
 * to deliver again. Each job gets a JobContext: its id and payload, attempt = the record's
 * ApproximateReceiveCount, maxAttempts from the message, and a signal that fires at the deadline.
 *
 * - handler returns: the record is done (SQS deletes it).
 * - handler throws a permanent error (isPermanent): done too, not retried; the stage has already
 *   marked the video failed.
 * - handler throws another error: the record is returned in `batchItemFailures`, so SQS delivers
 *   it again after its visibility timeout (attempt + 1) or, past the queue's maxReceiveCount, moves
 *   it to the dead-letter queue.
 * - a record whose body is a vodkit job that does not read (`vodkitJob` present, the rest not) is
 *   logged and dropped: delivering it again cannot help.
 * - records holding no vodkit job come back in `otherRecords`, untouched.
 *
 * Jobs of one message group (one video) run one after the other, in the order of the batch; once
 * one of them is to be delivered again, the later ones are too, without running, so the group's
 * order holds (as SQS FIFO requires of partial batch responses). Groups run side by side.
 */
export async function deliverSqsJobs<R extends SqsRecord>(
  records: readonly R[],
  handler: JobHandler,
  options: DeliverSqsJobsOptions,
): Promise<SqsJobDelivery<R>> {
  const { logger } = options;
  const otherRecords: R[] = [];
  const groups = new Map<string, JobRecord[]>();
  for (const record of records) {
    const decoded = decodeJobMessage(record.body);
    if (decoded.kind === 'other') {
      otherRecords.push(record);
    } else if (decoded.kind === 'malformed') {
      logger.error({ messageId: record.messageId, reason: decoded.reason }, 'dropped an SQS message that is not a valid vodkit job');
    } else {
      const group = record.attributes.MessageGroupId ?? decoded.job.payload.videoId;
      const received = Number(record.attributes.ApproximateReceiveCount);
      const attempt = Number.isInteger(received) && received >= 1 ? received : 1;
      const jobs = groups.get(group) ?? [];
      jobs.push({ messageId: record.messageId, job: decoded.job, attempt });
      groups.set(group, jobs);
    }
  }

  const deadline = new AbortController();
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => deadline.abort(new AbortedError('the function ran out of time; the job will be delivered again')), Math.max(0, options.timeoutMs));
  const failures: string[] = [];
  try {
    await Promise.all(
      [...groups.values()].map(async (group) => {
        let handBack = false;
        for (const { messageId, job, attempt } of group) {
          if (handBack || deadline.signal.aborted) {
            failures.push(messageId);
            continue;
          }
          const log = { messageId, jobId: job.id, type: job.payload.type, videoId: job.payload.videoId, attempt };
          try {
            await handler({ id: job.id, payload: job.payload, attempt, maxAttempts: job.maxAttempts, signal: deadline.signal });
          } catch (err) {
            if (isPermanent(err)) {
              logger.warn({ ...log, err: errorMessage(err) }, 'job failed; not retried');
            } else {
              logger.warn({ ...log, err: errorMessage(err) }, 'job failed; SQS delivers it again');
              failures.push(messageId);
              handBack = true;
            }
          }
        }
      }),
    );
  } finally {
    clearTimeout(timer);
  }
  // In the order of the batch.
  const failed = new Set(failures);
  const batchItemFailures = records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId }));
  return { batchItemFailures, otherRecords };
}
