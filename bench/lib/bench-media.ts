import { randomFillSync } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, readdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeMedia } from '../../src/adapters/transcoder/ffmpeg/probe.ts';
import type { MediaInfo } from '../../src/core/model/media-info.ts';
import { run } from './timed-run.ts';

/** A benchmark input: a file, its probe (null when it is not media vodkit can read), a short label. */
export interface BenchInput {
  label: string;
  path: string;
  media: MediaInfo | null;
  /** Why it could not be probed. */
  error: string | null;
}

/** Every file of the media corpus (../shared/media or VODKIT_TEST_MEDIA), probed; none when it is missing. */
export async function corpusInputs(dir: string): Promise<BenchInput[]> {
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => !n.endsWith('.md') && !n.startsWith('.')).sort();
  const inputs: BenchInput[] = [];
  for (const name of names) inputs.push(await probeInput(name, join(dir, name)));
  return inputs;
}

export async function probeInput(label: string, path: string): Promise<BenchInput> {
  try {
    return { label, path, media: await probeMedia(path, { ffprobePath: 'ffprobe' }), error: null };
  } catch (err) {
    return { label, path, media: null, error: (err as Error).message };
  }
}

/**
 * A long 1080p30 H.264 High / AAC clip (testsrc2 with light temporal noise, so that it costs what
 * camera footage costs to encode; keyframes every 2 s; about 6-7 Mbit/s): a "standard" upload.
 * Kept in the cache folder between runs.
 */
export async function longClip(cacheDir: string, seconds: number): Promise<string> {
  return noisyTestClip(cacheDir, `long-1080p30-${seconds}s.mp4`, seconds, ['-profile:v', 'high', '-pix_fmt', 'yuv420p']);
}

/**
 * A 1080p30 H.264 High 10 clip (yuv420p10le, testsrc2 with light temporal noise; keyframes every
 * 2 s) with AAC: a deep-colour upload, not fit for a stream copy (re-encoded to 8-bit). Kept in the
 * cache folder between runs.
 */
export async function tenBitClip(cacheDir: string, seconds: number): Promise<string> {
  return noisyTestClip(cacheDir, `10bit-1080p30-${seconds}s.mp4`, seconds, ['-profile:v', 'high10', '-pix_fmt', 'yuv420p10le']);
}

/** 1080p30 testsrc2 with light temporal noise and a sine tone, H.264 (`profile`: profile and pixel format) / AAC, made once into the cache folder. */
async function noisyTestClip(cacheDir: string, name: string, seconds: number, profile: string[]): Promise<string> {
  const path = join(cacheDir, name);
  if (existsSync(path)) return path;
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${path}.part.mp4`;
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${seconds},noise=alls=2:allf=t`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'veryfast', ...profile, '-crf', '21', '-maxrate', '8M', '-bufsize', '16M',
    '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-shortest', '-movflags', '+faststart', tmp,
  ]);
  await rename(tmp, path);
  return path;
}

/**
 * `times` copies of a clip joined end to end by stream copy (no encoding, so it is made in the time
 * it takes to write it): an hour-long upload from the 10-minute clip. Kept in the cache folder.
 */
export async function joinedCopies(source: string, times: number): Promise<string> {
  const path = source.replace(/\.mp4$/, `-x${times}.mp4`);
  if (existsSync(path)) return path;
  const list = `${path}.txt`;
  await writeFile(list, Array.from({ length: times }, () => `file '${source.replace(/'/g, "'\\''")}'\n`).join(''));
  const tmp = `${path}.part.mp4`;
  await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', '-movflags', '+faststart', tmp]);
  await rename(tmp, path);
  await rm(list, { force: true });
  return path;
}

/** The same clip with a 90-degree display matrix: not fit for a stream copy (re-encoded upright). */
export async function rotatedCopy(source: string): Promise<string> {
  const path = source.replace(/\.mp4$/, '-rotated.mp4');
  if (existsSync(path)) return path;
  const tmp = `${path}.part.mp4`;
  await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', source, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90', tmp]);
  await rename(tmp, path);
  return path;
}

/** A sparse file of `bytes` bytes behind an MP4 file-type box: a 10 GiB upload that takes no room and is read at memory speed. */
export async function sparseFile(cacheDir: string, bytes: number): Promise<string> {
  const path = join(cacheDir, `sparse-${bytes}.bin`);
  if (existsSync(path) && (await stat(path)).size === bytes) return path;
  await mkdir(cacheDir, { recursive: true });
  await writeFile(`${path}.part`, FTYP);
  await truncate(`${path}.part`, bytes);
  await rename(`${path}.part`, path);
  return path;
}

const FTYP = Buffer.from('0000001c667479706d703432000000006d70343269736f6d61766331', 'hex');

/** A file of `bytes` random bytes behind an MP4 file-type box (what a browser would call video/mp4). */
export async function bigFile(cacheDir: string, bytes: number): Promise<string> {
  const path = join(cacheDir, `upload-${bytes}.bin`);
  if (existsSync(path) && (await stat(path)).size === bytes) return path;
  await mkdir(cacheDir, { recursive: true });
  const out = createWriteStream(`${path}.part`);
  out.write(FTYP);
  let written = FTYP.length;
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  while (written < bytes) {
    const n = Math.min(chunk.length, bytes - written);
    randomFillSync(chunk, 0, n);
    if (!out.write(Buffer.from(chunk.subarray(0, n)))) await once(out, 'drain');
    written += n;
  }
  out.end();
  await once(out, 'finish');
  await rename(`${path}.part`, path);
  return path;
}
