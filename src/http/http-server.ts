import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';

/** Answers a request and returns true, or returns false having touched neither the request nor the response. */
export type FirstLook = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Fastify's `serverFactory`: the HTTP server Fastify makes itself (the same options: `http`,
 * keepAliveTimeout, requestTimeout, connectionTimeout, maxRequestsPerSocket), whose requests are
 * first offered to `firstLook()` (the media fast path, once the routes are registered); those it
 * does not answer go to Fastify as they came.
 */
export function serverWithFirstLook(firstLook: () => FirstLook | null) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void, opts: Record<string, any>): Server => {
    const server = createServer((opts.http ?? {}) as ServerOptions, (req, res) => {
      const look = firstLook();
      if (look === null || !look(req, res)) handler(req, res);
    });
    server.keepAliveTimeout = opts.keepAliveTimeout;
    server.requestTimeout = opts.requestTimeout;
    server.setTimeout(opts.connectionTimeout);
    if (opts.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
    return server;
  };
}
