import { api, ApiError, type SignedPut, type Video } from '../api.ts';
import { putBlob, TransferAborted, TransferError, type PutHandle } from './put-blob.ts';
import { findResumable, forgetResumable, saveResumable, type ResumeRecord } from './resume-store.ts';
import { sniffFile, uploadContentType } from './sniff.ts';
import { SpeedMeter } from './speed-meter.ts';

export type UploadPhase = 'waiting' | 'checking' | 'refused' | 'uploading' | 'paused' | 'finishing' | 'done' | 'cancelled' | 'failed';

export interface UploadState {
  phase: UploadPhase;
  total: number;
  loaded: number;
  /** Bytes per second over the last seconds; 0 when unknown. */
  speed: number;
  /** NaN when unknown. */
  secondsLeft: number;
  /** Why it was refused, failed or paused. */
  message: string;
  /** Bytes the server already had from an earlier attempt (a resumed upload). */
  resumedBytes: number;
  video: Video | null;
}

/** Files above this size go in parts (5 MiB is the smallest part size any S3-like store accepts). */
export const MULTIPART_THRESHOLD = 5 * 1024 * 1024;
const PARALLEL_PARTS = 3;
const MAX_ATTEMPTS = 5;
const SIGN_BATCH = 10;
/**
 * How a store refuses a PUT to an upload URL whose object already exists (an upload URL stores one
 * file, once): 403 AccessDenied (the embedded store), 409 or 412 (S3's If-None-Match).
 */
const REFUSED_AS_USED = [403, 409, 412];

/**
 * One file's upload: checks the bytes are media, creates the video, sends the bytes (one signed PUT,
 * or signed parts three at a time, each retried with backoff), completes. Multipart uploads are
 * remembered so that picking the same file again resumes from the parts the server already has.
 */
export class FileUpload {
  state: UploadState;
  private readonly listeners = new Set<(state: UploadState) => void>();
  private readonly meter = new SpeedMeter();
  private readonly active = new Set<PutHandle>();
  private readonly signed = new Map<number, SignedPut>();
  private videoId: string | null = null;
  private uploadId: string | null = null;
  private single: SignedPut | null = null;
  private partSize = 0;
  private cancelled = false;
  private running = false;
  private onlineRetry: (() => void) | null = null;

  constructor(readonly file: File) {
    this.state = { phase: 'waiting', total: file.size, loaded: 0, speed: 0, secondsLeft: Number.NaN, message: '', resumedBytes: 0, video: null };
  }

