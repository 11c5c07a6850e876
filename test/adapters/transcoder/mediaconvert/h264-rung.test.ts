import { describe, expect, it } from 'vitest';
import { frameRateFraction, h264RungSettings, qvbrQualityLevel } from '../../../../src/adapters/transcoder/mediaconvert/h264-rung.ts';
import { x264Settings } from '../../../../src/adapters/transcoder/ffmpeg/x264-settings.ts';
import { maxrateFor } from '../../../../src/core/ladder/plan-ladder.ts';

describe('H.264 settings of a rung', () => {
  it('picks the same level as the ffmpeg adapter for every plan-sized rung and rate', () => {
    const sizes = [
      [1920, 1080],
      [1080, 1920],
      [1280, 720],
      [854, 480],
      [640, 360],
      [426, 240],
      [3840, 1600],
      [1000, 562],
    ];
    for (const [w, h] of sizes) {
      for (const fps of [23.976, 25, 29.97, 30, 50, 59.94, 60]) {
        const maxrate = maxrateFor(w * h);
        const rung = { name: `${h}p`, width: w, height: h, maxrateKbps: maxrate, bufsizeKbps: 2 * maxrate };
        expect(h264RungSettings(rung, fps).level, `${w}x${h}@${fps}`).toBe(x264Settings(rung, fps).level);
      }
    }
  });

  it('names the level as MediaConvert does and writes the RFC 6381 codecs of High at that level', () => {
    expect(h264RungSettings({ name: '1080p', width: 1920, height: 1080, maxrateKbps: 5000, bufsizeKbps: 10_000 }, 30)).toEqual({
      qvbrQualityLevel: 8,
      level: '4.0',
      codecLevel: 'LEVEL_4',
      levelIdc: 40,
      codecs: 'avc1.640028',
    });
    expect(h264RungSettings({ name: '1080p', width: 1920, height: 1080, maxrateKbps: 5000, bufsizeKbps: 10_000 }, 60)).toMatchObject({
      codecLevel: 'LEVEL_4_2',
      codecs: 'avc1.64002a',
    });
    expect(h264RungSettings({ name: '360p', width: 640, height: 360, maxrateKbps: 800, bufsizeKbps: 1600 }, 30)).toMatchObject({
      qvbrQualityLevel: 6,
      codecLevel: 'LEVEL_3',
      codecs: 'avc1.64001e',
    });
  });

  it('QVBR quality by the rung short side: 8 from 1080, 7 from 720, 6 below', () => {
    expect([qvbrQualityLevel({ width: 1080, height: 1920 }), qvbrQualityLevel({ width: 1280, height: 720 }), qvbrQualityLevel({ width: 854, height: 480 })]).toEqual([8, 7, 6]);
  });

  it('moves the QVBR level one down for every two CRF steps above 23 of a rung fitted to its content', () => {
    const at = (crf: number) => qvbrQualityLevel({ width: 1920, height: 1080, crf });
    expect([at(23), at(24), at(25), at(27), at(29)]).toEqual([8, 8, 7, 6, 5]);
    expect(qvbrQualityLevel({ width: 640, height: 360, crf: 29 })).toBe(3);
    expect(qvbrQualityLevel({ width: 640, height: 360, crf: 51 })).toBe(1);
    expect(qvbrQualityLevel({ width: 1920, height: 1080, crf: 15 })).toBe(10);
  });

  it('frame rates as fractions: NTSC rates over 1001, whole rates over 1', () => {
    expect(frameRateFraction(30000 / 1001)).toEqual({ numerator: 30000, denominator: 1001 });
    expect(frameRateFraction(23.976)).toEqual({ numerator: 24000, denominator: 1001 });
    expect(frameRateFraction(60000 / 1001 / 2)).toEqual({ numerator: 30000, denominator: 1001 });
    expect(frameRateFraction(25)).toEqual({ numerator: 25, denominator: 1 });
    expect(frameRateFraction(12.5)).toEqual({ numerator: 25, denominator: 2 });
  });
});
