import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { must, type VodkitApi } from './api.ts';
import { VodkitApiError } from './errors.ts';
import type { CreatedUpload, NewUpload, SignedParts, StoredParts, Video, Visibility } from './models.ts';
import { ResumeRecords, type ResumeRecord } from './resume-records.ts';
import { putSigned, worthRetrying } from './signed-put.ts';

/** What the server has (or is receiving) of an upload. */
export interface UploadProgress {
  phase: 'uploading' | 'finishing';
  loaded: number;
  total: number;
  /** Bytes the server already had from an earlier attempt (a resumed upload). */
  resumedBytes: number;
  partsDone: number;
  /** 1 for an upload in one PUT. */
  partCount: number;
}

export interface UploadOptions {
  /** Default: from the file name. */
  title?: string;
  /** Default: private. */
  visibility?: Visibility;
  /** The name the server keeps (default: the file's). */
  filename?: string;
  /** A hint (the bytes decide); default: none. */
  contentType?: string;
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting stops sending; a multipart upload stays resumable. */
  signal?: AbortSignal;
  /** Where unfinished multipart uploads are remembered (default: the client's `stateDir`; none: no resume). */
  stateDir?: string;
  /** Files larger than this go in parts (default 5 MiB). */
  multipartThreshold?: number;
  /** Parts sent at once (default 3). */
  parallelParts?: number;
}

/** A file path, or a stream of known size (sent in one PUT: give a path for parts and resume). */
export type UploadSource = string | { stream: Readable; size: number; filename: string };

export interface UploadContext {
  api: VodkitApi;
  baseUrl: string;
  fetch: typeof fetch;
  stateDir?: string;
}

type SignedPart = SignedParts['parts'][number];
type StoredPart = StoredParts['parts'][number];
interface Multipart {
  video: Video;
  uploadId: string;
  partSize: number;
}

const DEFAULT_THRESHOLD = 5 * 1024 * 1024;
const SIGN_BATCH = 10;
const MAX_ATTEMPTS = 4;

/**
 * Uploads a file and returns its video: one signed PUT, or (above the threshold) signed parts a
 * few at a time, each retried with backoff, remembered in the state dir so that uploading the same
 * file again after an interruption sends only the parts the server does not have. Then completes.
 */
