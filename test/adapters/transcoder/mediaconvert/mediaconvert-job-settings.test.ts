import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CreateJobCommandInput, OutputGroup } from '@aws-sdk/client-mediaconvert';
import { describe, expect, it } from 'vitest';
import { createJobRequest } from '../../../../src/adapters/transcoder/mediaconvert/mediaconvert-job-settings.ts';
import { fromUserMetadata, MAX_METADATA_VALUE } from '../../../../src/adapters/transcoder/mediaconvert/job-metadata.ts';
import { ValidationError } from '../../../../src/core/errors.ts';
import type { MediaInfo } from '../../../../src/core/model/media-info.ts';
import type { EncodeRequest } from '../../../../src/core/ports/encode-backend.ts';
import { ATTEMPT_ID, AUDIO_ONLY, HDR_10BIT, LANDSCAPE_1080P, ladderRequest, OPTIONS, PORTRAIT_PHONE, VIDEO_ID } from './fixtures.ts';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');
const SHAPES: Array<[string, MediaInfo]> = [
  ['landscape-1080p', LANDSCAPE_1080P],
  ['portrait-phone', PORTRAIT_PHONE],
  ['audio-only', AUDIO_ONLY],
  ['hdr-10bit', HDR_10BIT],
];

function group(job: CreateJobCommandInput, type: string): OutputGroup[] {
  return job.Settings!.OutputGroups!.filter((g) => g.OutputGroupSettings?.Type === type);
}

function videoOutputs(job: CreateJobCommandInput) {
  const streaming = [...group(job, 'CMAF_GROUP_SETTINGS'), ...group(job, 'HLS_GROUP_SETTINGS')];
  expect(streaming).toHaveLength(1);
  return streaming[0].Outputs!.filter((o) => o.VideoDescription);
}

/** The golden requests: a ladder of each shape, and a ladder that also makes the downloadable MP4. */
const GOLDEN: Array<[string, EncodeRequest]> = [
  ...SHAPES.map(([name, media]): [string, EncodeRequest] => [name, ladderRequest(media)]),
  ['landscape-1080p-download', ladderRequest(LANDSCAPE_1080P, { download: true })],
];