  onChange(listener: (state: UploadState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get finished(): boolean {
    return ['refused', 'done', 'cancelled', 'failed'].includes(this.state.phase);
  }

  /** Checks the file, then uploads it. Never throws: the outcome is in `state`. */
  async start(): Promise<void> {
    this.set({ phase: 'checking' });
    const sniff = await sniffFile(this.file).catch(() => ({ ok: false as const, reason: 'The file cannot be read.' }));
    if (!sniff.ok) {
      this.set({ phase: 'refused', message: sniff.reason });
      return;
    }
    await this.run();
  }

  /** (Re)starts sending; after a pause it continues from what the server has. */
  async run(): Promise<void> {
    if (this.running || this.cancelled || this.finished) return;
    this.running = true;
    this.clearOnlineRetry();
    this.set({ phase: 'uploading', message: '' });
    try {
      if (!this.videoId) {
        await this.begin();
        if (this.cancelled) {
          forgetResumable(this.videoId as string);
          await api.abortUpload(this.videoId as string, this.uploadId ?? undefined).catch(() => {});
          return;
        }
      }
      if (this.uploadId) await this.sendParts();
      else {
        const stored = await this.sendWhole();
        if (stored) {
          forgetResumable(this.videoId as string);
          this.set({ phase: 'done', video: stored, loaded: this.file.size, speed: 0, secondsLeft: Number.NaN, message: '' });
          return;
        }
      }
      this.set({ phase: 'finishing', speed: 0, secondsLeft: Number.NaN });
      const parts = [...this.partEtags.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
      const { video } = await api.completeUpload(this.videoId as string, this.uploadId ? { uploadId: this.uploadId, parts } : {});
      forgetResumable(this.videoId as string);
      this.set({ phase: 'done', video, loaded: this.file.size });
    } catch (err) {
      if (this.cancelled || err instanceof TransferAborted) return;
      const retryable = (err instanceof TransferError && err.retryable) || (err instanceof ApiError && (err.status === 0 || err.status >= 500));
      if (retryable) {
        this.set({ phase: 'paused', speed: 0, secondsLeft: Number.NaN, message: `${errorText(err)} The upload is paused and continues when the connection is back.` });
        this.onlineRetry = () => void this.run();
        window.addEventListener('online', this.onlineRetry, { once: true });
      } else {
        this.set({ phase: 'failed', speed: 0, secondsLeft: Number.NaN, message: errorText(err) });
      }
    } finally {
      this.running = false;
    }
  }

  /** Stops sending and tells the server to forget the upload. */
  async cancel(): Promise<void> {
    if (this.finished || this.state.phase === 'finishing') return;
    this.cancelled = true;
    this.clearOnlineRetry();
    for (const handle of this.active) handle.abort();
    this.set({ phase: 'cancelled', speed: 0, secondsLeft: Number.NaN, message: 'Upload cancelled.' });
    if (this.videoId) {
      forgetResumable(this.videoId);
      await api.abortUpload(this.videoId, this.uploadId ?? undefined).catch(() => {});
    }
  }

  /** Stops sending but keeps the upload on the server: picking the same file later resumes it. */
  abandon(): void {
    if (this.finished) return;
    this.cancelled = true;
    this.clearOnlineRetry();
    for (const handle of this.active) handle.abort();
  }

  // --- steps -------------------------------------------------------------------------------

  private async begin(): Promise<void> {
    const record = findResumable(this.file);
    if (record && (await this.adopt(record))) return;
    const multipart = this.file.size > MULTIPART_THRESHOLD;
    const created = await api.createUpload({
      filename: this.file.name,
      size: this.file.size,
      contentType: uploadContentType(this.file),
      ...(multipart ? { multipart: true } : {}),
    });
    this.videoId = created.video.id;
    if (created.upload.method === 'MULTIPART') {
      this.uploadId = created.upload.uploadId;
      this.partSize = created.upload.partSize;
      saveResumable({
        videoId: this.videoId,
        uploadId: this.uploadId,
        name: this.file.name,
        size: this.file.size,
        lastModified: this.file.lastModified,
        partSize: this.partSize,
        title: created.video.title,
        savedAt: new Date().toISOString(),
      });
    } else {
      this.single = created.upload;
    }
    this.set({ video: created.video });
  }

  /** Continues an upload started earlier, if the server still has it. */
  private async adopt(record: ResumeRecord): Promise<boolean> {
    try {
      const video = await api.getVideo(record.videoId);
      if (video.status !== 'uploading') throw new ApiError(409, 'Conflict', 'already complete');
      await api.listParts(record.videoId, record.uploadId);
      this.videoId = record.videoId;
      this.uploadId = record.uploadId;
      this.partSize = record.partSize;
      this.set({ video });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        forgetResumable(record.videoId);
        return false;
      }
      throw err;
    }
  }

  private readonly partEtags = new Map<number, string>();

  private async sendParts(): Promise<void> {
    const videoId = this.videoId as string;
    const uploadId = this.uploadId as string;
    const size = this.file.size;
    const partCount = Math.max(1, Math.ceil(size / this.partSize));
    const partBytes = (n: number) => (n === partCount ? size - this.partSize * (partCount - 1) : this.partSize);

    // What the server already has is the truth: after a drop, a reload or a pause.
    const { parts } = await api.listParts(videoId, uploadId);
    this.partEtags.clear();
    for (const part of parts) {
      if (part.partNumber <= partCount && part.size === partBytes(part.partNumber)) this.partEtags.set(part.partNumber, part.etag);
    }
    let doneBytes = [...this.partEtags.keys()].reduce((sum, n) => sum + partBytes(n), 0);
    if (this.state.resumedBytes === 0 && doneBytes > 0) this.set({ resumedBytes: doneBytes });
    const queue = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !this.partEtags.has(n));
    const inFlight = new Map<number, number>();
    const sessionStart = doneBytes;
    this.meter.reset();
    const report = () => {
      let loaded = doneBytes;
      for (const v of inFlight.values()) loaded += v;
      this.progress(loaded, loaded - sessionStart);
    };
    report();

    const sign = async (n: number): Promise<SignedPut> => {
      const cached = this.signed.get(n);
      if (cached && Date.parse(cached.expiresAt) - Date.now() > 60_000) return cached;
      const batch = [n, ...queue.filter((q) => q !== n && !this.signed.has(q)).slice(0, SIGN_BATCH - 1)];
      const answer = await api.signParts(videoId, uploadId, batch);
      for (const part of answer.parts) this.signed.set(part.partNumber, part);
      const mine = this.signed.get(n);
      if (!mine) throw new Error(`the server did not sign part ${n}`);
      return mine;
    };

    let failure: unknown = null;
    const sendPart = async (n: number): Promise<void> => {
      const start = (n - 1) * this.partSize;
      const blob = this.file.slice(start, start + partBytes(n));
      for (let attempt = 1; ; attempt++) {
        if (this.cancelled || failure !== null) throw new TransferAborted();
        const request = await sign(n);
        const handle = putBlob(request, blob, (loaded) => {
          inFlight.set(n, loaded);
          report();
        });
        this.active.add(handle);
        try {
          const etag = await handle.done;
          this.partEtags.set(n, etag);
          inFlight.delete(n);
          doneBytes += blob.size;
          report();
          return;
        } catch (err) {
          inFlight.delete(n);
          report();
          this.signed.delete(n);
          if (err instanceof TransferAborted || !(err instanceof TransferError && err.retryable) || attempt >= MAX_ATTEMPTS) throw err;
          await this.backoff(attempt);
        } finally {
          this.active.delete(handle);
        }
      }
    };

    const worker = async () => {
      while (failure === null && !this.cancelled) {
        const n = queue.shift();
        if (n === undefined) return;
        try {
          await sendPart(n);
        } catch (err) {
          if (failure === null) failure = err;
          for (const handle of this.active) handle.abort();
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, Math.max(1, queue.length)) }, worker));
    if (this.cancelled) throw new TransferAborted();
    if (failure !== null) throw failure;
  }

