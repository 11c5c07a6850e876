import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SignedRequest } from '../../../src/core/ports/object-store.ts';
import { VodkitError } from '../../../src/core/errors.ts';
import type { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';

/** Test helpers: run a signed request over real HTTP, and serve a local-disk store's signed PUTs. */

export interface HttpResult {
  status: number;
  etag?: string;
  body: string;
}

/**
 * Sends `req` as a browser would: its method, its headers, the body. A Buffer body is sent with
 * its Content-Length; a stream is sent chunked unless the request's headers give a length.
 */
export async function performHttp(baseUrl: string, req: SignedRequest, body: Buffer | Readable): Promise<HttpResult> {
  const url = new URL(req.url, baseUrl);
  const headers: Record<string, string> = { ...req.headers };
  if (Buffer.isBuffer(body)) {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-length') delete headers[name];
    headers['Content-Length'] = String(body.length);
  }
  return new Promise<HttpResult>((resolve, reject) => {
    const client = request(url, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const etag = res.headers.etag;
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ...(etag ? { etag } : {}) });
      });
      res.on('error', reject);
    });
    client.on('error', reject);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    // A failed upload also fails `client` (its 'error' rejects), unless the answer came first.
    pipeline(source, client).catch(() => undefined);
  });
}

const STATUS_BY_CODE: Record<string, number> = {
  ValidationError: 400,
  NotFound: 404,
  Conflict: 409,
  SignatureDoesNotMatch: 403,
  AccessDenied: 403,
  EntityTooLarge: 413,
};

/** A node:http server routing `PUT <urlPrefix>/*` to the store, the way vodkit's HTTP layer does. */
export async function serveSignedUploads(
  store: LocalDiskObjectStore,
  urlPrefix = '/s3',
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method !== 'PUT' || !url.pathname.startsWith(`${urlPrefix}/`)) {
      res.writeHead(404).end();
      req.resume();
      return;
    }
    store
      .receiveSignedRequest({ method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body: req })
      .then(({ status, etag }) => {
        res.writeHead(status, { ETag: etag }).end();
      })
      .catch((err: unknown) => {
        const code = err instanceof VodkitError ? err.code : 'Internal';
        const status = STATUS_BY_CODE[code] ?? 500;
        if (!req.readableEnded) {
          res.setHeader('Connection', 'close');
          req.resume();
        }
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code, message: (err as Error).message }));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
