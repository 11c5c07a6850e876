import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeMxf } from '../support/mxf.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * The content type a client declares is a hint: an MXF file (which browsers declare as
 * application/mxf, RFC 4539) goes through whatever type was declared, even none, the signed PUT
 * wants exactly the type the upload's `headers` name, and the video keeps the type its bytes show.
 * Playlists and pages are still refused before any byte is sent.
 */
describe('declared content types are hints; the bytes decide', () => {
  let server: TestServer;
  let api: ApiClient;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let mxf: string;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-types-');
    mxf = await makeMxf(temp.dir);
    server = await startTestServer({ flags: { uploadRateLimit: 1000 } });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  /** Declared type (undefined: no contentType field) → the Content-Type the signed PUT wants. */
  const cases: Array<[string | undefined, string]> = [
    ['application/mxf', 'application/mxf'],
    ['application/octet-stream', 'application/octet-stream'],
    ['', 'application/octet-stream'],
    [undefined, 'application/octet-stream'],
    ['video/mp4', 'video/mp4'],
    ['text/vnd.trolltech.linguist', 'application/octet-stream'],
  ];

  for (const [declared, signed] of cases) {
    it(`an MXF declared as ${JSON.stringify(declared ?? 'nothing')} is accepted, encoded, and stored as application/mxf`, { timeout: 120_000 }, async () => {
      const size = (await stat(mxf)).size;
      const body: Record<string, unknown> = { filename: 'camera.mxf', size };
      if (declared !== undefined) body.contentType = declared;
      const created = await api.request('POST', '/api/v1/uploads', body);
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const { upload, video } = created.json;
      expect(upload.headers['Content-Type']).toBe(signed);
      const put = await fetch(upload.url, {
        method: 'PUT',
        headers: { ...upload.headers, 'Content-Length': String(size) },
        body: Readable.toWeb(createReadStream(mxf)) as unknown as BodyInit,
        duplex: 'half',
      } as RequestInit);
      expect(put.status, await put.clone().text()).toBe(200);
      await put.arrayBuffer();
      const settled = await api.waitSettled(video.id);
      expect(settled.status, settled.error).toBe('ready');
      expect(settled).toMatchObject({ width: 320, height: 240 });
      expect((await server.rt.catalog.getVideo(video.id))?.contentType).toBe('application/mxf');
    });
  }

  it('playlists, lists and pages are still refused before any byte is sent', async () => {
    for (const body of [
      { filename: 'list.m3u8', size: 10 },
      { filename: 'list.ffconcat', size: 10, contentType: 'application/octet-stream' },
      { filename: 'notes.txt', size: 10, contentType: '' },
      { filename: 'page.html', size: 10, contentType: 'video/mp4' },
      { filename: 'clip.mp4', size: 10, contentType: 'text/html' },
      { filename: 'clip.mp4', size: 10, contentType: 'application/vnd.apple.mpegurl' },
      { filename: 'clip.mp4', size: 10, contentType: 'audio/x-mpegurl; charset=utf-8' },
    ]) {
      const r = await api.request('POST', '/api/v1/uploads', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message, JSON.stringify(body)).toMatch(/not a video or audio file/);
    }
  });
});
