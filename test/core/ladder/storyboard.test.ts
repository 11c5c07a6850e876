import { describe, expect, it } from 'vitest';
import { planStoryboard } from '../../../src/core/ladder/plan-storyboard.ts';
import { vttTime, writeStoryboardVtt } from '../../../src/core/ladder/storyboard-vtt.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';

const hd = { width: 1920, height: 1080 };

describe('planStoryboard', () => {
  it('takes one 160-px tile a second of a 10 s video, in one row', () => {
    expect(planStoryboard(10, hd)).toEqual({ intervalSec: 1, tileWidth: 160, tileHeight: 90, columns: 10, rows: 1, count: 10 });
  });

  it('lays a minute out in 10 columns and 6 rows', () => {
    expect(planStoryboard(60, hd)).toEqual({ intervalSec: 1, tileWidth: 160, tileHeight: 90, columns: 10, rows: 6, count: 60 });
    // A partial last second still gets its tile; the last row is short.
    expect(planStoryboard(60.4, hd)).toMatchObject({ count: 61, columns: 10, rows: 7 });
  });

  it('keeps an hour to at most 200 tiles with a longer interval', () => {
    expect(planStoryboard(3600, hd)).toEqual({ intervalSec: 18, tileWidth: 160, tileHeight: 90, columns: 10, rows: 20, count: 200 });
    const long = planStoryboard(3 * 3600 + 7, hd)!;
    expect(long.count).toBeLessThanOrEqual(200);
    expect(long.count * long.intervalSec).toBeGreaterThanOrEqual(3 * 3600 + 7);
  });

  it('keeps the aspect of portrait and small pictures, never larger than them', () => {
    expect(planStoryboard(5, { width: 1080, height: 1920 })).toMatchObject({ tileWidth: 90, tileHeight: 160, columns: 5, rows: 1 });
    expect(planStoryboard(5, { width: 128, height: 72 })).toMatchObject({ tileWidth: 128, tileHeight: 72 });
  });

  it('is null for audio-only and for an unknown duration', () => {
    expect(planStoryboard(30, null)).toBeNull();
    expect(planStoryboard(0, hd)).toBeNull();
    expect(planStoryboard(Number.NaN, hd)).toBeNull();
    const audioOnly: MediaInfo = {
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 30,
      sizeBytes: 1000,
      video: null,
      audio: { index: 0, codec: 'aac', profile: 'LC', channels: 2, sampleRate: 48000, bitrate: 128000 },
    } as unknown as MediaInfo;
    expect(planLadder(audioOnly, { segmentSeconds: 4 }).storyboard).toBeNull();
  });
});

describe('writeStoryboardVtt', () => {
  it('maps every tile with its xywh fragment, the last cue ending with the video', () => {
    const plan = planStoryboard(12.5, { width: 1280, height: 720 })!;
    expect(plan).toMatchObject({ count: 13, columns: 10, rows: 2 });
    const vtt = writeStoryboardVtt(plan, 12.5, 'storyboard.jpg');
    const cues = vtt.split('\n\n').slice(1).map((c) => c.trim()).filter(Boolean);
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(cues).toHaveLength(13);
    expect(cues[0]).toBe('00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90');
    expect(cues[1]).toBe('00:00:01.000 --> 00:00:02.000\nstoryboard.jpg#xywh=160,0,160,90');
    expect(cues[9]).toBe('00:00:09.000 --> 00:00:10.000\nstoryboard.jpg#xywh=1440,0,160,90');
    expect(cues[10]).toBe('00:00:10.000 --> 00:00:11.000\nstoryboard.jpg#xywh=0,90,160,90');
    expect(cues[12]).toBe('00:00:12.000 --> 00:00:12.500\nstoryboard.jpg#xywh=320,90,160,90');
  });

  it('writes hours, minutes and milliseconds', () => {
    expect(vttTime(3600 + 62.5)).toBe('01:01:02.500');
    const plan = planStoryboard(3600, { width: 1920, height: 1080 })!;
    const last = writeStoryboardVtt(plan, 3600, 'sb.jpg').trim().split('\n').slice(-2);
    expect(last).toEqual(['00:59:42.000 --> 01:00:00.000', 'sb.jpg#xywh=1440,1710,160,90']);
  });
});
