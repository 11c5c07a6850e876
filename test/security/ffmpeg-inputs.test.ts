import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { FifoCanary, HttpCanary } from './support/canaries.ts';

/**
 * Uploads that try to make ffmpeg read other local files or URLs (HLS playlists, ffconcat lists,
 * concat:/file: URIs, DASH manifests, an HLS playlist hidden in an AVI GAB2 subtitle), sent through
 * the API with a worker running. Each must end `failed` with a reason, and no canary may be touched:
 * an HTTP listener on 127.0.0.1 counts requests, named pipes (FIFOs) report any open.
 */
describe('hostile media inputs end to end', () => {
  let server: TestServer;
  let api: ApiClient;
  let http: HttpCanary;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  const fifos: FifoCanary[] = [];
  const fifo = (name: string) => {
    const f = new FifoCanary(join(scratch.dir, name));
    fifos.push(f);
    return f.path;
  };

  beforeAll(async () => {
    scratch = await makeTempDir('vodkit-hostile-');
    http = await HttpCanary.start();
    server = await startTestServer({ flags: { uploadRateLimit: 1000 } });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    for (const f of fifos) f.stop();
    await server?.stop();
    await http?.stop();
    await scratch?.cleanup();
  });

  const hls = (...uris: string[]) =>
    `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n${uris.map((u) => `#EXTINF:10.0,\n${u}\n`).join('')}#EXT-X-ENDLIST\n`;

  interface Case {
    name: string;
    filename: string;
    contentType: string;
    body: () => Buffer;
  }

  const cases: Case[] = [
    {
      name: 'HLS playlist renamed .mp4, segments on a local HTTP listener',
      filename: 'holiday.mp4',
      contentType: 'video/mp4',
      body: () => Buffer.from(`#EXTM3U\n#EXT-X-MAP:URI="${http.base}/hls-map.mp4"\n${hls(`${http.base}/hls-seg.ts`).slice(8)}`),
    },
    {
      name: 'HLS playlist renamed .mp4, segment = a local file',
      filename: 'holiday.mp4',
      contentType: 'video/mp4',
      body: () => Buffer.from(hls(fifo('hls-local.ts'))),
    },
    {
      name: 'HLS playlist with file: and concat: URIs',
      filename: 'clip.mp4',
      contentType: 'video/mp4',
      body: () => Buffer.from(hls(`file:${fifo('hls-file-proto.ts')}`, `concat:${fifo('hls-concat.ts')}|${fifo('hls-concat-2.ts')}`)),
    },
    {
      name: 'HLS playlist renamed .mkv, declared video/x-matroska',
      filename: 'movie.mkv',
      contentType: 'video/x-matroska',
      body: () => Buffer.from(hls(`${http.base}/mkv-seg.ts`, fifo('mkv-local.ts'))),
    },
    {
      name: 'ffconcat list renamed .mp4',
      filename: 'list.mp4',
      contentType: 'video/mp4',
      body: () => Buffer.from(`ffconcat version 1.0\nfile '${fifo('ffconcat.ts')}'\nfile '${http.base}/ffconcat.ts'\nfile 'subfile,,start,0,end,0,,:${fifo('ffconcat-subfile.ts')}'\n`),
    },
    {
      name: 'DASH manifest renamed .mp4',
      filename: 'dash.mp4',
      contentType: 'video/mp4',
      body: () =>
        Buffer.from(
          `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">` +
            `<Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000" codecs="avc1.42c01e" width="64" height="48">` +
            `<BaseURL>${http.base}/dash/</BaseURL><SegmentTemplate media="seg-$Number$.m4s" initialization="init.mp4" duration="1" startNumber="1"/>` +
            `</Representation></AdaptationSet></Period></MPD>\n`,
        ),
    },
    {
      name: 'AVI whose GAB2 subtitle is an HLS playlist',
      filename: 'trailer.avi',
      contentType: 'video/x-msvideo',
      body: () => gab2Avi(hls(`${http.base}/gab2-seg.ts`, fifo('gab2-local.ts'))),
    },
    {
      name: 'an upload whose file name is a concat: URL',
      filename: `concat:${'x'.repeat(4)}|evil.mp4`,
      contentType: 'video/mp4',
      body: () => Buffer.from(hls(`${http.base}/by-name.ts`)),
    },
  ];

  const results = new Map<string, { status: string; error: string | null }>();

  it('the canaries work: plain ffprobe, without vodkit’s whitelists, opens a FIFO named in a playlist', async () => {
    const path = join(scratch.dir, 'control.mp4');
    const control = new FifoCanary(join(scratch.dir, 'control.ts'));
    fifos.push(control);
    await writeFile(path, hls(control.path));
    await run('ffprobe', ['-v', 'quiet', path]);
    await waitFor(() => control.opened, 5000);
    expect(control.opened).toBe(true);
  });

  it('every hostile upload ends failed with a reason', async () => {
    const ids: Array<[Case, string]> = [];
    for (const c of cases) {
      const path = join(scratch.dir, `upload-${ids.length}.bin`);
      await writeFile(path, c.body());
      ids.push([c, await api.upload(path, { filename: c.filename, contentType: c.contentType })]);
    }
    for (const [c, id] of ids) {
      const video = await api.waitSettled(id, 120_000);
      results.set(c.name, { status: video.status, error: video.error });
    }
    for (const c of cases) {
      const r = results.get(c.name)!;
      expect(r.status, `${c.name}: ${r.error}`).toBe('failed');
      expect(r.error, c.name).toMatch(/not a video or audio file/i);
      expect(r.error!.length, c.name).toBeLessThan(500);
      expect(r.error, c.name).not.toContain(scratch.dir);
    }
  });

  it('a real video carrying a hostile GAB2 subtitle: the video may be transcoded, the subtitle is never followed', async () => {
    const jpeg = join(scratch.dir, 'frame.jpg');
    const made = await run('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=1', '-frames:v', '1', '-f', 'mjpeg', '-y', jpeg]);
    expect(made).toBe(0);
    const frame = await readFile(jpeg);
    const path = join(scratch.dir, 'real-with-gab2.avi');
    await writeFile(path, gab2Avi(hls(`${http.base}/gab2-real-seg.ts`, fifo('gab2-real-local.ts')), Array(10).fill(frame)));
    const id = await api.upload(path, { filename: 'real.avi', contentType: 'video/x-msvideo' });
    const video = await api.waitSettled(id, 120_000);
    expect(['ready', 'failed']).toContain(video.status);
    if (video.status === 'failed') expect(video.error).toMatch(/\S/);
    results.set('real video with GAB2', { status: video.status, error: video.error });
  });

  it('no canary was touched: zero HTTP hits, no FIFO opened', async () => {
    expect(results.size).toBe(cases.length + 1); // ran after every upload settled
    expect(http.hits).toEqual([]);
    const opened = fifos.filter((f) => f.opened && !f.path.endsWith('control.ts')).map((f) => f.path);
    expect(opened).toEqual([]);
  });

  it('no playable output was published for any of the refused ones', async () => {
    for (const video of (await api.request('GET', '/api/v1/videos?limit=100')).json.items) {
      if (video.filename === 'real.avi') continue;
      expect(video.playable).toBe(false);
      expect(await server.rt.media.list(`${video.id}/`)).toEqual([]);
    }
  });
});

