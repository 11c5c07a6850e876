import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Clients that send slowly must not hold connections for ever, while slow but real uploads must
 * finish however long they take. So vodkit times out on no progress, never on total time:
 * - request line and headers: all of them within `headersTimeoutMs` (Node's headersTimeout);
 * - a request body: at least BODY_PROGRESS_BYTES (or what is left of it) every `bodyTimeoutMs`,
 *   else 408 and the connection is closed (`watchRequestBodies`);
 * - an idle keep-alive connection: closed after `keepAliveTimeoutMs`.
 * Node's requestTimeout (the whole request, body included, in a fixed time) stays off: it would
 * cut a 20 GiB upload on a slow line that is making progress.
 */
export interface ConnectionTimeouts {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** Less than this many bytes of a body in one `bodyTimeoutMs` window counts as no progress. */
export const BODY_PROGRESS_BYTES = 1024;

/** Node's HTTP server options for these timeouts (Fastify passes `http` to http.createServer). */
export function httpServerOptions(t: ConnectionTimeouts): {
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
  keepAliveTimeout: number;
  requestTimeout: number;
} {
  return {
    http: {
      headersTimeout: t.headersTimeoutMs,
      requestTimeout: 0,
      // Node checks the headers timeout at this interval (30 s by default): a fraction of it, so
      // a trickling client is cut close to the configured time.
      connectionsCheckingInterval: Math.min(5000, Math.max(100, Math.floor(t.headersTimeoutMs / 4))),
    },
    keepAliveTimeout: t.keepAliveTimeoutMs,
    requestTimeout: 0,
  };
}

/**
 * Watches every request body on `server`: a body that makes no progress for `bodyTimeoutMs` is
 * answered 408 (through the server's 'clientError' handler, as Node's own request timeout is) and
 * its connection closed. Bytes that wait in vodkit's buffers (a slow disk or store behind the
 * handler) are not the client's fault and never count against it.
 */
export function watchRequestBodies(server: Server, bodyTimeoutMs: number): void {
  if (bodyTimeoutMs <= 0) return;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.complete || !hasBody(req)) return;
    const socket = req.socket;
    const length = Number(req.headers['content-length']);
    const start = socket.bytesRead;
    let seen = start;
    const timer = setInterval(() => {
      if (req.complete || socket.destroyed) return stop();
      const now = socket.bytesRead;
      const progress = now - seen;
      seen = now;
      if (req.readableLength > 0 || socket.readableLength > 0) return; // vodkit is the slow side
      const left = Number.isFinite(length) ? Math.max(1, length - (now - start)) : BODY_PROGRESS_BYTES;
      if (progress >= Math.min(BODY_PROGRESS_BYTES, left)) return;
      stop();
      if (res.headersSent) {
        socket.destroy();
        return;
      }
      const err = Object.assign(new Error(`the request body made no progress for ${bodyTimeoutMs} ms`), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
      if (!server.emit('clientError', err, socket)) socket.destroy();
    }, bodyTimeoutMs);
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      req.off('close', stop);
    };
    req.on('close', stop);
  });
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

/** The timeouts of vodkit's configuration, in milliseconds. */
export function connectionTimeouts(config: { headersTimeoutSec: number; bodyTimeoutSec: number; keepAliveTimeoutSec: number }): ConnectionTimeouts {
  return {
    headersTimeoutMs: Math.round(config.headersTimeoutSec * 1000),
    bodyTimeoutMs: Math.round(config.bodyTimeoutSec * 1000),
    keepAliveTimeoutMs: Math.round(config.keepAliveTimeoutSec * 1000),
  };
}
