import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_PATHS, FAKE_SEGMENT, MASTER } from './support/fake-video.ts';
import { rawRequest } from './support/raw-http.ts';

/**
 * Path traversal in every path parameter and in upload file names: requests get a 4xx, never a
 * file from outside the store; stored keys are made by the server; nothing outside the data dir
 * is written. Each refusal is paired with the legitimate request next to it answering with the
 * right bytes, so a route that refused everything would fail here.
 */
const CANARY_TEXT = 'CANARY-0f9e8d7c6b5a-do-not-serve';

describe('path traversal', () => {
  let server: TestServer;
  let videoId: string;
  let privateId: string;
  let canaryName: string;

  beforeAll(async () => {
    server = await startTestServer({ worker: false, flags: { uploadRateLimit: 1000 } });
    videoId = (await createFakeVideo(server, { ownerId: null, visibility: 'public' })).id;
    privateId = (await createFakeVideo(server, { ownerId: null, visibility: 'private' })).id;
    // Files a traversal would reach: in the data dir (beside the stores) and in the media store of another video.
    canaryName = 'canary.txt';
    await writeFile(join(server.dataDir, canaryName), CANARY_TEXT);
    await writeFile(join(server.dataDir, 'objects', canaryName), CANARY_TEXT);
    await server.rt.media.put(`${privateId}/secret.txt`, Buffer.from(CANARY_TEXT));
  });
  afterAll(async () => {
    await server?.stop();
  });

  const dots = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '..%00', '..%c0%af', '..\\..'];
  const slashes = ['/', '%2f', '%2F', '%252f', '%5c', '\\'];

  function traversals(prefix: string, target: string): string[] {
    const out: string[] = [];
    for (const d of dots) {
      for (const s of slashes) out.push(`${prefix}${d}${s}${d}${s}${d}${s}${target}`);
    }
    out.push(`${prefix}..;/..;/${target}`, `${prefix}./../${target}`, `${prefix}%2e%2e%2f%2e%2e%2f${target}`);
    return out;
  }

  async function expectRefused(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<void> {
    const res = await rawRequest(server.url, method, path, { headers, body });
    const context = `${method} ${path} → ${res.status}`;
    expect(res.body, context).not.toContain(CANARY_TEXT);
    expect(res.body, context).not.toMatch(/root:.*:0:0:/);
    expect(res.status, context).toBeGreaterThanOrEqual(400);
    expect(res.status, context).toBeLessThan(500);
  }

  /** A legitimate media request: 200 and exactly the stored bytes. */
  interface Served {
    path: string;
    body: string;
  }
  async function expectServed({ path, body }: Served): Promise<void> {
    const res = await rawRequest(server.url, 'GET', path);
    expect(res.status, `GET ${path} (legitimate) → ${res.status}: ${res.body.slice(0, 200)}`).toBe(200);
    expect(res.body, `GET ${path} (legitimate)`).toBe(body);
  }

  /** The legitimate request answers with its file, then the traversal beside it is refused. */
  async function expectRefusedBeside(legit: Served, path: string): Promise<void> {
    await expectServed(legit);
    await expectRefused('GET', path);
  }

  const master = (): Served => ({ path: `/media/${videoId}/${FAKE_PATHS.playlist}`, body: MASTER });
  const segment = (): Served => ({ path: `/media/${videoId}/${FAKE_PATHS.segment}`, body: FAKE_SEGMENT.toString('utf8') });
  /** The private video's file, with a playback token of that video: it is there and servable. */
  const secretWithToken = async (): Promise<Served> => ({
    path: `/media/${privateId}/secret.txt?token=${encodeURIComponent((await server.rt.playbackTokens.issue(privateId)).token)}`,
    body: CANARY_TEXT,
  });

  it('/media/<id>/<path>: every traversal of the file path → 4xx, beside the file served in the same folder', async () => {
    const secret = await secretWithToken();
    for (const target of ['etc/passwd', canaryName, `objects/${canaryName}`, `${privateId}/secret.txt`]) {
      for (const path of traversals(`/media/${videoId}/`, target)) await expectRefusedBeside(master(), path);
      for (const path of traversals(`/media/${videoId}/720p/`, target)) await expectRefusedBeside(segment(), path);
    }
    // The private file the traversals aim at is there, and served to a holder of its token.
    await expectServed(secret);
  });

  it('/media/<id>/...: traversal in the video id → 4xx, beside the video served by its id', async () => {
    const secret = await secretWithToken();
    for (const path of [
      ...traversals('/media/', 'etc/passwd'),
      ...traversals('/media/', `${privateId}/secret.txt`),
      `/media/${videoId}%2f..%2f${privateId}/secret.txt`,
      `/media/${videoId}%2F..%2F${privateId}/secret.txt`,
      `/media/..%2f${privateId}/secret.txt`,
      `/media/%2e%2e/${privateId}/secret.txt`,
      `/media//${privateId}/secret.txt`,
    ]) {
      await expectRefusedBeside(master(), path);
    }
    // Exists, but the video is private: refused without its token, served with it.
    await expectRefusedBeside(secret, `/media/${privateId}/secret.txt`);
  });

  it('/media: absolute, dot-file and odd paths → 4xx, beside a segment served', async () => {
    for (const file of ['/etc/passwd', '%2fetc%2fpasswd', '.hidden', '720p/.', '720p/..', '.', 'a//b', '~/x', 'C:%5cwindows', `${'a/'.repeat(60)}x`]) {
      await expectRefusedBeside(segment(), `/media/${videoId}/${file}`);
    }
  });

  it('/api/v1/videos/<id> and /api/v1/uploads/<id>: traversal in the id → 4xx for GET, PATCH, DELETE, POST; the same request with a real id succeeds', async () => {
    const auth = { Authorization: `Bearer ${server.token}` };
    const json = { ...auth, 'Content-Type': 'application/json' };
    const send = (method: string, path: string, headers: Record<string, string>, body?: string) => rawRequest(server.url, method, path, { headers, body });
    const newUpload = async (multipart: boolean) => {
      const created = await send('POST', '/api/v1/uploads', json, JSON.stringify({ filename: 'ok.mp4', size: 10, contentType: 'video/mp4', multipart }));
      expect(created.status, created.body).toBe(201);
      return JSON.parse(created.body) as { video: { id: string }; upload: { url: string; headers: Record<string, string>; uploadId?: string } };
    };
    const patch = JSON.stringify({ title: 'renamed by a traversal' });
    for (const id of ['..%2f..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..', `${videoId}%2f..`, `${videoId}%00`, `..%5c..`, '....//', `${videoId}/../${videoId}`]) {
      const before = await server.rt.catalog.getVideo(videoId);

      const got = await send('GET', `/api/v1/videos/${videoId}`, auth);
      expect(got.status).toBe(200);
      expect(JSON.parse(got.body).id).toBe(videoId);
      await expectRefused('GET', `/api/v1/videos/${id}`, auth);

      await expectRefused('PATCH', `/api/v1/videos/${id}`, json, patch);
      expect(await server.rt.catalog.getVideo(videoId)).toEqual(before);

      const doomed = (await createFakeVideo(server, { ownerId: null, visibility: 'public' })).id;
      await expectRefused('DELETE', `/api/v1/videos/${id}`, auth);
      expect(await server.rt.catalog.getVideo(videoId)).toEqual(before);
      expect((await send('DELETE', `/api/v1/videos/${doomed}`, auth)).status).toBe(204);
      expect(await server.rt.catalog.getVideo(doomed)).toBeNull();

      const single = await newUpload(false);
      const put = await fetch(single.upload.url, { method: 'PUT', headers: single.upload.headers, body: Buffer.from('0123456789') });
      expect(put.status).toBe(200);
      await expectRefused('POST', `/api/v1/uploads/${id}/complete`, json, '{}');
      const completed = await send('POST', `/api/v1/uploads/${single.video.id}/complete`, json, '{}');
      expect(completed.status, completed.body).toBe(200);
      expect(JSON.parse(completed.body).video.id).toBe(single.video.id);

      const multi = await newUpload(true);
      const query = `uploadId=${encodeURIComponent(multi.upload.uploadId!)}`;
      await expectRefused('GET', `/api/v1/uploads/${id}/parts?${query}`, auth);
      const parts = await send('GET', `/api/v1/uploads/${multi.video.id}/parts?${query}`, auth);
      expect(parts.status, parts.body).toBe(200);
      expect(JSON.parse(parts.body)).toEqual({ parts: [] });
    }
    // The videos named are still there, unchanged.
    expect((await server.rt.catalog.getVideo(videoId))?.title).toBe('fake public');
  });

  it('/s3/<bucket>/<key>: traversal in the signed upload path → 4xx, nothing written; the signed path itself stores the file', async () => {
    const before = await listTree(server.dataDir);
    const stored: string[] = [];
    /** What the legitimate uploads may write: the object and the store's record of it. */
    const written: string[] = [];
    for (const path of [
      ...traversals('/s3/sources/', 'escape.mp4'),
      ...traversals('/s3/', 'escape.mp4'),
      '/s3/..%2fmedia/escape.mp4',
      '/s3/media/escape.mp4',
    ]) {
      // A fresh signed URL: its signature goes with the traversal, then with its own path.
      const api = new ApiClient(server.url, server.token);
      const created = await api.request('POST', '/api/v1/uploads', { filename: 'legit.mp4', size: 11, contentType: 'video/mp4' });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const signed = new URL(created.json.upload.url);
      const headers = created.json.upload.headers as Record<string, string>;
      const res = await rawRequest(server.url, 'PUT', `${path}${signed.search}`, { headers, body: 'not allowed' });
      expect(res.status, `PUT ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `PUT ${path}`).toBeLessThan(500);
      const legit = await rawRequest(server.url, 'PUT', `${signed.pathname}${signed.search}`, { headers, body: 'the upload' });
      expect(legit.status, `PUT ${signed.pathname}: ${legit.body}`).toBe(200);
      const record = await server.rt.catalog.getVideo(created.json.video.id);
      stored.push(join('objects', 'sources', record!.sourceKey));
      written.push(join('objects', 'sources', record!.sourceKey), join('objects', 'sources', '.vodkit', 'meta', record!.sourceKey));
    }
    const after = await listTree(server.dataDir);
    expect(after.filter((f) => /escape/.test(f))).toEqual([]);
    expect(stored.filter((f) => !after.includes(f))).toEqual([]);
    expect(after.filter((f) => !before.includes(f) && !written.includes(f) && !/\.db(-wal|-shm|-journal)?$/.test(f))).toEqual([]);
    expect(outsideDataDir(server.dataDir, 'escape.mp4').filter((p) => existsSync(p))).toEqual([]);
  });

  /** Each case: a client-chosen filename → the server-made key, and nothing outside the store. */
  const filenames: Array<[string, number]> = [
    ['../../etc/passwd.mp4', 201],
    ['..\\..\\windows\\evil.mp4', 201],
    ['/etc/cron.d/evil.mp4', 201],
    ['%2e%2e%2f%2e%2e%2fevil.mp4', 201],
    ['....//....//evil.mp4', 201],
    ['evil.mp4/../../../../tmp/x.mp4', 201],
    ['evil\u0000.mp4', 400],
    ['evil\n.mp4', 400],
    ['../../playlist.m3u8', 400],
    ['list.ffconcat', 400],
    ['.mp4', 201],
    ['a'.repeat(300) + '.mp4', 400],
  ];

  for (const [filename, status] of filenames) {
    it(`upload filename ${JSON.stringify(filename.slice(0, 40))} → ${status}; the stored key is server-made`, async () => {
      const api = new ApiClient(server.url, server.token);
      const body = Buffer.from('0123456789');
      const created = await api.request('POST', '/api/v1/uploads', { filename, size: body.length, contentType: 'video/mp4' });
      expect(created.status, JSON.stringify(created.json)).toBe(status);
      if (status !== 201) {
        // The same request with an ordinary name is accepted.
        const ok = await api.request('POST', '/api/v1/uploads', { filename: 'ordinary.mp4', size: body.length, contentType: 'video/mp4' });
        expect(ok.status, JSON.stringify(ok.json)).toBe(201);
        return;
      }
      const { video, upload } = created.json;
      const record = await server.rt.catalog.getVideo(video.id);
      expect(record!.sourceKey).toMatch(new RegExp(`^${video.id}(\\.[a-z0-9]{1,5})?$`));
      expect(record!.filename).not.toMatch(/[\\/]/);
      expect(new URL(upload.url).pathname).toBe(`/s3/sources/${record!.sourceKey}`);
      const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
      expect(put.status).toBe(200);
      const stored = await listTree(join(server.dataDir, 'objects', 'sources'));
      expect(stored).toContain(record!.sourceKey);
      const everything = await listTree(server.dataDir);
      expect(everything.filter((f) => /passwd|evil|cron|windows|tmp\/x/.test(f))).toEqual([]);
      for (const name of ['passwd.mp4', 'evil.mp4', 'x.mp4']) {
        expect(outsideDataDir(server.dataDir, name).filter((p) => existsSync(p))).toEqual([]);
      }
    });
  }
});

/** Where a file name would land if a traversal escaped the data dir by one to four levels. */
function outsideDataDir(dataDir: string, name: string): string[] {
  const parent = dirname(dataDir);
  return [join(parent, name), join(dirname(parent), name), join('/', name), join('/etc', name), join('/etc/cron.d', name), join('/tmp', name)];
}

/** Every file below `root`, relative; missing or unreadable folders count as empty. */
async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full, depth + 1);
      else out.push(relative(root, full));
    }
  };
  await walk(root, 0);
  return out;
}