export async function uploadVideo(ctx: UploadContext, source: UploadSource, options: UploadOptions = {}): Promise<Video> {
  if (typeof source !== 'string') return uploadWhole(ctx, source.stream, source.size, { ...options, filename: options.filename ?? source.filename });
  const path = resolve(source);
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${source} is not a file`);
  const filename = options.filename ?? basename(path);
  if (info.size <= (options.multipartThreshold ?? DEFAULT_THRESHOLD)) {
    return uploadWhole(ctx, createReadStream(path), info.size, { ...options, filename });
  }
  const stateDir = options.stateDir ?? ctx.stateDir;
  const records = stateDir ? new ResumeRecords(stateDir) : null;
  const key = { server: ctx.baseUrl, path, size: info.size, mtimeMs: Math.floor(info.mtimeMs) };
  const found = await records?.find(key);
  const adopted = found ? await adopt(ctx, found, records!) : null;
  let upload: Multipart;
  let record: ResumeRecord | null = null;
  if (adopted) {
    ({ upload, record } = adopted);
  } else {
    const created = await createUpload(ctx, { filename, size: info.size, multipart: true }, options);
    if (created.upload.method !== 'MULTIPART') throw new Error('the server did not start a multipart upload');
    upload = { video: created.video, uploadId: created.upload.uploadId, partSize: created.upload.partSize };
    record = records ? { ...key, videoId: upload.video.id, uploadId: upload.uploadId, partSize: upload.partSize, parts: {}, savedAt: '' } : null;
    if (record) await records!.save(record);
  }
  const parts = await sendParts(ctx, path, info.size, upload, record, records, options);
  options.onProgress?.({ phase: 'finishing', loaded: info.size, total: info.size, resumedBytes: 0, partsDone: parts.length, partCount: parts.length });
  const video = await complete(ctx, upload.video.id, { uploadId: upload.uploadId, parts }, options.signal);
  await records?.forget(upload.video.id);
  return video;
}

async function createUpload(
  ctx: UploadContext,
  what: { filename: string; size: number; multipart?: boolean },
  options: UploadOptions,
): Promise<CreatedUpload> {
  const body: NewUpload = { ...what, title: options.title, visibility: options.visibility, contentType: options.contentType };
  const { data } = await ctx.api.POST('/api/v1/uploads', { body, signal: options.signal });
  return must<CreatedUpload>(data);
}

async function complete(ctx: UploadContext, id: string, body: { uploadId?: string; parts?: Array<{ partNumber: number; etag: string }> }, signal?: AbortSignal): Promise<Video> {
  const { data } = await ctx.api.POST('/api/v1/uploads/{id}/complete', {
    params: { path: { id } },
    body,
    signal,
  });
  return must(data).video;
}

/** One PUT of the whole body, then completion (which tells a store without events of the file). */
async function uploadWhole(ctx: UploadContext, stream: Readable, size: number, options: UploadOptions & { filename: string }): Promise<Video> {
  const created = await createUpload(ctx, { filename: options.filename, size }, options);
  if (created.upload.method === 'MULTIPART') throw new Error('the server started a multipart upload where one PUT was asked for');
  const progress = (loaded: number, phase: UploadProgress['phase'] = 'uploading') =>
    options.onProgress?.({ phase, loaded, total: size, resumedBytes: 0, partsDone: phase === 'finishing' ? 1 : 0, partCount: 1 });
  progress(0);
  try {
    await putSigned(ctx.fetch, created.upload, stream, size, { onSent: progress, signal: options.signal });
  } catch (err) {
    // Nothing to resume from: the video waiting for this file goes (an upload again starts afresh).
    await ctx.api.DELETE('/api/v1/uploads/{id}', { params: { path: { id: created.video.id }, query: {} } }).catch(() => undefined);
    throw err;
  }
  progress(size, 'finishing');
  return complete(ctx, created.video.id, {}, options.signal);
}

/** Continues the upload a record remembers, if the server still has it; else forgets the record. */
async function adopt(ctx: UploadContext, record: ResumeRecord, records: ResumeRecords): Promise<{ upload: Multipart; record: ResumeRecord } | null> {
  try {
    const { data } = await ctx.api.GET('/api/v1/videos/{id}', { params: { path: { id: record.videoId } } });
    const video: Video = must(data);
    if (video.status === 'uploading') return { upload: { video, uploadId: record.uploadId, partSize: record.partSize }, record };
  } catch (err) {
    if (!(err instanceof VodkitApiError && err.status >= 400 && err.status < 500 && err.status !== 401)) throw err;
  }
  await records.forget(record.videoId);
  return null;
}

/** The parts the server has: its own list, or the record's where it cannot list them. */
async function storedParts(ctx: UploadContext, upload: Multipart, record: ResumeRecord | null): Promise<StoredPart[]> {
  try {
    const { data } = await ctx.api.GET('/api/v1/uploads/{id}/parts', {
      params: { path: { id: upload.video.id }, query: { uploadId: upload.uploadId } },
    });
    return must<StoredParts>(data).parts;
  } catch (err) {
    if (!(err instanceof VodkitApiError && (err.status === 404 || err.status === 405 || err.status === 501)) || !record) throw err;
    return Object.entries(record.parts).map(([n, etag]) => ({ partNumber: Number(n), etag, size: -1 }));
  }
}

async function sendParts(
  ctx: UploadContext,
  path: string,
  size: number,
  upload: Multipart,
  record: ResumeRecord | null,
  records: ResumeRecords | null,
  options: UploadOptions,
): Promise<Array<{ partNumber: number; etag: string }>> {
  const { partSize } = upload;
  const partCount = Math.max(1, Math.ceil(size / partSize));
  const bytesOf = (n: number) => (n === partCount ? size - partSize * (partCount - 1) : partSize);
  const etags = new Map<number, string>();
  for (const part of await storedParts(ctx, upload, record)) {
    if (part.partNumber <= partCount && (part.size === -1 || part.size === bytesOf(part.partNumber))) etags.set(part.partNumber, part.etag);
  }
  const resumedBytes = [...etags.keys()].reduce((sum, n) => sum + bytesOf(n), 0);
  let doneBytes = resumedBytes;
  const inFlight = new Map<number, number>();
  const report = () => {
    let loaded = doneBytes;
    for (const bytes of inFlight.values()) loaded += bytes;
    options.onProgress?.({ phase: 'uploading', loaded, total: size, resumedBytes, partsDone: etags.size, partCount });
  };
  report();

  const queue = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !etags.has(n));
  const signed = new Map<number, SignedPart>();
  const sign = async (n: number): Promise<SignedPart> => {
    const cached = signed.get(n);
    if (cached && Date.parse(cached.expiresAt) - Date.now() > 60_000) return cached;
    const batch = [n, ...queue.filter((q) => q !== n && !signed.has(q)).slice(0, SIGN_BATCH - 1)];
    const body = { uploadId: upload.uploadId, partNumbers: batch };
    const { data } = await ctx.api.POST('/api/v1/uploads/{id}/parts', { params: { path: { id: upload.video.id } }, body, signal: options.signal });
    for (const part of must<SignedParts>(data).parts) signed.set(part.partNumber, part);
    const mine = signed.get(n);
    if (!mine) throw new Error(`the server did not sign part ${n}`);
    return mine;
  };

  if (queue.length > 0) await sign(queue[0]); // the first batch at once, for the parallel parts

  // One controller for every part: a failed part (or the caller's abort) stops the others.
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const sendPart = async (n: number) => {
    const start = (n - 1) * partSize;
    for (let attempt = 1; ; attempt++) {
      const request = await sign(n);
      try {
        const stream = createReadStream(path, { start, end: start + bytesOf(n) - 1 });
        const etag = await putSigned(ctx.fetch, request, stream, bytesOf(n), {
          signal: stop.signal,
          onSent: (bytes) => {
            inFlight.set(n, bytes);
            report();
          },
        });
        etags.set(n, etag);
        inFlight.delete(n);
        doneBytes += bytesOf(n);
        if (record && records) {
          record.parts[n] = etag;
          await records.save(record);
        }
        report();
        return;
      } catch (err) {
        inFlight.delete(n);
        signed.delete(n);
        if (stop.signal.aborted || !worthRetrying(err) || attempt >= MAX_ATTEMPTS) throw err;
        await sleep(1000 * 2 ** (attempt - 1), stop.signal);
      }
    }
  };
  let failure: unknown = null;
  const worker = async () => {
    for (let n = queue.shift(); n !== undefined && failure === null; n = queue.shift()) {
      try {
        await sendPart(n);
      } catch (err) {
        failure ??= err;
        stop.abort(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.parallelParts ?? 3, Math.max(1, queue.length)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (options.signal?.aborted) throw options.signal.reason;
  if (failure !== null) throw failure;
  return [...etags.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      if (signal.aborted) reject(signal.reason);
      else resolve();
    }
  });
}
