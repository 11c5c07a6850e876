import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import type { ServerProcess } from '../lib/server-process.ts';
import { run } from '../lib/timed-run.ts';
import { startS3rver } from '../../test/support/s3rver.ts';

const S3_CHILD = fileURLToPath(new URL('../s3-put-child.ts', import.meta.url));

/**
 * Upload throughput against the disk: a signed single PUT, or a multipart upload with its parts
 * sent in parallel (as the web app does), of a file (sent by curl, or node's http client without it) to a server process
 * (local-disk store), and a plain copy of the same file on the same disk (cp, then fsync), run one
 * after the other (the upload first, then the copy first, in turn), `repeats` times; the medians are compared. The server's peak RSS (VmHWM, reset
 * before each upload) and the CPU seconds it spent are read from /proc.
 */
export interface UploadRow {
  label: string;
  sizeMiB: number;
  repeats: number;
  /** Medians. */
  vodkitSec: number;
  copySec: number;
  /** Server RSS before the first upload, and its highest peak during one. */
  idleRssMiB: number;
  peakRssMiB: number;
  /** Median server CPU seconds (user + system) per GiB uploaded. */
  cpuSecPerGiB: number;
}

export type Sender = (server: ServerProcess, path: string, size: number) => Promise<void>;

export async function compareWithCopy(
  server: ServerProcess,
  label: string,
  path: string,
  scratchDir: string,
  repeats: number,
  send: Sender,
): Promise<UploadRow> {
  const size = (await stat(path)).size;
  const idle = await server.memory();
  const runs: Array<{ sec: number; copySec: number; peak: number; cpu: number }> = [];
  for (let i = 0; i < repeats; i++) {
    // Which goes first alternates: on a disk whose speed drifts over a series of writes (a cloud
    // disk's burst allowance, discards of the files just removed), the first of a pair has the
    // faster disk.
    const copy = () => copyWithFsync(path, scratchDir);
    const copiedFirst = i % 2 === 1 ? await copy() : null;
    await server.resetPeak();
    const cpu0 = await server.cpuSeconds();
    const t0 = performance.now();
    await send(server, path, size);
    const sec = (performance.now() - t0) / 1000;
    const cpu = (await server.cpuSeconds()) - cpu0;
    const peak = (await server.memory()).peakMiB;
    runs.push({ sec, copySec: copiedFirst ?? (await copy()), peak, cpu });
  }
  const gib = size / 1024 ** 3;
  return {
    label,
    sizeMiB: size / 1024 ** 2,
    repeats,
    vodkitSec: median(runs.map((r) => r.sec)),
    copySec: median(runs.map((r) => r.copySec)),
    idleRssMiB: idle.rssMiB,
    peakRssMiB: Math.max(...runs.map((r) => r.peak)),
    cpuSecPerGiB: median(runs.map((r) => r.cpu / gib)),
  };
}

/** cp (no sparse copy: every byte is written, as an upload writes it) then fsync of the copy; seconds. */
export async function copyWithFsync(path: string, scratchDir: string): Promise<number> {
  await mkdir(scratchDir, { recursive: true });
  const target = join(scratchDir, 'copy.bin');
  await rm(target, { force: true });
  const t0 = performance.now();
  await run('cp', ['--sparse=never', path, target]);
  const handle = await open(target, 'r+');
  await handle.sync();
  await handle.close();
  const sec = (performance.now() - t0) / 1000;
  await rm(target, { force: true });
  return sec;
}

/** A signed single PUT of the file, then the video deleted (its upload removed). */
export function singlePut(client: UploadClient): Sender {
  return async (server, path, size) => {
    const { upload, video } = await createUpload(server, size, false);
    const headers = { ...upload.headers, 'Content-Length': String(size) };
    const [put] = client === 'curl' ? await curlPutFiles([{ file: path, url: upload.url, headers }]) : [await nodePut(upload.url, headers, path)];
    if (put.status !== 200) throw new Error(`PUT: ${put.status}`);
    await deleteVideo(server, video.id);
  };
}

/** A multipart upload: parts signed, sent `parallel` at a time, completed; then the video deleted. */
export function multipartPut(parallel: number, client: UploadClient): Sender {
  return async (server, path, size) => {
    const { upload, video } = await createUpload(server, size, true);
    const { uploadId, partSize, partCount } = upload as unknown as { uploadId: string; partSize: number; partCount: number };
    const signed = new Map<number, { url: string; headers: Record<string, string> }>();
    for (let first = 1; first <= partCount; first += 100) {
      const partNumbers = Array.from({ length: Math.min(100, partCount - first + 1) }, (_, i) => first + i);
      const res = await api(server, 'POST', `/api/v1/uploads/${video.id}/parts`, { uploadId, partNumbers });
      for (const p of res.parts as Array<{ partNumber: number; url: string; headers: Record<string, string> }>) signed.set(p.partNumber, p);
    }
    const etags: Array<{ partNumber: number; etag: string }> = [];
    let worker: () => Promise<void>;
    if (client === 'curl') {
      // One curl per connection, sending its share of the parts one after the other on a kept-alive
      // connection, as a browser does; the parts are files of their own (curl sends whole files).
      const files = await partFiles(path, size, partSize);
      let w = 0;
      worker = async () => {
        const mine = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => (n - 1) % parallel === w);
        w++;
        for (const r of await curlPutFiles(mine.map((n) => ({ file: files[n - 1], ...signed.get(n)! })))) {
          if (r.status !== 200) throw new Error(`part ${mine[r.index]}: ${r.status}`);
          etags.push({ partNumber: mine[r.index], etag: r.etag });
        }
      };
    } else {
      let next = 1;
      worker = async () => {
        while (next <= partCount) {
          const n = next++;
          const start = (n - 1) * partSize;
          const end = Math.min(size, start + partSize);
          const part = signed.get(n)!;
          const res = await nodePut(part.url, { ...part.headers, 'Content-Length': String(end - start) }, path, start, end - 1);
          if (res.status !== 200) throw new Error(`part ${n}: ${res.status} ${res.text}`);
          etags.push({ partNumber: n, etag: res.etag });
        }
      };
    }
    await Promise.all(Array.from({ length: parallel }, worker));
    etags.sort((a, b) => a.partNumber - b.partNumber);
    await api(server, 'POST', `/api/v1/uploads/${video.id}/complete`, { uploadId, parts: etags });
    await deleteVideo(server, video.id);
  };
}

