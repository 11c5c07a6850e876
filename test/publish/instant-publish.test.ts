import { join } from 'node:path';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoPatch } from '../../src/core/model/video.ts';
import type { UpdateOptions } from '../../src/core/ports/catalog.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeStandardClip, playlistRefs, startPublishServer, type PublishServer } from './support.ts';

/**
 * Instant publish through a real server: a standard H.264/AAC upload is packaged by stream copy and
 * published (playable, still processing) before the ladder is done; the final master lists the rungs.
 * The moment the job marks the video playable, it waits while the test looks at what is served, so
 * the "before the ladder finishes" state is observed for certain.
 */
interface Snapshot {
  video: any;
  master: string;
  masterStatus: number;
  variantPlaylist: string | null;
  refStatuses: Array<{ url: string; status: number }>;
  storedMaster: string | null;
}

describe('instant publish of a standard upload', () => {
  let ps: PublishServer;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let snapshot: Snapshot | null = null;
  let snapshotError: unknown = null;
  let id = '';

  async function look(videoId: string): Promise<Snapshot> {
    const { json: video } = await ps.api.request('GET', `/api/v1/videos/${videoId}`);
    const masterUrl = new URL(video.playback.hls);
    const masterRes = await fetch(masterUrl);
    const master = await masterRes.text();
    const parsed: any = HLS.parse(master);
    let variantPlaylist: string | null = null;
    const refStatuses: Snapshot['refStatuses'] = [];
    if (parsed.variants?.length === 1) {
      const variantUrl = new URL(parsed.variants[0].uri, masterUrl);
      variantPlaylist = await (await fetch(variantUrl)).text();
      for (const ref of playlistRefs(variantPlaylist, variantUrl)) {
        refStatuses.push({ url: ref.pathname, status: (await fetch(ref)).status });
      }
    }
    const stored = await ps.server.rt.media.get(`${videoId}/master.m3u8`).then(
      async ({ body }) => Buffer.concat(await body.toArray()).toString('utf8'),
      () => null,
    );
    return { video, master, masterStatus: masterRes.status, variantPlaylist, refStatuses, storedMaster: stored };
  }

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-instant-');
    ps = await startPublishServer({
      catalog: (catalog) => ({
        async updateVideo(videoId: string, patch: VideoPatch, options?: UpdateOptions) {
          const updated = await catalog.updateVideo(videoId, patch, options);
          // The early "playable" update (not the final "ready" one): the job waits for this look.
          if (updated && patch.playable === true && patch.status === undefined && !snapshot) {
            snapshot = await look(videoId).catch((err) => {
              snapshotError = err;
              return null;
            });
          }
          return updated;
        },
      }),
    });
    const clip = await makeStandardClip(join(temp.dir, 'standard.mp4'), 4, '854x480');
    id = await ps.api.upload(clip, { title: 'Standard' });
  });

  afterAll(async () => {
    await ps?.stop();
    await temp?.cleanup();
  });

  it('is playable from the stream copy while the ladder is still being made', async () => {
    const final = await ps.api.waitSettled(id);
    expect(final.status, final.error ?? '').toBe('ready');
    expect(snapshotError).toBeNull();
    expect(snapshot, 'the job marked the video playable before it was ready').not.toBeNull();
    const s = snapshot!;
    expect(s.video.status).toBe('processing');
    expect(s.video.playable).toBe(true);
    expect(s.video.renditions.map((r: any) => r.name)).toEqual(['source']);
    expect(s.masterStatus).toBe(200);
    const master: any = HLS.parse(s.master);
    expect(master.isMasterPlaylist).toBe(true);
    expect(master.variants).toHaveLength(1);
    expect(master.variants[0].uri).toMatch(/^source\/index\.m3u8\?token=/);
    expect(master.variants[0].resolution).toEqual({ width: 854, height: 480 });
    expect(master.variants[0].codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    // The copy's playlist and every file it lists are served.
    expect(s.variantPlaylist).toMatch(/#EXTINF/);
    expect(s.refStatuses.length).toBeGreaterThanOrEqual(2);
    expect(s.refStatuses.filter((r) => r.status !== 200)).toEqual([]);
    // The ladder's master is not out yet: the stored master is the copy's.
    expect(s.storedMaster).not.toContain('480p/index.m3u8');
  });

  it('ends with a master of the encoded rungs; the copy stays served for players that opened it', async () => {
    const video = await ps.api.waitSettled(id);
    expect(video.renditions.map((r: any) => r.name)).toEqual(['480p', '360p', 'audio']);
    const masterUrl = new URL(video.playback.hls);
    const master: any = HLS.parse(await (await fetch(masterUrl)).text());
    expect(master.variants.map((v: any) => v.uri.split('?')[0]).sort()).toEqual(['360p/index.m3u8', '480p/index.m3u8']);
    expect(master.variants.every((v: any) => /avc1\.64/.test(v.codecs))).toBe(true);
    for (const v of master.variants) {
      const url = new URL(v.uri, masterUrl);
      const text = await (await fetch(url)).text();
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(text).toContain('#EXT-X-ENDLIST');
      for (const ref of playlistRefs(text, url)) expect((await fetch(ref)).status, ref.pathname).toBe(200);
    }
    const sourceUrl = new URL(`source/index.m3u8${masterUrl.search}`, masterUrl);
    const source = await (await fetch(sourceUrl)).text();
    expect(source).toContain('#EXT-X-ENDLIST');
    expect(source).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    const parsed: any = HLS.parse(source);
    expect(parsed.segments.reduce((t: number, seg: any) => t + seg.duration, 0)).toBeCloseTo(4, 0);
    for (const ref of playlistRefs(source, sourceUrl)) expect((await fetch(ref)).status, ref.pathname).toBe(200);
  });
});
