import { spawn } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptRendition, ivFor } from '../../../src/adapters/transcoder/ffmpeg/encrypt-rendition.ts';
import { HlsKeys } from '../../../src/core/auth/hls-keys.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const FFMPEG = process.env.VODKIT_FFMPEG ?? 'ffmpeg';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A tiny fMP4 HLS rendition (3 s, 2 s segments) in <dir>/<folder>. */
async function makeRendition(dir: string, folder: string): Promise<void> {
  await mkdir(join(dir, folder), { recursive: true });
  const r = await run([
    '-f', 'lavfi', '-i', 'testsrc2=s=160x90:d=3:r=25', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
    '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', join(dir, folder, 'seg_%05d.m4s'), join(dir, folder, 'index.m3u8'),
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
}

describe('encryptRendition (HLS AES-128 of a finished fMP4 rendition)', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  const key = new HlsKeys('s'.repeat(40)).keyFor('video0001');

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-enc-');
  });
  afterAll(async () => {
    await temp?.cleanup();
  });

  it('derives 16-byte keys per video and kid, stable for the same input', () => {
    const keys = new HlsKeys('s'.repeat(40));
    expect(key.length).toBe(16);
    expect(keys.keyFor('video0001').equals(key)).toBe(true);
    expect(keys.keyFor('video0002').equals(key)).toBe(false);
    expect(keys.keyFor('video0001', 'k2').equals(key)).toBe(false);
    expect(new HlsKeys('t'.repeat(40)).keyFor('video0001').equals(key)).toBe(false);
    expect(keys.fileName()).toBe('k1.key');
    expect(() => new HlsKeys('s'.repeat(40), 'bad kid')).toThrow(ValidationError);
  });

  it('encrypts every segment (IV = sequence number), keeps init clear, adds EXT-X-KEY after EXT-X-MAP, writes no key', async () => {
    const dir = join(temp.dir, 'a');
    await makeRendition(dir, 'v0');
    const before = new Map<string, Buffer>();
    for (const f of await readdir(join(dir, 'v0'))) before.set(f, await readFile(join(dir, 'v0', f)));

    await encryptRendition(dir, 'v0', { key, keyUri: '../keys/k1.key' });

    const files = (await readdir(join(dir, 'v0'))).sort();
    expect(files).toEqual([...before.keys()].sort()); // no key, no temp file left
    const playlist = await readFile(join(dir, 'v0', 'index.m3u8'), 'utf8');
    const lines = playlist.split('\n');
    const mapAt = lines.findIndex((l) => l.startsWith('#EXT-X-MAP:'));
    expect(lines[mapAt + 1]).toBe('#EXT-X-KEY:METHOD=AES-128,URI="../keys/k1.key"');
    expect(playlist.match(/#EXT-X-KEY/g)).toHaveLength(1);
    expect((await readFile(join(dir, 'v0', 'init.mp4'))).equals(before.get('init.mp4')!)).toBe(true);

    const segments = lines.filter((l) => l && !l.startsWith('#'));
    expect(segments.length).toBe(2);
    for (const [i, s] of segments.entries()) {
      const enc = await readFile(join(dir, 'v0', s));
      expect(enc.equals(before.get(s)!)).toBe(false);
      const d = createDecipheriv('aes-128-cbc', key, ivFor(i));
      expect(Buffer.concat([d.update(enc), d.final()]).equals(before.get(s)!)).toBe(true);
    }
    await expect(encryptRendition(dir, 'v0', { key, keyUri: '../keys/k1.key' })).rejects.toThrow(/already encrypted/);
  });

  it("ffmpeg's HLS demuxer decrypts it with the key file the URI points at", async () => {
    const dir = join(temp.dir, 'b');
    await makeRendition(dir, 'v0');
    await encryptRendition(dir, 'v0', { key, keyUri: '../keys/k1.key' });
    await mkdir(join(dir, 'keys'));
    await writeFile(join(dir, 'keys', 'k1.key'), key);
    const r = await run(['-allowed_extensions', 'ALL', '-protocol_whitelist', 'file,crypto', '-xerror', '-i', join(dir, 'v0', 'index.m3u8'), '-f', 'framecrc', '-']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^0,/.test(l))).toHaveLength(75);
    // With a wrong key, it does not decode.
    await writeFile(join(dir, 'keys', 'k1.key'), Buffer.alloc(16));
    const wrong = await run(['-allowed_extensions', 'ALL', '-protocol_whitelist', 'file,crypto', '-xerror', '-i', join(dir, 'v0', 'index.m3u8'), '-f', 'framecrc', '-']);
    expect(wrong.code).not.toBe(0);
  });

  it('refuses keys that are not 16 bytes and URIs that would break the playlist', async () => {
    const dir = join(temp.dir, 'c');
    await makeRendition(dir, 'v0');
    await expect(encryptRendition(dir, 'v0', { key: Buffer.alloc(8), keyUri: 'k.key' })).rejects.toBeInstanceOf(ValidationError);
    await expect(encryptRendition(dir, 'v0', { key, keyUri: 'a"b' })).rejects.toBeInstanceOf(ValidationError);
  });
});
