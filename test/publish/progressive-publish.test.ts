import { join } from 'node:path';
import { Readable } from 'node:stream';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore, PutOptions } from '../../src/core/ports/object-store.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTenBitClip, playlistKeys, playlistRefs, startPublishServer, type PublishServer } from './support.ts';

/**
 * Progressive publish through a real server, for a source that is re-encoded before anything is
 * published (10-bit H.264): the rungs' playlists are published while the ladder encodes and grow
 * segment by segment; the master comes once every rung has a segment; at the end they are VOD.
 *
 * "No playlist ever points at a missing segment" is checked two ways: at every playlist the job
 * writes to the store (each file it refers to must already be there), and from outside, by polling
 * the served playlists during the encode and fetching every file they list.
 */
interface PlaylistPut {
  key: string;
  text: string;
  missing: string[];
}

describe('progressive publish of an upload that is re-encoded first', () => {
  let ps: PublishServer;
  let temp: { dir: string; cleanup: () => Promise<void> };
  const puts: PlaylistPut[] = [];
  const served: Array<{ url: string; status: number; kind: 'master' | 'playlist' | 'file' }> = [];
  const servedPlaylists: string[] = [];
  let id = '';
  let polls = 0;

  async function checkedPut(media: ObjectStore, key: string, body: Readable | Buffer, options?: PutOptions) {
    if (!key.endsWith('.m3u8')) return media.put(key, body, options);
    const bytes = Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray());
    const text = bytes.toString('utf8');
    const parsed: any = HLS.parse(text);
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    const refs: string[] = parsed.isMasterPlaylist
      ? [...parsed.variants.map((v: any) => folder + v.uri), ...parsed.variants.flatMap((v: any) => v.audio.map((a: any) => folder + a.uri))]
      : playlistKeys(text, key);
    const missing: string[] = [];
    for (const ref of new Set(refs)) {
      const info = await media.head(ref);
      if (!info) missing.push(ref);
      else if (parsed.isMasterPlaylist) {
        // A master may only name media playlists that already list a segment.
        const { body: stored } = await media.get(ref);
        if (!/#EXTINF/.test(Buffer.concat(await stored.toArray()).toString('utf8'))) missing.push(`${ref} (no segment yet)`);
      }
    }
    puts.push({ key, text, missing });
    return media.put(key, bytes, options);
  }

  /** One look from outside: master, every media playlist, every file they list. */
  async function pollOnce(): Promise<string> {
    const { json: video } = await ps.api.request('GET', `/api/v1/videos/${id}`);
    if (!video.playable) return video.status;
    polls++;
    const masterUrl = new URL(video.playback.hls);
    const res = await fetch(masterUrl);
    served.push({ url: masterUrl.pathname, status: res.status, kind: 'master' });
    if (res.status !== 200) return video.status;
    const master: any = HLS.parse(await res.text());
    const uris = new Set<string>([...master.variants.map((v: any) => v.uri), ...master.variants.flatMap((v: any) => v.audio.map((a: any) => a.uri))]);
    for (const uri of uris) {
      const url = new URL(uri, masterUrl);
      const r = await fetch(url);
      served.push({ url: url.pathname, status: r.status, kind: 'playlist' });
      if (r.status !== 200) continue;
      const text = await r.text();
      servedPlaylists.push(text);
      for (const ref of playlistRefs(text, url)) {
        const f = await fetch(ref, { method: 'HEAD' });
        served.push({ url: ref.pathname, status: f.status, kind: 'file' });
      }
    }
    return video.status;
  }

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-progressive-');
    ps = await startPublishServer({
      media: (media) => ({ put: (key: string, body: Readable | Buffer, options?: PutOptions) => checkedPut(media, key, body, options) }),
    });
    const clip = await makeTenBitClip(join(temp.dir, 'ten-bit.mp4'), 12, '854x480');
    id = await ps.api.upload(clip, { title: 'Ten bit' });
    // Poll from outside until the video is ready (and once more after).
    const end = Date.now() + 170_000;
    for (;;) {
      const status = await pollOnce();
      if (status === 'ready' || status === 'failed' || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 30));
    }
    await pollOnce();
  });

  afterAll(async () => {
    await ps?.stop();
    await temp?.cleanup();
  });

  it('finishes ready, without a stream copy', async () => {
    const video = await ps.api.waitSettled(id);
    expect(video.status, video.error ?? '').toBe('ready');
    expect(puts.some((p) => p.key.includes('/source/'))).toBe(false);
    expect(video.renditions.map((r: any) => r.name)).toEqual(['480p', '360p', 'audio']);
  });

  it('never writes a playlist that refers to a file not yet in the store', () => {
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.filter((p) => p.missing.length > 0).map((p) => `${p.key}: ${p.missing.join(', ')}`)).toEqual([]);
  });

  it('publishes EVENT playlists that grow, then VOD with ENDLIST, and the master before the end', () => {
    for (const rendition of ['480p', 'audio', '360p']) {
      const mine = puts.filter((p) => p.key === `${id}/${rendition}/index.m3u8`).map((p) => HLS.parse(p.text) as any);
      expect(mine.length, rendition).toBeGreaterThanOrEqual(2);
      const growing = mine.filter((p) => !p.endlist);
      expect(growing.length, `${rendition}: playlists published while encoding`).toBeGreaterThanOrEqual(1);
      expect(growing.every((p) => p.playlistType === 'EVENT' && p.start?.offset === 0)).toBe(true);
      const counts = mine.map((p) => p.segments.length);
      expect([...counts].sort((a, b) => a - b), `${rendition}: segment counts only grow`).toEqual(counts);
      const last = mine[mine.length - 1];
      expect(last.endlist).toBe(true);
      expect(last.playlistType).toBe('VOD');
      expect(last.segments.length).toBeGreaterThan(growing[0].segments.length);
    }
    const masters = puts.filter((p) => p.key === `${id}/master.m3u8`);
    expect(masters.length).toBe(2); // the early one, then the final one
    const firstMaster = puts.findIndex((p) => p.key === `${id}/master.m3u8`);
    const lastRung = puts.findLastIndex((p) => p.key === `${id}/480p/index.m3u8`);
    expect(firstMaster).toBeLessThan(lastRung);
    expect(puts[puts.length - 1].key).toBe(`${id}/master.m3u8`);
  });

  it('serves, at every moment it was polled, playlists whose every file is there', () => {
    expect(polls).toBeGreaterThan(1);
    expect(served.filter((s) => s.status !== 200)).toEqual([]);
    expect(served.filter((s) => s.kind === 'file').length).toBeGreaterThan(10);
    const last = servedPlaylists[servedPlaylists.length - 1];
    expect(last).toContain('#EXT-X-ENDLIST');
  });
});
