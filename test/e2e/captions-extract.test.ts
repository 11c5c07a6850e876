import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { ffmpeg } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { putCaptionFiles } from '../../src/core/captions/publish-captions.ts';
import { seconds } from '../../src/core/captions/webvtt.ts';
import type { CaptionTrack } from '../../src/core/model/video.ts';
import { finishEncode } from '../../src/core/pipeline/finish-encode.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';

/**
 * Subtitle streams of an upload become caption tracks: an MKV with an SRT (tagged English, titled)
 * and an ASS stream (no tags), and an MP4 with a mov_text stream (French), made here with ffmpeg
 * and encoded by the real pipeline. A track added through the API stays when a ladder finishes
 * again, and wins over the upload's track of its language.
 */
describe('caption tracks taken from the upload', () => {
  let server: TestServer;
  let api: ApiClient;
  let scratch: { dir: string; cleanup: () => Promise<void> };

  const SRT = '1\n00:00:00,200 --> 00:00:01,500\nFirst <i>line</i> from SRT\n\n2\n00:00:01,600 --> 00:00:02,800\nSecond line\n';
  const ASS = [
    '[Script Info]',
    'ScriptType: v4.00+',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    'Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1',
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    'Dialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,Words from ASS',
    '',
  ].join('\n');

  async function makeSources(): Promise<{ mkv: string; mp4: string }> {
    const srt = join(scratch.dir, 'en.srt');
    const ass = join(scratch.dir, 'other.ass');
    await writeFile(srt, SRT);
    await writeFile(ass, ASS);
    const av = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=3', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3'];
    const enc = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-b:a', '64k'];
    const mkv = join(scratch.dir, 'with-subtitles.mkv');
    await ffmpeg([...av, '-i', srt, '-i', ass, '-map', '0:v', '-map', '1:a', '-map', '2:s', '-map', '3:s', ...enc, '-c:s', 'copy',
      '-metadata:s:s:0', 'language=eng', '-metadata:s:s:0', 'title=English (from the file)', mkv]);
    const mp4 = join(scratch.dir, 'with-mov-text.mp4');
    await ffmpeg([...av, '-i', srt, '-map', '0:v', '-map', '1:a', '-map', '2:s', ...enc, '-c:s', 'mov_text', '-metadata:s:s:0', 'language=fra', mp4]);
    return { mkv, mp4 };
  }

  beforeAll(async () => {
    scratch = await makeTempDir();
    server = await startTestServer();
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
    await scratch?.cleanup();
  });

  async function vttOf(url: string): Promise<string> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return res.text();
  }

  it('extracts SRT, ASS and mov_text streams as WebVTT tracks listed in the master', async () => {
    const { mkv, mp4 } = await makeSources();
    const mkvId = await api.upload(mkv, { contentType: 'video/x-matroska' });
    const mp4Id = await api.upload(mp4);
    const fromMkv = await api.waitSettled(mkvId);
    const fromMp4 = await api.waitSettled(mp4Id);
    expect(fromMkv.status, fromMkv.error).toBe('ready');
    expect(fromMp4.status, fromMp4.error).toBe('ready');

    expect(fromMkv.captions.map((c: any) => [c.language, c.label])).toEqual([
      ['en', 'English (from the file)'],
      ['und', 'Unknown language'],
    ]);
    const [en, und] = fromMkv.captions;
    const enText = await vttOf(en.url);
    expect(enText.startsWith('WEBVTT')).toBe(true);
    // Cue times as in the file, on the timeline of the media (the MKV starts its streams a few ms in).
    const [start, end] = /(\S+) --> (\S+)/.exec(enText)!.slice(1).map(seconds);
    expect(start).toBeGreaterThanOrEqual(0.2);
    expect(start).toBeLessThan(0.3);
    expect(end! - start!).toBeCloseTo(1.3, 2);
    expect(enText).toContain('First <i>line</i> from SRT');
    expect(await vttOf(und.url)).toContain('Words from ASS');
    const stored = await server.rt.catalog.getVideo(mkvId);
    expect(stored?.captions?.every((c) => c.source === 'upload' && c.vttKey.startsWith(`${mkvId}/captions/upload/`))).toBe(true);

    expect(fromMp4.captions.map((c: any) => [c.language, c.label])).toEqual([['fr', 'French']]);
    expect(await vttOf(fromMp4.captions[0].url)).toContain('Second line');

    const master: any = HLS.parse(await (await fetch(fromMkv.playback.hls)).text());
    for (const variant of master.variants) expect(variant.subtitles.map((s: any) => s.language)).toEqual(['en', 'und']);
  });

  it('keeps a track added through the API over the upload track of its language when a ladder finishes again', async () => {
    const { mp4 } = await makeSources();
    const id = await api.upload(mp4);
    const ready = await api.waitSettled(id);
    expect(ready.status, ready.error).toBe('ready');
    expect(ready.captions.map((c: any) => [c.language, c.label])).toEqual([['fr', 'French']]);
    const added = await api.request('POST', `/api/v1/videos/${id}/captions`, { language: 'fr', label: 'Français (API)', format: 'vtt', text: 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nDepuis l’API\n' });
    expect(added.status).toBe(201);

    // The video's ladder finishes again (as after a re-encode), with upload tracks in French and German.
    const video = (await server.rt.catalog.getVideo(id))!;
    await server.rt.catalog.updateVideo(id, { status: 'processing', attemptId: 'again' });
    const upload = (language: string): CaptionTrack => ({ language, label: `${language} upload`, vttKey: `${id}/captions/upload/${language}.vtt`, playlistKey: `${id}/captions/upload/${language}.m3u8`, source: 'upload' });
    await putCaptionFiles(server.rt.media, upload('de'), 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nAus der Datei\n', 3);
    const outcome = await finishEncode(
      { catalog: server.rt.catalog, media: server.rt.media, logger: silentLogger },
      { videoId: id, attemptId: 'again', mode: 'ladder', result: { masterKey: video.masterKey!, renditions: video.renditions, posterKey: video.posterKey, thumbnailKey: video.thumbnailKey, captions: [upload('de'), upload('fr')] } },
    );
    expect(outcome).toBe('ready');
    const after = (await api.request('GET', `/api/v1/videos/${id}`)).json;
    expect(after.captions.map((c: any) => [c.language, c.label])).toEqual([
      ['de', 'de upload'],
      ['fr', 'Français (API)'],
    ]);
    expect(await vttOf(after.captions[1].url)).toContain('Depuis l’API');
    const master: any = HLS.parse(await (await fetch(after.playback.hls)).text());
    expect(master.variants[0].subtitles.map((s: any) => [s.language, s.uri.split('?')[0]])).toEqual([
      ['de', 'captions/upload/de.m3u8'],
      ['fr', 'captions/fr.m3u8'],
    ]);
  });
});
