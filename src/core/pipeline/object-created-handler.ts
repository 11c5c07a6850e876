import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ObjectInfo, ObjectStore, S3Event, S3EventRecord } from '../ports/object-store.ts';
import { checkSourceHead, SOURCE_HEAD_BYTES } from '../access/media-magic.ts';
import { CONTENT_TYPE_HEAD_BYTES, detectContentType } from '../access/media-type.ts';
import type { Logger } from '../ports/logger.ts';
import { videoIdFromSourceKey } from '../media-keys.ts';
import { transition } from '../videos/lifecycle.ts';
import { enqueueStage } from './enqueue-stage.ts';

export interface ObjectCreatedHandlerDeps {
  catalog: Catalog;
  queue: JobQueue;
  /** The sources store: the first bytes of each upload are looked at before a job is queued. */
  sources: ObjectStore;
  /** Only events of this bucket are sources; others are ignored. */
  sourcesBucket: string;
  logger: Logger;
}

/** S3 notifications URL-encode keys with '+' for spaces. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * The ONE place where "an object was created" becomes "a prepare job exists": fed by the local
 * store, by S3/MinIO notifications through the webhook, and by the client's explicit complete call.
 * Idempotent: duplicate events for one upload give one job.
 */
export class ObjectCreatedHandler {
  constructor(private readonly deps: ObjectCreatedHandlerDeps) {}

  async handle(event: S3Event): Promise<void> {
    for (const record of event.Records ?? []) {
      await this.handleRecord(record);
    }
  }

  /** For callers that learned of the object some other way (complete call, startup recovery). */
  async handleObject(info: ObjectInfo): Promise<void> {
    await this.handleRecord(syntheticRecord(this.deps.sourcesBucket, info));
  }

  private async firstBytes(key: string): Promise<Buffer> {
    const info = await this.deps.sources.head(key);
    if (!info || info.size === 0) return Buffer.alloc(0);
    const wanted = Math.max(SOURCE_HEAD_BYTES, CONTENT_TYPE_HEAD_BYTES);
    const { body } = await this.deps.sources.get(key, { start: 0, end: Math.min(info.size, wanted) - 1 });
    return readAll(body);
  }

  private async handleRecord(record: S3EventRecord): Promise<void> {
    const { catalog, queue, logger } = this.deps;
    // AWS names events 'ObjectCreated:Put'; MinIO 's3:ObjectCreated:Put'.
    if (!/^(s3:)?ObjectCreated:/.test(record?.eventName ?? '')) return;
    if (record.s3?.bucket?.name !== this.deps.sourcesBucket) {
      logger.debug({ bucket: record.s3?.bucket?.name }, 'object-created event for another bucket ignored');
      return;
    }
    const key = decodeEventKey(record.s3.object.key);
    const videoId = videoIdFromSourceKey(key);
    const video = videoId ? await catalog.getVideo(videoId) : null;
    if (videoId && !video) {
      // An upload to the URL of a deleted video (an S3 presigned URL cannot be revoked): nothing
      // may keep it, so it goes at once.
      await this.deps.sources.delete(key);
      logger.info({ key }, 'upload for a deleted video removed');
      return;
    }
    if (!video || video.sourceKey !== key) {
      logger.warn({ key }, 'object-created event for an object no video expects; ignored');
      return;
    }
    if (video.status !== 'uploading' && video.status !== 'queued') return; // already being handled
    const head = await this.firstBytes(key);
    const verdict = checkSourceHead(head.subarray(0, SOURCE_HEAD_BYTES));
    if (!verdict.ok) {
      await transition(catalog, video.id, 'fail', { error: verdict.reason, retryable: false }, { onlyFrom: ['uploading', 'queued'] });
      logger.info({ videoId: video.id, reason: verdict.reason }, 'upload refused before transcoding');
      return;
    }
    // The declared type was a hint: the video keeps the type its bytes show.
    const contentType = await detectContentType(head);
    const queued = await transition(catalog, video.id, 'queue', { contentType });
    if (!queued.applied) {
      logger.debug({ videoId: video.id, state: queued.state }, 'upload already handled; no job queued');
      return;
    }
    const { id, created } = await enqueueStage(queue, { stage: 'prepare', videoId: video.id, sourceKey: key });
    logger.info({ videoId: video.id, jobId: id, created, size: record.s3.object.size }, 'upload complete; prepare queued');
  }
}

async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export function syntheticRecord(bucket: string, info: ObjectInfo): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'vodkit:api',
    awsRegion: '',
    eventTime: info.lastModified.toISOString(),
    eventName: 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      bucket: { name: bucket },
      object: { key: encodeURIComponent(info.key).replace(/%20/g, '+').replace(/%2F/g, '/'), size: info.size, eTag: info.etag },
    },
  };
}
