import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/index.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import { makeClip } from '../../support/clips.ts';
import { ffprobeJson } from '../../support/probe.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const paths = { ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE };

describe('storyboard made by the ffmpeg ladder', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir();
  });
  afterAll(() => temp.cleanup());

  it('writes a sprite sheet of the planned grid and a WebVTT map with one cue per tile', async () => {
    const clip = await makeClip(temp.dir, 'landscape', { seconds: 12 });
    const transcoder = new FfmpegTranscoder({ ...(await locateFfmpeg(paths)), threads: 1 });
    const media = await transcoder.probe(clip.path);
    const plan = planLadder(media, { segmentSeconds: 4 });
    expect(plan.storyboard).toEqual({ intervalSec: 1, tileWidth: 160, tileHeight: 90, columns: 10, rows: 2, count: 12 });
    const out = join(temp.dir, 'out');
    const result = await transcoder.transcode({ inputPath: clip.path, outputDir: out, media, plan });
    expect(result.storyboard).toEqual({ vtt: 'storyboard/storyboard.vtt', image: 'storyboard/storyboard.jpg' });
    expect(result.files).toEqual(expect.arrayContaining(['storyboard/storyboard.vtt', 'storyboard/storyboard.jpg']));

    const sheet = (await ffprobeJson(join(out, 'storyboard/storyboard.jpg'))).streams[0];
    expect([sheet.codec_name, sheet.width, sheet.height]).toEqual(['mjpeg', 1600, 180]);
    const vtt = await readFile(join(out, 'storyboard/storyboard.vtt'), 'utf8');
    expect(vtt.match(/-->/g)).toHaveLength(12);
    expect(vtt).toContain('00:00:11.000 --> 00:00:12.000\nstoryboard.jpg#xywh=160,90,160,90');
  });

  it('makes none for audio only', async () => {
    const clip = await makeClip(temp.dir, 'audio-only', { seconds: 2 });
    const transcoder = new FfmpegTranscoder({ ...(await locateFfmpeg(paths)), threads: 1 });
    const media = await transcoder.probe(clip.path);
    const result = await transcoder.transcode({ inputPath: clip.path, outputDir: join(temp.dir, 'audio'), media, plan: planLadder(media, { segmentSeconds: 4 }) });
    expect(result.storyboard ?? null).toBeNull();
    expect(result.files.some((f) => f.startsWith('storyboard/'))).toBe(false);
  });
});
