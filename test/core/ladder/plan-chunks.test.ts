import { describe, expect, it } from 'vitest';
import { planChunks } from '../../../src/core/ladder/plan-chunks.ts';
import type { LadderPlan } from '../../../src/core/model/ladder-plan.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { stitchedPlaylist } from '../../../src/core/pipeline/stitch-ladder.ts';
import { parseMediaPlaylist } from '../../../src/core/playlists/media-playlist.ts';

function source(durationSec: number, fps = 30): { plan: LadderPlan; media: MediaInfo } {
  const media = {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationSec, sizeBytes: 1, bitrate: null, audio: null,
    video: { index: 0, codec: 'h264', profile: 'High', width: 1280, height: 720, displayWidth: 1280, displayHeight: 720, rotation: 0, fps, variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: null, colorPrimaries: null, bitrate: null },
  } as MediaInfo;
  const plan: LadderPlan = {
    video: { rungs: [{ name: '720p', width: 1280, height: 720, maxrateKbps: 3000, bufsizeKbps: 6000 }], fps, gopSeconds: 2, rotation: 0, toneMap: false },
    audio: null, segmentSeconds: 4, poster: null, thumbnail: null, storyboard: null,
  };
  return { plan, media };
}

const rules = { chunkSeconds: 150, encrypted: false, download: false };

describe('planChunks', () => {
  it('cuts a long video at multiples of the chunk length, rounded down to whole segments, the last chunk taking the rest', () => {
    const { plan, media } = source(620);
    const decision = planChunks(plan, media, rules);
    expect(decision).toEqual({
      split: true,
      chunkSeconds: 148,
      chunks: [
        { index: 0, startSec: 0, frames: 4440, firstSegment: 0 },
        { index: 1, startSec: 148, frames: 4440, firstSegment: 37 },
        { index: 2, startSec: 296, frames: 4440, firstSegment: 74 },
        // 620 s = 4 x 148 + 28 s: a remainder under half a chunk goes to the last one.
        { index: 3, startSec: 444, frames: null, firstSegment: 111 },
      ],
    });
  });

  it('makes a chunk of a remainder of half a chunk or more', () => {
    const { plan, media } = source(148 * 2 + 74);
    const decision = planChunks(plan, media, rules);
    expect(decision.split && decision.chunks.map((c) => c.startSec)).toEqual([0, 148, 296]);
  });

  it('does not split a video shorter than two chunks, encrypted, made downloadable, at a rate with no whole frame count, or when off', () => {
    const { plan, media } = source(295);
    expect(planChunks(plan, media, rules)).toEqual({ split: false, reason: 'shorter than two chunks' });
    const long = source(600);
    expect(planChunks(long.plan, long.media, { ...rules, encrypted: true })).toMatchObject({ split: false, reason: 'encrypted' });
    expect(planChunks(long.plan, long.media, { ...rules, download: true })).toMatchObject({ split: false, reason: 'downloadable MP4' });
    expect(planChunks(long.plan, long.media, { ...rules, chunkSeconds: 0 })).toMatchObject({ split: false });
    const ntsc = source(600, 30000 / 1001);
    expect(planChunks(ntsc.plan, ntsc.media, rules)).toMatchObject({ split: false, reason: 'frame rate' });
    const audioOnly = source(600);
    expect(planChunks({ ...audioOnly.plan, video: null }, audioOnly.media, rules)).toMatchObject({ split: false, reason: 'no video' });
  });
});

describe('stitchedPlaylist', () => {
  const chunk = (index: number, first: number) =>
    parseMediaPlaylist(
      `#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:${first}\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI="init-000${index}.mp4"\n` +
        `#EXTINF:4.000000,\nseg_0000${first}.m4s\n#EXTINF:3.5,\nseg_0000${first + 1}.m4s\n#EXT-X-ENDLIST\n`,
    );

  it('lists every chunk segment in order under one init segment when the chunks have the same one', () => {
    const text = stitchedPlaylist([chunk(0, 0), chunk(1, 2)], [Buffer.from('init'), Buffer.from('init')]);
    const parsed = parseMediaPlaylist(text);
    expect(parsed.mapUri).toBe('init-0000.mp4');
    expect(parsed.segments.map((s) => s.uri)).toEqual(['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s', 'seg_00003.m4s']);
    expect(parsed.totalDuration).toBeCloseTo(15);
    expect(parsed.ended).toBe(true);
    expect(text).not.toContain('DISCONTINUITY');
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
  });

  it('marks a discontinuity and the chunk’s own init segment where it differs', () => {
    const text = stitchedPlaylist([chunk(0, 0), chunk(1, 2)], [Buffer.from('init'), Buffer.from('other')]);
    expect(text).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-0001.mp4"\n#EXTINF:4.000000,\nseg_00002.m4s');
  });
});