async function createUpload(server: ServerProcess, size: number, multipart: boolean) {
  return (await api(server, 'POST', '/api/v1/uploads', { filename: 'big.mp4', size, contentType: 'video/mp4', ...(multipart ? { multipart } : {}) })) as {
    upload: { url: string; headers: Record<string, string> };
    video: { id: string };
  };
}

async function deleteVideo(server: ServerProcess, id: string): Promise<void> {
  await fetch(new URL(`/api/v1/videos/${id}`, server.url), { method: 'DELETE', headers: { Authorization: `Bearer ${server.token}` } });
}

async function api(server: ServerProcess, method: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(new URL(path, server.url), {
    method,
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** How the bench sends a file: curl (a C client, as a user's upload from another machine costs the server's cores nothing), else node's http client. */
export type UploadClient = 'curl' | 'node';

/** curl when it is installed: node's http client needs about 1.8 CPU seconds per GiB, taken from the two cores the server runs on. */
export async function uploadClient(): Promise<UploadClient> {
  try {
    await run('curl', ['--version']);
    return 'curl';
  } catch {
    return 'node';
  }
}

/** The file cut into files of `partSize` bytes beside it (made once, kept for later runs); their paths in order. */
async function partFiles(path: string, size: number, partSize: number): Promise<string[]> {
  const dir = `${path}.parts-${partSize}`;
  const count = Math.ceil(size / partSize);
  const paths = Array.from({ length: count }, (_, i) => join(dir, `part-${String(i + 1).padStart(5, '0')}`));
  const done = join(dir, 'complete');
  if (await stat(done).then(() => true, () => false)) return paths;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const start = i * partSize;
    await pipeline(createReadStream(path, { start, end: Math.min(size, start + partSize) - 1 }), createWriteStream(paths[i]));
  }
  await writeFile(done, '');
  return paths;
}

/** PUTs of whole files, one after the other, by one curl on one kept-alive connection; each one's status and ETag, in order. */
function curlPutFiles(puts: Array<{ file: string; url: string; headers: Record<string, string> }>): Promise<Array<{ index: number; status: number; etag: string }>> {
  return new Promise((resolve, reject) => {
    const args = puts.flatMap((p, i) => [
      ...(i > 0 ? ['--next'] : []),
      '-sS',
      '-X',
      'PUT',
      '-T',
      p.file,
      ...Object.entries({ ...p.headers, Expect: '' }).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
      '-o',
      '/dev/null',
      '-w',
      `${i} %{http_code} %header{etag}\\n`,
      p.url,
    ]);
    const curl = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    curl.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    curl.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    curl.once('error', reject);
    curl.once('close', (code) => {
      if (code !== 0) return reject(new Error(`curl failed (exit ${code}): ${err.trim()}`));
      resolve(
        out
          .trim()
          .split('\n')
          .map((line) => {
            const [index, status, ...etag] = line.split(' ');
            return { index: Number(index), status: Number(status), etag: etag.join(' ') };
          }),
      );
    });
  });
}

/**
 * node's http client, the file piped into the request (fetch with a web stream body costs about
 * as much CPU as the server and would be measured instead of it).
 */
function nodePut(url: string, headers: Record<string, string>, path: string, start?: number, end?: number): Promise<{ status: number; text: string; etag: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, etag: String(res.headers.etag ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(createReadStream(path, { highWaterMark: 1024 * 1024, start, end }), req).catch(reject);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The S3 adapter's streamed put (bench/s3-put-child.ts) to s3rver: its speed and the putting process's memory. */
export interface S3PutRow {
  sizeMiB: number;
  seconds: number;
  idleMiB: number;
  peakMiB: number;
}

export async function s3PutToS3rver(bytes: number): Promise<S3PutRow> {
  const s3 = await startS3rver();
  try {
    const out = await run(process.execPath, ['--import', 'tsx', S3_CHILD, JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, credentials: s3.credentials, bytes })]);
    const r = JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; idleMiB: number; peakMiB: number; size: number };
    if (r.size !== bytes) throw new Error(`the S3 put stored ${r.size} bytes of ${bytes}`);
    return { sizeMiB: bytes / 1024 ** 2, seconds: r.seconds, idleMiB: r.idleMiB, peakMiB: r.peakMiB };
  } finally {
    await s3.stop();
  }
}
