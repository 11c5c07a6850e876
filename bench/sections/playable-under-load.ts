import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { ServerProcess } from '../lib/server-process.ts';
import { run } from '../lib/timed-run.ts';
import { measureTimeToPlayable, type TtpRow } from './time-to-playable.ts';

/**
 * Time to playable under load: a long 1080p upload's ladder is encoding on the server's one
 * worker when a short VP8/Opus webm (never published as is: re-encoded first) is uploaded; its time
 * to playable is measured as in the time-to-playable section. The long video is deleted after.
 */
export interface UnderLoadRow extends TtpRow {
  /** The long video's state when the webm became playable ('processing': its ladder was still encoding). */
  longStatus: string;
}

export async function measurePlayableUnderLoad(server: ServerProcess, long: { label: string; path: string }, webm: string): Promise<UnderLoadRow> {
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(new URL(p, server.url), {
      method,
      headers: { Authorization: `Bearer ${server.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (res.status === 204 ? null : await res.json()) as any;
  };
  const size = (await stat(long.path)).size;
  const { upload, video } = await api('POST', '/api/v1/uploads', { filename: basename(long.path), size, contentType: 'video/mp4' });
  const put = await fetch(upload.url, {
    method: 'PUT',
    headers: { ...upload.headers, 'Content-Length': String(size) },
    body: Readable.toWeb(createReadStream(long.path)) as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  if (put.status !== 200) throw new Error(`PUT ${long.label}: ${put.status}`);
  try {
    // Its ladder is encoding once the video reports progress.
    for (const end = Date.now() + 300_000; ; ) {
      const v = await api('GET', `/api/v1/videos/${video.id}`);
      if (v.status !== 'processing' && v.status !== 'queued') throw new Error(`${long.label}: ${v.status} ${v.error ?? ''}`);
      if (v.progress > 0) break;
      if (Date.now() > end) throw new Error(`${long.label}: its ladder did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const row = await measureTimeToPlayable(server, `VP8/Opus webm while the ${long.label} ladder encodes`, webm, 600_000, { whenIdle: false });
    const after = await api('GET', `/api/v1/videos/${video.id}`);
    return { ...row, longStatus: after.status };
  } finally {
    await api('DELETE', `/api/v1/videos/${video.id}`);
  }
}

/** A short 640x360 VP8/Opus webm (6 s). */
export async function shortWebm(dir: string): Promise<string> {
  const path = `${dir}/short-vp8-opus.webm`;
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=6',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=6',
    '-c:v', 'libvpx', '-b:v', '500k', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-b:a', '64k', '-shortest', path,
  ]);
  return path;
}
