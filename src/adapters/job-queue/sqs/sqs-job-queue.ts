import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TransientError, ValidationError, errorMessage } from '../../../core/errors.ts';
import type { EnqueueOptions, JobPayload, JobQueue, JobQueueCapabilities, JobState } from '../../../core/ports/job-queue.ts';
import { checkEnqueueInput, emptyCounts } from '../enqueue-input.ts';
import { decodeJobMessage, encodeJobMessage } from './sqs-job-message.ts';

export interface SqsJobQueueOptions {
  /** URL of an SQS FIFO queue (its name ends with .fifo), e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/vodkit-jobs.fifo. */
  queueUrl: string;
  /** Default: the SDK's (AWS_REGION). */
  region?: string;
  /** Where requests go instead of AWS (a local emulator). */
  endpoint?: string;
  /** Default: the SDK's chain (environment, the Lambda function's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** An existing client (then region, endpoint and credentials are ignored; close() leaves it open). */
  client?: SQSClient;
  defaultMaxAttempts?: number;
}

/** How long SQS drops a message whose deduplication id it has seen (fixed by SQS). */
export const sqsDeduplicationWindowMs = 5 * 60_000;

/** Message group ids SQS accepts: 1 to 128 printable ASCII characters. */
const groupIdPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * Job queue on an SQS FIFO queue whose jobs the platform delivers to a function (an SQS event
 * source of a Lambda function), which runs them with `deliverSqsJobs`. Enqueue sends one message
 * per job: message group = the job's video (a video's jobs are delivered one at a time, in order;
 * a webhook delivery's group is its endpoint and video),
 * deduplication id = a hash of the idempotency key. Retries are SQS redeliveries after the
 * visibility timeout; after the queue's maxReceiveCount the message goes to its dead-letter queue.
 *
 * Declared capabilities: no workers in this process and no job lookup (SQS keeps no job by id);
 * idempotency within SQS's deduplication window of 5 minutes: a second enqueue with the same key
 * in that time is accepted and dropped by SQS, and returns the same id with `created: true` (SQS
 * does not say it was a duplicate); later, the key makes a new job. Priorities travel with the job
 * but do not order delivery. No delays: a FIFO queue cannot delay one message.
 */
export class SqsJobQueue implements JobQueue {
  readonly capabilities: JobQueueCapabilities = { workers: null, lookup: null, idempotency: { windowMs: sqsDeduplicationWindowMs }, delays: false };
  readonly queueUrl: string;
  private readonly client: SQSClient;
  private readonly ownsClient: boolean;
  private readonly defaultMaxAttempts: number;

  constructor(options: SqsJobQueueOptions) {
    let name: string;
    try {
      name = new URL(options.queueUrl).pathname.split('/').pop() ?? '';
    } catch {
      throw new ValidationError('the SQS queue URL is not a URL');
    }
    if (!name.endsWith('.fifo')) throw new ValidationError('the SQS job queue must be a FIFO queue (its name ends with .fifo)');
    this.defaultMaxAttempts = options.defaultMaxAttempts ?? 3;
    if (!Number.isInteger(this.defaultMaxAttempts) || this.defaultMaxAttempts < 1) {
      throw new RangeError(`defaultMaxAttempts must be a whole number of at least 1 (got ${this.defaultMaxAttempts})`);
    }
    this.queueUrl = options.queueUrl;
    this.ownsClient = !options.client;
    this.client = options.client ?? new SQSClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials });
  }

  async enqueue(payload: JobPayload, options: EnqueueOptions): Promise<{ id: string; created: boolean }> {
    const { maxAttempts, priority } = checkEnqueueInput(payload, options, this.defaultMaxAttempts, false);
    if (typeof payload.videoId !== 'string' || !groupIdPattern.test(payload.videoId)) {
      throw new ValidationError('a job\'s videoId must be 1 to 128 printable characters without spaces');
    }
    // A webhook delivery waiting for its endpoint must hold up neither the video's encode jobs nor
    // other endpoints: its group is the (endpoint, video) pair.
    const group = payload.type === 'webhook' ? `webhook.${createHash('sha256').update(`${payload.endpointId}\n${payload.videoId}`).digest('hex').slice(0, 40)}` : payload.videoId;
    const id = createHash('sha256').update(options.idempotencyKey).digest('hex');
    const body = encodeJobMessage({ vodkitJob: 1, id, payload, priority, maxAttempts });
    const checked = decodeJobMessage(body);
    if (checked.kind !== 'job') throw new ValidationError(`the job cannot be sent: ${checked.kind === 'malformed' ? checked.reason : 'not a job'}`);
    try {
      await this.client.send(
        new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: id }),
      );
    } catch (err) {
      throw new TransientError('the job queue (SQS) did not take the job; try again later', { cause: err });
    }
    return { id, created: true };
  }

  /**
   * From SQS's approximate numbers: `waiting` = messages ready or delayed, `active` = messages
   * received and not yet deleted (running, or waiting out a retry's visibility timeout). SQS keeps
   * no finished message, so completed, failed and cancelled are 0 (failed jobs are in the
   * dead-letter queue).
   */
  async counts(): Promise<Record<JobState, number>> {
    const attributes = await this.attributes(['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessagesNotVisible']);
    const count = (name: string) => Number(attributes[name] ?? 0) || 0;
    return {
      ...emptyCounts(),
      waiting: count('ApproximateNumberOfMessages') + count('ApproximateNumberOfMessagesDelayed'),
      active: count('ApproximateNumberOfMessagesNotVisible'),
    };
  }

  async ping(): Promise<void> {
    await this.attributes(['QueueArn']);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async attributes(names: Array<'QueueArn' | 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesDelayed' | 'ApproximateNumberOfMessagesNotVisible'>): Promise<Record<string, string>> {
    try {
      const result = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: names }));
      return result.Attributes ?? {};
    } catch (err) {
      throw new TransientError(`the job queue (SQS) did not answer: ${errorMessage(err)}`, { cause: err });
    }
  }
}
