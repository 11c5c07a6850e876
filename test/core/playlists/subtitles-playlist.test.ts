import HLS from 'hls-parser';
import { describe, expect, it } from 'vitest';
import { addTokenToPlaylist } from '../../../src/http/playlist-rewrite.ts';
import { writeMasterPlaylist } from '../../../src/core/playlists/master-playlist.ts';
import { relativeKey, withSubtitles, writeSubtitlesPlaylist } from '../../../src/core/playlists/subtitles-playlist.ts';
import type { Rendition } from '../../../src/core/model/video.ts';

const rendition = (name: string, width: number, height: number, bandwidth: number): Rendition => ({
  name,
  width,
  height,
  bandwidth,
  averageBandwidth: bandwidth * 0.8,
  codecs: width ? 'avc1.64001f,mp4a.40.2' : 'mp4a.40.2',
  frameRate: width ? 30 : null,
  playlist: `${name}/index.m3u8`,
});
const MASTER = writeMasterPlaylist([rendition('720p', 1280, 720, 3_000_000), rendition('360p', 640, 360, 900_000), rendition('audio', 0, 0, 128_000)]);
const TRACKS = [
  { language: 'en', label: 'English', uri: 'captions/en.m3u8' },
  { language: 'pt-BR', label: 'Português', uri: 'captions/upload/pt-BR.m3u8' },
];

describe('subtitles group of a master playlist', () => {
  it('lists every track and makes every variant name the group', () => {
    const text = withSubtitles(MASTER, TRACKS);
    const parsed: any = HLS.parse(text);
    const subs = parsed.variants[0].subtitles;
    expect(subs.map((s: any) => [s.language, s.name, s.uri, s.groupId, s.isDefault, s.autoselect])).toEqual([
      ['en', 'English', 'captions/en.m3u8', 'subs', false, true],
      ['pt-BR', 'Português', 'captions/upload/pt-BR.m3u8', 'subs', false, true],
    ]);
    const streamInf = text.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(streamInf).toHaveLength(2);
    for (const line of streamInf) expect(line.endsWith(',AUDIO="audio",SUBTITLES="subs"')).toBe(true);
    // The audio group stays, before the subtitles group.
    const lines = text.split('\n');
    expect(lines.findIndex((l) => l.includes('TYPE=AUDIO'))).toBeLessThan(lines.findIndex((l) => l.includes('TYPE=SUBTITLES')));
  });

  it('is idempotent, replaces the group when tracks change, and removes it with the last track', () => {
    const once = withSubtitles(MASTER, TRACKS);
    expect(withSubtitles(once, TRACKS)).toBe(once);
    const one = withSubtitles(once, TRACKS.slice(1));
    expect(one.match(/TYPE=SUBTITLES/g)).toHaveLength(1);
    expect(one).not.toContain('LANGUAGE="en"');
    expect(withSubtitles(one, [])).toBe(MASTER);
  });

  it('refuses what is not a master playlist and track attributes that would break it', () => {
    expect(() => withSubtitles('not a playlist', TRACKS)).toThrow(/not an HLS playlist/);
    expect(() => withSubtitles('#EXTM3U\n#EXTINF:2,\nseg.m4s\n', TRACKS)).toThrow(/no variant/);
    expect(() => withSubtitles(MASTER, [{ language: 'en', label: 'a"b', uri: 'x.m3u8' }])).toThrow(/quotes/);
  });

  it('gets the playback token on the subtitles URI like every other URI', () => {
    const signed = addTokenToPlaylist(withSubtitles(MASTER, TRACKS), 'tok/en+1');
    const media = signed.split('\n').filter((l) => l.includes('TYPE=SUBTITLES'));
    expect(media.map((l) => /URI="([^"]*)"/.exec(l)?.[1])).toEqual(['captions/en.m3u8?token=tok%2Fen%2B1', 'captions/upload/pt-BR.m3u8?token=tok%2Fen%2B1']);
    const playlist = addTokenToPlaylist(writeSubtitlesPlaylist('en.vtt', 3), 'abc');
    expect(playlist.split('\n')).toContain('en.vtt?token=abc');
  });
});

describe('subtitles media playlist', () => {
  it('is one WebVTT segment covering the video, VOD, ended', () => {
    const text = writeSubtitlesPlaylist('en.vtt', 12.4);
    const parsed: any = HLS.parse(text);
    expect(parsed.isMasterPlaylist).toBe(false);
    expect(parsed.targetDuration).toBe(13);
    expect(parsed.playlistType).toBe('VOD');
    expect(parsed.endlist).toBe(true);
    expect(parsed.segments.map((s: any) => [s.uri, s.duration])).toEqual([['en.vtt', 12.4]]);
  });

  it('names keys relative to each other', () => {
    expect(relativeKey('abc/master.m3u8', 'abc/captions/en.m3u8')).toBe('captions/en.m3u8');
    expect(relativeKey('abc/captions/en.m3u8', 'abc/captions/en.vtt')).toBe('en.vtt');
    expect(relativeKey('abc/first/master.m3u8', 'abc/captions/en.m3u8')).toBe('../captions/en.m3u8');
  });
});
