import HLS from 'hls-parser';
import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../src/core/playlists/media-playlist.ts';
import { publishedMediaPlaylist, START_AT_BEGINNING } from '../../src/core/playlists/progressive-playlist.ts';

const growing = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:EVENT',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:2.000000,',
  'seg_00000.m4s',
  '#EXTINF:2.000000,',
  'seg_00001.m4s',
  '',
].join('\n');
const ended = growing.replace(/\n$/, '\n#EXTINF:0.500000,\nseg_00002.m4s\n#EXT-X-ENDLIST\n');

describe('publishedMediaPlaylist', () => {
  it('publishes a growing playlist as EVENT that starts at the beginning, segments untouched', () => {
    const out = publishedMediaPlaylist(growing);
    expect(out).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(out).toContain(START_AT_BEGINNING);
    expect(out).not.toContain('#EXT-X-ENDLIST');
    const parsed: any = HLS.parse(out);
    expect(parsed.playlistType).toBe('EVENT');
    expect(parsed.start?.offset).toBe(0);
    expect(parsed.segments.map((s: any) => s.uri)).toEqual(['seg_00000.m4s', 'seg_00001.m4s']);
    expect(parsed.segments[0].map.uri).toBe('init.mp4');
    // The start tag comes before the first segment, among the playlist-wide tags.
    expect(out.indexOf(START_AT_BEGINNING)).toBeLessThan(out.indexOf('#EXT-X-MAP'));
  });

  it('publishes a complete playlist as VOD with ENDLIST and without the start tag', () => {
    const out = publishedMediaPlaylist(publishedMediaPlaylist(ended));
    expect(out).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(out).not.toContain('EVENT');
    expect(out).not.toContain('#EXT-X-START');
    const info = parseMediaPlaylist(out);
    expect(info.ended).toBe(true);
    expect(info.segments).toHaveLength(3);
    expect((HLS.parse(out) as any).playlistType).toBe('VOD');
  });

  it('adds the playlist type when the encoder wrote none, and is idempotent', () => {
    const bare = growing.replace('#EXT-X-PLAYLIST-TYPE:EVENT\n', '');
    const once = publishedMediaPlaylist(bare);
    expect(once).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(publishedMediaPlaylist(once)).toBe(once);
    expect(once.match(/#EXT-X-START/g)).toHaveLength(1);
    expect(publishedMediaPlaylist(bare.replace(/\n$/, '\n#EXT-X-ENDLIST\n'))).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
  });

  it('corrects a target duration of 0 (every segment so far shorter than half a second)', () => {
    const tiny = growing.replace('#EXT-X-TARGETDURATION:2', '#EXT-X-TARGETDURATION:0').replace(/#EXTINF:2.000000,/g, '#EXTINF:0.029687,');
    expect(publishedMediaPlaylist(tiny)).toContain('#EXT-X-TARGETDURATION:1\n');
  });
});
