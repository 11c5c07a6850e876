import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** The web app's pages and assets are not part of the API's document. */
const webAppSchema = { hide: true, description: "The web app's files; any other page path gets index.html.", params: z.object({ '*': z.string() }) };

/**
 * Serves the built web app (web-dist/, made by `npm run build:web`). Any page path that is not a
 * file gets index.html, so /watch/<id> and other app routes can be shared as links.
 */
export function registerWebAppRoutes(app: FastifyInstance, webRoot: string): void {
  const root = resolve(webRoot);
  const send = async (path: string, reply: import('fastify').FastifyReply) => {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return false;
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    reply.header('Content-Type', type);
    reply.header('Content-Length', info.size);
    reply.header('Cache-Control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    await reply.send(createReadStream(path));
    return true;
  };
  app.get('/*', { schema: webAppSchema }, async (request, reply) => {
    const urlPath = decodeURIComponent(request.url.split('?')[0]);
    // Unknown API, media and upload paths are errors, not pages of the app.
    if (/^\/(api|media|s3)(\/|$)/.test(urlPath)) {
      return reply.status(404).send({ error: { code: 'NotFound', message: `no route for ${request.method} ${urlPath}` } });
    }
    const candidate = resolve(join(root, urlPath));
    if ((candidate === root || candidate.startsWith(root + sep)) && urlPath !== '/' && (await send(candidate, reply))) return reply;
    if (extname(urlPath) && urlPath.startsWith('/assets/')) {
      return reply.status(404).send({ error: { code: 'NotFound', message: 'no such file' } });
    }
    if (await send(join(root, 'index.html'), reply)) return reply;
    return reply
      .type('text/html; charset=utf-8')
      .send('<!doctype html><title>vodkit</title><p>The vodkit API is running. The web app is not built: run <code>npm run build:web</code>.</p>');
  });
}
