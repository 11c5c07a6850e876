import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * Slow clients do not hold connections: request headers must arrive within VODKIT_HEADERS_TIMEOUT,
 * a body must keep making progress (VODKIT_BODY_TIMEOUT), an idle keep-alive connection is closed
 * after VODKIT_KEEPALIVE_TIMEOUT. A slow upload that keeps sending still finishes, however long
 * it takes. The timeouts are set to a second here so that the tricklers need no long waits; each
 * trickler sends for a bounded time and the test fails if the server has not closed by then.
 */
describe('slow clients', () => {
  let server: TestServer;
  let api: ApiClient;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let clip: Buffer;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-slow-');
    clip = await readFile((await makeClip(temp.dir, 'landscape', { seconds: 2 })).path);
    server = await startTestServer({ worker: false, flags: { headersTimeoutSec: 1, bodyTimeoutSec: 1, keepAliveTimeoutSec: 1 } });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  const signedUpload = async (size: number) => {
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'slow.mp4', size, contentType: 'video/mp4' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return { id: created.json.video.id as string, url: new URL(created.json.upload.url), headers: created.json.upload.headers as Record<string, string> };
  };

  it('a client sending one header line at a time is answered 408 and disconnected', async () => {
    const conn = await open(server.url);
    conn.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // Up to 20 s of header lines, 4 a second: the server must close long before.
    const lines = await trickle(conn, 80, 250, (i) => `X-Slow-${i}: 1\r\n`);
    expect(lines, 'header lines sent before the server closed').toBeLessThan(80);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a connection that never sends a request is closed', async () => {
    const conn = await open(server.url);
    await Promise.race([conn.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('still open after 20 s')), 20_000))]);
  });

  it('a signed PUT trickling one byte at a time is answered 408, disconnected, and stores nothing', async () => {
    const upload = await signedUpload(clip.length);
    const conn = await open(server.url);
    const headers = Object.entries({ ...upload.headers, 'Content-Length': String(clip.length) }).map(([k, v]) => `${k}: ${v}\r\n`);
    conn.socket.write(`PUT ${upload.url.pathname}${upload.url.search} HTTP/1.1\r\nHost: x\r\n${headers.join('')}\r\n`);
    // One byte every 200 ms for up to 20 s.
    const bytes = await trickle(conn, 100, 200, (i) => clip.subarray(i, i + 1));
    expect(bytes, 'body bytes sent before the server closed').toBeLessThan(100);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect((await api.request('GET', `/api/v1/videos/${upload.id}`)).json.status).toBe('uploading');
    const sourceKey = (await server.rt.catalog.getVideo(upload.id))!.sourceKey;
    expect(await server.rt.sources.head(sourceKey)).toBeNull();
  });

  it('an API body trickling in is answered 408 too', async () => {
    const body = JSON.stringify({ filename: 'x.mp4', size: 1000, contentType: 'video/mp4' });
    const conn = await open(server.url);
    conn.socket.write(
      `POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const bytes = await trickle(conn, 100, 200, (i) => body.slice(i, i + 1));
    expect(bytes).toBeLessThan(100);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a slow upload that keeps sending finishes, though it takes several times the body timeout', async () => {
    const upload = await signedUpload(clip.length);
    const conn = await open(server.url);
    const headers = Object.entries({ ...upload.headers, 'Content-Length': String(clip.length) }).map(([k, v]) => `${k}: ${v}\r\n`);
    conn.socket.write(`PUT ${upload.url.pathname}${upload.url.search} HTTP/1.1\r\nHost: x\r\n${headers.join('')}\r\n`);
    // About 3.5 s in 36 slices, 100 ms apart (the timeout is 1 s): progress in every second.
    const slice = Math.ceil(clip.length / 36);
    const started = Date.now();
    for (let off = 0; off < clip.length; off += slice) {
      expect(conn.isClosed(), `closed after ${off} bytes: ${conn.received()}`).toBe(false);
      conn.socket.write(clip.subarray(off, off + slice));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Date.now() - started).toBeGreaterThan(3000);
    await waitUntil(() => conn.received().includes('\r\n\r\n'));
    expect(conn.received()).toMatch(/^HTTP\/1\.1 200 /);
    const sourceKey = (await server.rt.catalog.getVideo(upload.id))!.sourceKey;
    expect((await server.rt.sources.head(sourceKey))?.size).toBe(clip.length);
    conn.socket.destroy();
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const conn = await open(server.url);
    conn.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await waitUntil(() => conn.received().includes('"ok"'));
    expect(conn.received()).toMatch(/^HTTP\/1\.1 200 /);
    await Promise.race([conn.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('still open after 20 s')), 20_000))]);
  });
});

interface Conn {
  socket: Socket;
  received(): string;
  isClosed(): boolean;
  closed: Promise<void>;
}

async function open(base: string): Promise<Conn> {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  let isClosed = false;
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  return { socket, received: () => text, isClosed: () => isClosed, closed };
}

/** Writes `piece(i)` every `everyMs` until the server closes or `count` were sent; returns how many were sent. */
async function trickle(conn: Conn, count: number, everyMs: number, piece: (i: number) => string | Buffer): Promise<number> {
  for (let i = 0; i < count; i++) {
    if (conn.isClosed()) return i;
    conn.socket.write(piece(i));
    await Promise.race([conn.closed, new Promise((r) => setTimeout(r, everyMs))]);
  }
  conn.socket.destroy();
  return count;
}

async function waitUntil(fn: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
