import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCopyArgs, buildTranscodeArgs } from '../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../../src/adapters/transcoder/ffmpeg/index.ts';
import { UnsupportedMediaError } from '../../src/core/errors.ts';
import { planLadder } from '../../src/core/ladder/plan-ladder.ts';
import { checkMediaLimits } from '../../src/core/pipeline/job-limits.ts';
import type { MediaInfo } from '../../src/core/model/media-info.ts';
import { checkPlayback } from '../ops/support/playback-check.ts';
import { settledJobsFor } from '../ops/support/sqlite-jobs.ts';
import { adminToken, embeddedEnv, startServe, type VodkitProcess } from '../ops/support/vodkit-process.ts';
import { ApiClient } from '../support/api-client.ts';
import { run } from '../support/probe.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * Files whose timestamps spread a few packets over hours. Encoding fills timestamp gaps (copies of
 * frames for a constant frame rate, silence for audio), so a 9 KB file of 61 black frames, one of
 * them at ten hours, used to be accepted as a ten-hour video and kept the worker busy for hours.
 * vodkit judges a file by what its packets hold: such files are refused at once with a reason,
 * while a real gap of a few seconds is encoded as it is.
 */
const TEN_HOURS = /timestamps stretch over 10 hours, but it holds only/;

const ffmpeg = (args: string[]) => run(process.env.VODKIT_FFMPEG ?? 'ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
/** 60 black frames at 30 fps (1080p unless told), then one at `lastSec`. */
const blackThenOne = (lastSec: number, size = '1920x1080') => [
  '-f', 'lavfi', '-i', `color=black:s=${size}:r=30`, '-frames:v', '61',
  '-vf', `setpts='if(lt(N,60),N/30/TB,${lastSec}/TB)'`,
];

interface Sample {
  name: string;
  contentType: string;
  /**
   * 'refused': fails with `reason` (default: the ten-hour one). 'either': refused, or kept with its
   * packets' short duration of 2 s (ffmpeg versions write the first sample differently).
   */
  expect: 'refused' | 'either' | { durationSec: number };
  reason?: RegExp;
}

const SAMPLES: Sample[] = [
  // The command exactly as reported. Some ffmpeg versions write the gap into the frames' timing,
  // others (5.1 with B-frames) only into the edit list, where the packets then last 2 seconds.
  { name: 'tiny.mp4', contentType: 'video/mp4', expect: 'either' },
  // Without B-frames every ffmpeg writes the ten hours into the frames' timing.
  { name: 'tiny-no-bframes.mp4', contentType: 'video/mp4', expect: 'refused' },
  { name: 'tiny.mkv', contentType: 'video/x-matroska', expect: 'refused' },
  // Audio: 2 seconds of tone, the second half ten hours later.
  { name: 'tone-gap.m4a', contentType: 'audio/mp4', expect: 'refused' },
  // 2 seconds of tone whose packets are spread 100 times apart: their declared durations add up to
  // 200 seconds, their samples to 2; what counts is the samples.
  { name: 'tone-spread.m4a', contentType: 'audio/mp4', expect: 'refused', reason: /audio timestamps stretch over 3 minutes, but it holds only about 2 seconds of sound/ },
  // A real gap of a few seconds: encoded as it is, 5 seconds long.
  { name: 'gap-5s.mp4', contentType: 'video/mp4', expect: { durationSec: 5 } },
  // A still picture for a minute and a half while the sound goes on (a screen recording of a still
  // screen): the sound holds that time, so the picture is held too.
  { name: 'still-with-sound.mp4', contentType: 'video/mp4', expect: { durationSec: 90 } },
];

async function makeSamples(dir: string): Promise<void> {
  await ffmpeg([...blackThenOne(36000), '-c:v', 'libx264', join(dir, 'tiny.mp4')]);
  await ffmpeg([...blackThenOne(36000), '-fps_mode', 'vfr', '-bf', '0', '-c:v', 'libx264', join(dir, 'tiny-no-bframes.mp4')]);
  await ffmpeg([...blackThenOne(36000), '-fps_mode', 'vfr', '-c:v', 'libx264', join(dir, 'tiny.mkv')]);
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=2', '-af', "asetpts='if(gt(N,40),PTS+36000/TB,PTS)'", '-c:a', 'aac', join(dir, 'tone-gap.m4a')]);
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=2', '-af', 'asetpts=PTS*100', '-c:a', 'aac', join(dir, 'tone-spread.m4a')]);
  await ffmpeg([...blackThenOne(5), '-fps_mode', 'vfr', '-bf', '0', '-c:v', 'libx264', join(dir, 'gap-5s.mp4')]);
  const still = join(dir, '.still.mp4');
  await ffmpeg([...blackThenOne(90, '320x180'), '-fps_mode', 'vfr', '-bf', '0', '-c:v', 'libx264', still]);
  await ffmpeg(['-i', still, '-f', 'lavfi', '-i', 'sine=duration=90', '-c:v', 'copy', '-c:a', 'aac', join(dir, 'still-with-sound.mp4')]);
}

describe('files whose timestamps claim far more than they hold', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let transcoder: FfmpegTranscoder;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-sparse-');
    await makeSamples(temp.dir);
    const tools = await locateFfmpeg({ ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE });
    transcoder = new FfmpegTranscoder({ ...tools, preset: 'ultrafast' });
  });
  afterAll(async () => temp?.cleanup());

  it('the probe reports what the packets hold, and the limits refuse what they cannot fill', async () => {
    for (const sample of SAMPLES) {
      const media = await transcoder.probe(join(temp.dir, sample.name));
      const verdict = (() => {
        try {
          checkMediaLimits(media);
          return null;
        } catch (err) {
          return err;
        }
      })();
      const what = `${sample.name}: ${JSON.stringify(media.held)} ${media.durationSec} s`;
      if (sample.expect === 'refused' || (sample.expect === 'either' && verdict)) {
        expect(verdict, what).toBeInstanceOf(UnsupportedMediaError);
        expect((verdict as Error).message, what).toMatch(sample.reason ?? TEN_HOURS);
      } else {
        expect(verdict, what).toBeNull();
        const wanted = sample.expect === 'either' ? 2 : sample.expect.durationSec;
        expect(Math.abs(media.durationSec - wanted), what).toBeLessThan(0.2);
      }
    }
  });

  it('encodes a real gap of a few seconds as it is', async () => {
    const input = join(temp.dir, 'gap-5s.mp4');
    const media = await transcoder.probe(input);
    checkMediaLimits(media);
    const outputDir = join(temp.dir, 'out-gap');
    const plan = planLadder(media, { segmentSeconds: 2 });
    const result = await transcoder.transcode({ inputPath: input, outputDir, media, plan: { ...plan, video: { ...plan.video!, rungs: plan.video!.rungs.slice(-1) } } });
    const playlist = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', join(outputDir, result.renditions[0].playlist)]);
    expect(Number(playlist)).toBeGreaterThan(4.5);
    expect(Number(playlist)).toBeLessThan(5.5);
  });

  it('ffmpeg reads no further than the probed duration, for the ladder and for a stream copy', () => {
    const media: MediaInfo = {
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 2.034,
      sizeBytes: 8600,
      bitrate: null,
      video: { index: 0, codec: 'h264', profile: 'High', width: 1920, height: 1080, displayWidth: 1920, displayHeight: 1080, rotation: 0, fps: 30, variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: null, colorPrimaries: null, bitrate: null },
      audio: null,
      held: { videoFrames: 61, videoSpanSec: 2.033, audioSec: 0, audioSpanSec: 0 },
    };
    const plan = planLadder(media, { segmentSeconds: 2 });
    for (const args of [
      buildTranscodeArgs({ inputPath: '/in/tiny.mp4', outputDir: '/out', media, plan, preset: 'veryfast', zscale: false }),
      buildCopyArgs({ inputPath: '/in/tiny.mp4', outputDir: '/out', media, segmentSeconds: 2 }),
    ]) {
      const input = args.indexOf('-i');
      const limit = args.indexOf('-t');
      expect(limit, args.join(' ')).toBeGreaterThan(-1);
      expect(limit).toBeLessThan(input);
      expect(Number(args[limit + 1])).toBeGreaterThanOrEqual(2.034);
      expect(Number(args[limit + 1])).toBeLessThanOrEqual(5);
    }
  });
});

