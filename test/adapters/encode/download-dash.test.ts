import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseMpd } from 'mpd-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { openFfmpegEncoding, type FfmpegEncoding } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-encoding.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts';
import { copyEligibility } from '../../../src/core/ladder/copy-eligibility.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { parseMediaPlaylist } from '../../../src/core/playlists/media-playlist.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import type { EncodeRequest, EncodeResult } from '../../../src/core/ports/encode-backend.ts';
import type { ObjectStore } from '../../../src/core/ports/object-store.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { makeClip } from '../../support/clips.ts';
import { ffprobeJson } from '../../support/probe.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const SECONDS = 5;

/** The top-level MP4 boxes of a file, in order. */
async function topLevelBoxes(path: string): Promise<string[]> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const boxes: string[] = [];
    let at = 0;
    const head = Buffer.alloc(16);
    while (at + 8 <= size) {
      await file.read(head, 0, 16, at);
      let length = head.readUInt32BE(0);
      if (length === 1) length = Number(head.readBigUInt64BE(8));
      else if (length === 0) length = size - at;
      boxes.push(head.toString('latin1', 4, 8));
      if (length < 8) break;
      at += length;
    }
    return boxes;
  } finally {
    await file.close();
  }
}

describe('ffmpeg ladder: the downloadable MP4 and the DASH manifest over the HLS segments', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let sources: ObjectStore;
  let media: ObjectStore;
  let encoding: FfmpegEncoding;
  let source: { key: string; etag: string; media: MediaInfo };
  let n = 0;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-download-dash-');
    const signer = new UrlSigner({ secret: 'download-dash-test-secret-0123456789abcdef', clock: systemClock });
    sources = await LocalDiskObjectStore.open({ root: join(temp.dir, 'sources'), bucket: 'sources', signer, clock: systemClock });
    media = await LocalDiskObjectStore.open({ root: join(temp.dir, 'media'), bucket: 'media', signer, clock: systemClock });
    const tools = await locateFfmpeg({ ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE });
    const transcoder = new FfmpegTranscoder({ ...tools, preset: 'ultrafast', threads: 1 });
    encoding = await openFfmpegEncoding({ transcoder, sources, media, workDir: join(temp.dir, 'work') });
    const clip = await makeClip(temp.dir, 'landscape', { seconds: SECONDS });
    const info = await sources.put('landscape.mp4', await readFile(clip.path), { contentType: 'video/mp4' });
    source = { key: info.key, etag: info.etag, media: await encoding.probe.probe({ key: info.key, etag: info.etag }) };
  });
  afterAll(() => temp?.cleanup());

  async function ladder(extra: Partial<EncodeRequest>): Promise<EncodeResult> {
    const videoId = `video${++n}`;
    const submission = await encoding.backend.submit(
      {
        videoId, attemptId: 'a1', sourceKey: source.key, sourceEtag: source.etag, outputPrefix: `${videoId}/`,
        plan: planLadder(source.media, { segmentSeconds: 2 }), media: source.media, encryption: null, mode: 'ladder', ...extra,
      },
      { progress: () => {}, playable: async () => {} },
    );
    if (submission.state !== 'completed') throw new Error('the ffmpeg backend completes in process');
    return submission.result;
  }

  async function stored(key: string): Promise<Buffer> {
    const { body } = await media.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  }

  async function storedFile(key: string): Promise<string> {
    const path = join(temp.dir, key.replace(/\//g, '_'));
    await writeFile(path, await stored(key));
    return path;
  }

  async function expectPlayableMp4(key: string): Promise<any> {
    const path = await storedFile(key);
    const probe = await ffprobeJson(path);
    expect(probe.streams.map((s: { codec_name: string }) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(Number(probe.format.duration) - SECONDS)).toBeLessThan(0.3);
    const boxes = await topLevelBoxes(path);
    expect(boxes).toContain('mdat');
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat')); // faststart
    return probe;
  }

  it('makes the best rung and the audio into an MP4 (moov first) in the ladder run, and an MPD over the very segments of the HLS playlists', async () => {
    const result = await ladder({ download: true });
    expect(result.downloadKey).toBe('video1/download.mp4');
    expect(result.dashKey).toBe('video1/manifest.mpd');
    const probe = await expectPlayableMp4(result.downloadKey!);
    const best = result.renditions.filter((r) => r.width > 0).sort((a, b) => b.width - a.width)[0];
    const video = probe.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    expect([video.width, video.height]).toEqual([best.width, best.height]);

    const mpdText = (await stored(result.dashKey!)).toString('utf8');
    expect((await media.head(result.dashKey!))?.contentType).toBe('application/dash+xml');
    const manifest = parseMpd(mpdText, { manifestUri: 'https://vodkit.test/media/video1/manifest.mpd' });
    const audioGroup = Object.values(manifest.mediaGroups.AUDIO)[0] as Record<string, { playlists: any[] }>;
    const dashPlaylists = [...manifest.playlists, ...Object.values(audioGroup).flatMap((g) => g.playlists)];
    expect(dashPlaylists.map((p) => p.attributes.NAME).sort()).toEqual(result.renditions.map((r) => r.name).sort());
    const prefix = 'https://vodkit.test/media/';
    for (const rendition of result.renditions) {
      const dash = dashPlaylists.find((p) => p.attributes.NAME === rendition.name);
      const hls = parseMediaPlaylist((await stored(`video1/${rendition.playlist}`)).toString('utf8'));
      expect(dash.segments.length).toBe(hls.segments.length);
      dash.segments.forEach((s: { duration: number }, i: number) => expect(Math.abs(s.duration - hls.segments[i].duration)).toBeLessThan(0.001));
      if (rendition.width > 0) {
        expect(dash.attributes.RESOLUTION).toEqual({ width: rendition.width, height: rendition.height });
        expect(dash.attributes.CODECS).toMatch(/^avc1\./);
      } else {
        expect(dash.attributes.CODECS).toMatch(/^mp4a\./);
      }
      // Every URL of the manifest is a file the HLS renditions published (no second copy).
      const folder = rendition.playlist.slice(0, rendition.playlist.lastIndexOf('/') + 1);
      const uris = [dash.segments[0].map.resolvedUri, ...dash.segments.map((s: { resolvedUri: string }) => s.resolvedUri)];
      expect(uris.map((u: string) => u.slice(prefix.length))).toEqual([
        `video1/${folder}${hls.mapUri}`,
        ...hls.segments.map((s) => `video1/${folder}${s.uri}`),
      ]);
      for (const uri of uris) expect(await media.head(uri.slice(prefix.length))).not.toBeNull();
    }
  }, 120_000);

  it('remuxes the source itself when it is fit for stream copy, and makes no MP4 unless asked', async () => {
    expect(copyEligibility(source.media).eligible).toBe(true);
    const remux = await ladder({ download: true, downloadFromSource: true });
    const probe = await expectPlayableMp4(remux.downloadKey!);
    const video = probe.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    expect([video.width, video.height]).toEqual([source.media.video!.width, source.media.video!.height]);

    const none = await ladder({});
    expect(none.downloadKey).toBeNull();
    expect(none.dashKey).toBe(`video${n}/manifest.mpd`);
    expect(await media.head(`video${n}/download.mp4`)).toBeNull();
  }, 120_000);
});