  /**
   * Sends the file in one PUT. Resolves with the video when the server turns out to have the file
   * already (a PUT whose answer was lost, then refused on retry because an upload URL stores once).
   */
  private async sendWhole(): Promise<Video | null> {
    const request = this.single as SignedPut;
    this.meter.reset();
    for (let attempt = 1; ; attempt++) {
      if (this.cancelled) throw new TransferAborted();
      if (Date.parse(request.expiresAt) < Date.now()) throw new TransferError('The upload link has expired. Cancel and pick the file again.', 403, false);
      const handle = putBlob(request, this.file, (loaded) => this.progress(loaded, loaded));
      this.active.add(handle);
      try {
        await handle.done;
        this.progress(this.file.size, this.file.size);
        return null;
      } catch (err) {
        this.progress(0, 0);
        if (err instanceof TransferError && REFUSED_AS_USED.includes(err.status)) {
          const stored = await this.storedEarlier();
          if (stored) return stored;
        }
        if (err instanceof TransferAborted || !(err instanceof TransferError && err.retryable) || attempt >= MAX_ATTEMPTS) throw err;
        await this.backoff(attempt);
      } finally {
        this.active.delete(handle);
      }
    }
  }

  /**
   * After a refused retry: the video when an earlier attempt's bytes did reach the server (its
   * status moved on from `uploading`, or completing finds the file there), else null.
   */
  private async storedEarlier(): Promise<Video | null> {
    const videoId = this.videoId as string;
    const video = await api.getVideo(videoId);
    if (video.status !== 'uploading') return video;
    try {
      // A store that announces no uploads itself learns of the file when the upload is completed.
      return (await api.completeUpload(videoId, {})).video;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return null; // the file is not there
      throw err;
    }
  }

  // --- helpers -----------------------------------------------------------------------------

  /** Waits 1, 2, 4, 8 s (with jitter); while the browser is offline, until it is back online. */
  private async backoff(attempt: number): Promise<void> {
    const ms = Math.min(8000, 1000 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
    this.set({ message: `Connection trouble; retrying (attempt ${attempt + 1} of ${MAX_ATTEMPTS})…` });
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (!navigator.onLine) await new Promise((resolve) => window.addEventListener('online', resolve, { once: true }));
    this.set({ message: '' });
  }

  private progress(loaded: number, sentThisSession: number): void {
    this.meter.sample(sentThisSession);
    this.set({ loaded, speed: this.meter.speed(), secondsLeft: this.meter.secondsLeft(this.file.size - loaded) });
  }

  private clearOnlineRetry(): void {
    if (this.onlineRetry) window.removeEventListener('online', this.onlineRetry);
    this.onlineRetry = null;
  }

  private set(patch: Partial<UploadState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }
}

/** Tells the server to forget an upload remembered from an earlier visit. */
export async function discardRemembered(record: ResumeRecord): Promise<void> {
  forgetResumable(record.videoId);
  await api.abortUpload(record.videoId, record.uploadId).catch(() => {});
}

function errorText(err: unknown): string {
  if (err instanceof ApiError || err instanceof TransferError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