describe('CreateJob golden requests', () => {
  for (const [name, request] of GOLDEN) {
    it(`${name}: the request matches golden/${name}.json`, async () => {
      const job = createJobRequest(request, OPTIONS);
      const text = `${JSON.stringify(job, null, 2)}\n`;
      const file = join(GOLDEN_DIR, `${name}.json`);
      if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, text);
      expect(existsSync(file), `missing ${file}: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(text).toBe(await readFile(file, 'utf8'));
    });
  }
});

describe('createJobRequest', () => {
  for (const [name, media] of SHAPES.filter(([, m]) => m.video)) {
    it(`${name}: H.264 QVBR per rung, the rung's peak as MaxBitrate, no rung above the source`, () => {
      const request = ladderRequest(media);
      const rungs = request.plan.video!.rungs;
      const outputs = videoOutputs(createJobRequest(request, OPTIONS));
      expect(outputs.map((o) => o.NameModifier)).toEqual(rungs.map((r) => `_${r.name}`));
      outputs.forEach((o, i) => {
        const d = o.VideoDescription!;
        const h264 = d.CodecSettings!.H264Settings!;
        expect(d.CodecSettings!.Codec).toBe('H_264');
        expect(h264.RateControlMode).toBe('QVBR');
        expect(h264.QvbrSettings!.QvbrQualityLevel).toBeGreaterThanOrEqual(6);
        expect(h264.QvbrSettings!.QvbrQualityLevel).toBeLessThanOrEqual(8);
        expect(h264.MaxBitrate).toBe(rungs[i].maxrateKbps * 1000);
        expect([d.Width, d.Height]).toEqual([rungs[i].width, rungs[i].height]);
        expect(d.Width!).toBeLessThanOrEqual(media.video!.displayWidth);
        expect(d.Height!).toBeLessThanOrEqual(media.video!.displayHeight);
      });
    });

    it(`${name}: closed GOPs of the plan's length in every rung, scene cuts that keep them aligned`, () => {
      const request = ladderRequest(media);
      const job = createJobRequest(request, OPTIONS);
      const settings = videoOutputs(job).map((o) => o.VideoDescription!.CodecSettings!.H264Settings!);
      for (const h of settings) {
        expect(h.GopSize).toBe(request.plan.video!.gopSeconds);
        expect(h.GopSizeUnits).toBe('SECONDS');
        expect(h.GopClosedCadence).toBe(1);
        expect(h.SceneChangeDetect).toBe('TRANSITION_DETECTION');
        expect(h.FramerateControl).toBe('SPECIFIED');
        expect(h.FramerateNumerator! / h.FramerateDenominator!).toBeCloseTo(request.plan.video!.fps, 6);
      }
      const cmaf = group(job, 'CMAF_GROUP_SETTINGS')[0].OutputGroupSettings!.CmafGroupSettings!;
      expect(cmaf.SegmentLength).toBe(request.plan.segmentSeconds);
      expect(cmaf.SegmentLengthControl).toBe('GOP_MULTIPLE');
      expect(request.plan.segmentSeconds % request.plan.video!.gopSeconds).toBe(0);
    });
  }

  it('rotates the input upright and tone-maps HDR sources only', () => {
    for (const [name, media] of SHAPES.filter(([, m]) => m.video)) {
      const job = createJobRequest(ladderRequest(media), OPTIONS);
      expect(job.Settings!.Inputs![0].VideoSelector?.Rotate, name).toBe('AUTO');
      const correctors = job.Settings!.OutputGroups!.flatMap((g) => g.Outputs!.filter((o) => o.VideoDescription)).map(
        (o) => o.VideoDescription!.VideoPreprocessors?.ColorCorrector,
      );
      if (media === HDR_10BIT) {
        for (const c of correctors) expect(c).toEqual({ ColorSpaceConversion: 'FORCE_709', HdrToSdrToneMapper: 'PRESERVE_DETAILS' });
      } else {
        for (const c of correctors) expect(c, name).toBeUndefined();
      }
    }
  });

  it('portrait: the rungs stay portrait at the plan sizes (1080x1920 down to 360x640)', () => {
    const outputs = videoOutputs(createJobRequest(ladderRequest(PORTRAIT_PHONE), OPTIONS));
    expect(outputs.map((o) => [o.VideoDescription!.Width, o.VideoDescription!.Height])).toEqual([
      [1080, 1920],
      [720, 1280],
      [480, 854],
      [360, 640],
    ]);
    const h = outputs[0].VideoDescription!.CodecSettings!.H264Settings!;
    expect([h.FramerateNumerator, h.FramerateDenominator]).toEqual([30000, 1001]);
  });

  it('one CMAF group with an HLS and a DASH manifest named master, and the audio as its own output', () => {
    const job = createJobRequest(ladderRequest(LANDSCAPE_1080P), OPTIONS);
    const [cmaf] = group(job, 'CMAF_GROUP_SETTINGS');
    const s = cmaf.OutputGroupSettings!.CmafGroupSettings!;
    expect(s.Destination).toBe(`s3://vodkit-bucket/media/${VIDEO_ID}/master`);
    expect(s.WriteHlsManifest).toBe('ENABLED');
    expect(s.WriteDashManifest).toBe('ENABLED');
    const audio = cmaf.Outputs!.filter((o) => o.AudioDescriptions);
    expect(audio).toHaveLength(1);
    expect(audio[0].VideoDescription).toBeUndefined();
    expect(audio[0].AudioDescriptions![0].CodecSettings!.AacSettings).toMatchObject({
      Bitrate: 128_000,
      CodingMode: 'CODING_MODE_2_0',
      SampleRate: 48_000,
    });
    expect(group(job, 'HLS_GROUP_SETTINGS')).toHaveLength(0);
  });

  it('poster and thumbnail: frame captures into the prefix and into thumbnail/, the second capture at the still time', () => {
    const request = ladderRequest(LANDSCAPE_1080P);
    const files = group(createJobRequest(request, OPTIONS), 'FILE_GROUP_SETTINGS');
    expect(files.map((g) => g.OutputGroupSettings!.FileGroupSettings!.Destination)).toEqual([
      `s3://vodkit-bucket/media/${VIDEO_ID}/poster`,
      `s3://vodkit-bucket/media/${VIDEO_ID}/thumbnail/thumbnail`,
    ]);
    const [poster, thumbnail] = files.map((g) => g.Outputs![0].VideoDescription!);
    expect([poster.Width, poster.Height]).toEqual([request.plan.poster!.width, request.plan.poster!.height]);
    expect([thumbnail.Width, thumbnail.Height]).toEqual([320, 180]);
    const capture = poster.CodecSettings!.FrameCaptureSettings!;
    expect(poster.CodecSettings!.Codec).toBe('FRAME_CAPTURE');
    expect(request.plan.poster!.atSec).toBe(1);
    expect(capture).toMatchObject({ FramerateNumerator: 1, FramerateDenominator: 1, MaxCaptures: 2 });
  });

  it('downmixes a 5.1 source to stereo (centre and surrounds at -3 dB, no LFE) and leaves stereo as it is', () => {
    const audioOf = (media: MediaInfo) =>
      createJobRequest(ladderRequest(media), OPTIONS)
        .Settings!.OutputGroups![0].Outputs!.find((o) => o.AudioDescriptions)!.AudioDescriptions![0];
    expect(audioOf(HDR_10BIT).RemixSettings).toEqual({
      ChannelsIn: 6,
      ChannelsOut: 2,
      ChannelMapping: {
        OutputChannels: [{ InputChannels: [0, -60, -3, -60, -3, -60] }, { InputChannels: [-60, 0, -3, -60, -60, -3] }],
      },
    });
    expect(audioOf(LANDSCAPE_1080P).RemixSettings).toBeUndefined();
  });

  it('audio-only: one audio output, no video selector, no frame capture', () => {
    const job = createJobRequest(ladderRequest(AUDIO_ONLY), OPTIONS);
    expect(job.Settings!.OutputGroups).toHaveLength(1);
    const outputs = job.Settings!.OutputGroups![0].Outputs!;
    expect(outputs).toHaveLength(1);
    expect(outputs[0].VideoDescription).toBeUndefined();
    expect(outputs[0].ContainerSettings!.CmfcSettings!.AudioTrackType).toBe('AUDIO_ONLY_VARIANT_STREAM');
    expect(job.Settings!.Inputs![0].VideoSelector).toBeUndefined();
    expect(fromUserMetadata(job.UserMetadata)!.renditions).toEqual([
      { name: 'audio', width: 0, height: 0, bandwidth: 128_000, averageBandwidth: 128_000, codecs: 'mp4a.40.2', frameRate: null, playlist: 'master_audio.m3u8' },
    ]);
  });

  it('role and queue from the options, job metadata naming the encode, acceleration for long sources only', () => {
    const job = createJobRequest(ladderRequest(LANDSCAPE_1080P, { folder: 'first', mode: 'first-playable' }), OPTIONS);
    expect(job.Role).toBe(OPTIONS.roleArn);
    expect(job.Queue).toBe(OPTIONS.queueArn);
    expect(job.UserMetadata).toMatchObject({ videoId: VIDEO_ID, attemptId: ATTEMPT_ID, mode: 'first-playable', outputPrefix: `${VIDEO_ID}/`, folder: 'first' });
    for (const v of Object.values(job.UserMetadata!)) {
      expect(typeof v).toBe('string');
      expect(v.length).toBeLessThanOrEqual(MAX_METADATA_VALUE);
    }
    const meta = fromUserMetadata(job.UserMetadata);
    expect(meta!.renditions.map((r) => r.playlist)).toEqual([
      'first/master_1080p.m3u8',
      'first/master_720p.m3u8',
      'first/master_480p.m3u8',
      'first/master_360p.m3u8',
      'first/master_audio.m3u8',
    ]);
    expect(meta!.renditions[0]).toMatchObject({ bandwidth: 5_128_000, codecs: 'avc1.640028,mp4a.40.2', frameRate: 30 });
    expect(job.AccelerationSettings).toBeUndefined();
    expect(createJobRequest(ladderRequest(HDR_10BIT), OPTIONS).AccelerationSettings).toEqual({ Mode: 'PREFERRED' });
    expect(createJobRequest(ladderRequest(LANDSCAPE_1080P), { ...OPTIONS, accelerationMinSec: 60 }).AccelerationSettings).toEqual({ Mode: 'PREFERRED' });
    const withoutQueue = createJobRequest(ladderRequest(LANDSCAPE_1080P), { ...OPTIONS, queueArn: undefined });
    expect('Queue' in withoutQueue).toBe(false);
  });

  it('a first playable output goes ahead of ladders, in its folder', () => {
    const first = createJobRequest(ladderRequest(LANDSCAPE_1080P, { folder: 'first', mode: 'first-playable' }), OPTIONS);
    const ladder = createJobRequest(ladderRequest(LANDSCAPE_1080P), OPTIONS);
    expect(first.Priority!).toBeGreaterThan(ladder.Priority!);
    expect(group(first, 'CMAF_GROUP_SETTINGS')[0].OutputGroupSettings!.CmafGroupSettings!.Destination).toBe(
      `s3://vodkit-bucket/media/${VIDEO_ID}/first/master`,
    );
  });

  it('encrypted: an Apple HLS group with a static AES-128 key and the key URI, no DASH', () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const job = createJobRequest(ladderRequest(LANDSCAPE_1080P, { encryption: { key, keyUri: 'https://vod.example/keys/abc' } }), OPTIONS);
    expect(group(job, 'CMAF_GROUP_SETTINGS')).toHaveLength(0);
    const [hls] = group(job, 'HLS_GROUP_SETTINGS');
    const s = hls.OutputGroupSettings!.HlsGroupSettings!;
    expect(s.Destination).toBe(`s3://vodkit-bucket/media/${VIDEO_ID}/master`);
    expect(s.Encryption).toMatchObject({
      EncryptionMethod: 'AES128',
      Type: 'STATIC_KEY',
      StaticKeyProvider: { StaticKeyValue: '00112233445566778899aabbccddeeff', Url: 'https://vod.example/keys/abc' },
    });
    expect(hls.Outputs!.every((o) => o.ContainerSettings!.Container === 'M3U8')).toBe(true);
  });

  it('refuses stream copy and segments of a fraction of a second', () => {
    expect(() => createJobRequest(ladderRequest(LANDSCAPE_1080P, { mode: 'copy' }), OPTIONS)).toThrow(ValidationError);
    const request = ladderRequest(LANDSCAPE_1080P);
    expect(() => createJobRequest({ ...request, plan: { ...request.plan, segmentSeconds: 2.5 } }, OPTIONS)).toThrow(/whole seconds/);
  });

  it('download: one more FILE group writing <prefix>download.mp4, the best rung with its QVBR settings and the AAC audio, moov first', () => {
    const request = ladderRequest(LANDSCAPE_1080P, { download: true });
    const job = createJobRequest(request, OPTIONS);
    const plain = createJobRequest(ladderRequest(LANDSCAPE_1080P), OPTIONS);
    // The ladder's groups are those of a ladder without the download; the download's group comes last.
    expect(job.Settings!.OutputGroups!.slice(0, -1)).toEqual(plain.Settings!.OutputGroups);
    const download = job.Settings!.OutputGroups!.at(-1)!;
    expect(download.OutputGroupSettings).toEqual({
      Type: 'FILE_GROUP_SETTINGS',
      FileGroupSettings: { Destination: `s3://vodkit-bucket/media/${VIDEO_ID}/download` },
    });
    expect(download.Outputs).toHaveLength(1);
    const [mp4] = download.Outputs!;
    expect(mp4.ContainerSettings).toEqual({ Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } });
    expect(mp4.Extension).toBe('mp4');
    expect(mp4.NameModifier).toBeUndefined();
    const best = videoOutputs(plain)[0];
    expect(best.NameModifier).toBe('_1080p');
    expect(mp4.VideoDescription).toEqual(best.VideoDescription);
    expect(mp4.VideoDescription!.CodecSettings!.H264Settings).toMatchObject({ RateControlMode: 'QVBR', MaxBitrate: 5_000_000 });
    const audio = plain.Settings!.OutputGroups![0].Outputs!.find((o) => o.AudioDescriptions)!;
    expect(mp4.AudioDescriptions).toEqual(audio.AudioDescriptions);
    expect(job.UserMetadata).toEqual({ ...plain.UserMetadata, download: '1' });
    expect(fromUserMetadata(job.UserMetadata)!.download).toBe(true);
    expect(fromUserMetadata(plain.UserMetadata)!.download).toBe(false);
  });

  it('download: not for an encrypted ladder, a first playable output or a source without picture', () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    for (const request of [
      ladderRequest(LANDSCAPE_1080P, { download: true, encryption: { key, keyUri: 'https://vod.example/keys/abc' } }),
      ladderRequest(LANDSCAPE_1080P, { download: true, folder: 'first', mode: 'first-playable' }),
      ladderRequest(AUDIO_ONLY, { download: true }),
    ]) {
      const job = createJobRequest(request, OPTIONS);
      expect(group(job, 'FILE_GROUP_SETTINGS').map((g) => g.Name)).not.toContain('Download');
      expect(job.UserMetadata!.download).toBeUndefined();
    }
  });
});
