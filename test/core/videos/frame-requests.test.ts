import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.ts';
import { bestVideoRendition, clampTime, posterKeyAt, segmentAt, thumbnailKey, thumbnailSize } from '../../../src/core/videos/frame-requests.ts';
import { parseMediaPlaylist } from '../../../src/core/playlists/media-playlist.ts';
import type { Rendition } from '../../../src/core/model/video.ts';

const rendition = (name: string, width: number, height: number): Rendition => ({
  name, width, height, bandwidth: 1, averageBandwidth: 1, codecs: 'avc1', frameRate: 30, playlist: `${name}/index.m3u8`,
});

const PLAYLIST = [
  '#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:4.000,', 'seg_00000.m4s', '#EXTINF:4.000,', 'seg_00001.m4s', '#EXTINF:2.500,', 'seg_00002.m4s', '#EXT-X-ENDLIST', '',
].join('\n');

describe('frame requests', () => {
  it('takes the largest video rendition, none for audio only', () => {
    const top = rendition('1080p', 1920, 1080);
    expect(bestVideoRendition({ renditions: [rendition('360p', 640, 360), top, rendition('audio', 0, 0)] })).toBe(top);
    expect(bestVideoRendition({ renditions: [rendition('audio', 0, 0)] })).toBeNull();
  });

  it('clamps the width to 64..1280 and to the rendition, keeping its aspect', () => {
    const hd = rendition('1080p', 1920, 1080);
    expect(thumbnailSize(hd, undefined)).toEqual({ width: 320, height: 180 });
    expect(thumbnailSize(hd, 10)).toEqual({ width: 64, height: 36 });
    expect(thumbnailSize(hd, 4000)).toEqual({ width: 1280, height: 720 });
    expect(thumbnailSize(rendition('568p', 568, 320), 4000)).toEqual({ width: 568, height: 320 });
    expect(thumbnailSize(rendition('portrait', 720, 1280), 301)).toEqual({ width: 302, height: 536 });
  });

  it('clamps the time to the video, in tenths of a second', () => {
    expect(clampTime(3.07, 10)).toBe(3);
    expect(clampTime(-2, 10)).toBe(0);
    expect(clampTime(999, 10)).toBe(9.9);
    expect(clampTime(10, 10)).toBe(9.9);
    expect(thumbnailKey('abc', 3, 320)).toBe('abc/thumbs/3.0-320.jpg');
    expect(posterKeyAt('abc', 12.5)).toBe('abc/poster-12.5.jpg');
  });

  it('finds the segment that holds a time, and the time within it', () => {
    const p = parseMediaPlaylist(PLAYLIST);
    expect(segmentAt('abc', '720p/index.m3u8', p, 0)).toEqual({ initKey: 'abc/720p/init.mp4', segmentKey: 'abc/720p/seg_00000.m4s', offsetSec: 0 });
    expect(segmentAt('abc', '720p/index.m3u8', p, 5.5)).toEqual({ initKey: 'abc/720p/init.mp4', segmentKey: 'abc/720p/seg_00001.m4s', offsetSec: 1.5 });
    expect(segmentAt('abc', 'first/360p/index.m3u8', p, 99)).toMatchObject({ segmentKey: 'abc/first/360p/seg_00002.m4s', offsetSec: 91 });
  });

  it('refuses playlists that name files outside the video\'s folder, or have nothing yet', () => {
    const outside = parseMediaPlaylist(PLAYLIST.replace('seg_00000.m4s', '../../other/seg.m4s'));
    expect(() => segmentAt('abc', '720p/index.m3u8', outside, 1)).toThrow(ValidationError);
    const absolute = parseMediaPlaylist(PLAYLIST.replace('seg_00000.m4s', 'https://elsewhere.test/seg.m4s'));
    expect(() => segmentAt('abc', '720p/index.m3u8', absolute, 1)).toThrow(ValidationError);
    expect(() => segmentAt('abc', '720p/index.m3u8', parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:4\n'), 1)).toThrow(/no picture/);
  });
});
