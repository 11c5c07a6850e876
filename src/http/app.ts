import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Authenticator } from './auth.ts';
import { registerErrorHandler } from './error-handler.ts';
import { answerClientError } from './framework-errors.ts';
import { connectionTimeouts, httpServerOptions, watchRequestBodies } from './connection-timeouts.ts';
import { serverWithFirstLook, type FirstLook } from './http-server.ts';
import type { HttpDeps } from './http-deps.ts';
import { registerMetrics } from './metrics.ts';
import { BASE_SECURITY_HEADERS, isFramable, pageCsp } from './page-security.ts';
import { OidcVerifier } from './oidc.ts';
import { registerEmbedPageRoute, registerEmbedRoutes } from './routes/embed.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerMediaRoutes } from './routes/media.ts';
import { registerThumbnailRoutes } from './routes/thumbnails.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { registerSignedUploadRoutes } from './routes/signed-uploads.ts';
import { registerUploadRoutes } from './routes/uploads.ts';
import { registerVideoRoutes } from './routes/videos.ts';
import { registerCaptionRoutes } from './routes/captions.ts';
import { registerWebAppRoutes } from './routes/web-app.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import { registerWebhookEndpointRoutes } from './routes/webhook-endpoints.ts';
import { registerAccountRoutes } from './routes/accounts.ts';
import { registerOpenApi } from './openapi.ts';

export interface HttpAppOptions {
  /** Folder of the built web app; omitted = no web app. */
  webRoot?: string;
  logLevel?: string;
}

/**
 * The HTTP service: JSON API under /api/v1, media under /media, signed uploads under /s3 (when the
 * sources store's signed URLs point at vodkit), web app at /. `deps` is what buildCore made (a
 * Runtime is one), each route is given the part it uses.
 */
export async function buildHttpApp(deps: HttpDeps, options: HttpAppOptions = {}): Promise<FastifyInstance> {
  // Segment GETs whose video, token and bytes are all in memory are answered before Fastify
  // (media-fast-path.ts); the media routes make that path when they are registered.
  let mediaFastPath: FirstLook | null = null;
  const genReqId = () => Math.random().toString(36).slice(2, 12);
  const app = Fastify({
    serverFactory: serverWithFirstLook(() => mediaFastPath),
    logger: {
      level: options.logLevel ?? deps.config.logLevel,
      // Playback tokens and upload signatures travel in URLs: logged URLs carry neither.
      serializers: {
        req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
      },
    },
    bodyLimit: 1024 * 1024,
    // Slow clients: headers, bodies and idle keep-alive connections time out (connection-timeouts.ts).
    ...httpServerOptions(connectionTimeouts(deps.config)),
    trustProxy: false,
    genReqId,
    // A URL that cannot be decoded is answered here, before routing and hooks: same shape and headers.
    frameworkErrors: (_error, _request, res) => {
      const reply = res as unknown as FastifyReply;
      void reply.status(400).headers(BASE_SECURITY_HEADERS).type('application/json; charset=utf-8').send({ error: { code: 'BadRequest', message: 'the URL is not valid' } });
    },
    // Requests Node's HTTP parser refuses (Content-Length: -1, raw non-ASCII bytes in the path...).
    clientErrorHandler: (err, socket) => answerClientError(err, socket, BASE_SECURITY_HEADERS),
  });
  watchRequestBodies(app.server, connectionTimeouts(deps.config).bodyTimeoutMs);
  const oidc =
    deps.config.oidcIssuer && deps.config.oidcAudience
      ? new OidcVerifier(
          { issuer: deps.config.oidcIssuer, audience: deps.config.oidcAudience, roleClaim: deps.config.oidcRoleClaim },
          { catalog: deps.catalog, clock: deps.clock, logger: deps.logger },
        )
      : null;
  const auth = new Authenticator(deps.catalog, deps.clock, deps.secret, { oidc });
  registerErrorHandler(app);
  await registerOpenApi(app);
  // The API takes JSON only: a text/plain body (which any page can send cross-site) is a 415 like any other.
  app.removeContentTypeParser('text/plain');
  registerSecurityHeaders(app, deps.config.corsOrigins);
  registerMetrics(app, deps.metrics);
  // The id of each request in the logs, given back so a user's report can be matched to them.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });

  registerHealthRoutes(app, deps);
  registerSessionRoutes(app, deps, auth);
  registerAccountRoutes(app, deps, auth);
  registerUploadRoutes(app, deps, auth);
  registerVideoRoutes(app, deps, auth);
  registerCaptionRoutes(app, deps, auth);
  registerEventRoutes(app, deps, auth);
  registerWebhookRoutes(app, deps);
  registerWebhookEndpointRoutes(app, deps, auth);
  registerThumbnailRoutes(app, deps, auth);
  const fastPath = registerMediaRoutes(app, deps, auth, { genReqId, log: app.log });
  if (fastPath) {
    mediaFastPath = (req, res) => fastPath.handle(req, res);
    // A closing server answers every request itself (Fastify's 503 and Connection: close).
    app.addHook('preClose', async () => {
      mediaFastPath = null;
    });
  }
  registerEmbedRoutes(app, deps, auth);
  const { signedRequests } = deps.sources.capabilities;
  if (signedRequests) registerSignedUploadRoutes(app, signedRequests);
  if (options.webRoot) {
    registerEmbedPageRoute(app, deps, options.webRoot);
    registerWebAppRoutes(app, options.webRoot);
  }
  return app;
}

const SECRET_PARAMS = /^(token|x-vodkit-signature|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

/** The URL with the values of credential-bearing query parameters replaced by "redacted". */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // keep the raw name
      }
      return SECRET_PARAMS.test(decoded) && eq >= 0 ? `${name}=redacted` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function registerSecurityHeaders(app: FastifyInstance, corsOrigins: string[]): void {
  app.addHook('onSend', async (request, reply) => {
    reply.headers(BASE_SECURITY_HEADERS);
    if (isFramable(reply)) {
      // The embeddable player: its route has set who may frame it (page-security.ts).
      reply.removeHeader('X-Frame-Options');
    } else if (String(reply.getHeader('Content-Type') ?? '').startsWith('text/html') && !reply.hasHeader('Content-Security-Policy')) {
      // A page with a policy of its own keeps it (Swagger UI at /api/docs: hashes of its inline scripts).
      reply.header('Content-Security-Policy', pageCsp([]));
    }
    const origin = request.headers.origin;
    if (origin && (corsOrigins.includes('*') || corsOrigins.includes(origin))) {
      reply.header('Access-Control-Allow-Origin', corsOrigins.includes('*') ? '*' : origin);
      reply.header('Vary', 'Origin');
      reply.header('Access-Control-Expose-Headers', 'ETag, Content-Range, Content-Length');
    }
  });
  // CORS preflight for any path: not an operation of the API.
  app.options('/*', { schema: { hide: true } }, async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !(corsOrigins.includes('*') || corsOrigins.includes(origin))) return reply.status(404).send();
    return reply
      .status(204)
      .header('Access-Control-Allow-Methods', 'GET, HEAD, PUT, POST, PATCH, DELETE')
      .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Range')
      .header('Access-Control-Max-Age', '600')
      .send();
  });
}
