import { spawn } from 'node:child_process';
import { open, readFile, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * Tiny generated test clips (ffmpeg lavfi testsrc2 + sine), a few seconds each, and hostile inputs
 * that try to make ffmpeg open other files. Each hostile input points at a canary file; canaryRead()
 * tells whether anything read the canary since it was made (its atime is set far in the past, so
 * any read moves it forward, also on relatime mounts).
 */
export const CLIP_KINDS = [
  'landscape',
  'portrait',
  'rotated',
  'no-audio',
  'audio-only',
  '10bit',
  'hdr-pq',
  'vfr',
  'odd-size',
  'truncated',
  'mp3-with-cover',
] as const;

export const HOSTILE_KINDS = ['hls-playlist', 'ffconcat', 'concat-protocol', 'gab2-avi', 'text'] as const;

export type ClipKind = (typeof CLIP_KINDS)[number] | (typeof HOSTILE_KINDS)[number];

export interface Clip {
  kind: ClipKind;
  path: string;
  /** Files a hostile input refers to: they must never be read. */
  canaries: string[];
}

export interface ClipOptions {
  /** Length in seconds (default 3). */
  seconds?: number;
  /** File name without folder (default: from the kind). */
  name?: string;
}

const FFMPEG = process.env.VODKIT_FFMPEG ?? 'ffmpeg';
const FFPROBE = process.env.VODKIT_FFPROBE ?? 'ffprobe';
const CANARY_ATIME = new Date('2001-01-01T00:00:00Z');

/** 568x320: two rungs (320p and 240p) while staying tiny. */
const W = 568;
const H = 320;

export async function makeClip(dir: string, kind: ClipKind, opts: ClipOptions = {}): Promise<Clip> {
  const seconds = opts.seconds ?? 3;
  const ext: Partial<Record<ClipKind, string>> = { 'audio-only': 'm4a', 'mp3-with-cover': 'mp3', 'gab2-avi': 'avi' };
  const path = join(dir, opts.name ?? `${kind}.${ext[kind] ?? 'mp4'}`);
  const video = (w: number, h: number, rate = 30) => ['-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=${rate}:duration=${seconds}`];
  const tone = ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`];
  const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30', '-g', '30'];
  const aac = ['-c:a', 'aac', '-b:a', '96k', '-ac', '2'];
  const clip = (canaries: string[] = []): Clip => ({ kind, path, canaries });
  const stem = basename(path).replace(/\.[^.]*$/, '');

  switch (kind) {
    case 'landscape':
      await ffmpeg([...video(W, H), ...tone, ...x264, '-pix_fmt', 'yuv420p', ...aac, '-shortest', path]);
      return clip();
    case 'portrait':
      await ffmpeg([...video(H, W), ...tone, ...x264, '-pix_fmt', 'yuv420p', ...aac, '-shortest', path]);
      return clip();
    case 'rotated':
      // Landscape pixels, shown as portrait: a 90-degree display matrix in the track header.
      await ffmpeg([...video(W, H), ...tone, ...x264, '-pix_fmt', 'yuv420p', ...aac, '-shortest', path]);
      await setVideoRotation(path);
      return clip();
    case 'no-audio':
      await ffmpeg([...video(W, H), ...x264, '-pix_fmt', 'yuv420p', path]);
      return clip();
    case 'audio-only':
      await ffmpeg([...tone, ...aac, path]);
      return clip();
    case '10bit':
      await ffmpeg([...video(320, 180), ...x264, '-profile:v', 'high10', '-pix_fmt', 'yuv420p10le', path]);
      return clip();
    case 'hdr-pq':
      await ffmpeg([
        ...video(320, 180), ...x264, '-profile:v', 'high10', '-pix_fmt', 'yuv420p10le',
        '-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc', path,
      ]);
      return clip();
    case 'vfr':
      // Every third frame 13 ms late: timing that is no whole number of frame intervals.
      await ffmpeg([
        ...video(320, 180), '-vf', "settb=1/90000,setpts='(N/30+eq(mod(N\\,3)\\,1)*0.013)/TB'",
        '-fps_mode', 'passthrough', '-r', '1000', ...x264, '-pix_fmt', 'yuv420p', '-video_track_timescale', '90000', path,
      ]);
      return clip();
    case 'odd-size':
      // 4:4:4 allows odd sizes in H.264.
      await ffmpeg([...video(322, 242), ...tone, '-vf', 'format=yuv444p,crop=321:241:0:0', ...x264, '-pix_fmt', 'yuv444p', '-c:a', 'aac', '-b:a', '64k', '-ac', '1', '-shortest', path]);
      return clip();
    case 'truncated': {
      // Index first (faststart), then cut: the file announces more than it holds.
      await ffmpeg([...video(W, H), ...tone, ...x264, '-pix_fmt', 'yuv420p', ...aac, '-shortest', '-movflags', '+faststart', path]);
      await truncate(path, Math.floor((await stat(path)).size * 0.6));
      return clip();
    }
    case 'mp3-with-cover':
      await ffmpeg([
        ...tone, '-f', 'lavfi', '-i', 'color=c=red:s=300x300:d=0.04', '-map', '0:a', '-map', '1:v', '-frames:v', '1',
        '-c:a', 'libmp3lame', '-b:a', '64k', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', '-id3v2_version', '3', path,
      ]);
      return clip();
    case 'hls-playlist': {
      const canary = await makeCanary(dir, `${stem}-canary.ts`);
      await writeFile(path, `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:3.0,\n${canary}\n#EXT-X-ENDLIST\n`);
      return clip([canary]);
    }
    case 'ffconcat': {
      const canary = await makeCanary(dir, `${stem}-canary.mp4`);
      await writeFile(path, `ffconcat version 1.0\nfile '${stem}-canary.mp4'\n`);
      return clip([canary]);
    }
    case 'concat-protocol': {
      const a = await makeCanary(dir, `${stem}-canary-a.ts`);
      const b = await makeCanary(dir, `${stem}-canary-b.ts`);
      await writeFile(
        path,
        `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:3.0,\nconcat:${a}|${b}\n#EXTINF:3.0,\nfile:${a}\n#EXT-X-ENDLIST\n`,
      );
      return clip([a, b]);
    }
    case 'gab2-avi': {
      const canary = await makeCanary(dir, `${stem}-canary.ts`);
      const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3.0,\n${canary}\n#EXT-X-ENDLIST\n`;
      await writeFile(path, gab2Avi(Buffer.from(playlist)));
      return clip([canary]);
    }
    case 'text':
      await writeFile(path, 'This is not a video, just some words.\n'.repeat(20));
      return clip();
  }
}

