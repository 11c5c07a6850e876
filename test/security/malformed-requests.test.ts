import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { leaksInternals } from './support/raw-http.ts';

/**
 * Requests refused before vodkit's own code runs (by Node's HTTP parser, by Fastify's body
 * parsers) answer in vodkit's error shape, `{ "error": { "code", "message" } }`, with the usual
 * security headers and never a framework code; a signed PUT with the wrong Content-Type is told
 * which one its URL was signed for.
 */
describe('malformed requests answer in vodkit error shape', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Sends raw bytes on a new TCP connection; resolves with everything the server sent once it closes the connection. */
  function rawExchange(bytes: Buffer): Promise<string> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
      socket.setTimeout(20_000, () => socket.destroy(new Error('the server kept the connection open')));
      socket.write(bytes);
    });
  }

  function parseResponse(text: string): { status: number; headers: Map<string, string>; body: string } {
    const split = text.indexOf('\r\n\r\n');
    const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
    const headers = new Map(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
  }

  function expectVodkitError(body: string, context: string): { code: string; message: string } {
    expect(body, context).not.toMatch(/FST_|statusCode|Client Error/);
    expect(leaksInternals(body), context).toBe(false);
    const json = JSON.parse(body) as { error: { code: string; message: string } };
    expect(Object.keys(json), context).toEqual(['error']);
    expect(json.error.code, context).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(json.error.message.length, context).toBeGreaterThan(10);
    return json.error;
  }

  const cases: Array<[string, Buffer, number]> = [
    ['Content-Length: -1', Buffer.from('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}'), 400],
    ['raw UTF-8 in an API path', Buffer.from('GET /api/v1/vidéos HTTP/1.1\r\nHost: x\r\n\r\n', 'utf8'), 400],
    ['raw UTF-8 in a media path', Buffer.from('GET /media/é/master.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n', 'utf8'), 400],
    ['a request line that is not HTTP', Buffer.from('HELLO THERE\r\n\r\n'), 400],
    ['two Content-Length headers that disagree', Buffer.from('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'), 400],
    ['a header block larger than allowed', Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431],
  ];
  for (const [name, bytes, status] of cases) {
    it(`${name} → ${status} in vodkit's shape, with the security headers, connection closed`, async () => {
      const res = parseResponse(await rawExchange(bytes));
      expect(res.status, name).toBe(status);
      expect(res.headers.get('content-type'), name).toMatch(/^application\/json/);
      expect(res.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), name).toBe('DENY');
      expect(res.headers.get('connection'), name).toBe('close');
      expectVodkitError(res.body, name);
    });
  }

  it('the same server answers a well-formed request on a new connection', async () => {
    const res = parseResponse(await rawExchange(Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')));
    expect(res.status).toBe(200);
  });

  it('bodies that are not JSON get vodkit codes, not framework codes', async () => {
    const post = async (path: string, headers: Record<string, string>, body: string | undefined) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, ...headers }, body });
      return { status: res.status, body: await res.text() };
    };
    for (const [headers, body] of [
      [{ 'Content-Type': 'text/xml' }, '<a/>'],
      [{ 'Content-Type': 'text/plain' }, '{"filename":"a.mp4","size":10}'],
      [{ 'Content-Type': 'application/x-www-form-urlencoded' }, 'filename=a.mp4&size=10'],
      [{ 'Content-Type': 'multipart/form-data; boundary=x' }, '--x\r\n\r\nhi\r\n--x--'],
    ] as Array<[Record<string, string>, string]>) {
      for (const path of ['/api/v1/session', '/api/v1/uploads']) {
        const res = await post(path, headers, body);
        const context = `${path} ${JSON.stringify(headers)}`;
        expect(res.status, context).toBe(415);
        const error = expectVodkitError(res.body, context);
        expect(error.code).toBe('UnsupportedMediaType');
        expect(error.message).toMatch(/application\/json/);
      }
    }
    const empty = await post('/api/v1/uploads', { 'Content-Type': 'application/json' }, '');
    expect(empty.status).toBe(400);
    expect(expectVodkitError(empty.body, 'empty JSON').code).toBe('ValidationError');
    const broken = await post('/api/v1/uploads', { 'Content-Type': 'application/json' }, '{"filename":');
    expect(broken.status).toBe(400);
    expect(expectVodkitError(broken.body, 'broken JSON').code).toBe('ValidationError');
    const large = await post('/api/v1/uploads', { 'Content-Type': 'application/json' }, JSON.stringify({ x: 'a'.repeat(1_200_000) }));
    expect(large.status).toBe(413);
    expect(expectVodkitError(large.body, 'large JSON').code).toBe('EntityTooLarge');
    // A well-formed body still works on the same routes.
    const ok = await api.request('POST', '/api/v1/uploads', { filename: 'a.mp4', size: 10, contentType: 'video/mp4' });
    expect(ok.status).toBe(201);
  });

  it('a signed PUT with another Content-Type is told which one the URL was signed for; nothing is stored', async () => {
    const body = Buffer.from('0123456789');
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'clip.mp4', size: body.length, contentType: 'video/mp4' });
    expect(created.status).toBe(201);
    const { upload, video } = created.json;
    expect(upload.headers['Content-Type']).toBe('video/mp4');
    const sourceKey = (await server.rt.catalog.getVideo(video.id))!.sourceKey;
    for (const sent of ['video/webm', 'application/octet-stream', 'video/mp4; charset=utf-8', null]) {
      const res = await fetch(upload.url, { method: 'PUT', headers: sent === null ? {} : { 'Content-Type': sent }, body: new Uint8Array(body) });
      const text = await res.text();
      const context = `sent ${sent}: ${text}`;
      expect([403, 415], context).toContain(res.status);
      if (res.status === 415) continue; // no Content-Type at all is refused before the signature is read
      const error = expectVodkitError(text, context);
      expect(error.code, context).toBe('SignatureDoesNotMatch');
      expect(error.message, context).toContain('Content-Type: video/mp4,');
      expect(error.message, context).toContain(sent === null ? 'no Content-Type' : JSON.stringify(sent));
    }
    expect(await server.rt.sources.head(sourceKey)).toBeNull();
    // A changed URL still gets only the bare answer: nothing about what it was signed for.
    const tampered = new URL(upload.url);
    tampered.searchParams.set('X-Vodkit-Content-Type', 'video/webm');
    const forged = await fetch(tampered, { method: 'PUT', headers: { 'Content-Type': 'video/webm' }, body: new Uint8Array(body) });
    expect(forged.status).toBe(403);
    expect(await forged.text()).not.toContain('signed for');
    const ok = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(body) });
    expect(ok.status, await ok.clone().text()).toBe(200);
  });
});
