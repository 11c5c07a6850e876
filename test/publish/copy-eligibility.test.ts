import { describe, expect, it } from 'vitest';
import { copyEligibility, videoBitrate } from '../../src/core/ladder/copy-eligibility.ts';
import type { AudioStreamInfo, MediaInfo, VideoStreamInfo } from '../../src/core/model/media-info.ts';

/** A phone-style 1080p H.264 High / AAC MP4 with keyframes every 2 s at 6 Mbit/s: fit for a copy. */
function video(extra: Partial<VideoStreamInfo> = {}): VideoStreamInfo {
  return {
    index: 0,
    codec: 'h264',
    profile: 'High',
    width: 1920,
    height: 1080,
    displayWidth: 1920,
    displayHeight: 1080,
    rotation: 0,
    fps: 30,
    variableFrameRate: false,
    pixFmt: 'yuv420p',
    bitDepth: 8,
    colorTransfer: 'bt709',
    colorPrimaries: 'bt709',
    bitrate: 6_000_000,
    maxKeyframeIntervalSec: 2,
    ...extra,
  };
}

const aac: AudioStreamInfo = { index: 1, codec: 'aac', channels: 2, sampleRate: 48_000, bitrate: 128_000 };

function media(v: Partial<VideoStreamInfo> | null = {}, a: Partial<AudioStreamInfo> | null = {}, extra: Partial<MediaInfo> = {}): MediaInfo {
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSec: 60,
    sizeBytes: 46_000_000,
    bitrate: 6_130_000,
    video: v === null ? null : video(v),
    audio: a === null ? null : { ...aac, ...a },
    held: { videoFrames: 1800, videoSpanSec: 60, audioSec: 60, audioSpanSec: 60 },
    ...extra,
  };
}

const verdict = (m: MediaInfo) => copyEligibility(m);
const reason = (m: MediaInfo) => {
  const v = copyEligibility(m);
  return v.eligible ? null : v.reason;
};

describe('copyEligibility: standard inputs', () => {
  it('accepts H.264 8-bit 4:2:0 with AAC, keyframes 2 s apart, at a sane rate', () => {
    expect(verdict(media())).toEqual({ eligible: true });
  });

  it('accepts a source without audio, every usual H.264 profile, full-range 4:2:0 and other containers', () => {
    expect(verdict(media({}, null)).eligible).toBe(true);
    for (const profile of ['Constrained Baseline', 'Baseline', 'Main', 'High']) expect(verdict(media({ profile })).eligible, profile).toBe(true);
    expect(verdict(media({ pixFmt: 'yuvj420p' })).eligible).toBe(true);
    for (const formatName of ['matroska,webm', 'mpegts']) expect(verdict(media({}, {}, { formatName })).eligible, formatName).toBe(true);
  });

  it('accepts portrait pictures and mono AAC at 16 kHz', () => {
    expect(verdict(media({ width: 1080, height: 1920, displayWidth: 1080, displayHeight: 1920 })).eligible).toBe(true);
    expect(verdict(media({}, { channels: 1, sampleRate: 16_000 })).eligible).toBe(true);
  });

  it('accepts keyframes exactly at the limit, refuses them just above it; the limit can be set', () => {
    expect(verdict(media({ maxKeyframeIntervalSec: 10 })).eligible).toBe(true);
    expect(reason(media({ maxKeyframeIntervalSec: 10.5 }))).toMatch(/keyframes 10.5 s apart/);
    expect(copyEligibility(media({ maxKeyframeIntervalSec: 5 }), { maxKeyframeIntervalSec: 4 }).eligible).toBe(false);
  });
});

