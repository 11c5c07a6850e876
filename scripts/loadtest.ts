/**
 * A bounded load test of one `vodkit serve` on loopback (embedded adapters): N concurrent uploads of
 * M MB each through signed URLs, while V concurrent viewers fetch playlists and segments of a ready
 * video like a player does. Every stored upload is checked byte for byte (SHA-256); any 5xx, any
 * failed or corrupted upload is an error.
 *
 *   npm run loadtest -- [--uploads 50] [--upload-mb 50] [--viewers 200] [--view-seconds 30] [--write-doc docs/benchmarks.md]
 *
 * Exit code 1 when there was any error. The figures are printed as a Markdown section; with
 * --write-doc they replace the "Load test" section of that file (or are appended to it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface LoadTestOptions {
  uploads: number;
  uploadMB: number;
  viewers: number;
  /** Viewers keep watching at least this long (and until every upload is done). */
  viewSeconds: number;
  /** Length of the video the viewers watch (default 30 s). */
  clipSeconds?: number;
  log?: (line: string) => void;
}

export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  options: LoadTestOptions;
  machine: string;
  uploads: {
    ok: number;
    failed: number;
    corrupted: number;
    bytes: number;
    seconds: number;
    /** Megabytes (10^6 bytes) per second, all uploads together. */
    mbPerSec: number;
    /** Seconds per upload, from its creation call to the stored answer. */
    latency: Latency;
    errors: string[];
  };
  viewers: {
    requests: number;
    seconds: number;
    requestsPerSec: number;
    mbPerSec: number;
    playlist: Latency;
    segment: Latency;
    status: Record<string, number>;
    serverErrors: number;
    errors: string[];
  };
  ok: boolean;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'vodkit.js');
const MB = 1_000_000;

