import { z } from 'zod';
import { jobPriorities, type JobPayload, type JobPriority } from '../../../core/ports/job-queue.ts';

/** The body of an SQS message holding one vodkit job (JSON). `vodkitJob` names the format's version. */
export interface SqsJobMessage {
  vodkitJob: 1;
  /** The job's id: the hash of its idempotency key, also the message's deduplication id. */
  id: string;
  payload: JobPayload;
  priority: JobPriority;
  maxAttempts: number;
}

const name = z.string().min(1).max(1024);

const payloadSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('transcode'), videoId: name, sourceKey: name }),
  z.object({ type: z.literal('prepare'), videoId: name, sourceKey: name, retry: name.optional(), priorAttempts: z.number().int().min(0).max(1000).optional() }),
  z.object({
    type: z.literal('ladder'),
    videoId: name,
    sourceKey: name,
    attemptId: name.optional(),
    sourceEtag: name.optional(),
    retry: name.optional(),
    priorAttempts: z.number().int().min(0).max(1000).optional(),
  }),
  z.object({
    type: z.literal('ladder-part'),
    videoId: name,
    sourceKey: name,
    attemptId: name,
    sourceEtag: name.optional(),
    chunk: z
      .object({
        index: z.number().int().min(0),
        startSec: z.number().min(0),
        frames: z.number().int().min(1).nullable(),
        firstSegment: z.number().int().min(0),
      })
      .optional(),
    chunks: z.number().int().min(2).max(100_000),
    // The ladder's plan, made by vodkit (the `ladder` job); checked by the encode it is handed to.
    plan: z.object({ segmentSeconds: z.number() }).passthrough(),
  }),
  z.object({ type: z.literal('webhook'), videoId: name, endpointId: name, eventId: name, attempt: z.number().int().min(1).max(1000).optional() }),
]);

const messageSchema = z.object({
  vodkitJob: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{64}$/),
  payload: payloadSchema,
  priority: z.enum(jobPriorities),
  maxAttempts: z.number().int().min(1).max(1000),
});

/** What a message body is: a vodkit job, a vodkit job that does not read, or something else. */
export type DecodedMessage =
  | { kind: 'job'; job: SqsJobMessage }
  | { kind: 'malformed'; reason: string }
  | { kind: 'other' };

/** The JSON body of a job message. */
export function encodeJobMessage(job: SqsJobMessage): string {
  return JSON.stringify(job);
}

/**
 * Reads a message body. A JSON object with a `vodkitJob` field is a job message: valid, or
 * malformed with the reason. Any other body (an S3 event, a test event, text) is `other`.
 */
export function decodeJobMessage(body: string): DecodedMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'other' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, 'vodkitJob')) {
    return { kind: 'other' };
  }
  const parsed = messageSchema.safeParse(value);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    return { kind: 'malformed', reason };
  }
  return { kind: 'job', job: parsed.data as SqsJobMessage };
}