describe('copyEligibility: what is re-encoded before it is published', () => {
  it('refuses other codecs, profiles and pixel formats', () => {
    expect(reason(media({ codec: 'hevc', profile: 'Main' }))).toMatch(/not H.264/);
    expect(reason(media({ profile: 'High 10' }))).toMatch(/profile High 10/);
    expect(reason(media({ profile: 'High 4:4:4 Predictive', pixFmt: 'yuv444p' }))).toMatch(/profile/);
    expect(reason(media({ profile: null }))).toMatch(/profile unknown/);
    expect(reason(media({ pixFmt: 'yuv422p' }))).toMatch(/pixel format yuv422p/);
    expect(reason(media({ pixFmt: 'yuv420p10le', bitDepth: 10 }))).toMatch(/pixel format/);
  });

  it('refuses HDR, rotation, non-square pixels, variable and high frame rates, huge pictures', () => {
    expect(reason(media({ colorTransfer: 'smpte2084' }))).toMatch(/HDR/);
    expect(reason(media({ colorTransfer: 'arib-std-b67' }))).toMatch(/HDR/);
    expect(reason(media({ rotation: 90, displayWidth: 1080, displayHeight: 1920 }))).toMatch(/rotated 90/);
    expect(reason(media({ width: 1440, displayWidth: 1920 }))).toMatch(/non-square/);
    expect(reason(media({ variableFrameRate: true }))).toMatch(/variable frame rate/);
    expect(reason(media({ fps: 120 }))).toMatch(/frame rate 120/);
    expect(reason(media({ width: 7680, height: 4320, displayWidth: 7680, displayHeight: 4320, bitrate: 1_000_000 }))).toMatch(/too large/);
  });

  it('refuses audio that is not AAC, more than two channels, odd sample rates', () => {
    expect(reason(media({}, { codec: 'ac3' }))).toMatch(/audio codec ac3/);
    expect(reason(media({}, { codec: 'pcm_s16le' }))).toMatch(/not AAC/);
    expect(reason(media({}, { channels: 6 }))).toMatch(/6 audio channels/);
    expect(reason(media({}, { sampleRate: 8000 }))).toMatch(/8000 Hz/);
  });

  it('refuses audio-only sources, unknown durations, unknown keyframes and other containers', () => {
    expect(reason(media(null))).toMatch(/no video/);
    expect(reason(media({}, {}, { durationSec: 0 }))).toMatch(/duration/);
    expect(reason(media({ maxKeyframeIntervalSec: null }))).toMatch(/keyframe interval unknown/);
    expect(reason(media({ maxKeyframeIntervalSec: undefined }))).toMatch(/keyframe interval unknown/);
    expect(reason(media({}, {}, { formatName: 'avi' }))).toMatch(/container avi/);
    expect(reason(media({}, {}, { formatName: 'flv' }))).toMatch(/container flv/);
  });

  it('refuses rates far above the ladder cap for the size (1080p: 12.5 Mbit/s by default)', () => {
    expect(verdict(media({ bitrate: 12_500_000 })).eligible).toBe(true);
    expect(reason(media({ bitrate: 17_000_000 }))).toMatch(/17000 kbit\/s is above 12500 kbit\/s/);
    expect(reason(media({ width: 1280, height: 720, displayWidth: 1280, displayHeight: 720, bitrate: 8_000_000 }))).toMatch(/above 7500/);
    expect(copyEligibility(media({ bitrate: 17_000_000 }), { bitrateFactor: 4 }).eligible).toBe(true);
  });
});

describe('videoBitrate', () => {
  it('uses the stream rate, else the file rate less the audio, else size over duration', () => {
    expect(videoBitrate(media({ bitrate: 5_000_000 }))).toBe(5_000_000);
    expect(videoBitrate(media({ bitrate: null }, {}, { bitrate: 6_128_000 }))).toBe(6_000_000);
    expect(videoBitrate(media({ bitrate: null }, null, { bitrate: null, sizeBytes: 7_500_000, durationSec: 10 }))).toBe(6_000_000);
    expect(videoBitrate(media({ bitrate: null }, null, { bitrate: null, sizeBytes: 0, durationSec: 10 }))).toBeNull();
    expect(videoBitrate(media(null))).toBeNull();
  });

  it('judges a source without a known stream rate by the estimate', () => {
    expect(reason(media({ bitrate: null }, {}, { bitrate: 30_000_000 }))).toMatch(/above/);
    expect(verdict(media({ bitrate: null }, {}, { bitrate: 6_000_000 })).eligible).toBe(true);
  });
});
