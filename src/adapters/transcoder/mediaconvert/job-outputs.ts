import type { AudioDescription, ColorCorrector, ContainerType, Output, OutputGroup, RemixSettings, VideoDescription, VideoPreprocessor } from '@aws-sdk/client-mediaconvert';
import type { LadderPlan, VideoRung } from '../../../core/model/ladder-plan.ts';
import { frameRateFraction, h264RungSettings } from './h264-rung.ts';
import { AUDIO_NAME, nameModifier } from './output-layout.ts';

/**
 * The outputs of a MediaConvert job, one builder per kind: a rung of the ladder (H.264 QVBR), the
 * audio rendition (AAC-LC, an output of its own, never muxed with the video in the stream), a still
 * picture (frame capture), and the downloadable MP4 (the best rung and the audio in one file).
 * Pure: settings only.
 */

export type LadderVideo = NonNullable<LadderPlan['video']>;
export type LadderAudio = NonNullable<LadderPlan['audio']>;

/** The input's single audio selector: the source's default (first) audio track. */
export const AUDIO_SELECTOR = 'Audio Selector 1';
/** The audio rendition group every video rendition of the master refers to. */
export const AUDIO_GROUP = 'audio';

/** Streaming containers: fMP4 (CMAF) or MPEG-TS (the encrypted HLS group). */
export type StreamContainer = Extract<ContainerType, 'CMFC' | 'M3U8'>;

/** HDR (PQ, HLG) or 10-bit to SDR BT.709: colour space forced to 709, HDR tone-mapped so highlights keep their detail. */
const TONE_MAP: ColorCorrector = {
  ColorSpaceConversion: 'FORCE_709',
  HdrToSdrToneMapper: 'PRESERVE_DETAILS',
};

function preprocessors(video: LadderVideo): { VideoPreprocessors?: VideoPreprocessor } {
  return video.toneMap ? { VideoPreprocessors: { ColorCorrector: { ...TONE_MAP } } } : {};
}

/**
 * One rung. QVBR under MaxBitrate (the rung's peak) with the rung's buffer; closed GOPs of
 * `gopSeconds`, the same in every rung, with scene-change detection in its TRANSITION_DETECTION
 * mode (extra I-frames at cuts, never a moved GOP boundary) so the renditions switch on the same
 * frames; a constant frame rate (the plan's); the plan's exact size (the plan never upscales).
 * Single-pass HQ: multi-pass encoding is billed at MediaConvert's professional tier, and QVBR's
 * quality target already spends the bits where the picture needs them.
 */
export function rungOutput(rung: VideoRung, video: LadderVideo, container: StreamContainer, withAudioGroup: boolean): Output {
  return {
    NameModifier: nameModifier(rung.name),
    ContainerSettings:
      container === 'CMFC'
        ? { Container: 'CMFC', CmfcSettings: withAudioGroup ? { AudioRenditionSets: AUDIO_GROUP } : {} }
        : { Container: 'M3U8', M3u8Settings: {} },
    ...(container === 'M3U8' && withAudioGroup ? { OutputSettings: { HlsSettings: { AudioRenditionSets: AUDIO_GROUP } } } : {}),
    VideoDescription: rungVideo(rung, video),
  };
}

/** The picture of a rung: its size, colour handling and H.264 QVBR settings (see rungOutput). */
export function rungVideo(rung: VideoRung, video: LadderVideo): VideoDescription {
  const h264 = h264RungSettings(rung, video.fps);
  const rate = frameRateFraction(video.fps);
  return {
    Width: rung.width,
    Height: rung.height,
    ScalingBehavior: 'DEFAULT',
    AntiAlias: 'ENABLED',
    Sharpness: 50,
    RespondToAfd: 'NONE',
    TimecodeInsertion: 'DISABLED',
    ColorMetadata: 'INSERT',
    ...preprocessors(video),
    CodecSettings: {
      Codec: 'H_264',
      H264Settings: {
        RateControlMode: 'QVBR',
        QvbrSettings: { QvbrQualityLevel: h264.qvbrQualityLevel },
        MaxBitrate: rung.maxrateKbps * 1000,
        HrdBufferSize: rung.bufsizeKbps * 1000,
        CodecProfile: 'HIGH',
        CodecLevel: h264.codecLevel,
        QualityTuningLevel: 'SINGLE_PASS_HQ',
        GopSize: video.gopSeconds,
        GopSizeUnits: 'SECONDS',
        GopClosedCadence: 1,
        MinIInterval: 0,
        SceneChangeDetect: 'TRANSITION_DETECTION',
        NumberBFramesBetweenReferenceFrames: 2,
        GopBReference: 'ENABLED',
        InterlaceMode: 'PROGRESSIVE',
        FramerateControl: 'SPECIFIED',
        FramerateNumerator: rate.numerator,
        FramerateDenominator: rate.denominator,
        FramerateConversionAlgorithm: 'DUPLICATE_DROP',
        ParControl: 'SPECIFIED',
        ParNumerator: 1,
        ParDenominator: 1,
        AdaptiveQuantization: 'AUTO',
      },
    },
  };
}

/** dB levels of a channel left out of a mix (MediaConvert's floor). */
const OFF = -60;
/** Centre and surround channels go into both sides at -3 dB (ITU-R BS.775), the LFE is left out. */
const HALF = -3;

/**
 * Stereo downmix of 5.1 (L R C LFE Ls Rs) and 7.1 (… Lb Rb) sources, the channel orders of their
 * containers. Other layouts with more than two channels are left to MediaConvert.
 */