describe('the work a file may ask for: what its packets hold, and at most as much again (a minute at least)', () => {
  const base: MediaInfo = {
    formatName: 'matroska,webm',
    durationSec: 10,
    sizeBytes: 1000,
    bitrate: null,
    video: { index: 0, codec: 'h264', profile: 'High', width: 640, height: 360, displayWidth: 640, displayHeight: 360, rotation: 0, fps: 30, variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: null, colorPrimaries: null, bitrate: null },
    audio: { index: 1, codec: 'aac', channels: 2, sampleRate: 48000, bitrate: null },
    held: { videoFrames: 300, videoSpanSec: 10, audioSec: 10, audioSpanSec: 10 },
  };
  const verdict = (held: Partial<MediaInfo['held']>, extra: Partial<MediaInfo> = {}) => {
    const media = { ...base, ...extra, held: { ...base.held, ...held } };
    try {
      checkMediaLimits({ ...media, durationSec: Math.max(media.held.videoSpanSec, media.held.audioSpanSec) });
      return 'ok';
    } catch (err) {
      expect(err).toBeInstanceOf(UnsupportedMediaError);
      return (err as Error).message;
    }
  };

  it('accepts gaps up to a minute, or up to what the file holds', () => {
    expect(verdict({ videoSpanSec: 70 })).toBe('ok'); // 10 s of frames, 60 s of gaps
    expect(verdict({ videoFrames: 3000, videoSpanSec: 200 })).toBe('ok'); // 100 s of frames, 100 s of gaps
    expect(verdict({ audioSec: 100, audioSpanSec: 200 })).toBe('ok');
    // A still picture while the sound goes on: the sound holds the time the picture is shown.
    expect(verdict({ videoFrames: 60, videoSpanSec: 600, audioSec: 600, audioSpanSec: 600 })).toBe('ok');
    // A slide show: one frame every 10 seconds is its frame rate, not a gap.
    expect(verdict({ videoFrames: 360, videoSpanSec: 3600 }, { video: { ...base.video!, fps: 0.1 } })).toBe('ok');
  });

  it('refuses more, saying what the timestamps claim and what the file holds', () => {
    expect(verdict({ videoSpanSec: 71 })).toMatch(/video timestamps stretch over 71 seconds, but it holds only 300 frames \(about 10 seconds\)/);
    expect(verdict({ videoFrames: 3000, videoSpanSec: 202 })).toMatch(/over 3 minutes, but it holds only 3000 frames/);
    expect(verdict({ videoFrames: 61, videoSpanSec: 36000 })).toMatch(TEN_HOURS);
    expect(verdict({ videoFrames: 60, videoSpanSec: 600, audioSec: 10, audioSpanSec: 10 })).toMatch(/video timestamps stretch over 10 minutes, but it holds only 60 frames/);
    expect(verdict({ audioSec: 2, audioSpanSec: 36000 }, { video: null })).toMatch(/audio timestamps stretch over 10 hours, but it holds only about 2 seconds of sound/);
    expect(verdict({ videoFrames: 0, videoSpanSec: 0 })).toMatch(/video stream without a single frame/);
    // A variable frame rate is encoded at its rounded average, at least 1 frame a second.
    expect(verdict({ videoFrames: 10, videoSpanSec: 100 }, { video: { ...base.video!, fps: 0.1, variableFrameRate: true } })).toMatch(/holds only 10 frames/);
  });
});

