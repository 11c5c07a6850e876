import { describe, expect, it } from 'vitest';
import { parseStoryboardVtt } from '../../src/web/player/storyboard.ts';

describe('storyboard map', () => {
  it('reads each cue’s time range and #xywh tile, hours optional, other cues skipped', () => {
    const vtt = [
      'WEBVTT',
      '',
      '00:00.000 --> 00:01.000',
      'storyboard.jpg#xywh=0,0,160,90',
      '',
      '1',
      '00:00:01.000 --> 00:00:02.500',
      'storyboard.jpg#xywh=160,0,160,90',
      '',
      '00:00:02.500 --> 00:00:03.000',
      'a cue without a tile',
      '',
      '01:00:00.000 --> 01:00:01.000\r',
      'sheet.jpg#xywh=320,90,160,90',
    ].join('\n');
    expect(parseStoryboardVtt(vtt)).toEqual([
      { start: 0, end: 1, xywh: [0, 0, 160, 90] },
      { start: 1, end: 2.5, xywh: [160, 0, 160, 90] },
      { start: 3600, end: 3601, xywh: [320, 90, 160, 90] },
    ]);
    expect(parseStoryboardVtt('WEBVTT\n')).toEqual([]);
  });
});
