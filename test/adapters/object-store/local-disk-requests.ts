import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import type { IncomingSignedRequest } from '../../../src/adapters/object-store/local-disk/signed-request.ts';
import type { SignedRequest } from '../../../src/core/ports/object-store.ts';

/** Helpers shared by the local-disk store's own tests: signed requests as the HTTP layer hands them over, bodies, files. */

export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

/** Every file under `dir`, relative to it, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

export function requestFor(req: SignedRequest, body: Readable | Buffer, headers: Record<string, string> = {}): IncomingSignedRequest {
  const url = new URL(req.url, 'http://local');
  return {
    method: req.method,
    path: url.pathname,
    query: url.searchParams,
    headers: { ...lowerCase(req.headers), ...lowerCase(headers) },
    body: Buffer.isBuffer(body) ? Readable.from([body]) : body,
  };
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A body that records whether anyone read it. */
export function untouchedBody(): { body: Readable; wasRead: () => boolean } {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(Buffer.alloc(10));
      this.push(null);
    },
  });
  return { body, wasRead: () => read };
}
