import { errorMessage } from '../core/errors.ts';
import type { LambdaContext, SqsBatchResponse, SqsEvent, SqsRecord } from './aws-events.ts';
import { containerRuntime, type LambdaRuntime } from './lambda-runtime.ts';
import { readS3Message, sourceRecords } from './s3-records.ts';

/**
 * The stage function: one SQS-triggered handler for the two queues that feed it.
 * - "uploads" (standard, S3 ObjectCreated notifications of the sources prefix): each notification
 *   goes to the core's object-created handler, which queues the video's `prepare` (idempotent: a
 *   duplicate notification does nothing). S3's test message is acknowledged.
 * - "jobs" (FIFO, the JobQueue on AWS): the records are vodkit jobs; the queue's batch delivery runs
 *   each through the core's job handler (prepare, ladder, webhook deliveries).
 * Answers with the messages that failed (ReportBatchItemFailures), so only those are delivered again.
 */
export function createStageHandler(runtime: () => Promise<LambdaRuntime>): (event: SqsEvent, context?: LambdaContext) => Promise<SqsBatchResponse> {
  return async (event, context) => {
    const rt = await runtime();
    const { core } = rt;
    const failures: SqsBatchResponse['batchItemFailures'] = [];
    const jobRecords: SqsRecord[] = [];
    for (const record of event.Records ?? []) {
      const message = readS3Message(parseJson(record.body));
      if (message.kind === 'other') {
        jobRecords.push(record);
        continue;
      }
      if (message.kind === 's3-test') continue;
      try {
        await core.objectCreated.handle({ Records: sourceRecords(message.event, core.sources, core.sourceKeyFromBucketKey) });
      } catch (err) {
        core.logger.error({ messageId: record.messageId, err: errorMessage(err) }, 'upload notification not handled; it will be delivered again');
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    if (jobRecords.length > 0) {
      if (!rt.deliverJobBatch) {
        // Not a vodkit job queue this function knows: the messages stay for the dead-letter queue.
        core.logger.error({ count: jobRecords.length }, 'messages that are neither S3 notifications nor jobs of the configured queue');
        failures.push(...jobRecords.map((r) => ({ itemIdentifier: r.messageId })));
      } else {
        // Jobs still running shortly before the function's time is up are stopped and handed back.
        const timeoutMs = context ? context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS : undefined;
        if (timeoutMs !== undefined && timeoutMs <= 0) {
          core.logger.warn({ count: jobRecords.length }, 'no time left to run jobs; handed back');
          failures.push(...jobRecords.map((r) => ({ itemIdentifier: r.messageId })));
        } else {
          const delivered = await rt.deliverJobBatch(jobRecords, await core.jobHandler(), { timeoutMs });
          failures.push(...delivered.batchItemFailures);
        }
      }
    }
    return { batchItemFailures: failures };
  };
}

/** Time kept to answer (and to hand stopped jobs back) before the function's timeout. */
const ANSWER_MARGIN_MS = 10_000;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The function's entry point (bundled by the CDK stack). */
export const handler = createStageHandler(containerRuntime);
