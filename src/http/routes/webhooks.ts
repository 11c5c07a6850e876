import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DepsOf } from '../http-deps.ts';
import type { S3Event } from '../../core/ports/object-store.ts';
import { decodeEventKey } from '../../core/pipeline/object-created-handler.ts';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../core/errors.ts';

/** What these routes use. */
export type WebhookDeps = DepsOf<'sources' | 'sourceKeyFromBucketKey' | 'objectCreated', 'webhookSecret'>;

/**
 * POST /api/v1/webhooks/s3: S3 / MinIO event notifications (the S3 event JSON shape), authenticated
 * with the shared secret VODKIT_WEBHOOK_SECRET (as `Authorization: Bearer <secret>` or the bare
 * secret, as MinIO's auth_token sends it). Feeds the same handler as the embedded store's events.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookDeps): void {
  app.post('/api/v1/webhooks/s3', async (request, reply) => {
    const secret = deps.config.webhookSecret;
    if (!secret) throw new NotFoundError('webhooks are not enabled (set VODKIT_WEBHOOK_SECRET)');
    const given = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const a = createHash('sha256').update(given).digest();
    const b = createHash('sha256').update(secret).digest();
    if (!given || !timingSafeEqual(a, b)) throw new UnauthorizedError('bad webhook secret');
    const event = request.body as S3Event;
    if (!event || !Array.isArray(event.Records)) {
      // MinIO sends a test event without Records when a target is configured.
      if (event && typeof event === 'object') return reply.status(204).send();
      throw new ValidationError('expected an S3 event notification');
    }
    const records = [];
    for (const record of event.Records) {
      const key = record?.s3?.object?.key;
      if (typeof key !== 'string' || record.s3.bucket?.name !== deps.sources.bucket) continue;
      const sourceKey = deps.sourceKeyFromBucketKey(decodeEventKey(key));
      if (sourceKey === null) continue;
      records.push({ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeURIComponent(sourceKey) } } });
    }
    await deps.objectCreated.handle({ Records: records });
    return reply.status(204).send();
  });
}
