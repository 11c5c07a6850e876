import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';

/** A plain HTTP client for vodkit's API, as a script would use it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  }

  /** Creates an upload and PUTs the file to the signed URL; returns the video id. */
  async upload(path: string, options: { contentType?: string; title?: string; filename?: string; visibility?: string; encrypt?: boolean } = {}): Promise<string> {
    const size = (await stat(path)).size;
    const created = await this.request('POST', '/api/v1/uploads', {
      filename: options.filename ?? basename(path),
      size,
      contentType: options.contentType ?? 'video/mp4',
      title: options.title,
      visibility: options.visibility,
      encrypt: options.encrypt,
    });
    if (created.status !== 201) throw new Error(`create upload: ${created.status} ${JSON.stringify(created.json)}`);
    const { upload, video } = created.json;
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: { ...upload.headers, 'Content-Length': String(size) },
      body: Readable.toWeb(createReadStream(path)) as any,
      duplex: 'half',
    } as RequestInit);
    if (put.status !== 200) throw new Error(`PUT upload: ${put.status} ${await put.text()}`);
    return video.id;
  }

  /** Polls until the video is ready or failed. */
  async waitSettled(id: string, timeoutMs = 180_000): Promise<any> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const { json } = await this.request('GET', `/api/v1/videos/${id}`);
      if (json?.status === 'ready' || json?.status === 'failed') return json;
      if (Date.now() > end) throw new Error(`video ${id} still ${json?.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
