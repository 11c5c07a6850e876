import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore, PutOptions } from '../../src/core/ports/object-store.ts';
import { makeClip } from '../support/clips.ts';
import { ffprobeJson, keyframeTimes } from '../support/probe.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTenBitClip, playlistKeys, startPublishServer, type PublishServer } from './support.ts';

/**
 * Uploads that must be re-encoded before anything plays (10-bit H.264, rotated phone clips) are
 * playable first with the lowest rung alone, in segments one keyframe interval long (the first
 * output in `first/`), and ready later with the whole ladder, whose master replaces the first one.
 * Run with 4 s segments, so the first output's 2 s segments differ from the ladder's.
 */
describe('first playable output of an upload that is re-encoded', () => {
  let ps: PublishServer;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let store: ObjectStore;
  /** Every master playlist the jobs wrote, in order. */
  const masters: Array<{ key: string; text: string }> = [];
  const ids: Record<'tenBit' | 'rotated' | 'rotatedLong', string> = { tenBit: '', rotated: '', rotatedLong: '' };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-quick-start-');
    ps = await startPublishServer(
      {
        media: (media) => ({
          put: async (key: string, body: Readable | Buffer, options?: PutOptions) => {
            if (!key.endsWith('/master.m3u8')) return media.put(key, body, options);
            const bytes = Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray());
            masters.push({ key, text: bytes.toString('utf8') });
            return media.put(key, bytes, options);
          },
        }),
      },
      { segmentSeconds: 4 },
    );
    store = ps.server.rt.media;
    ids.tenBit = await ps.api.upload(await makeTenBitClip(join(temp.dir, 'ten-bit.mp4'), 9, '854x480'), { title: 'Ten bit' });
    ids.rotated = await ps.api.upload((await makeClip(temp.dir, 'rotated', { seconds: 9 })).path, { title: 'Rotated' });
    // Longer than the first look's 30 s: its first output is encoded from the look while the probe reads the rest.
    ids.rotatedLong = await ps.api.upload((await makeClip(temp.dir, 'rotated', { seconds: 40, name: 'rotated-long.mp4' })).path, { title: 'Rotated, long' });
  });

  afterAll(async () => {
    await ps?.stop();
    await temp?.cleanup();
  });

  async function read(key: string): Promise<Buffer> {
    const { body } = await store.get(key);
    return Buffer.concat(await body.toArray());
  }

  /** A published rendition (init segment and every segment) as one file, with its media playlist. */
  async function rendition(key: string, name: string): Promise<{ path: string; playlist: any }> {
    const text = (await read(key)).toString('utf8');
    const playlist: any = HLS.parse(text);
    const parts: Buffer[] = [];
    for (const file of playlistKeys(text, key)) parts.push(await read(file));
    const path = join(temp.dir, `${name}.mp4`);
    await writeFile(path, Buffer.concat(parts));
    return { path, playlist };
  }

  async function videoStream(path: string): Promise<any> {
    const probe = await ffprobeJson(path);
    return probe.streams.find((s: any) => s.codec_type === 'video');
  }

  const cases = [
    { which: 'tenBit' as const, lowest: { name: '360p', width: 640, height: 360 }, ladder: ['480p', '360p'] },
    { which: 'rotated' as const, lowest: { name: '240p', width: 240, height: 426 }, ladder: ['320p', '240p'] },
    { which: 'rotatedLong' as const, lowest: { name: '240p', width: 240, height: 426 }, ladder: ['320p', '240p'] },
  ];

  for (const { which, lowest, ladder } of cases) {
    it(`${which}: playable first with the lowest rung alone, in segments one keyframe interval long`, async () => {
      const video = await ps.api.waitSettled(ids[which]);
      expect(video.status, video.error ?? '').toBe('ready');
      const mine = masters.filter((m) => m.key === `${ids[which]}/master.m3u8`);
      expect(mine.length).toBe(2); // the first output's, then the ladder's
      const first: any = HLS.parse(mine[0].text);
      expect(first.variants.map((v: any) => v.uri)).toEqual([`first/${lowest.name}/index.m3u8`]);
      expect(first.variants[0].audio.map((a: any) => a.uri)).toEqual(['first/audio/index.m3u8']);

      // The first output stays published for the players that opened it: valid 8-bit H.264, upright, 2 s segments.
      const { path, playlist } = await rendition(`${ids[which]}/first/${lowest.name}/index.m3u8`, `${which}-first`);
      expect(playlist.endlist).toBe(true);
      const durations: number[] = playlist.segments.map((s: any) => s.duration);
      expect(durations.length).toBeGreaterThanOrEqual(4);
      expect(durations.slice(0, -1).every((d) => Math.abs(d - 2) < 0.05)).toBe(true);
      // The whole video, not the first look's window.
      expect(durations.reduce((a, b) => a + b, 0)).toBeCloseTo(which === 'rotatedLong' ? 40 : 9, 0);
      const vs = await videoStream(path);
      expect([vs.codec_name, vs.pix_fmt, vs.width, vs.height]).toEqual(['h264', 'yuv420p', lowest.width, lowest.height]);
      const keys = await keyframeTimes(path);
      expect(keys.slice(0, 4).map((k) => Math.round((k - keys[0]) * 100) / 100)).toEqual([0, 2, 4, 6]);
    });

    it(`${which}: ready with the whole ladder, its master naming every rung, keyframes aligned`, async () => {
      const video = await ps.api.waitSettled(ids[which]);
      expect(video.renditions.map((r: any) => r.name)).toEqual([...ladder, 'audio']);
      const last: any = HLS.parse(masters.filter((m) => m.key === `${ids[which]}/master.m3u8`).at(-1)!.text);
      expect(last.variants.map((v: any) => v.uri).sort()).toEqual(ladder.map((name) => `${name}/index.m3u8`).sort());
      const keyframes: number[][] = [];
      for (const name of ladder) {
        const { path, playlist } = await rendition(`${ids[which]}/${name}/index.m3u8`, `${which}-${name}`);
        expect(playlist.segments[0].duration).toBeCloseTo(4, 1);
        const vs = await videoStream(path);
        expect([vs.codec_name, vs.pix_fmt]).toEqual(['h264', 'yuv420p']);
        expect(vs.height > vs.width).toBe(which !== 'tenBit');
        keyframes.push(await keyframeTimes(path));
      }
      expect(keyframes[0].length).toBeGreaterThan(1);
      for (const k of keyframes.slice(1)) expect(k).toEqual(keyframes[0]);
    });
  }
});
