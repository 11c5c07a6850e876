import { parse as parseMpd } from 'mpd-parser';
import { describe, expect, it } from 'vitest';
import type { Rendition } from '../../../src/core/model/video.ts';
import { writeDashManifest } from '../../../src/core/playlists/dash-manifest.ts';

function playlist(durations: number[], opts: { ended?: boolean; map?: boolean } = {}): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:4',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    ...(opts.map === false ? [] : ['#EXT-X-MAP:URI="init.mp4"']),
    ...durations.flatMap((d, i) => [`#EXTINF:${d.toFixed(6)},`, `seg_${String(i).padStart(5, '0')}.m4s`]),
    ...(opts.ended === false ? [] : ['#EXT-X-ENDLIST']),
    '',
  ].join('\n');
}

const r720: Rendition = { name: '720p', width: 1280, height: 720, bandwidth: 3_128_000, averageBandwidth: 2_000_000, codecs: 'avc1.64001f,mp4a.40.2', frameRate: 29.97, playlist: '720p/index.m3u8' };
const r360: Rendition = { name: '360p', width: 640, height: 360, bandwidth: 928_000, averageBandwidth: 700_000, codecs: 'avc1.64001e,mp4a.40.2', frameRate: 30, playlist: '360p/index.m3u8' };
const audio: Rendition = { name: 'audio', width: 0, height: 0, bandwidth: 128_000, averageBandwidth: 128_000, codecs: 'mp4a.40.2', frameRate: null, playlist: 'audio/index.m3u8' };
const videoDurations = [4, 4, 4, 1.5];
const audioDurations = [4.010667, 3.989333, 4.010667, 1.52];

function manifest(): string {
  return writeDashManifest([
    { rendition: r720, playlist: playlist(videoDurations) },
    { rendition: audio, playlist: playlist(audioDurations) },
    { rendition: r360, playlist: playlist(videoDurations) },
  ]);
}

describe('writeDashManifest', () => {
  it('writes a static isoff-main MPD: one video AdaptationSet (a Representation per rung, lowest first) and one audio', () => {
    const mpd = manifest();
    expect(mpd).toContain('type="static"');
    expect(mpd).toContain('profiles="urn:mpeg:dash:profile:isoff-main:2011"');
    expect(mpd).toContain('mediaPresentationDuration="PT13.531S"');
    expect(mpd.match(/<AdaptationSet /g)).toHaveLength(2);
    const reps = [...mpd.matchAll(/<Representation ([^>]*)>/g)].map((m) => m[1]);
    expect(reps).toEqual([
      'id="360p" codecs="avc1.64001e" bandwidth="800000" width="640" height="360" frameRate="30" sar="1:1"',
      'id="720p" codecs="avc1.64001f" bandwidth="3000000" width="1280" height="720" frameRate="30000/1001" sar="1:1"',
      'id="audio" codecs="mp4a.40.2" bandwidth="128000"',
    ]);
  });

  it('lists the init segment and every segment relative to the manifest, with a timeline of the EXTINF durations', () => {
    const mpd = manifest();
    expect(mpd).toContain('<Initialization sourceURL="720p/init.mp4" />');
    expect(mpd).toContain('<SegmentURL media="720p/seg_00003.m4s" />');
    expect(mpd).toContain('<S t="0" d="360000" r="2" />\n            <S d="135000" />');
    const parsed = parseMpd(mpd, { manifestUri: 'https://cdn.test/v1/manifest.mpd' });
    expect(parsed.playlists).toHaveLength(2);
    for (const p of parsed.playlists) {
      expect(p.segments.map((s: { duration: number }) => s.duration)).toEqual(videoDurations);
      expect(p.segments[0].map.resolvedUri).toBe(`https://cdn.test/v1/${p.attributes.NAME}/init.mp4`);
      expect(p.segments[3].resolvedUri).toBe(`https://cdn.test/v1/${p.attributes.NAME}/seg_00003.m4s`);
    }
    const audioPlaylists = Object.values(parsed.mediaGroups.AUDIO).flatMap((g: any) => Object.values(g).flatMap((x: any) => x.playlists));
    expect(audioPlaylists).toHaveLength(1);
    audioPlaylists[0].segments.forEach((s: { duration: number }, i: number) => expect(s.duration).toBeCloseTo(audioDurations[i], 4));
  });

  it('writes an audio-only manifest for an audio-only video', () => {
    const mpd = writeDashManifest([{ rendition: audio, playlist: playlist([4, 2]) }]);
    expect(mpd).not.toContain('contentType="video"');
    expect(mpd).toContain('<AdaptationSet id="0" contentType="audio"');
  });

  it('refuses playlists it cannot describe: not complete, not fMP4, a file outside the folder', () => {
    expect(() => writeDashManifest([])).toThrow(/at least one rendition/);
    expect(() => writeDashManifest([{ rendition: r360, playlist: playlist([4], { ended: false }) }])).toThrow(/not complete/);
    expect(() => writeDashManifest([{ rendition: r360, playlist: playlist([4], { map: false }) }])).toThrow(/no init segment/);
    const outside = playlist([4]).replace('seg_00000.m4s', '../other/seg_00000.m4s');
    expect(() => writeDashManifest([{ rendition: r360, playlist: outside }])).toThrow(/outside its folder/);
  });

  it('escapes names for XML', () => {
    const odd = { ...r360, name: 'a"b&c' };
    expect(writeDashManifest([{ rendition: odd, playlist: playlist([4]) }])).toContain('id="a&quot;b&amp;c"');
  });
});
