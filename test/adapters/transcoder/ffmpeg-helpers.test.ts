import { describe, expect, it } from 'vitest';
import { rateString } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { h264Level } from '../../../src/adapters/transcoder/h264-level.ts';
import { x264Settings } from '../../../src/adapters/transcoder/ffmpeg/x264-settings.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { failureError, usefulErrorLine } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-errors.ts';
import { analyseFrameTiming, parseRate } from '../../../src/adapters/transcoder/ffmpeg/frame-timing.ts';
import { aacCodec, avcCodec } from '../../../src/adapters/transcoder/ffmpeg/mp4-codecs.ts';
import { TransientError, UnsupportedMediaError } from '../../../src/core/errors.ts';

const frames = (n: number, step: number, start = 0) => Array.from({ length: n }, (_, i) => start + i * step);

describe('frame timing', () => {
  it('sees constant frame rate, also with B-frame order and millisecond timestamps', () => {
    const shuffled = frames(60, 1 / 30).map((t, i, all) => (i % 3 === 1 ? all[i + 1] ?? t : i % 3 === 2 ? all[i - 1] : t));
    expect(analyseFrameTiming(shuffled, [30])).toMatchObject({ fps: 30, variableFrameRate: false });
    const ms = frames(60, 1 / 30).map((t) => Math.round(t * 1000) / 1000);
    expect(analyseFrameTiming(ms, [60, 1000])!.fps).toBe(30);
    expect(analyseFrameTiming(frames(60, 1001 / 30000))!.fps).toBeCloseTo(29.97, 3);
  });

  it('treats dropped frames as constant frame rate and duplicate timestamps as one frame', () => {
    const dropped = frames(30, 1 / 30).filter((_, i) => i !== 10 && i !== 11);
    expect(analyseFrameTiming(dropped)).toMatchObject({ fps: 30, variableFrameRate: false });
    const hidden = [...frames(30, 1 / 24), ...frames(5, 1 / 24)];
    expect(analyseFrameTiming(hidden)).toMatchObject({ frames: 30, variableFrameRate: false });
  });

  it('sees variable frame rate and reports its average', () => {
    const t = frames(60, 1 / 30).map((x, i) => x + (i % 3 === 1 ? 0.013 : 0));
    const timing = analyseFrameTiming(t)!;
    expect(timing.variableFrameRate).toBe(true);
    expect(timing.fps).toBeCloseTo(59 / t[59], 3);
  });

  it('needs two timestamps', () => {
    expect(analyseFrameTiming([0])).toBeNull();
    expect(parseRate('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRate('0/0')).toBeNaN();
  });
});

describe('ffmpeg errors', () => {
  it('picks the telling stderr line without log prefixes', () => {
    const stderr = '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0] moov atom not found\nfile:/tmp/x.mp4: Invalid data found when processing input\nConversion failed!\n';
    expect(usefulErrorLine(stderr)).toBe('moov atom not found');
  });

  it('tells bad input from a machine problem', () => {
    expect(failureError('ffmpeg', { code: 1, signal: null, stderr: 'Error while decoding stream #0:0: Invalid data found when processing input' })).toBeInstanceOf(UnsupportedMediaError);
    expect(failureError('ffmpeg', { code: 1, signal: null, stderr: 'av_interleaved_write_frame(): No space left on device' })).toBeInstanceOf(TransientError);
    expect(failureError('ffmpeg', { code: null, signal: 'SIGKILL', stderr: '' })).toBeInstanceOf(TransientError);
    expect(failureError('ffmpeg', { code: 1, signal: null, stderr: 'something odd' })).toBeInstanceOf(TransientError);
  });
});

describe('ffmpeg arguments and codec strings', () => {
  it('writes NTSC rates as n/1001', () => {
    expect(rateString(30000 / 1001)).toBe('30000/1001');
    expect(rateString(24000 / 1001)).toBe('24000/1001');
    expect(rateString(30)).toBe('30');
    expect(rateString(30.020013)).toBe('30.02');
  });

  it('reads avc1 and mp4a codec strings from sample entries', () => {
    const box = (type: string, body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 8 + body.length]), Buffer.from(type), body]);
    expect(avcCodec(box('avcC', Buffer.from([1, 0x64, 0x00, 0x28, 0xff])))).toBe('avc1.640028');
    // esds: ES_Descriptor > DecoderConfigDescriptor (0x40 = MPEG-4 audio) > DecoderSpecificInfo (AOT 2).
    const esds = Buffer.from([0, 0, 0, 0, 0x03, 25, 0, 1, 0, 0x04, 17, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 2, 0x11, 0x90]);
    expect(aacCodec(box('esds', esds))).toBe('mp4a.40.2');
    expect(avcCodec(Buffer.from('no boxes here'))).toBeNull();
  });
});

describe('x264 settings of a ladder plan', () => {
  const source = (fps: number): MediaInfo => ({
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSec: 10,
    sizeBytes: 1_000_000,
    bitrate: null,
    video: {
      index: 0, codec: 'h264', profile: 'High', width: 1920, height: 1080, displayWidth: 1920, displayHeight: 1080,
      rotation: 0, fps, variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: 'bt709', colorPrimaries: 'bt709', bitrate: null,
    },
    audio: null,
    held: { videoFrames: 10 * fps, videoSpanSec: 10, audioSec: 0, audioSpanSec: 0 },
  });

  it('encodes every rung as H.264 High at CRF 23, at the lowest level that fits size, frame rate and rate', () => {
    const plan = planLadder(source(30), { segmentSeconds: 4 });
    const settings = plan.video!.rungs.map((r) => x264Settings(r, plan.video!.fps));
    expect(settings.map((s) => s.level)).toEqual(['4.0', '3.1', '3.1', '3.0']);
    for (const s of settings) expect(s).toMatchObject({ crf: 23, profile: 'high' });
    const fast = planLadder(source(60), { segmentSeconds: 4 });
    expect(x264Settings(fast.video!.rungs[0], fast.video!.fps).level).toBe('4.2');
    expect(h264Level(2358, 1080, 30, 5820, 11640)).toBe('5.0');
    expect(h264Level(320, 180, 30, 300, 600)).toBe('3.0');
  });

  it('encodes a rung fitted to its content at its own CRF', () => {
    const rung = planLadder(source(30), { segmentSeconds: 4 }).video!.rungs[0];
    expect(x264Settings({ ...rung, crf: 27 }, 30)).toMatchObject({ crf: 27, profile: 'high', level: '4.0' });
  });
});
