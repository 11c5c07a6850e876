import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ServerProcess } from '../lib/server-process.ts';
import { run } from '../lib/timed-run.ts';

/**
 * Upload throughput: a signed single PUT of a file (sent by node's http client) to a server process
 * (local-disk store, which writes a temp file, hashes it for the ETag, fsyncs and renames it),
 * against a plain copy of the same file on the same disk (cp, then fsync). The server's peak RSS is read from /proc after each
 * upload, with the peak reset before it, so that it shows what that upload needed.
 */
export interface UploadRow {
  sizeMiB: number;
  putMiBps: number;
  putSec: number;
  copyMiBps: number;
  copySec: number;
  /** Server peak RSS during this upload, and its RSS when idle before it. */
  peakRssMiB: number;
  idleRssMiB: number;
}

export async function benchUpload(server: ServerProcess, path: string, scratchDir: string): Promise<UploadRow> {
  const size = (await stat(path)).size;
  const sizeMiB = size / 1024 / 1024;
  const idle = await server.memory();
  await server.resetPeak();

  const created = await fetch(new URL('/api/v1/uploads', server.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ filename: 'big.mp4', size, contentType: 'video/mp4' }),
  });
  if (created.status !== 201) throw new Error(`create upload: ${created.status} ${await created.text()}`);
  const { upload, video } = (await created.json()) as { upload: { url: string; headers: Record<string, string> }; video: { id: string } };
  const t0 = performance.now();
  const put = await putFile(upload.url, { ...upload.headers, 'Content-Length': String(size) }, path);
  const putSec = (performance.now() - t0) / 1000;
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${put.text}`);
  const peak = await server.memory();
  await fetch(new URL(`/api/v1/videos/${video.id}`, server.url), { method: 'DELETE', headers: { Authorization: `Bearer ${server.token}` } });

  await mkdir(scratchDir, { recursive: true });
  const target = join(scratchDir, 'copy.bin');
  await rm(target, { force: true });
  const t1 = performance.now();
  await run('cp', [path, target]);
  const handle = await open(target, 'r+');
  await handle.sync();
  await handle.close();
  const copySec = (performance.now() - t1) / 1000;
  await rm(target, { force: true });

  return {
    sizeMiB,
    putSec,
    putMiBps: sizeMiB / putSec,
    copySec,
    copyMiBps: sizeMiB / copySec,
    peakRssMiB: peak.peakMiB,
    idleRssMiB: idle.rssMiB,
  };
}

/**
 * PUT of a file with node's http client, the file piped into the request: the client costs little
 * CPU, as a browser or curl uploading from another machine would (fetch with a web stream body costs
 * about as much CPU as the server and would be measured instead of it).
 */
async function putFile(url: string, headers: Record<string, string>, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), req).catch(reject);
  });
}
