import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import type { SqsRecord } from '../../src/adapters/job-queue/sqs/deliver-sqs-jobs.ts';

/**
 * An in-process fauxqs (an SQS emulator) on a random port, with a client and helpers
 * that receive messages the way an SQS event source does for a Lambda function.
 * fauxqs 1.9 is the last release that runs on Node 20 (later ones need node:sqlite).
 */
export interface FauxqsHandle {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  client: SQSClient;
  /**
   * Creates a FIFO queue (the name gets ".fifo"); a visibility timeout of 1 s by default, so a
   * message handed back is delivered again a second later. With `deadLetterAfter`, a dead-letter
   * queue `<name>-dlq.fifo` takes messages received that many times.
   */
  createFifoQueue(name: string, options?: { visibilityTimeoutSec?: number; deadLetterAfter?: number }): { queueUrl: string; deadLetterUrl?: string };
  /** Receives up to 10 messages, with their system attributes, as records of an SQS event. */
  receive(queueUrl: string): Promise<Array<SqsRecord & { receiptHandle: string }>>;
  /** Deletes the received records not named in `failures`: what the event source does after a partial batch response. */
  acknowledge(queueUrl: string, records: Array<{ messageId: string; receiptHandle: string }>, failures: Array<{ itemIdentifier: string }>): Promise<void>;
  send(queueUrl: string, body: string, groupId: string, deduplicationId: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startFauxqsServer(): Promise<FauxqsHandle> {
  const server: FauxqsServer = await startFauxqs({ port: 0, logger: false });
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const endpoint = server.address;
  const client = new SQSClient({ region, endpoint, credentials });
  const toRecord = (m: Message): SqsRecord & { receiptHandle: string } => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1', MessageGroupId: m.Attributes?.MessageGroupId },
  });
  return {
    endpoint,
    region,
    credentials,
    client,
    createFifoQueue(name, options = {}) {
      const attributes: Record<string, string> = { FifoQueue: 'true', VisibilityTimeout: String(options.visibilityTimeoutSec ?? 1) };
      let deadLetterUrl: string | undefined;
      if (options.deadLetterAfter !== undefined) {
        const dlq = server.createQueue(`${name}-dlq.fifo`, { attributes: { FifoQueue: 'true' } });
        deadLetterUrl = dlq.queueUrl;
        attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: String(options.deadLetterAfter) });
      }
      return { queueUrl: server.createQueue(`${name}.fifo`, { attributes }).queueUrl, deadLetterUrl };
    },
    async receive(queueUrl) {
      const result = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 0 }),
      );
      return (result.Messages ?? []).map(toRecord);
    },
    async acknowledge(queueUrl, records, failures) {
      const failed = new Set(failures.map((f) => f.itemIdentifier));
      for (const record of records) {
        if (!failed.has(record.messageId)) await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }));
      }
    },
    async send(queueUrl, body, groupId, deduplicationId) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: groupId, MessageDeduplicationId: deduplicationId }));
    },
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}
