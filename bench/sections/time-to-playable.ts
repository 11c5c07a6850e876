import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import HLS from 'hls-parser';
import type { ServerProcess } from '../lib/server-process.ts';

/**
 * Time to playable: from the moment the signed PUT of the upload is answered (upload complete) to
 * the first successful playback requests: the master playlist, a media playlist, its init segment
 * and its first segment, all 200. The API is polled every 25 ms for `playable`. Each video is
 * deleted right after (which stops its encode), and the next upload waits for the worker to be idle.
 */
export interface TtpRow {
  label: string;
  sizeMiB: number;
  durationSec: number | null;
  /** 'instant' (stream copy), 'progressive' (growing ladder), 'ready' (only once finished), 'failed'. */
  mode: 'instant' | 'progressive' | 'ready' | 'failed';
  seconds: number | null;
  note: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.flv': 'video/x-flv',
  '.ts': 'video/mp2t',
  '.m4a': 'audio/mp4',
  '.mp3': 'audio/mpeg',
};

export async function measureTimeToPlayable(
  server: ServerProcess,
  label: string,
  path: string,
  timeoutMs = 600_000,
  options: { whenIdle?: boolean } = {},
): Promise<TtpRow> {
  if (options.whenIdle !== false) await waitIdle(server);
  const api = (method: string, p: string, body?: unknown) =>
    fetch(new URL(p, server.url), {
      method,
      headers: { Authorization: `Bearer ${server.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const size = (await stat(path)).size;
  const row: TtpRow = { label, sizeMiB: size / 1024 / 1024, durationSec: null, mode: 'failed', seconds: null, note: '' };
  const created = await api('POST', '/api/v1/uploads', {
    filename: basename(path),
    size,
    contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
  });
  if (created.status !== 201) {
    const body = (await created.json().catch(() => null)) as { error?: { message?: string } } | null;
    return { ...row, note: `upload refused: ${body?.error?.message ?? created.status}`.slice(0, 80) };
  }
  const { upload, video } = (await created.json()) as { upload: { url: string; headers: Record<string, string> }; video: { id: string } };
  const put = await fetch(upload.url, {
    method: 'PUT',
    headers: { ...upload.headers, 'Content-Length': String(size) },
    body: Readable.toWeb(createReadStream(path)) as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  if (put.status !== 200) throw new Error(`PUT ${label}: ${put.status} ${await put.text()}`);
  const t0 = performance.now();
  try {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = (await (await api('GET', `/api/v1/videos/${video.id}`)).json()) as any;
      row.durationSec = v.durationSec;
      if (v.status === 'failed') {
        row.note = String(v.error ?? '').slice(0, 80);
        return row;
      }
      if (v.playable && v.playback?.hls) {
        const played = await firstPlayback(v.playback.hls);
        if (played.ok) {
          row.seconds = (performance.now() - t0) / 1000;
          row.mode = v.status === 'ready' ? 'ready' : played.instant ? 'instant' : 'progressive';
          row.note = played.note;
          return row;
        }
      }
      if (Date.now() > end) {
        row.note = `not playable after ${timeoutMs / 1000} s`;
        return row;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await api('DELETE', `/api/v1/videos/${video.id}`);
  }
}

/** Master, first variant's media playlist, its init segment and first segment: all 200? */
async function firstPlayback(masterUrl: string): Promise<{ ok: boolean; instant: boolean; note: string }> {
  const masterRes = await fetch(masterUrl);
  if (masterRes.status !== 200) return { ok: false, instant: false, note: '' };
  const master: any = HLS.parse(await masterRes.text());
  const variant = master.variants[0];
  if (!variant) return { ok: false, instant: false, note: '' };
  const playlistUrl = new URL(variant.uri, masterUrl);
  const playlistRes = await fetch(playlistUrl);
  if (playlistRes.status !== 200) return { ok: false, instant: false, note: '' };
  const playlist: any = HLS.parse(await playlistRes.text());
  const first = playlist.segments[0];
  if (!first) return { ok: false, instant: false, note: '' };
  for (const uri of [first.map?.uri, first.uri].filter(Boolean)) {
    const res = await fetch(new URL(uri, playlistUrl));
    await res.arrayBuffer();
    if (res.status !== 200) return { ok: false, instant: false, note: '' };
  }
  const instant = variant.uri.startsWith('source/');
  const rungs = master.variants.map((v: any) => `${v.resolution?.height ?? 'audio'}`).join('/');
  return { ok: true, instant, note: `${master.variants.length} variant(s) ${rungs}, first segment ${first.duration.toFixed(1)} s` };
}

/** Waits until the server runs no ffmpeg/ffprobe (the previous job is over). */
async function waitIdle(server: ServerProcess, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (await server.encoding()) {
    if (Date.now() > end) throw new Error('the server is still encoding after the previous video was deleted');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300)); // the job's own clean-up after its ffmpeg ended
}
