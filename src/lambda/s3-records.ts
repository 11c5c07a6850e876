import { decodeEventKey } from '../core/pipeline/object-created-handler.ts';
import type { S3Event, S3EventRecord } from '../core/ports/object-store.ts';

/** An SQS message body that is an S3 event notification, or S3's test message (sent when the notification is configured). */
export type S3Message = { kind: 's3-event'; event: S3Event } | { kind: 's3-test' } | { kind: 'other' };

/** Tells an S3 notification (or S3's test message) from any other message body. */
export function readS3Message(body: unknown): S3Message {
  if (!body || typeof body !== 'object') return { kind: 'other' };
  const b = body as Record<string, unknown>;
  if (b.Event === 's3:TestEvent' && b.Service === 'Amazon S3') return { kind: 's3-test' };
  if (Array.isArray(b.Records) && b.Records.every(isS3Record)) return { kind: 's3-event', event: b as unknown as S3Event };
  return { kind: 'other' };
}

function isS3Record(r: unknown): boolean {
  const rec = r as Partial<S3EventRecord> | null;
  return !!rec && rec.eventSource === 'aws:s3' && typeof rec.s3?.object?.key === 'string';
}

/**
 * The records of `event` that name an object of the sources store, with keys as that store names
 * them (a notification names the bucket's key, e.g. "sources/<id>/<file>"); others are left out.
 */
export function sourceRecords(
  event: S3Event,
  sources: { bucket: string },
  sourceKeyFromBucketKey: (bucketKey: string) => string | null,
): S3EventRecord[] {
  const records: S3EventRecord[] = [];
  for (const record of event.Records) {
    if (record.s3.bucket?.name !== sources.bucket) continue;
    const sourceKey = sourceKeyFromBucketKey(decodeEventKey(record.s3.object.key));
    if (sourceKey === null) continue;
    records.push({ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeURIComponent(sourceKey).replace(/%2F/g, '/') } } });
  }
  return records;
}
