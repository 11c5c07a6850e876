import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Receives before a message moves to its dead-letter queue. */
export const MAX_RECEIVE_COUNT = 4;

export interface QueuesProps {
  /** Timeout of the function consuming the queues; visibility is six times it, as AWS advises. */
  readonly consumerTimeout: Duration;
}

/**
 * The deployment's SQS queues, each with its dead-letter queue, all encrypted (SSE-SQS) and
 * refusing plain HTTP:
 * - `uploads` (standard): S3 ObjectCreated events for `sources/`. S3 delivers at least once, and
 *   vodkit's object-created handler is idempotent, so a standard queue fits.
 * - `jobs` (FIFO, no content-based deduplication): vodkit's job queue (`VODKIT_QUEUE_URL=sqs+<url>`);
 *   the SQS job queue adapter sets the group and deduplication ids itself.
 * - `eventsDeadLetter` (standard): state-change events the MediaConvert events function could not
 *   handle after Lambda's retries, or that EventBridge could not deliver to it.
 */
export class Queues extends Construct {
  readonly uploads: sqs.Queue;
  readonly uploadsDeadLetter: sqs.Queue;
  readonly jobs: sqs.Queue;
  readonly jobsDeadLetter: sqs.Queue;
  readonly eventsDeadLetter: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    const common = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    } as const;
    const deadLetterRetention = Duration.days(14);
    const visibilityTimeout = Duration.seconds(props.consumerTimeout.toSeconds() * 6);

    this.uploadsDeadLetter = new sqs.Queue(this, 'UploadsDeadLetter', { ...common, retentionPeriod: deadLetterRetention });
    this.uploads = new sqs.Queue(this, 'Uploads', {
      ...common,
      visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.uploadsDeadLetter, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.jobsDeadLetter = new sqs.Queue(this, 'JobsDeadLetter', { ...common, fifo: true, retentionPeriod: deadLetterRetention });
    this.jobs = new sqs.Queue(this, 'Jobs', {
      ...common,
      fifo: true,
      contentBasedDeduplication: false,
      visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.jobsDeadLetter, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.eventsDeadLetter = new sqs.Queue(this, 'EventsDeadLetter', { ...common, retentionPeriod: deadLetterRetention });
  }

  /** The three dead-letter queues, for alarms. */
  get deadLetterQueues(): sqs.Queue[] {
    return [this.uploadsDeadLetter, this.jobsDeadLetter, this.eventsDeadLetter];
  }
}
