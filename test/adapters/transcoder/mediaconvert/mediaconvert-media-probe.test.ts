import { BadRequestException, MediaConvertClient, NotFoundException, ProbeCommand, type ProbeResult } from '@aws-sdk/client-mediaconvert';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaConvertMediaProbe } from '../../../../src/adapters/transcoder/mediaconvert/mediaconvert-media-probe.ts';
import { NotFoundError, PreconditionFailedError, TransientError, UnsupportedMediaError, ValidationError } from '../../../../src/core/errors.ts';
import { planLadder } from '../../../../src/core/ladder/plan-ladder.ts';

const mediaConvert = mockClient(MediaConvertClient);
afterEach(() => mediaConvert.reset());

const ETAG = '9b2cf535f27731c974343645a3985328';
const SOURCE = { key: 'k3j9m2p4q8r7s6t5.mov', etag: `"${ETAG}"` };

function probe() {
  return new MediaConvertMediaProbe({
    client: new MediaConvertClient({ region: 'us-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    sourceUri: (key) => `s3://vodkit-bucket/sources/${key}`,
  });
}

/** What Probe reports for an iPhone recording held upright: HEVC 1920x1080 coded, rotation 90, 29.97 fps, stereo AAC. */
const PHONE: ProbeResult = {
  Container: {
    Format: 'quicktime',
    Duration: 12.512,
    BitRate: 8_210_000,
    Tracks: [
      {
        Index: 1,
        TrackType: 'video',
        Codec: 'HEVC',
        Duration: 12.512,
        VideoProperties: {
          Width: 1920,
          Height: 1080,
          BitDepth: 8,
          BitRate: 7_990_000,
          FrameRate: { Numerator: 30000, Denominator: 1001 },
          Rotation: 90,
          ColorPrimaries: 'ITU_709',
          TransferCharacteristics: 'ITU_709',
          MatrixCoefficients: 'ITU_709',
          CodecMetadata: { Profile: 'Main', Level: '4.0', ChromaSubsampling: '4:2:0', BitDepth: 8, Width: 1920, Height: 1080 },
        },
      },
      {
        Index: 2,
        TrackType: 'audio',
        Codec: 'AAC',
        Duration: 12.48,
        AudioProperties: { Channels: 2, SampleRate: 44_100, BitRate: 192_000, BitDepth: 16, ChannelLayout: 'stereo', LanguageCode: 'und' },
      },
    ],
  },
  Metadata: { ETag: `"${ETAG}"`, FileSize: 12_840_112, MimeType: 'video/quicktime', LastModified: new Date('2026-11-29T23:40:00Z') },
  TrackMappings: [{ VideoTrackIndexes: [1], AudioTrackIndexes: [2] }],
};

/** An HDR10 clip: 10-bit PQ BT.2020. */
const HDR: ProbeResult = {
  Container: {
    Format: 'mp4',
    Duration: 60,
    Tracks: [
      {
        Index: 1,
        TrackType: 'video',
        Codec: 'HEVC',
        Duration: 60,
        VideoProperties: {
          Width: 3840,
          Height: 2160,
          BitDepth: 10,
          FrameRate: { Numerator: 24000, Denominator: 1001 },
          ColorPrimaries: 'ITU_2020',
          TransferCharacteristics: 'SMPTE_2084',
          CodecMetadata: { Profile: 'Main 10', ChromaSubsampling: '4:2:0', BitDepth: 10 },
        },
      },
    ],
  },
  Metadata: { ETag: `"${ETAG}"`, FileSize: 120_000_000 },
};

describe('MediaConvertMediaProbe', () => {
  it('probes the source by its S3 URI and maps container, tracks, rotation and colour', async () => {
    mediaConvert.on(ProbeCommand).resolves({ ProbeResults: [PHONE] });
    const info = await probe().probe(SOURCE);
    expect(mediaConvert.commandCalls(ProbeCommand)[0].args[0].input).toEqual({ InputFiles: [{ FileUrl: 's3://vodkit-bucket/sources/k3j9m2p4q8r7s6t5.mov' }] });
    expect(info).toMatchObject({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationSec: 12.512, sizeBytes: 12_840_112, bitrate: 8_210_000 });
    expect(info.video).toMatchObject({
      codec: 'hevc',
      profile: 'Main',
      width: 1920,
      height: 1080,
      displayWidth: 1080,
      displayHeight: 1920,
      rotation: 90,
      bitDepth: 8,
      pixFmt: 'yuv420p',
      colorTransfer: 'bt709',
      colorPrimaries: 'bt709',
    });
    expect(info.video!.fps).toBeCloseTo(29.97, 2);
    expect(info.audio).toEqual({ index: 1, codec: 'aac', channels: 2, sampleRate: 44_100, bitrate: 192_000 });
    expect(info.held).toEqual({ videoFrames: 375, videoSpanSec: 12.512, audioSec: 12.48, audioSpanSec: 12.48 });
    // What the core plans from it: portrait rungs, never above the source.
    expect(planLadder(info, { segmentSeconds: 6 }).video!.rungs.map((r) => `${r.width}x${r.height}`)).toEqual(['1080x1920', '720x1280', '480x854', '360x640']);
  });

  it('HDR: 10-bit PQ BT.2020, which the plan tone-maps', async () => {
    mediaConvert.on(ProbeCommand).resolves({ ProbeResults: [HDR] });
    const info = await probe().probe(SOURCE);
    expect(info.video).toMatchObject({ bitDepth: 10, pixFmt: 'yuv420p10le', colorTransfer: 'smpte2084', colorPrimaries: 'bt2020', rotation: 0 });
    expect(info.audio).toBeNull();
    expect(planLadder(info, { segmentSeconds: 6 }).video!.toneMap).toBe(true);
  });

  it('refuses another version of the object than the one asked for', async () => {
    mediaConvert.on(ProbeCommand).resolves({ ProbeResults: [{ ...PHONE, Metadata: { ...PHONE.Metadata, ETag: '"0000"' } }] });
    await expect(probe().probe(SOURCE)).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('a file without a recognised format or without media tracks is unsupported media, with a sentence', async () => {
    mediaConvert.on(ProbeCommand).resolves({ ProbeResults: [{ Container: { Tracks: [] }, Metadata: { ETag: ETAG, FileSize: 1200 } }] });
    await expect(probe().probe(SOURCE)).rejects.toThrow(new UnsupportedMediaError('not a video or audio file: its format was not recognised'));
    mediaConvert.reset();
    const dataOnly: ProbeResult = { Container: { Format: 'mp4', Tracks: [{ Index: 1, TrackType: 'data', Codec: 'C608' }] }, Metadata: { ETag: ETAG } };
    mediaConvert.on(ProbeCommand).resolves({ ProbeResults: [dataOnly] });
    await expect(probe().probe(SOURCE)).rejects.toThrow(/no video or audio stream/);
  });

  it('maps the API errors: gone, unreadable, no answer', async () => {
    mediaConvert.on(ProbeCommand).rejects(new NotFoundException({ $metadata: {}, message: 'The specified key does not exist.' }));
    await expect(probe().probe(SOURCE)).rejects.toBeInstanceOf(NotFoundError);
    mediaConvert.reset();
    mediaConvert.on(ProbeCommand).rejects(new BadRequestException({ $metadata: {}, message: 'Unable to probe s3://vodkit-bucket/sources/x.mov' }));
    const err = await probe().probe(SOURCE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedMediaError);
    expect((err as Error).message).not.toContain('s3://');
    mediaConvert.reset();
    mediaConvert.on(ProbeCommand).resolves({ ProbeResults: [] });
    await expect(probe().probe(SOURCE)).rejects.toBeInstanceOf(TransientError);
  });

  it('declares no first look (its probe reads headers only, as quick for any length) and refuses one', async () => {
    const p = probe();
    expect(p.capabilities.firstLook).toBe(false);
    await expect(p.firstLook(SOURCE)).rejects.toBeInstanceOf(ValidationError);
    expect(mediaConvert.commandCalls(ProbeCommand)).toHaveLength(0);
  });
});
