import { ProbeCommand, type MediaConvertClient, type ProbeResult, type Track } from '@aws-sdk/client-mediaconvert';
import { PreconditionFailedError, TransientError, UnsupportedMediaError, ValidationError } from '../../../core/errors.ts';
import type { AudioStreamInfo, MediaInfo, VideoStreamInfo } from '../../../core/model/media-info.ts';
import type { FirstLook, MediaProbe, MediaProbeCapabilities, ObjectRef } from '../../../core/ports/media-probe.ts';
import { mapMediaConvertError } from './mediaconvert-errors.ts';

/**
 * MediaProbe on MediaConvert's Probe API: reads the source where it is in S3 (nothing is
 * downloaded here) and maps its container and first video and audio tracks to MediaInfo.
 *
 * - Version: S3 serves Probe the object's current version. The probe compares the ETag Probe
 *   reports with the one asked for and refuses another version (PreconditionFailedError); the
 *   upload URL is not single-use on S3, so a source can be replaced, and the job that follows reads
 *   whatever version is current then (mediaconvert-job-settings.ts).
 * - Rotation: Probe's `rotation` (the container's display matrix, clockwise), else the codec's
 *   display-orientation SEI, else 0; jobs rotate with `Rotate: AUTO` in any case.
 * - What the packets hold: MediaConvert probes headers, not packets. `held` is filled from the
 *   declared durations (frames = video duration x frame rate), so the core's checks against files
 *   whose timestamps claim more than they hold (job-limits.ts) see what the headers say; such a
 *   file is then encoded by MediaConvert as it decodes it. Frame timing is taken as constant.
 */
export interface MediaConvertMediaProbeOptions {
  client: MediaConvertClient;
  /** The S3 URI of a key of the sources store, e.g. key => `s3://bucket/sources/${key}`. */
  sourceUri(key: string): string;
}

const FORMAT_NAMES: Record<string, string> = {
  mp4: 'mov,mp4,m4a,3gp,3g2,mj2',
  quicktime: 'mov,mp4,m4a,3gp,3g2,mj2',
  three_gp: 'mov,mp4,m4a,3gp,3g2,mj2',
  three_g2: 'mov,mp4,m4a,3gp,3g2,mj2',
  matroska: 'matroska,webm',
  webm: 'matroska,webm',
  mpegts: 'mpegts',
  mpegps: 'mpeg',
  mxf: 'mxf',
  avi: 'avi',
  wave: 'wav',
  mp3: 'mp3',
  flac: 'flac',
  ogg: 'ogg',
  asf: 'asf',
  aac: 'aac',
  ac3: 'ac3',
  eac3: 'eac3',
};

const CODEC_NAMES: Record<string, string> = {
  AVC: 'h264',
  HEVC: 'hevc',
  MPEG2: 'mpeg2video',
  MPEG1: 'mpeg1video',
  MP4V: 'mpeg4',
  PRORES: 'prores',
  MJPEG: 'mjpeg',
  JPEG2000: 'jpeg2000',
  VC1: 'vc1',
  VC3: 'dnxhd',
  AV1: 'av1',
  VP8: 'vp8',
  VP9: 'vp9',
  H263: 'h263',
  THEORA: 'theora',
  DV: 'dvvideo',
  QTRLE: 'qtrle',
  UNCOMPRESSED: 'rawvideo',
  AAC: 'aac',
  AC3: 'ac3',
  EAC3: 'eac3',
  MP3: 'mp3',
  MP2: 'mp2',
  OPUS: 'opus',
  VORBIS: 'vorbis',
  FLAC: 'flac',
  PCM: 'pcm_s16le',
  AMR: 'amr_nb',
  WMA: 'wmav1',
  WMA2: 'wmav2',
  WMAPRO: 'wmapro',
};

const TRANSFERS: Record<string, string> = {
  ITU_709: 'bt709',
  SMPTE_2084: 'smpte2084',
  ARIB_B67: 'arib-std-b67',
  SMPTE_170M: 'smpte170m',
  ITU_470BG: 'bt470bg',
  ITU_470M: 'bt470m',
  IEC_61966_2_1: 'iec61966-2-1',
  ITU_2020_10bit: 'bt2020-10',
  ITU_2020_12bit: 'bt2020-12',
  LINEAR: 'linear',
};

const PRIMARIES: Record<string, string> = {
  ITU_709: 'bt709',
  ITU_2020: 'bt2020',
  SMPTE_170M: 'smpte170m',
  ITU_470BG: 'bt470bg',
  ITU_470M: 'bt470m',
  SMPTE_EG_432_1: 'smpte432',
  SMPTE_431_2: 'smpte431',
};

export class MediaConvertMediaProbe implements MediaProbe {
  /** MediaConvert's probe reads the headers only: one call, as quick for any length; nothing to look at first. */
  readonly capabilities: MediaProbeCapabilities = { firstLook: false };

  constructor(private readonly options: MediaConvertMediaProbeOptions) {}

