import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverSqsJobs, type SqsRecord } from '../../../src/adapters/job-queue/sqs/deliver-sqs-jobs.ts';
import { SqsJobQueue } from '../../../src/adapters/job-queue/sqs/sqs-job-queue.ts';
import { jobWorkers, type JobWorkerDeps } from '../../../src/config/job-workers.ts';
import { parseQueueUrl } from '../../../src/config/storage-url.ts';
import { AbortedError, ConfigurationError, TransientError, UnsupportedMediaError, ValidationError } from '../../../src/core/errors.ts';
import type { EncodeJobPayload, JobContext, JobPayload } from '../../../src/core/ports/job-queue.ts';
import { silentLogger, type Logger } from '../../../src/core/ports/logger.ts';
import { jobQueueConformance } from '../../conformance/job-queue-suite.ts';
import { startFauxqsServer, type FauxqsHandle } from '../../support/fauxqs.ts';

let fauxqs: FauxqsHandle;
let queues = 0;

beforeAll(async () => {
  fauxqs = await startFauxqsServer();
});
afterAll(async () => {
  await fauxqs?.stop();
});

function openQueue(queueUrl: string): SqsJobQueue {
  return new SqsJobQueue({ queueUrl, region: fauxqs.region, endpoint: fauxqs.endpoint, credentials: fauxqs.credentials });
}

jobQueueConformance('sqs (fauxqs)', async () => {
  const { queueUrl } = fauxqs.createFifoQueue(`conformance-${++queues}`);
  return {
    open: async () => openQueue(queueUrl),
    // What the SQS event source does for a function: receive a batch, run it, delete what did not fail.
    deliver: async (_queue, handler) => {
      const records = await fauxqs.receive(queueUrl);
      if (records.length === 0) return;
      const { batchItemFailures } = await deliverSqsJobs(records, handler, { logger: silentLogger });
      await fauxqs.acknowledge(queueUrl, records, batchItemFailures);
    },
    cleanup: async () => undefined,
  };
});

const prepare = (videoId: string, sourceKey = `uploads/${videoId}/source.mp4`): JobPayload => ({ type: 'prepare', videoId, sourceKey });

