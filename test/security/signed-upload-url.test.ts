import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { UrlSigner } from '../../src/core/upload/url-signer.ts';

/**
 * Signed upload URLs at the HTTP level: change any signed query parameter, the path or the signed
 * Content-Type header at random → 403; the same URL unchanged → 200.
 */
interface SignedUrl {
  url: string;
  headers: Record<string, string>;
}

type Mutation =
  | { kind: 'set-param'; index: number; value: string }
  | { kind: 'flip-char'; index: number; at: number }
  | { kind: 'drop-param'; index: number }
  | { kind: 'duplicate-param'; index: number; value: string }
  | { kind: 'add-param'; name: string; value: string }
  | { kind: 'path'; how: 'flip-key' | 'other-bucket' | 'append' | 'prefix' | 'case' | 'encode'; at: number }
  | { kind: 'content-type'; value: string };

const SIGNED_PARAMS = ['X-Vodkit-Expires', 'X-Vodkit-Max-Size', 'X-Vodkit-Signature', 'uploadId', 'partNumber'];
const BODY = Buffer.from('0123456789abcdef');

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set-param' as const), index: fc.nat(), value: fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.constant('')) }),
  fc.record({ kind: fc.constant('flip-char' as const), index: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('drop-param' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-param' as const), index: fc.nat(), value: fc.string({ maxLength: 8 }) }),
  fc.record({
    kind: fc.constant('add-param' as const),
    name: fc.constantFrom(...SIGNED_PARAMS),
    value: fc.string({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('path' as const), how: fc.constantFrom('flip-key', 'other-bucket', 'append', 'prefix', 'case', 'encode'), at: fc.nat() }),
  fc.record({ kind: fc.constant('content-type' as const), value: fc.constantFrom('video/webm', 'text/html', 'application/x-mpegurl', 'video/mp4; charset=x', 'VIDEO/MP4x', 'video/mp4x') }),
);

/** Applies a mutation; returns null when it leaves the request exactly as signed. */
function mutate(signed: SignedUrl, m: Mutation): SignedUrl | null {
  const url = new URL(signed.url);
  const headers = { ...signed.headers };
  const present = SIGNED_PARAMS.filter((p) => url.searchParams.has(p));
  const pick = (i: number) => present[i % present.length];
  switch (m.kind) {
    case 'set-param': {
      const name = pick(m.index);
      if (url.searchParams.get(name) === m.value) return null;
      url.searchParams.set(name, m.value);
      break;
    }
    case 'flip-char': {
      const name = pick(m.index);
      const value = url.searchParams.get(name)!;
      const at = m.at % value.length;
      const c = value[at];
      const replacement = /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c === 'a' ? 'b' : 'a';
      url.searchParams.set(name, value.slice(0, at) + replacement + value.slice(at + 1));
      break;
    }
    case 'drop-param':
      url.searchParams.delete(pick(m.index));
      break;
    case 'duplicate-param':
      url.searchParams.append(pick(m.index), m.value);
      break;
    case 'add-param':
      if (url.searchParams.has(m.name)) url.searchParams.append(m.name, m.value);
      else url.searchParams.set(m.name, m.value);
      break;
    case 'path': {
      const parts = url.pathname.split('/'); // ['', 's3', bucket, key]
      const key = parts[3];
      if (m.how === 'flip-key') {
        const at = m.at % key.length;
        const c = key[at] === 'a' ? 'b' : 'a';
        parts[3] = key.slice(0, at) + c + key.slice(at + 1);
        if (parts[3] === key) return null;
      } else if (m.how === 'other-bucket') parts[2] = 'media';
      else if (m.how === 'append') parts[3] = `${key}x`;
      else if (m.how === 'prefix') parts.splice(3, 0, 'sub');
      else if (m.how === 'case') parts[3] = key.toUpperCase();
      else parts[3] = `${key.slice(0, 4)}%2F${key.slice(4)}`;
      url.pathname = parts.join('/');
      break;
    }
    case 'content-type':
      if (headers['Content-Type'] === m.value) return null;
      headers['Content-Type'] = m.value;
      break;
  }
  if (url.toString() === signed.url && JSON.stringify(headers) === JSON.stringify(signed.headers)) return null;
  return { url: url.toString(), headers };
}

describe('signed upload URLs (property, HTTP level)', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ worker: false, flags: { uploadRateLimit: 1000 } });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function freshSignedUrl(multipart: boolean): Promise<SignedUrl> {
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'p.mp4', size: BODY.length, contentType: 'video/mp4', multipart });
    expect(created.status).toBe(201);
    if (!multipart) return { url: created.json.upload.url, headers: created.json.upload.headers };
    const parts = await api.request('POST', `/api/v1/uploads/${created.json.video.id}/parts`, { uploadId: created.json.upload.uploadId, partNumbers: [1] });
    expect(parts.status).toBe(200);
    return { url: parts.json.parts[0].url, headers: parts.json.parts[0].headers ?? {} };
  }

  const put = async (s: SignedUrl) => {
    const res = await fetch(s.url, { method: 'PUT', headers: s.headers, body: BODY });
    await res.arrayBuffer();
    return res.status;
  };

  it('any change to a signed part → 403; unchanged → 200', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), mutationArb, async (multipart, m) => {
        const signed = await freshSignedUrl(multipart);
        const changed = mutate(signed, m);
        fc.pre(changed !== null);
        const status = await put(changed!);
        const context = `${JSON.stringify(m)}: ${changed!.url} ${JSON.stringify(changed!.headers)}`;
        // An encoded "/" inside the key is refused as a malformed path (400) before any signature check.
        if (m.kind === 'path' && m.how === 'encode') expect([400, 403], context).toContain(status);
        else expect(status, context).toBe(403);
        expect(await put(signed)).toBe(200);
      }),
      { numRuns: 40 },
    );
  });

  it('no Content-Type at all → refused (415 before the signature is even read), nothing stored', async () => {
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'n.mp4', size: BODY.length, contentType: 'video/mp4' });
    const { upload, video } = created.json;
    for (const headers of [{ 'Content-Type': '' }, {}] as Array<Record<string, string>>) {
      const status = await put({ url: upload.url, headers });
      expect([403, 415]).toContain(status);
    }
    expect(await server.rt.sources.head((await server.rt.catalog.getVideo(video.id))!.sourceKey)).toBeNull();
  });

  it('a body larger than signed → refused, nothing stored', async () => {
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'small.mp4', size: 4, contentType: 'video/mp4' });
    const { upload, video } = created.json;
    const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: BODY });
    expect([400, 403, 413]).toContain(res.status);
    const record = await server.rt.catalog.getVideo(video.id);
    expect(await server.rt.sources.head(record!.sourceKey)).toBeNull();
  });

  it('a URL signed with the right key but past its expiry → 403', async () => {
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'late.mp4', size: BODY.length, contentType: 'video/mp4' });
    const { upload, video } = created.json;
    const record = await server.rt.catalog.getVideo(video.id);
    const signer = new UrlSigner({ secret: server.rt.secret, clock: server.rt.clock });
    const expiresAt = Math.floor(Date.now() / 1000) - 60;
    const query = signer.sign({ method: 'PUT', bucket: 'sources', key: record!.sourceKey, contentType: upload.headers['Content-Type'], maxSize: BODY.length, expiresAt });
    const late = new URL(upload.url);
    late.search = query.toString();
    expect(await put({ url: late.toString(), headers: upload.headers })).toBe(403);
    // The same signer with a future expiry is accepted: the refusal above is the expiry alone.
    late.search = signer.sign({ method: 'PUT', bucket: 'sources', key: record!.sourceKey, contentType: upload.headers['Content-Type'], maxSize: BODY.length, expiresAt: expiresAt + 3600 }).toString();
    expect(await put({ url: late.toString(), headers: upload.headers })).toBe(200);
  });
});
