import { parse, type types } from 'hls-parser';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.ts';
import type { Rendition } from '../../../src/core/model/video.ts';
import { writeMasterPlaylist } from '../../../src/core/playlists/master-playlist.ts';
import { fixTargetDuration, parseMediaPlaylist } from '../../../src/core/playlists/media-playlist.ts';

const r720: Rendition = {
  name: '720p',
  width: 1280,
  height: 720,
  bandwidth: 3_200_000,
  averageBandwidth: 2_100_000,
  codecs: 'avc1.64001f,mp4a.40.2',
  frameRate: 30000 / 1001,
  playlist: '720p/index.m3u8',
};
const r360: Rendition = { ...r720, name: '360p', width: 640, height: 360, bandwidth: 900_000, averageBandwidth: 600_000, codecs: 'avc1.64001e,mp4a.40.2', playlist: '360p/index.m3u8' };
const audio: Rendition = { name: 'audio', width: 0, height: 0, bandwidth: 140_000, averageBandwidth: 130_000, codecs: 'mp4a.40.2', frameRate: null, playlist: 'audio/index.m3u8' };

const parseMaster = (text: string) => parse(text) as types.MasterPlaylist;

describe('writeMasterPlaylist', () => {
  it('writes a version 7 master with one audio group and variants sorted by bandwidth', () => {
    const text = writeMasterPlaylist([r720, audio, r360], { audioChannels: 2 });
    const master = parseMaster(text);
    expect(master.isMasterPlaylist).toBe(true);
    expect(master.version).toBe(7);
    expect(master.independentSegments).toBe(true);
    expect(master.variants.map((v) => v.uri)).toEqual(['360p/index.m3u8', '720p/index.m3u8']);
    const [low, high] = master.variants;
    expect(high).toMatchObject({ bandwidth: 3_200_000, averageBandwidth: 2_100_000, codecs: 'avc1.64001f,mp4a.40.2', resolution: { width: 1280, height: 720 } });
    expect(high.frameRate).toBeCloseTo(29.97, 3);
    expect(low.resolution).toEqual({ width: 640, height: 360 });
    for (const v of master.variants) {
      expect(v.audio).toHaveLength(1);
      expect(v.audio[0]).toMatchObject({ type: 'AUDIO', groupId: 'audio', uri: 'audio/index.m3u8', isDefault: true, autoselect: true, channels: '2' });
    }
    expect(text).toContain('FRAME-RATE=29.970');
    expect(text.match(/#EXT-X-MEDIA:/g)).toHaveLength(1);
  });

  it('writes an audio-only master when there is no video', () => {
    const master = parseMaster(writeMasterPlaylist([audio]));
    expect(master.variants).toHaveLength(1);
    expect(master.variants[0]).toMatchObject({ uri: 'audio/index.m3u8', bandwidth: 140_000, averageBandwidth: 130_000, codecs: 'mp4a.40.2' });
    expect(master.variants[0].resolution).toBeUndefined();
    expect(master.variants[0].audio).toEqual([]);
  });

  it('writes video-only variants without an audio group', () => {
    const silent = { ...r720, codecs: 'avc1.64001f' };
    const text = writeMasterPlaylist([silent]);
    expect(text).not.toContain('EXT-X-MEDIA');
    expect(text).not.toContain('AUDIO=');
    expect(parseMaster(text).variants[0]).toMatchObject({ codecs: 'avc1.64001f', resolution: { width: 1280, height: 720 } });
  });

  it('refuses renditions that would make an invalid playlist', () => {
    expect(() => writeMasterPlaylist([])).toThrow(ValidationError);
    expect(() => writeMasterPlaylist([{ ...r720, codecs: 'avc1"x' }])).toThrow(ValidationError);
    expect(() => writeMasterPlaylist([{ ...r720, playlist: '../other/index.m3u8' }])).toThrow(ValidationError);
    expect(() => writeMasterPlaylist([{ ...r720, playlist: '/abs/index.m3u8' }])).toThrow(ValidationError);
    expect(() => writeMasterPlaylist([{ ...r720, playlist: 'a b.m3u8' }])).toThrow(ValidationError);
    expect(() => writeMasterPlaylist([{ ...r720, bandwidth: 0 }])).toThrow(ValidationError);
    expect(() => writeMasterPlaylist([r720, audio, { ...audio, name: 'audio2' }])).toThrow(ValidationError);
  });
});

describe('parseMediaPlaylist', () => {
  const text = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:6',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MAP:URI="init.mp4"',
    '#EXTINF:6.000000,',
    'seg_00000.m4s',
    '#EXTINF:2.500000,',
    'seg_00001.m4s',
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');

  it('reads segments, durations and the init segment', () => {
    const p = parseMediaPlaylist(text);
    expect(p).toMatchObject({ version: 7, targetDuration: 6, mapUri: 'init.mp4', ended: true, totalDuration: 8.5 });
    expect(p.segments).toEqual([
      { uri: 'seg_00000.m4s', duration: 6 },
      { uri: 'seg_00001.m4s', duration: 2.5 },
    ]);
    const reference = parse(text) as types.MediaPlaylist;
    expect(reference.segments.map((s) => [s.uri, s.duration])).toEqual(p.segments.map((s) => [s.uri, s.duration]));
  });

  it('refuses a master playlist and text that is not HLS', () => {
    expect(() => parseMediaPlaylist(writeMasterPlaylist([audio]))).toThrow(ValidationError);
    expect(() => parseMediaPlaylist('hello')).toThrow(ValidationError);
    expect(() => parseMediaPlaylist('#EXTM3U\nseg.m4s\n')).toThrow(ValidationError);
  });
});

describe('fixTargetDuration', () => {
  const playlist = (target: number, durations: number[]) =>
    ['#EXTM3U', `#EXT-X-TARGETDURATION:${target}`, ...durations.flatMap((d, i) => [`#EXTINF:${d},`, `s${i}.m4s`]), '#EXT-X-ENDLIST', ''].join('\n');

  it('raises a target duration that a segment exceeds, and never leaves it at 0', () => {
    expect(parseMediaPlaylist(fixTargetDuration(playlist(0, [0.5]))).targetDuration).toBe(1);
    expect(parseMediaPlaylist(fixTargetDuration(playlist(2, [2, 2.6]))).targetDuration).toBe(3);
  });

  it('leaves a valid playlist as it is', () => {
    const valid = playlist(2, [2.005333, 1.9, 0.4]);
    expect(fixTargetDuration(valid)).toBe(valid);
  });
});
