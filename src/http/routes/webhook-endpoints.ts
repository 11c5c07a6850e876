import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { webhookEventTypes } from '../../core/model/webhook.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import type { DepsOf } from '../http-deps.ts';
import { errorResponses, json, noContent } from '../schemas/responses.ts';

/** What these routes use. */
export type WebhookEndpointDeps = DepsOf<'webhooks'>;

const tags = ['webhooks'];
const eventType = z.enum(webhookEventTypes);

const endpointSchema = z
  .object({
    id: z.string(),
    ownerId: z.string().meta({ description: 'The user who registered it: it receives the events of this user\'s videos.' }),
    url: z.string(),
    events: z.array(eventType),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

const withSecretSchema = endpointSchema
  .extend({
    secret: z.string().meta({ description: 'The signing secret (HMAC-SHA256 key of the vodkit-signature header). Shown in this answer only.' }),
  })
  .meta({ id: 'WebhookEndpointWithSecret' });

const deliverySchema = z
  .object({
    eventId: z.string(),
    type: eventType,
    videoId: z.string(),
    createdAt: z.string().meta({ description: 'When the event happened.' }),
    attempts: z.number().int(),
    state: z.enum(['pending', 'delivered', 'failed']).meta({ description: 'pending: an attempt is due at nextAttemptAt; failed: given up.' }),
    lastStatus: z.number().int().nullable().meta({ description: 'HTTP status of the last answer; null when none came.' }),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    givenUpAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

const idParams = z.object({ id: z.string().min(1).max(100) });

const createSchema = {
  tags,
  summary: 'Register a webhook endpoint',
  description:
    'Admins and uploaders register a URL that receives the events of their own videos, each POSTed as JSON and signed ' +
    '(see the README\'s Webhooks section). The URL must be http(s) and must not be, or resolve to, an internal address.',
  body: z
    .object({
      url: z.string().min(1).max(2048).meta({ description: 'An absolute https:// (or http://) URL.' }),
      events: z.array(eventType).min(1).max(webhookEventTypes.length),
    })
    .strict(),
  response: { 201: json('The endpoint and its signing secret (shown once).', withSecretSchema), ...errorResponses(400, 401, 403) },
};

const listSchema = {
  tags,
  summary: 'List webhook endpoints',
  description: 'The caller\'s endpoints (admins: every endpoint), oldest first, without their secrets.',
  response: { 200: json('The endpoints.', z.object({ items: z.array(endpointSchema) })), ...errorResponses(401) },
};

const deleteSchema = {
  tags,
  summary: 'Remove a webhook endpoint',
  description: 'Removes the endpoint and its delivery log; deliveries still pending are not sent.',
  params: idParams,
  response: { 204: noContent('Removed.'), ...errorResponses(401, 404) },
};

const rotateSchema = {
  tags,
  summary: 'Rotate the signing secret',
  description: 'Replaces the endpoint\'s secret; every later attempt is signed with the new one, shown in this answer only.',
  params: idParams,
  response: { 200: json('The endpoint and its new secret.', withSecretSchema), ...errorResponses(401, 404) },
};

const deliveriesSchema = {
  tags,
  summary: 'The delivery log of an endpoint',
  description: 'The endpoint\'s events, newest first: attempts, the last answer or error, the next attempt, delivery.',
  params: idParams,
  querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).optional().meta({ description: '1 to 100 (default 50).' }) }).strict(),
  response: { 200: json('The deliveries.', z.object({ items: z.array(deliverySchema) })), ...errorResponses(400, 401, 404) },
};

/**
 * Outgoing webhooks: POST/GET /api/v1/webhooks, DELETE /api/v1/webhooks/:id,
 * POST /api/v1/webhooks/:id/rotate-secret, GET /api/v1/webhooks/:id/deliveries. (The incoming S3
 * notifications, POST /api/v1/webhooks/s3, are routes/webhooks.ts: a static path, which Fastify
 * matches before these parametric ones.)
 */
export function registerWebhookEndpointRoutes(app: FastifyInstance, deps: WebhookEndpointDeps, auth: Authenticator): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api/v1/webhooks', { schema: createSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    return reply.status(201).send(await deps.webhooks.register(p, request.body));
  });

  api.get('/api/v1/webhooks', { schema: listSchema }, async (request) => {
    const p = await auth.require(request);
    return { items: await deps.webhooks.list(p) };
  });

  api.delete('/api/v1/webhooks/:id', { schema: deleteSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await deps.webhooks.remove(p, request.params.id);
    return reply.status(204).send(null);
  });

  api.post('/api/v1/webhooks/:id/rotate-secret', { schema: rotateSchema }, async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    return deps.webhooks.rotateSecret(p, request.params.id);
  });

  api.get('/api/v1/webhooks/:id/deliveries', { schema: deliveriesSchema }, async (request) => {
    const p = await auth.require(request);
    return { items: await deps.webhooks.deliveries(p, request.params.id, request.query.limit ?? 50) };
  });
}