/** True when the canary was read since makeCanary() made it. */
export async function canaryRead(canary: string): Promise<boolean> {
  return (await stat(canary)).atimeMs > CANARY_ATIME.getTime() + 1000;
}

/** A small valid MPEG-TS file, so that a hostile playlist would really play it if allowed to. */
async function makeCanary(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  const format = name.endsWith('.ts') ? ['-f', 'mpegts'] : ['-f', 'mp4'];
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=10:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast', ...format, path]);
  await utimes(path, CANARY_ATIME, new Date());
  return path;
}

/** Writes a 90-degree clockwise display matrix into the first video track header (tkhd). */
async function setVideoRotation(path: string): Promise<void> {
  const bytes = await readFile(path);
  let at = bytes.indexOf('tkhd');
  while (at >= 0) {
    const version = bytes[at + 4];
    const matrix = at + 8 + (version === 1 ? 32 : 20) + 16;
    const width = bytes.readUInt32BE(matrix + 36);
    if (width !== 0) {
      const m = [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000];
      const handle = await open(path, 'r+');
      try {
        const patch = Buffer.alloc(36);
        m.forEach((v, i) => patch.writeInt32BE(v, i * 4));
        await handle.write(patch, 0, 36, matrix);
      } finally {
        await handle.close();
      }
      const rotation = await run(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream_side_data=rotation', '-of', 'csv=p=0', path]);
      if (!rotation.includes('-90')) throw new Error(`rotation was not set on ${path}: ${rotation}`);
      return;
    }
    at = bytes.indexOf('tkhd', at + 4);
  }
  throw new Error(`no video track header in ${path}`);
}

/** An AVI whose only stream is a GAB2 subtitle chunk carrying another file (the 2017 ffmpeg SSRF trick). */
function gab2Avi(embedded: Buffer): Buffer {
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
  const chunk = (id: string, body: Buffer) => Buffer.concat([Buffer.from(id, 'latin1'), u32(body.length), body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  const list = (type: string, ...parts: Buffer[]) => chunk('LIST', Buffer.concat([Buffer.from(type, 'latin1'), ...parts]));
  const title = Buffer.from('x\0', 'utf16le');
  const gab2 = Buffer.concat([Buffer.from('GAB2\0', 'latin1'), u16(2), u32(title.length), title, u16(4), u32(embedded.length), embedded]);
  const avih = Buffer.concat([u32(1_000_000), u32(0), u32(0), u32(0x10), u32(1), u32(0), u32(1), u32(0), u32(0), u32(0), Buffer.alloc(16)]);
  const strh = Buffer.concat([Buffer.from('txts', 'latin1'), u32(0), u32(0), u16(0), u16(0), u32(0), u32(1), u32(1), u32(0), u32(1), u32(0), u32(0), u32(0), Buffer.alloc(8)]);
  const movi = list('movi', chunk('00tx', gab2));
  const idx1 = chunk('idx1', Buffer.concat([Buffer.from('00tx', 'latin1'), u32(0x10), u32(4), u32(gab2.length)]));
  const body = Buffer.concat([Buffer.from('AVI ', 'latin1'), list('hdrl', chunk('avih', avih), list('strl', chunk('strh', strh), chunk('strf', Buffer.alloc(0)))), movi, idx1]);
  return chunk('RIFF', body);
}

/** Runs ffmpeg (VODKIT_FFMPEG or the one on PATH) quietly; fails with the end of its error output. */
export async function ffmpeg(args: string[]): Promise<void> {
  await run(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} failed: ${err.slice(-2000)}`))));
  });
}
