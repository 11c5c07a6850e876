import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Readable } from 'node:stream';
import type { SignedRequestReceiver } from '../../core/ports/object-store.ts';
import { VodkitError } from '../../core/errors.ts';

/** Reached only through the signed URLs the upload API hands out, so not part of the API's document. */
const signedPutSchema = {
  hide: true,
  description: 'The signed upload endpoint: the body is the file (any content type, as signed), checked against the signed limits.',
  params: z.object({ '*': z.string() }),
};

/**
 * PUT /s3/<bucket>/<key>?<signature>: the signed upload endpoint of a store whose URLs point at
 * vodkit (the `signedRequests` capability: the embedded store). The body is handed over as a stream
 * as it arrives (never buffered); the store checks it against the signed limits, stores it and
 * raises the object-created event. Errors use S3's XML-free JSON shape with S3's codes.
 */
export function registerSignedUploadRoutes(app: FastifyInstance, store: SignedRequestReceiver): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.put('/s3/*', { schema: signedPutSchema }, async (request, reply) => {
      const url = new URL(request.url, 'http://local');
      try {
        const { status, etag } = await store.receiveSignedRequest({
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          body: request.raw as Readable,
        });
        return reply.status(status).header('ETag', `"${etag.replace(/"/g, '')}"`).header('Access-Control-Expose-Headers', 'ETag').send();
      } catch (err) {
        // Drain what the client still sends so it sees our answer instead of a reset connection.
        // (any error: a full disk too, or the client waits with its body half sent)
        if (!request.raw.readableEnded) {
          reply.header('Connection', 'close');
          request.raw.resume();
        }
        // The client went away mid-upload (closed tab, lost network): nothing was stored; not a server fault.
        if (!(err instanceof VodkitError) && (request.raw.destroyed || isAbort(err))) {
          request.log.info({ err: (err as Error).message }, 'upload interrupted by the client');
          return reply.status(400).send({ error: { code: 'IncompleteBody', message: 'the upload was interrupted before the whole body arrived' } });
        }
        throw err;
      }
    });
  });
}

function isAbort(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED' || (err as Error)?.name === 'AbortError';
}
