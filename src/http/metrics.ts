import { createServer, type Server } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Metrics } from '../core/ports/metrics.ts';

const metricsSchema = {
  tags: ['health'],
  summary: 'Metrics',
  description: 'Request, upload, encode and delivery metrics in the Prometheus text format.',
  security: [],
  response: { 200: { description: 'The metrics.', content: { 'text/plain': { schema: z.string() } } } },
};

/**
 * Counts every request answered by `app` and serves GET /metrics (in the metrics adapter's format:
 * Prometheus text). The route label is the route pattern (e.g. /media/:id/*), never the raw URL, so
 * ids do not multiply series; requests no route matched are labelled `unmatched`.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    metrics.httpRequest(request.method, route, status, reply.elapsedTime / 1000);
    if (route === '/s3/*' && request.method === 'PUT' && status === 200) {
      metrics.uploadReceived(Number(request.headers['content-length'] ?? 0));
    } else if (route === '/media/:id/*' && request.method === 'GET' && (status === 200 || status === 206)) {
      metrics.mediaSent(request.url.split('?')[0], Number(reply.getHeader('content-length') ?? 0));
    }
  });
  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('Cache-Control', 'no-store').type(contentType).send(body);
  });
}

/**
 * A bare HTTP server with GET /metrics and GET /healthz, for `vodkit worker` processes (which have
 * no API server). Resolves once listening; returns the server and its address.
 */
export async function startMetricsServer(metrics: Metrics, port: number, host: string): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.render().then(
        ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"NotFound","message":"no such path"}}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}` : String(bound);
  return { server, address };
}