export function stereoDownmix(sourceChannels: number): RemixSettings | null {
  if (sourceChannels !== 6 && sourceChannels !== 8) return null;
  const left = [0, OFF, HALF, OFF, HALF, OFF, HALF, OFF].slice(0, sourceChannels);
  const right = [OFF, 0, HALF, OFF, OFF, HALF, OFF, HALF].slice(0, sourceChannels);
  return { ChannelsIn: sourceChannels, ChannelsOut: 2, ChannelMapping: { OutputChannels: [{ InputChannels: left }, { InputChannels: right }] } };
}

/**
 * The audio rendition: AAC-LC at the plan's rate, channels (stereo, or mono for a mono source) and
 * sample rate; 5.1 and 7.1 sources downmixed to stereo. With video it is the master's default audio
 * group; alone, the master's only variant.
 */
export function audioOutput(audio: LadderAudio, container: StreamContainer, withVideo: boolean, sourceChannels: number): Output {
  const trackType = withVideo ? 'ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT' : 'AUDIO_ONLY_VARIANT_STREAM';
  const group = withVideo ? { AudioGroupId: AUDIO_GROUP } : {};
  return {
    NameModifier: nameModifier(AUDIO_NAME),
    ContainerSettings:
      container === 'CMFC'
        ? { Container: 'CMFC', CmfcSettings: { ...group, AudioTrackType: trackType } }
        : { Container: 'M3U8', M3u8Settings: {} },
    ...(container === 'M3U8' ? { OutputSettings: { HlsSettings: { ...group, AudioTrackType: trackType, AudioOnlyContainer: 'AUTOMATIC' } } } : {}),
    AudioDescriptions: [aacAudio(audio, sourceChannels)],
  };
}

/** The AAC-LC encoding of the input's default audio track at the plan's rate, channels and sample rate (see audioOutput). */
export function aacAudio(audio: LadderAudio, sourceChannels: number): AudioDescription {
  const remix = audio.channels === 2 ? stereoDownmix(sourceChannels) : null;
  return {
    AudioSourceName: AUDIO_SELECTOR,
    AudioTypeControl: 'FOLLOW_INPUT',
    LanguageCodeControl: 'FOLLOW_INPUT',
    ...(remix ? { RemixSettings: remix } : {}),
    CodecSettings: {
      Codec: 'AAC',
      AacSettings: {
        Bitrate: audio.bitrateKbps * 1000,
        CodingMode: audio.channels === 2 ? 'CODING_MODE_2_0' : 'CODING_MODE_1_0',
        SampleRate: audio.sampleRate,
        CodecProfile: 'LC',
        RateControlMode: 'CBR',
        RawFormat: 'NONE',
        Specification: 'MPEG4',
      },
    },
  };
}

/**
 * The downloadable MP4 as a FILE group of one output: the best rung's picture (the first rung of
 * the plan, with the same H.264 QVBR settings) and the audio rendition's AAC muxed into one MP4
 * whose moov box comes first (PROGRESSIVE_DOWNLOAD: playable while it downloads, "faststart").
 * MediaConvert names the file after the destination: `<destination>.mp4`.
 */
export function downloadGroup(destination: string, video: LadderVideo, audio: LadderAudio | null, sourceChannels: number): OutputGroup {
  const best = video.rungs[0]!;
  return {
    Name: 'Download',
    OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: destination } },
    Outputs: [
      {
        ContainerSettings: { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } },
        Extension: 'mp4',
        VideoDescription: rungVideo(best, video),
        ...(audio ? { AudioDescriptions: [aacAudio(audio, sourceChannels)] } : {}),
      },
    ],
  };
}

export interface Still {
  width: number;
  height: number;
  atSec: number;
}

/**
 * A still picture as a FILE group of one frame-capture output (JPEG). Frame capture takes its
 * first picture at the start of the video and then one every 1/rate seconds; the still is wanted
 * at `atSec`, so the rate is 1/atSec and two pictures are taken (at 0 and at atSec), and the
 * second is the still: MediaConvert reports the last capture of an output in its COMPLETE event
 * (outputFilePaths), which is the key the video keeps. A still at 0 s is the only capture.
 * Clipping the input would clip every output of the job, so it is not used for stills.
 */
export function stillGroup(name: string, destination: string, still: Still, video: LadderVideo): OutputGroup {
  const atMs = Math.round(still.atSec * 1000);
  const captureRate = atMs > 0 ? reduce(1000, atMs) : { numerator: 1, denominator: 1 };
  return {
    Name: name,
    OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: destination } },
    Outputs: [
      {
        ContainerSettings: { Container: 'RAW' },
        Extension: 'jpg',
        VideoDescription: {
          Width: still.width,
          Height: still.height,
          ScalingBehavior: 'DEFAULT',
          AntiAlias: 'ENABLED',
          ...preprocessors(video),
          CodecSettings: {
            Codec: 'FRAME_CAPTURE',
            FrameCaptureSettings: {
              FramerateNumerator: captureRate.numerator,
              FramerateDenominator: captureRate.denominator,
              MaxCaptures: atMs > 0 ? 2 : 1,
              Quality: 80,
            },
          },
        },
      },
    ],
  };
}

function reduce(numerator: number, denominator: number): { numerator: number; denominator: number } {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(numerator, denominator);
  return { numerator: numerator / g, denominator: denominator / g };
}
