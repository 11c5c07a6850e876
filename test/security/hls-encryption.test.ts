import { spawn } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { HlsKeys } from '../../src/core/auth/hls-keys.ts';
import { ivFor } from '../../src/adapters/transcoder/ffmpeg/encrypt-rendition.ts';
import { launchChromium } from '../web/browser.ts';

const FFMPEG = process.env.VODKIT_FFMPEG ?? 'ffmpeg';
const HLS_JS = fileURLToPath(new URL('../../node_modules/hls.js/dist/hls.min.js', import.meta.url));

function run(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('HLS AES-128 encryption per video', () => {
  let server: TestServer;
  let api: ApiClient;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let encrypted: any;
  let plain: any;
  let token: string;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-hls-enc-');
    server = await startTestServer();
    api = new ApiClient(server.url, server.token);
    const clip = await makeClip(temp.dir, 'landscape', { seconds: 4 });
    const encId = await api.upload(clip.path, { encrypt: true });
    const plainId = await api.upload(clip.path);
    encrypted = await api.waitSettled(encId);
    plain = await api.waitSettled(plainId);
    token = new URL(encrypted.playback.hls).searchParams.get('token')!;
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  const get = (path: string) => fetch(new URL(path, server.url));
  const media = (video: any, rel: string, tok: string | null = token) => get(`/media/${video.id}/${rel}${tok ? `?token=${encodeURIComponent(tok)}` : ''}`);

  it('an encrypted upload becomes ready and says so; a plain one does not', () => {
    expect(encrypted.status, encrypted.error).toBe('ready');
    expect(encrypted.encrypted).toBe(true);
    expect(plain.status, plain.error).toBe('ready');
    expect(plain.encrypted).toBeUndefined();
    expect(encrypted.renditions.length).toBeGreaterThan(1);
  });

  it('every media playlist has an AES-128 EXT-X-KEY whose URI carries the token; the plain video has none', async () => {
    for (const r of encrypted.renditions) {
      const res = await media(encrypted, `${r.name}/index.m3u8`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const m = /^#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"$/m.exec(text);
      expect(m, text).not.toBeNull();
      expect(m![1]).toBe(`../keys/k1.key?token=${encodeURIComponent(token)}`);
      // The init segment stays in the clear: the key applies after EXT-X-MAP.
      expect(text.indexOf('#EXT-X-MAP')).toBeLessThan(text.indexOf('#EXT-X-KEY'));
    }
    const plainToken = new URL(plain.playback.hls).searchParams.get('token')!;
    const text = await (await media(plain, `${plain.renditions[0].name}/index.m3u8`, plainToken)).text();
    expect(text).not.toContain('#EXT-X-KEY');
  });

  it('the key endpoint: 200 with the token, 16 bytes, private no-store, the derived key', async () => {
    const res = await media(encrypted, 'keys/k1.key');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('accept-ranges')).toBe('none');
    const key = Buffer.from(await res.arrayBuffer());
    expect(key.length).toBe(16);
    expect(key.equals(new HlsKeys(server.rt.secret).keyFor(encrypted.id))).toBe(true);
    expect(key.equals(new HlsKeys(server.rt.secret).keyFor(plain.id))).toBe(false);
    // A range request still gets the whole key.
    const ranged = await fetch(new URL(`/media/${encrypted.id}/keys/k1.key?token=${encodeURIComponent(token)}`, server.url), { headers: { Range: 'bytes=0-3' } });
    expect(ranged.status).toBe(200);
    expect(Buffer.from(await ranged.arrayBuffer()).length).toBe(16);
  });

  it('the key endpoint: 401 without a token, 403 with another video\'s token, 404 for another kid or a plain video', async () => {
    expect((await media(encrypted, 'keys/k1.key', null)).status).toBe(401);
    const otherToken = new URL(plain.playback.hls).searchParams.get('token')!;
    expect((await media(encrypted, 'keys/k1.key', otherToken)).status).toBe(403);
    expect((await media(encrypted, 'keys/k2.key')).status).toBe(404);
    expect((await media(plain, 'keys/k1.key', otherToken)).status).toBe(404);
  });

  it('a signed-in owner gets the key without a playback token', async () => {
    const res = await fetch(new URL(`/media/${encrypted.id}/keys/k1.key`, server.url), { headers: { Authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(16);
  });

  it('the media store holds no key', async () => {
    const objects = await server.rt.media.list(`${encrypted.id}/`);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.filter((o) => o.key.endsWith('.key') || o.key.includes('/keys/'))).toEqual([]);
    expect(objects.some((o) => o.key.startsWith(`${encrypted.id}/source/`))).toBe(false); // no clear stream copy
  });

  it('an HLS client (ffmpeg) plays the tokenized master URL over HTTP: it fetches the key and decrypts', async () => {
    const decoded = await run(FFMPEG, [
      '-hide_banner', '-nostdin', '-v', 'error', '-xerror',
      '-allowed_extensions', 'ALL', '-protocol_whitelist', 'http,tcp,crypto',
      '-i', encrypted.playback.hls, '-map', '0:v:0', '-f', 'null', '-',
    ]);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stderr.trim()).toBe('');
  });

  it('hls.js in Chromium plays the encrypted video (it fetches the key with the token and decrypts)', async () => {
    const browser = await launchChromium();
    try {
      // bypassCSP: hls.js is injected into a same-origin page of the server for this check only.
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(new URL(r.url()).pathname));
      await page.goto(encrypted.poster);
      await page.addScriptTag({ path: HLS_JS });
      const outcome = await page.evaluate(async (src: string) => {
        const Hls = (window as any).Hls;
        if (!Hls.isSupported()) return { ok: false, reason: 'hls.js not supported', errors: [] as string[] };
        const video = document.createElement('video');
        video.muted = true;
        document.body.appendChild(video);
        const errors: string[] = [];
        let failed!: (v: unknown) => void;
        const fatal = new Promise((r) => (failed = r));
        const hls = new Hls();
        hls.on(Hls.Events.ERROR, (_e: unknown, data: { type: string; details: string; fatal: boolean }) => {
          errors.push(`${data.type}/${data.details}${data.fatal ? ' (fatal)' : ''}`);
          if (data.fatal) failed(null);
        });
        hls.loadSource(src);
        hls.attachMedia(video);
        await Promise.race([new Promise((r) => hls.on(Hls.Events.MANIFEST_PARSED, r)), fatal]);
        await Promise.race([video.play().catch(() => {}), fatal]);
        const end = Date.now() + 30_000;
        while (video.currentTime < 2.5 && Date.now() < end && !errors.some((e) => e.includes('fatal') || /decrypt|key/i.test(e))) {
          await new Promise((r) => setTimeout(r, 100));
        }
        return { ok: video.currentTime >= 2.5, reason: `currentTime ${video.currentTime}`, errors };
      }, encrypted.playback.hls);
      expect(outcome.errors.filter((e) => e.includes('fatal') || /key|decrypt/i.test(e))).toEqual([]);
      expect(outcome.ok, outcome.reason).toBe(true);
      expect(requests).toContain(`/media/${encrypted.id}/keys/k1.key`);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('segments are not plain fMP4; decrypted with the served key they are, and ffmpeg decodes them', async () => {
    const key = Buffer.from(await (await media(encrypted, 'keys/k1.key')).arrayBuffer());
    const rung = encrypted.renditions[0].name;
    const playlist = await (await media(encrypted, `${rung}/index.m3u8`)).text();
    const sequence = Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(playlist)?.[1] ?? 0);
    const uris = playlist.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('?')[0]);
    expect(uris.length).toBeGreaterThan(0);
    const init = Buffer.from(await (await media(encrypted, `${rung}/init.mp4`)).arrayBuffer());
    expect(init.subarray(4, 8).toString('latin1')).toBe('ftyp');

    const dir = join(temp.dir, 'decrypted');
    await mkdir(dir, { recursive: true });
    const parts: Buffer[] = [init];
    for (const [i, uri] of uris.entries()) {
      const enc = Buffer.from(await (await media(encrypted, `${rung}/${uri}`)).arrayBuffer());
      expect(enc.length % 16).toBe(0);
      expect(['styp', 'moof']).not.toContain(enc.subarray(4, 8).toString('latin1'));
      const decipher = createDecipheriv('aes-128-cbc', key, ivFor(sequence + i));
      const clear = Buffer.concat([decipher.update(enc), decipher.final()]);
      expect(['styp', 'moof']).toContain(clear.subarray(4, 8).toString('latin1'));
      parts.push(clear);
    }
    const file = join(dir, 'rendition.mp4');
    await writeFile(file, Buffer.concat(parts));
    const decoded = await run(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-protocol_whitelist', 'file', '-xerror', '-i', file, '-f', 'null', '-']);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stderr.trim()).toBe('');
  });
});