export async function runLoadTest(options: LoadTestOptions): Promise<LoadReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = await mkdtemp(join(tmpdir(), 'vodkit-loadtest-'));
  const dataDir = join(dir, 'data');
  const env = {
    ...process.env,
    VODKIT_LOG_LEVEL: 'warn',
    VODKIT_UPLOAD_RATE_LIMIT: '100000',
    VODKIT_X264_PRESET: 'superfast',
    VODKIT_SECRET: 'loadtest-secret-0123456789abcdef-0123456789',
  };
  let server: Server | null = null;
  try {
    // 1. A ready, public video for the viewers (transcoded before the load starts).
    log('preparing the video the viewers watch...');
    const clip = join(dir, 'clip.mp4');
    await run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${options.clipSeconds ?? 30}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:duration=${options.clipSeconds ?? 30}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-shortest', clip]);
    server = await startServer(dataDir, env, []);
    const token = (await runVodkit(['tokens', 'create', '--data-dir', dataDir], env)).trim();
    const api = new Api(server.url, token);
    const videoId = await api.uploadFile(clip, 'public');
    const master = await api.waitReady(videoId, 600_000);
    // 2. The same data, API only: the uploads below are stored and queued, not transcoded.
    await server.stop();
    server = await startServer(dataDir, env, ['--no-worker']);
    const base = server.url;
    const api2 = new Api(base, token);
    const masterUrl = new URL(new URL(master).pathname, base).toString();
    const renditions = await playlistsOf(masterUrl);
    log(`load: ${options.uploads} uploads of ${options.uploadMB} MB, ${options.viewers} viewers on ${renditions.length} renditions`);

    // 3. Viewers and uploads at once.
    const viewers = new ViewerStats();
    let uploadsDone = false;
    const viewStart = performance.now();
    const minEnd = viewStart + options.viewSeconds * 1000;
    const viewerLoops = Array.from({ length: options.viewers }, (_, i) =>
      watchLoop(masterUrl, renditions[i % renditions.length], viewers, () => uploadsDone && performance.now() >= minEnd),
    );
    const uploadStart = performance.now();
    const results = await Promise.all(Array.from({ length: options.uploads }, (_, i) => uploadOne(new Api(base, token), i, options.uploadMB * MB)));
    const uploadSeconds = (performance.now() - uploadStart) / 1000;
    uploadsDone = true;
    await Promise.all(viewerLoops);
    const viewSeconds = (performance.now() - viewStart) / 1000;

    // 4. Every stored upload, byte for byte.
    log('checking every stored upload...');
    const errors: string[] = [];
    let corrupted = 0;
    for (const r of results) {
      if (r.error || !r.id) continue;
      const stored = join(dataDir, 'objects', 'sources', `${r.id}.bin`);
      const digest = await sha256File(stored).catch((err: Error) => `missing: ${err.message}`);
      if (digest !== r.sha256) {
        corrupted++;
        errors.push(`upload ${r.index}: stored bytes differ (${digest.slice(0, 16)} != ${r.sha256.slice(0, 16)})`);
      }
      const status = await api2.status(r.id);
      if (status !== 'queued') errors.push(`upload ${r.index}: status ${status} after upload, expected queued`);
    }
    for (const r of results) if (r.error) errors.push(`upload ${r.index}: ${r.error}`);
    const okUploads = results.filter((r) => !r.error);
    const report: LoadReport = {
      options,
      machine: `${cpus().length} CPU (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`,
      uploads: {
        ok: okUploads.length,
        failed: results.length - okUploads.length,
        corrupted,
        bytes: okUploads.length * options.uploadMB * MB,
        seconds: round(uploadSeconds),
        mbPerSec: round((okUploads.length * options.uploadMB) / uploadSeconds),
        latency: latency(okUploads.map((r) => r.seconds)),
        errors,
      },
      viewers: {
        requests: viewers.requests,
        seconds: round(viewSeconds),
        requestsPerSec: round(viewers.requests / viewSeconds),
        mbPerSec: round(viewers.bytes / MB / viewSeconds),
        playlist: latency(viewers.playlist),
        segment: latency(viewers.segment),
        status: viewers.status,
        serverErrors: viewers.serverErrors,
        errors: viewers.errors.slice(0, 20),
      },
      ok: false,
    };
    report.ok = errors.length === 0 && report.uploads.failed === 0 && viewers.serverErrors === 0 && viewers.errors.length === 0;
    if (server.exitCode() !== null) {
      report.ok = false;
      errors.push(`the server exited during the test: ${server.stderr().slice(-500)}`);
    }
    return report;
  } finally {
    await server?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

// --- uploads -----------------------------------------------------------------------------------

interface UploadResult {
  index: number;
  id: string | null;
  sha256: string;
  seconds: number;
  error: string | null;
}

/** Creates an upload and PUTs `size` deterministic pseudo-random bytes, hashing them as they go. */
async function uploadOne(api: Api, index: number, size: number): Promise<UploadResult> {
  const started = performance.now();
  const hash = createHash('sha256');
  try {
    const created = await api.json('POST', '/api/v1/uploads', { filename: `load-${index}.bin`, size, contentType: 'video/mp4' });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    const { upload, video } = created.body;
    const status = await putStream(upload.url, upload.headers, size, index, hash);
    if (status !== 200) throw new Error(`PUT answered ${status}`);
    return { index, id: video.id, sha256: hash.digest('hex'), seconds: (performance.now() - started) / 1000, error: null };
  } catch (err) {
    return { index, id: null, sha256: '', seconds: (performance.now() - started) / 1000, error: (err as Error).message };
  }
}

function putStream(url: string, headers: Record<string, string>, size: number, seed: number, hash: ReturnType<typeof createHash>): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { ...headers, 'Content-Length': String(size) } }, (res) => {
      res.resume();
      res.on('end', () => resolvePromise(res.statusCode ?? 0));
    });
    req.on('error', reject);
    // AES-256-CTR over zeros: fast, deterministic, incompressible bytes.
    const key = createHash('sha256').update(`vodkit-loadtest-${seed}`).digest();
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const zeros = Buffer.alloc(256 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(zeros.length, size - sent);
        const chunk = cipher.update(zeros.subarray(0, n));
        hash.update(chunk);
        sent += n;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

// --- viewers -----------------------------------------------------------------------------------

class ViewerStats {
  requests = 0;
  bytes = 0;
  serverErrors = 0;
  playlist: number[] = [];
  segment: number[] = [];
  status: Record<string, number> = {};
  errors: string[] = [];
}

/** Plays one rendition from start to end, again and again, until `done()`. */
async function watchLoop(masterUrl: string, playlistUrl: string, stats: ViewerStats, done: () => boolean): Promise<void> {
  const get = async (url: string, kind: 'playlist' | 'segment'): Promise<Buffer | null> => {
    const started = performance.now();
    try {
      const res = await fetch(url);
      const body = Buffer.from(await res.arrayBuffer());
      const ms = performance.now() - started;
      stats.requests++;
      stats.bytes += body.length;
      stats.status[res.status] = (stats.status[res.status] ?? 0) + 1;
      stats[kind].push(ms / 1000);
      if (res.status >= 500) stats.serverErrors++;
      if (res.status !== 200) {
        stats.errors.push(`${res.status} for ${new URL(url).pathname}`);
        return null;
      }
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared !== body.length) stats.errors.push(`${new URL(url).pathname}: ${body.length} of ${declared} bytes`);
      return body;
    } catch (err) {
      stats.errors.push(`${new URL(url).pathname}: ${(err as Error).message}`);
      return null;
    }
  };
  while (!done()) {
    if (!(await get(masterUrl, 'playlist'))) return;
    const text = await get(playlistUrl, 'playlist');
    if (!text) return;
    const lines = text.toString('utf8').split('\n');
    const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(text.toString('utf8'))?.[1];
    const uris = [...(map ? [map] : []), ...lines.filter((l) => l && !l.startsWith('#'))];
    for (const uri of uris) {
      if (!(await get(new URL(uri, playlistUrl).toString(), 'segment'))) return;
      if (done()) return;
    }
  }
}