/**
 * A minimal AVI with a 'txts' stream whose only chunk is a GAB2 subtitle carrying `payload`, and,
 * when `jpegFrames` are given, an MJPEG video stream before it (64x48, 10 fps).
 */
function gab2Avi(payload: string, jpegFrames: Buffer[] = []): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return b;
  };
  const chunk = (id: string, data: Buffer) => Buffer.concat([Buffer.from(id), u32(data.length), data, Buffer.alloc(data.length % 2)]);
  const list = (type: string, ...parts: Buffer[]) => {
    const d = Buffer.concat([Buffer.from(type), ...parts]);
    return Buffer.concat([Buffer.from('LIST'), u32(d.length), d]);
  };
  const rect = (w: number, h: number) => Buffer.concat([u16(0), u16(0), u16(w), u16(h)]);
  const hasVideo = jpegFrames.length > 0;
  const subId = hasVideo ? '01tx' : '00tx';
  const desc = Buffer.from('x\0', 'utf16le');
  const body = Buffer.from(payload);
  const gab2 = Buffer.concat([Buffer.from('GAB2\0'), u16(2), u32(desc.length), desc, u16(4), u32(body.length), body]);
  const avih = Buffer.concat([u32(100000), u32(0), u32(0), u32(0x10), u32(jpegFrames.length || 1), u32(0), u32(hasVideo ? 2 : 1), u32(0), u32(hasVideo ? 64 : 0), u32(hasVideo ? 48 : 0), Buffer.alloc(16)]);
  const strlVideo = list(
    'strl',
    chunk('strh', Buffer.concat([Buffer.from('vids'), Buffer.from('MJPG'), u32(0), u16(0), u16(0), u32(0), u32(1), u32(10), u32(0), u32(jpegFrames.length), u32(0), u32(0xffffffff), u32(0), rect(64, 48)])),
    chunk('strf', Buffer.concat([u32(40), u32(64), u32(48), u16(1), u16(24), Buffer.from('MJPG'), u32(64 * 48 * 3), u32(0), u32(0), u32(0), u32(0)])),
  );
  const strlText = list(
    'strl',
    chunk('strh', Buffer.concat([Buffer.from('txts'), u32(0), u32(0), u16(0), u16(0), u32(0), u32(1), u32(1), u32(0), u32(1), u32(0), u32(0), u32(0), rect(0, 0)])),
    chunk('strf', Buffer.alloc(0)),
  );
  const hdrl = list('hdrl', chunk('avih', avih), ...(hasVideo ? [strlVideo] : []), strlText);
  const chunks: Array<[string, Buffer]> = [[subId, gab2], ...jpegFrames.map((f) => ['00dc', f] as [string, Buffer])];
  const index: Buffer[] = [];
  let offset = 4;
  for (const [id, data] of chunks) {
    index.push(Buffer.concat([Buffer.from(id), u32(0x10), u32(offset), u32(data.length)]));
    offset += 8 + data.length + (data.length % 2);
  }
  const movi = list('movi', ...chunks.map(([id, data]) => chunk(id, data)));
  const riff = Buffer.concat([Buffer.from('AVI '), hdrl, movi, chunk('idx1', Buffer.concat(index))]);
  return Buffer.concat([Buffer.from('RIFF'), u32(riff.length), riff]);
}

function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}
