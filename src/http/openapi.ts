import type { FastifyInstance, FastifySchema, HTTPMethods } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { VERSION } from '../version.ts';

/**
 * The policy of the Swagger UI pages: its scripts and styles are its own files (React sets inline
 * styles as it renders, as the web app's pages do), nothing from elsewhere (no validator badge).
 */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; img-src 'self' data:; object-src 'none'; " +
  "script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/**
 * The route schemas are the one source of truth: every route declares zod schemas for what it
 * takes (params, query, body) and what it answers; Fastify validates requests with them (handlers
 * never validate), and the OpenAPI 3.1 document at /api/openapi.json is generated from them, with
 * a browsable view at /api/docs (Swagger UI, served from the package's own files).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook('onRoute', (route) => {
    routes.push({ method: route.method, url: route.url, schema: route.schema });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'vodkit',
        version: VERSION,
        description:
          'Video on demand: signed uploads, an adaptive HLS ladder, a catalog and secured playback. ' +
          'Authenticate with `Authorization: Bearer <token>` (an API token) or the session cookie of the web app.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (POST /api/v1/tokens) or a password-less OIDC token.' },
          webhookSecret: { type: 'http', scheme: 'bearer', description: 'The shared secret VODKIT_WEBHOOK_SECRET (S3 / MinIO event notifications).' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Schemas given an id (`.meta({ id })`, e.g. Video, Error) become components the operations reference.
    transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: DOCS_CSP, uiConfig: { deepLinking: true, validatorUrl: null } });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * The document without the component schemas nothing refers to: each schema with an id is made
 * for requests and for answers alike (`Video` and `VideoInput`), and most are used one way only.
 */
function withoutUnusedSchemas<T extends object>(document: T): T {
  const { components } = document as { components?: { schemas?: Record<string, unknown> } };
  if (!components?.schemas) return document;
  const text = JSON.stringify(document);
  const used = Object.fromEntries(Object.entries(components.schemas).filter(([name]) => text.includes(`"#/components/schemas/${name}"`)));
  return { ...document, components: { ...components, schemas: used } };
}

/** A route as registered: its method(s), URL and schema. */
export interface RegisteredRoute {
  method: HTTPMethods | HTTPMethods[];
  url: string;
  schema?: FastifySchema;
}

const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered on `app` since registerOpenApi (Swagger UI's own included), for checks of their schemas. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registered.get(app) ?? [];
}

/** The first problem of a request the route schemas refused, as one sentence ("path: message"). */
export function validationMessage(err: unknown): string | null {
  if (!hasZodFastifySchemaValidationErrors(err)) return null;
  const first = err.validation[0];
  const where = [err.validationContext === 'body' ? '' : err.validationContext, ...String(first.instancePath ?? '').split('/').filter(Boolean)]
    .filter(Boolean)
    .join('.');
  return `${where ? `${where}: ` : ''}${first.message}`;
}