  async probe(source: ObjectRef, signal?: AbortSignal): Promise<MediaInfo> {
    let result: ProbeResult | undefined;
    try {
      const out = await this.options.client.send(new ProbeCommand({ InputFiles: [{ FileUrl: this.options.sourceUri(source.key) }] }), {
        abortSignal: signal,
      });
      result = out.ProbeResults?.[0];
    } catch (err) {
      throw mapMediaConvertError(err, 'probe');
    }
    if (!result) throw new TransientError('MediaConvert returned no probe result');
    const etag = result.Metadata?.ETag;
    if (etag && source.etag && unquote(etag) !== unquote(source.etag)) {
      throw new PreconditionFailedError('the uploaded file was replaced while it was being read; the new upload is processed on its own');
    }
    return mediaInfoOf(result);
  }

  firstLook(_source: ObjectRef, _signal?: AbortSignal): Promise<FirstLook> {
    return Promise.reject(new ValidationError('the MediaConvert probe offers no first look (capabilities.firstLook is false)'));
  }
}

/** MediaInfo of a Probe result (exported for tests). */
export function mediaInfoOf(result: ProbeResult): MediaInfo {
  const container = result.Container;
  const format = container?.Format;
  if (!container || !format) throw new UnsupportedMediaError('not a video or audio file: its format was not recognised');
  const tracks = container.Tracks ?? [];
  const videoTrack = tracks.find((t) => t.TrackType === 'video' && t.VideoProperties && t.Codec !== 'UNKNOWN');
  const audioTrack = tracks.find((t) => t.TrackType === 'audio' && t.AudioProperties && t.Codec !== 'UNKNOWN');
  const video = videoTrack ? videoInfo(videoTrack) : null;
  const audio = audioTrack ? audioInfo(audioTrack) : null;
  if (!video && !audio) throw new UnsupportedMediaError('not a video or audio file: it has no video or audio stream');
  const durationSec = positive(container.Duration) ?? Math.max(positive(videoTrack?.Duration) ?? 0, positive(audioTrack?.Duration) ?? 0);
  const videoSpanSec = video ? (positive(videoTrack?.Duration) ?? durationSec) : 0;
  const audioSec = audio ? (positive(audioTrack?.Duration) ?? durationSec) : 0;
  return {
    formatName: FORMAT_NAMES[format] ?? format,
    durationSec,
    sizeBytes: result.Metadata?.FileSize ?? 0,
    bitrate: positive(container.BitRate),
    video,
    audio,
    held: {
      videoFrames: video ? Math.round(videoSpanSec * video.fps) : 0,
      videoSpanSec,
      audioSec,
      audioSpanSec: audioSec,
    },
  };
}

function videoInfo(track: Track): VideoStreamInfo | null {
  const v = track.VideoProperties!;
  const meta = v.CodecMetadata;
  const width = v.Width ?? meta?.Width;
  const height = v.Height ?? meta?.Height;
  if (!width || !height) return null;
  const rotation = rightAngle(v.Rotation ?? meta?.Rotation);
  const sar = v.SampleAspectRatio ?? meta?.SampleAspectRatio;
  const sarRatio = sar?.Numerator && sar?.Denominator ? sar.Numerator / sar.Denominator : 1;
  const shownWidth = Math.round(width * sarRatio);
  const turned = rotation === 90 || rotation === 270;
  const rate = v.FrameRate ?? meta?.CodedFrameRate;
  const fps = rate?.Numerator && rate?.Denominator ? rate.Numerator / rate.Denominator : 0;
  const bitDepth = v.BitDepth ?? meta?.BitDepth ?? 8;
  const chroma = (meta?.ChromaSubsampling ?? '4:2:0').replace(/:/g, '');
  const transfer = v.TransferCharacteristics ?? meta?.TransferCharacteristics;
  const primaries = v.ColorPrimaries ?? meta?.ColorPrimaries;
  return {
    index: (track.Index ?? 1) - 1,
    codec: CODEC_NAMES[track.Codec ?? ''] ?? (track.Codec ?? 'unknown').toLowerCase(),
    profile: meta?.Profile ?? null,
    width,
    height,
    displayWidth: turned ? height : shownWidth,
    displayHeight: turned ? shownWidth : height,
    rotation,
    fps,
    variableFrameRate: false,
    pixFmt: `yuv${chroma}p${bitDepth > 8 ? `${bitDepth}le` : ''}`,
    bitDepth,
    colorTransfer: transfer && transfer !== 'UNSPECIFIED' ? (TRANSFERS[transfer] ?? transfer.toLowerCase()) : null,
    colorPrimaries: primaries && primaries !== 'UNSPECIFIED' ? (PRIMARIES[primaries] ?? primaries.toLowerCase()) : null,
    bitrate: positive(v.BitRate),
    maxKeyframeIntervalSec: null,
  };
}

function audioInfo(track: Track): AudioStreamInfo | null {
  const a = track.AudioProperties!;
  if (!a.Channels || !a.SampleRate) return null;
  return {
    index: (track.Index ?? 1) - 1,
    codec: CODEC_NAMES[track.Codec ?? ''] ?? (track.Codec ?? 'unknown').toLowerCase(),
    channels: a.Channels,
    sampleRate: a.SampleRate,
    bitrate: positive(a.BitRate),
  };
}

function rightAngle(degrees: number | undefined): 0 | 90 | 180 | 270 {
  const d = ((Math.round((degrees ?? 0) / 90) * 90) % 360 + 360) % 360;
  return d as 0 | 90 | 180 | 270;
}

function positive(n: number | undefined | null): number | null {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}
