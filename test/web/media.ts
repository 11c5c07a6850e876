import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-800)}`))));
  });
}

/** A short colourful H.264/AAC clip (testsrc2 + a tone). */
export async function makeClip(dir: string, name: string, options: { seconds: number; width: number; height: number }): Promise<string> {
  const path = join(dir, name);
  await run('ffmpeg', [
    '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${options.width}x${options.height}:rate=25`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(options.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', '-movflags', '+faststart',
    path,
  ]);
  return path;
}

/**
 * A file of `size` bytes that a browser recognises as MP4 (an ftyp box) but is otherwise random:
 * enough for upload tests (byte-exact checks), and the server refuses it when it probes it.
 */
export async function makeFakeMp4(dir: string, name: string, size: number): Promise<{ path: string; sha256: string }> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  const ftyp = Buffer.from('0000001c667479706d703432000000006d70343269736f6d61766331', 'hex');
  let written = 0;
  for (const chunk of [ftyp]) {
    out.write(chunk);
    written += chunk.length;
  }
  while (written < size) {
    const chunk = randomBytes(Math.min(1024 * 1024, size - written));
    if (!out.write(chunk)) await once(out, 'drain');
    written += chunk.length;
  }
  out.end();
  await once(out, 'finish');
  return { path, sha256: await sha256File(path) };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function sha256Stream(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
