import type { MediaInfo } from '../../../../src/core/model/media-info.ts';
import { planLadder } from '../../../../src/core/ladder/plan-ladder.ts';
import { mediaPrefix } from '../../../../src/core/media-keys.ts';
import type { EncodeRequest } from '../../../../src/core/ports/encode-backend.ts';
import type { JobSettingsOptions } from '../../../../src/adapters/transcoder/mediaconvert/mediaconvert-job-settings.ts';

/** Probes of the four source shapes the golden CreateJob requests are made from. */

const held = (durationSec: number, fps: number, audio: boolean, video = true) => ({
  videoFrames: video ? Math.round(durationSec * fps) : 0,
  videoSpanSec: video ? durationSec : 0,
  audioSec: audio ? durationSec : 0,
  audioSpanSec: audio ? durationSec : 0,
});

const stereoAac = { index: 1, codec: 'aac', channels: 2, sampleRate: 48_000, bitrate: 192_000 };

/** A 2-minute 1080p30 H.264 camera file with stereo AAC. */
export const LANDSCAPE_1080P: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 120,
  sizeBytes: 90_000_000,
  bitrate: 6_000_000,
  video: {
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
    bitrate: 5_800_000,
  },
  audio: stereoAac,
  held: held(120, 30, true),
};

/** A phone recording held upright: coded 1920x1080, display matrix 90°, 29.97 fps. */
export const PORTRAIT_PHONE: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 30,
  sizeBytes: 40_000_000,
  bitrate: 10_000_000,
  video: {
    ...LANDSCAPE_1080P.video!,
    displayWidth: 1080,
    displayHeight: 1920,
    rotation: 90,
    fps: 30000 / 1001,
  },
  audio: stereoAac,
  held: held(30, 30000 / 1001, true),
};

/** A 3-minute stereo MP3. */
export const AUDIO_ONLY: MediaInfo = {
  formatName: 'mp3',
  durationSec: 180,
  sizeBytes: 4_320_000,
  bitrate: 192_000,
  video: null,
  audio: { index: 0, codec: 'mp3', channels: 2, sampleRate: 44_100, bitrate: 192_000 },
  held: held(180, 0, true, false),
};

/** A 15-minute 4K HDR10 (PQ, BT.2020, 10-bit) HEVC file at 23.976 fps with 5.1 audio. */
export const HDR_10BIT: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 900,
  sizeBytes: 2_000_000_000,
  bitrate: 17_000_000,
  video: {
    index: 0,
    codec: 'hevc',
    profile: 'Main 10',
    width: 3840,
    height: 2160,
    displayWidth: 3840,
    displayHeight: 2160,
    rotation: 0,
    fps: 24000 / 1001,
    variableFrameRate: false,
    pixFmt: 'yuv420p10le',
    bitDepth: 10,
    colorTransfer: 'smpte2084',
    colorPrimaries: 'bt2020',
    bitrate: 16_000_000,
  },
  audio: { index: 1, codec: 'eac3', channels: 6, sampleRate: 48_000, bitrate: 640_000 },
  held: held(900, 24000 / 1001, true),
};

export const VIDEO_ID = 'k3j9m2p4q8r7s6t5';
export const ATTEMPT_ID = 'a1b2c3d4e5f6g7h8';

export const OPTIONS: JobSettingsOptions = {
  roleArn: 'arn:aws:iam::111122223333:role/vodkit-mediaconvert',
  queueArn: 'arn:aws:mediaconvert:eu-west-1:111122223333:queues/vodkit',
  s3: {
    sourceUri: (key) => `s3://vodkit-bucket/sources/${key}`,
    mediaUri: (key) => `s3://vodkit-bucket/media/${key}`,
  },
};

/** The media-store key of a URI of the media bucket prefix OPTIONS writes to. */
export function mediaKeyFromUri(uri: string): string | null {
  const prefix = 's3://vodkit-bucket/media/';
  return uri.startsWith(prefix) ? uri.slice(prefix.length) : null;
}

/** A ladder request as the ladder stage makes it, with the plan planLadder makes for `media`. */
export function ladderRequest(media: MediaInfo, overrides: Partial<EncodeRequest> = {}): EncodeRequest {
  return {
    videoId: VIDEO_ID,
    attemptId: ATTEMPT_ID,
    sourceKey: `${VIDEO_ID}.mp4`,
    sourceEtag: '"9b2cf535f27731c974343645a3985328"',
    outputPrefix: mediaPrefix(VIDEO_ID),
    plan: planLadder(media, { segmentSeconds: 6 }),
    media,
    encryption: null,
    mode: 'ladder',
    attempt: { number: 1, max: 4 },
    ...overrides,
  };
}