async function playlistsOf(masterUrl: string): Promise<string[]> {
  const text = await (await fetch(masterUrl)).text();
  const uris = [
    ...text.split('\n').filter((l) => l && !l.startsWith('#')),
    ...[...text.matchAll(/#EXT-X-MEDIA:[^\n]*URI="([^"]+)"/g)].map((m) => m[1]),
  ];
  if (uris.length === 0) throw new Error(`no renditions in ${masterUrl}`);
  return uris.map((u) => new URL(u, masterUrl).toString());
}

// --- server and API -----------------------------------------------------------------------------

interface Server {
  url: string;
  stop(): Promise<void>;
  exitCode(): number | null;
  stderr(): string;
}

async function startServer(dataDir: string, env: NodeJS.ProcessEnv, extra: string[]): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolvePromise, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /vodkit serving on (\S+)/.exec(out);
      if (m) resolvePromise(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`vodkit serve exited ${code}: ${err.slice(-1000)}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    exitCode: () => child.exitCode,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

class Api {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  async json(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(new URL(path, this.base), {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async uploadFile(path: string, visibility: string): Promise<string> {
    const bytes = await readFile(path);
    const created = await this.json('POST', '/api/v1/uploads', { filename: 'viewers.mp4', size: bytes.length, contentType: 'video/mp4', visibility });
    if (created.status !== 201) throw new Error(`create upload: ${created.status}`);
    const put = await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: bytes });
    if (put.status !== 200) throw new Error(`upload: ${put.status}`);
    return created.body.video.id;
  }

  async status(id: string): Promise<string> {
    return (await this.json('GET', `/api/v1/videos/${id}`)).body?.status ?? 'missing';
  }

  async waitReady(id: string, timeoutMs: number): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await this.json('GET', `/api/v1/videos/${id}`);
      if (body.status === 'ready') return body.playback.hls;
      if (body.status === 'failed') throw new Error(`the viewers' video failed: ${body.error}`);
      if (Date.now() > end) throw new Error('the viewers\' video took too long to transcode');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

// --- helpers -------------------------------------------------------------------------------------

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function latency(seconds: number[]): Latency {
  if (seconds.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...seconds].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, p50: round(at(0.5), 4), p99: round(at(0.99), 4), max: round(sorted[sorted.length - 1], 4) };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${command} failed: ${err.slice(-1000)}`))));
  });
}

function runVodkit(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.once('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`vodkit ${args.join(' ')} exited ${code}: ${err.slice(-500)}`))));
  });
}

// --- report ------------------------------------------------------------------------------------

export function markdownReport(r: LoadReport, command: string): string {
  const ms = (s: number) => `${Math.round(s * 1000)} ms`;
  const u = r.uploads;
  const v = r.viewers;
  return [
    '## Load test',
    '',
    `\`${command}\`, on ${r.machine}; client and server on the same machine (loopback), embedded`,
    'adapters (local disk, SQLite), `vodkit serve --no-worker` during the load (uploads are stored and',
    'queued, not transcoded). The viewers watch a ready 720p ladder; uploads and viewers run at the same time.',
    '',
    '| | Result |',
    '|---|---|',
    `| Uploads | ${u.ok} of ${r.options.uploads} × ${r.options.uploadMB} MB stored, ${u.failed} failed, ${u.corrupted} corrupted (SHA-256 of every stored file) |`,
    `| Upload throughput | ${u.mbPerSec} MB/s together (${(u.bytes / 1e9).toFixed(2)} GB in ${u.seconds} s) |`,
    `| Time per upload | p50 ${u.latency.p50.toFixed(1)} s, p99 ${u.latency.p99.toFixed(1)} s |`,
    `| Viewer requests | ${v.requests} in ${v.seconds} s (${v.requestsPerSec}/s), ${v.mbPerSec} MB/s sent |`,
    `| Playlist latency | p50 ${ms(v.playlist.p50)}, p99 ${ms(v.playlist.p99)} (${v.playlist.count} requests) |`,
    `| Segment latency | p50 ${ms(v.segment.p50)}, p99 ${ms(v.segment.p99)} (${v.segment.count} requests) |`,
    `| Status codes | ${Object.entries(v.status).map(([s, n]) => `${s}: ${n}`).join(', ')}; 5xx: ${v.serverErrors} |`,
    `| Verdict | ${r.ok ? 'no lost or corrupted upload, no 5xx' : `ERRORS: ${[...u.errors, ...v.errors].slice(0, 5).join('; ')}`} |`,
    '',
  ].join('\n');
}

/** Replaces the "## Load test" section of `path` (up to the next "## " heading), or appends it. */
export async function writeSection(path: string, section: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const start = text.search(/^## Load test\s*$/m);
  if (start < 0) {
    await writeFile(path, `${text.replace(/\s*$/, '')}${text ? '\n\n' : ''}${section}`);
    return;
  }
  const rest = text.slice(start + 1);
  const next = rest.search(/^## /m);
  const end = next < 0 ? text.length : start + 1 + next;
  await writeFile(path, `${text.slice(0, start)}${section}${next < 0 ? '' : '\n'}${text.slice(end)}`);
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
  return n;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const options: LoadTestOptions = {
    uploads: flag(args, 'uploads', 50),
    uploadMB: flag(args, 'upload-mb', 50),
    viewers: flag(args, 'viewers', 200),
    viewSeconds: flag(args, 'view-seconds', 30),
  };
  const report = await runLoadTest(options);
  const command = `npm run loadtest -- --uploads ${options.uploads} --upload-mb ${options.uploadMB} --viewers ${options.viewers} --view-seconds ${options.viewSeconds}`;
  const section = markdownReport(report, command);
  process.stdout.write(`${section}\n`);
  const doc = args.indexOf('--write-doc');
  if (doc >= 0 && args[doc + 1]) await writeSection(resolve(args[doc + 1]), section);
  if (!report.ok) process.exitCode = 1;
}