describe('a real worker given files whose timestamps claim far more than they hold', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let dataDir: string;
  let server: VodkitProcess & { url: string };
  let api: ApiClient;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-sparse-serve-');
    await makeSamples(temp.dir);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(temp.dir, 'good.mp4')]);
    dataDir = join(temp.dir, 'data');
    const env = embeddedEnv({ VODKIT_WORKER_CONCURRENCY: '1' });
    server = await startServe('sparse', dataDir, env);
    api = new ApiClient(server.url, await adminToken(dataDir, env));
  });
  afterAll(async () => {
    await server?.kill9();
    await temp?.cleanup();
  });

  it('refuses each at once with a reason, encodes the real gap, and the one worker is then free for a good video', async () => {
    const ids = new Map<Sample, string>();
    for (const sample of SAMPLES) {
      ids.set(sample, await api.upload(join(temp.dir, sample.name), { contentType: sample.contentType, filename: sample.name }));
    }
    // Queued behind them on the single worker: it becomes ready only if none of them held the worker.
    const good = await api.upload(join(temp.dir, 'good.mp4'));

    for (const [sample, id] of ids) {
      const v = await api.waitSettled(id, 90_000);
      const what = `${sample.name}: ${v.status} ${v.durationSec} s ${v.error ?? ''}`;
      if (sample.expect === 'refused' || (sample.expect === 'either' && v.status === 'failed')) {
        expect(v.status, what).toBe('failed');
        expect(v.error, what).toMatch(sample.reason ?? TEN_HOURS);
        expect(v.error, what).not.toContain('/');
        // Refused for good: the queue did not try again.
        const jobs = await settledJobsFor(dataDir, id);
        expect(jobs.map((j) => j.attempts), what).toEqual([1]);
      } else {
        const wanted = sample.expect === 'either' ? 2 : sample.expect.durationSec;
        expect(v.status, what).toBe('ready');
        expect(Math.abs(v.durationSec - wanted), what).toBeLessThan(0.2);
        const report = await checkPlayback(v.playback.hls);
        for (const seconds of report.durations) expect(Math.abs(seconds - wanted), `${what}: playlists ${report.durations}`).toBeLessThan(1);
      }
    }
    const v = await api.waitSettled(good, 90_000);
    expect(v.status, v.error).toBe('ready');
  });
});