/** A logger that keeps what it is given. */
function recordingLogger(): Logger & { entries: Array<{ level: string; obj: object; msg?: string }> } {
  const entries: Array<{ level: string; obj: object; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj, msg });
  const logger = { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

describe('SqsJobQueue', () => {
  it('sends a job as one FIFO message: group = the video, deduplication id = the job id, JSON body', async () => {
    const { queueUrl } = fauxqs.createFifoQueue(`send-${++queues}`);
    const queue = openQueue(queueUrl);
    const payload: JobPayload = { type: 'ladder', videoId: 'v1', sourceKey: 'uploads/v1/source.mov', attemptId: 'a1', sourceEtag: '"e1"' };
    const { id, created } = await queue.enqueue(payload, { idempotencyKey: 'ladder:v1:a1', maxAttempts: 4, priority: 'low' });
    expect(created).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const received = await fauxqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    expect(received.Messages).toHaveLength(1);
    const [message] = received.Messages!;
    expect(JSON.parse(message.Body!)).toEqual({ vodkitJob: 1, id, payload, priority: 'low', maxAttempts: 4 });
    expect(message.Attributes).toMatchObject({ MessageGroupId: 'v1', MessageDeduplicationId: id, ApproximateReceiveCount: '1' });
    await queue.close();
  });

  it('a duplicate idempotency key within the deduplication window makes one message', async () => {
    const { queueUrl } = fauxqs.createFifoQueue(`dedup-${++queues}`);
    const queue = openQueue(queueUrl);
    const first = await queue.enqueue(prepare('v2'), { idempotencyKey: 'prepare:v2' });
    const again = await queue.enqueue(prepare('v2', 'uploads/v2/other.mp4'), { idempotencyKey: 'prepare:v2' });
    const other = await queue.enqueue(prepare('v2'), { idempotencyKey: 'prepare:v2:retry-1' });
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    expect(queue.capabilities.idempotency.windowMs).toBe(5 * 60_000);
    const bodies: unknown[] = [];
    for (let records = await fauxqs.receive(queueUrl); records.length > 0; records = await fauxqs.receive(queueUrl)) {
      bodies.push(...records.map((r) => JSON.parse(r.body).payload));
      await fauxqs.acknowledge(queueUrl, records, []);
    }
    expect(bodies).toEqual([prepare('v2'), prepare('v2')]);
    await queue.close();
  });

  it('counts waiting and received messages from the queue attributes; declares no workers and no lookup', async () => {
    const { queueUrl } = fauxqs.createFifoQueue(`counts-${++queues}`);
    const queue = openQueue(queueUrl);
    expect(queue.capabilities).toMatchObject({ workers: null, lookup: null });
    await queue.enqueue(prepare('c1'), { idempotencyKey: 'c1' });
    await queue.enqueue(prepare('c2'), { idempotencyKey: 'c2' });
    await queue.enqueue(prepare('c3'), { idempotencyKey: 'c3' });
    expect(await queue.counts()).toEqual({ waiting: 3, active: 0, completed: 0, failed: 0, cancelled: 0 });
    const [received] = await fauxqs.receive(queueUrl);
    expect(received).toBeDefined();
    const counts = await queue.counts();
    expect(counts.waiting + counts.active).toBe(3);
    expect(counts.active).toBeGreaterThanOrEqual(1);
    await queue.close();
  });

  it('refuses a queue that is not FIFO and a video id SQS cannot group by; a missing queue is a TransientError', async () => {
    expect(() => openQueue(`${fauxqs.endpoint}/000000000000/standard`)).toThrow(ValidationError);
    const missing = openQueue(`${fauxqs.endpoint}/000000000000/missing.fifo`);
    await expect(missing.ping()).rejects.toBeInstanceOf(TransientError);
    await expect(missing.enqueue(prepare('m'), { idempotencyKey: 'm' })).rejects.toBeInstanceOf(TransientError);
    // A video id that cannot be a message group is refused before anything is sent.
    await expect(missing.enqueue(prepare('with space'), { idempotencyKey: 'm' })).rejects.toBeInstanceOf(ValidationError);
    await missing.close();
  });

  it('starting a worker on it is a ConfigurationError: its jobs go to the stage function', async () => {
    const { queueUrl } = fauxqs.createFifoQueue(`no-workers-${++queues}`);
    const queue = openQueue(queueUrl);
    let encodingBuilt = false;
    // Only the queue matters: the declaration is read before anything else is built.
    const deps = { queue, logger: silentLogger, encoding: async () => void (encodingBuilt = true) } as unknown as JobWorkerDeps;
    const workers = jobWorkers(deps, { segmentSeconds: 4, jobTimeoutMinSec: 60, jobTimeoutFactor: 4, workerConcurrency: 1 });
    const started = workers.startWorker();
    await expect(started).rejects.toBeInstanceOf(ConfigurationError);
    await expect(started).rejects.toThrow(/run that function instead of a worker/);
    expect(encodingBuilt).toBe(false);
    await queue.close();
  });

  it('is reached through VODKIT_QUEUE_URL: sqs+http://<queue URL the emulator issued>?endpoint=<emulator>', async () => {
    const { queueUrl } = fauxqs.createFifoQueue(`by-url-${++queues}`);
    const issued = new URL(queueUrl);
    const target = parseQueueUrl(`sqs+${issued.origin}${issued.pathname}?region=${fauxqs.region}&endpoint=${fauxqs.endpoint}`);
    expect(target).toEqual({ kind: 'sqs', queueUrl, region: fauxqs.region, endpoint: fauxqs.endpoint });
    if (target.kind !== 'sqs') return;
    const queue = new SqsJobQueue({ ...target, credentials: fauxqs.credentials });
    await queue.ping();
    await queue.enqueue(prepare('u1'), { idempotencyKey: 'u1' });
    expect((await queue.counts()).waiting).toBe(1);
    await queue.close();
  });
});

describe('deliverSqsJobs', () => {
  /** A FIFO queue with a 1 s visibility timeout, a queue object on it, and ways to receive its messages. */
  function setup(name: string, options?: { deadLetterAfter?: number }) {
    const { queueUrl, deadLetterUrl } = fauxqs.createFifoQueue(`${name}-${++queues}`, options);
    const queue = openQueue(queueUrl);
    /** One receive that holds `count` messages (of as many message groups: fauxqs hands out one message per group at a time). */
    const receive = async (count: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const records = await fauxqs.receive(queueUrl);
        if (records.length >= count) return records;
        // Too few yet: make them visible again and receive the whole batch later.
        for (const r of records) await fauxqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: r.receiptHandle, VisibilityTimeout: 0 }));
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} messages`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    /**
     * `count` received records, one receive after another, each deleted once received. SQS hands
     * a function several messages of one group in one batch; fauxqs never does, so a batch like
     * that is put together from records it handed out in turn.
     */
    const collect = async (count: number) => {
      const records: Array<SqsRecord & { receiptHandle: string }> = [];
      const deadline = Date.now() + 20_000;
      while (records.length < count) {
        const received = await fauxqs.receive(queueUrl);
        await fauxqs.acknowledge(queueUrl, received, []);
        records.push(...received);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} messages`);
      }
      return records;
    };
    return { queueUrl, deadLetterUrl, queue, receive, collect };
  }

  it('runs each job with its context; success and permanent errors are done, transient ones handed back', async () => {
    const { queueUrl, queue, receive } = setup('outcomes');
    const ok = await queue.enqueue(prepare('ok'), { idempotencyKey: 'ok', maxAttempts: 4 });
    const flaky = await queue.enqueue(prepare('flaky'), { idempotencyKey: 'flaky' });
    const bad = await queue.enqueue(prepare('bad'), { idempotencyKey: 'bad' });
    const records = await receive(3);
    const byJob = new Map(records.map((r) => [JSON.parse(r.body).id as string, r.messageId]));
    const seen: JobContext[] = [];
    const logger = recordingLogger();
    const result = await deliverSqsJobs(
      records,
      async (ctx) => {
        seen.push(ctx);
        if (ctx.id === flaky.id) throw new TransientError('storage hiccup');
        if (ctx.id === bad.id) throw new UnsupportedMediaError('not a video file');
      },
      { logger },
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: byJob.get(flaky.id) }], otherRecords: [] });
    expect(seen.find((ctx) => ctx.id === ok.id)).toMatchObject({ payload: prepare('ok'), attempt: 1, maxAttempts: 4 });
    expect(seen.map((ctx) => ctx.id).sort()).toEqual([ok.id, flaky.id, bad.id].sort());
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg).sort()).toEqual(['job failed; SQS delivers it again', 'job failed; not retried']);
    await fauxqs.acknowledge(queueUrl, records, result.batchItemFailures);

    // The handed-back job comes again after the visibility timeout, as attempt 2.
    const [again] = await receive(1);
    expect(again.messageId).toBe(byJob.get(flaky.id));
    const attempts: number[] = [];
    expect(await deliverSqsJobs([again], async (ctx) => void attempts.push(ctx.attempt), { logger: silentLogger })).toEqual({ batchItemFailures: [], otherRecords: [] });
    expect(attempts).toEqual([2]);
  });

  it('drops a malformed job message with a log line and hands other records back untouched', async () => {
    const { queueUrl, queue, receive } = setup('mixed');
    await fauxqs.send(queueUrl, JSON.stringify({ vodkitJob: 1, id: 'not-a-hash', payload: { type: 'prepare' } }), 'g1', 'malformed');
    const s3Event = JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { object: { key: 'sources/x.mov' } } }] });
    await fauxqs.send(queueUrl, s3Event, 'g2', 's3-event');
    await queue.enqueue(prepare('good'), { idempotencyKey: 'good' });
    const records = await receive(3);
    const logger = recordingLogger();
    const ran: string[] = [];
    const result = await deliverSqsJobs(records, async (ctx) => void ran.push(ctx.payload.videoId), { logger });
    expect(ran).toEqual(['good']);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.otherRecords).toEqual([records.find((r) => r.body === s3Event)]);
    expect(result.otherRecords[0]).toBe(records.find((r) => r.body === s3Event));
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toBe('dropped an SQS message that is not a valid vodkit job');
    expect(errors[0].obj).toMatchObject({ messageId: records.find((r) => r.body.includes('not-a-hash'))!.messageId });
  });

  it('keeps the order of a video\'s jobs: after one is handed back, the later ones are too, without running', async () => {
    const { queue, collect } = setup('order');
    const first = await queue.enqueue(prepare('same'), { idempotencyKey: 'first' });
    await queue.enqueue(prepare('same', 'second'), { idempotencyKey: 'second' });
    await queue.enqueue(prepare('other'), { idempotencyKey: 'other' });
    const records = await collect(3);
    expect(records.map((r) => r.attributes.MessageGroupId).sort()).toEqual(['other', 'same', 'same']);
    const ran: string[] = [];
    const result = await deliverSqsJobs(
      records,
      async (ctx) => {
        ran.push(`${ctx.payload.videoId}:${(ctx.payload as EncodeJobPayload).sourceKey}`);
        if (ctx.id === first.id) throw new TransientError('later');
      },
      { logger: silentLogger },
    );
    expect(ran.sort()).toEqual(['other:uploads/other/source.mp4', 'same:uploads/same/source.mp4']);
    const sameGroup = records.filter((r) => r.attributes.MessageGroupId === 'same').map((r) => ({ itemIdentifier: r.messageId }));
    expect(result.batchItemFailures).toEqual(sameGroup);
    expect(sameGroup).toHaveLength(2);
  });

  it('fires the signal at the deadline: the running job is handed back, later ones of its video too', async () => {
    const { queue, collect } = setup('deadline');
    await queue.enqueue(prepare('slow'), { idempotencyKey: 'slow' });
    await queue.enqueue(prepare('slow', 'next'), { idempotencyKey: 'slow-next' });
    const records = await collect(2);
    let reason: unknown;
    const ran: string[] = [];
    const result = await deliverSqsJobs(
      records,
      async (ctx) => {
        ran.push((ctx.payload as EncodeJobPayload).sourceKey);
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        reason = ctx.signal.reason;
        throw ctx.signal.reason;
      },
      { logger: silentLogger, timeoutMs: 50 },
    );
    expect(reason).toBeInstanceOf(AbortedError);
    expect(ran).toEqual(['uploads/slow/source.mp4']);
    expect(result.batchItemFailures).toEqual(records.map((r) => ({ itemIdentifier: r.messageId })));
  });

  it('a job handed back maxReceiveCount times goes to the dead-letter queue', async () => {
    const { queueUrl, deadLetterUrl, queue, receive } = setup('dlq', { deadLetterAfter: 2 });
    const { id } = await queue.enqueue(prepare('doomed'), { idempotencyKey: 'doomed', maxAttempts: 2 });
    const attempts: number[] = [];
    const failing = async (ctx: JobContext) => {
      attempts.push(ctx.attempt);
      throw new TransientError('still failing');
    };
    for (let i = 0; i < 2; i++) {
      const records = await receive(1);
      const result = await deliverSqsJobs(records, failing, { logger: silentLogger });
      expect(result.batchItemFailures).toHaveLength(1);
      await fauxqs.acknowledge(queueUrl, records, result.batchItemFailures);
    }
    expect(attempts).toEqual([1, 2]);
    const deadline = Date.now() + 20_000;
    let moved: SqsRecord[] = [];
    while (moved.length === 0 && Date.now() < deadline) {
      expect(await fauxqs.receive(queueUrl)).toEqual([]);
      moved = await fauxqs.receive(deadLetterUrl!);
      if (moved.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(moved.map((r) => JSON.parse(r.body).id)).toEqual([id]);
    const attributes = await fauxqs.client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });
});
