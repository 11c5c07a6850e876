import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import type { S3Event } from '../../core/ports/object-store.ts';
import { decodeEventKey } from '../../core/pipeline/object-created-handler.ts';
import { NotFoundError, UnauthorizedError } from '../../core/errors.ts';
import { errorResponses, noContent } from '../schemas/responses.ts';

/** What these routes use. */
export type WebhookDeps = DepsOf<'sources' | 'sourceKeyFromBucketKey' | 'objectCreated', 'webhookSecret'>;

/** The S3 event notification shape; records of other buckets or keys are ignored. */
const s3Event = z.looseObject(
  {
    Records: z
      .array(z.unknown())
      .optional()
      .meta({ description: 'S3 event records (`s3.bucket.name`, `s3.object.key`, ...). Absent in the test event MinIO sends when a target is configured.' }),
  },
  { error: 'expected an S3 event notification' },
);

const s3WebhookSchema = {
  tags: ['webhooks'],
  summary: 'Receive S3 / MinIO object events',
  description:
    'Where S3 or MinIO notifies vodkit of uploaded sources. Authenticated with the shared secret VODKIT_WEBHOOK_SECRET, as `Authorization: Bearer <secret>` or the bare secret; 404 when no secret is configured.',
  security: [{ webhookSecret: [] }],
  body: s3Event,
  response: { 204: noContent('The events were taken.'), ...errorResponses(400, 401, 404) },
};

/**
 * POST /api/v1/webhooks/s3: S3 / MinIO event notifications (the S3 event JSON shape), authenticated
 * with the shared secret VODKIT_WEBHOOK_SECRET (as `Authorization: Bearer <secret>` or the bare
 * secret, as MinIO's auth_token sends it). Feeds the same handler as the embedded store's events.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post('/api/v1/webhooks/s3', { schema: s3WebhookSchema }, async (request, reply) => {
    const secret = deps.config.webhookSecret;
    if (!secret) throw new NotFoundError('webhooks are not enabled (set VODKIT_WEBHOOK_SECRET)');
    const given = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const a = createHash('sha256').update(given).digest();
    const b = createHash('sha256').update(secret).digest();
    if (!given || !timingSafeEqual(a, b)) throw new UnauthorizedError('bad webhook secret');
    // MinIO sends a test event without Records when a target is configured.
    if (!request.body.Records) return reply.status(204).send(null);
    const records = [];
    for (const record of request.body.Records as S3Event['Records']) {
      const key = record?.s3?.object?.key;
      if (typeof key !== 'string' || record.s3.bucket?.name !== deps.sources.bucket) continue;
      const sourceKey = deps.sourceKeyFromBucketKey(decodeEventKey(key));
      if (sourceKey === null) continue;
      records.push({ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeURIComponent(sourceKey) } } });
    }
    await deps.objectCreated.handle({ Records: records });
    return reply.status(204).send(null);
  });
}
