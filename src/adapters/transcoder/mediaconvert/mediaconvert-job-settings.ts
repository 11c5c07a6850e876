import type { CreateJobCommandInput, OutputGroup } from '@aws-sdk/client-mediaconvert';
import { ValidationError } from '../../../core/errors.ts';
import type { EncodeRequest } from '../../../core/ports/encode-backend.ts';
import { audioOutput, AUDIO_SELECTOR, downloadGroup, rungOutput, stillGroup, type StreamContainer } from './job-outputs.ts';
import { toUserMetadata } from './job-metadata.ts';
import { DOWNLOAD_BASENAME, folderKey, makesDownload, MASTER_BASENAME, POSTER_BASENAME, THUMBNAIL_BASENAME, THUMBNAIL_FOLDER } from './output-layout.ts';

/**
 * Turns an EncodeRequest (the encoder-neutral ladder plan of one source) into a MediaConvert
 * CreateJob request. Pure: the same request and options give the same job.
 *
 * - Streaming: a CMAF group (fMP4 segments, an HLS master `master.m3u8` and a DASH MPD `master.mpd`
 *   over the same files), each rung an H.264 QVBR output (job-outputs.ts), the audio an AAC output
 *   of its own. Encrypted requests: an Apple HLS group instead (MPEG-TS segments encrypted with
 *   AES-128 by a static key, IV = segment sequence number, the key URI in the playlists), no DASH.
 * - Segments of `plan.segmentSeconds` (whole seconds: MediaConvert takes no fractions), cut on GOP
 *   boundaries; keyframes every `plan.video.gopSeconds`, which divides the segment length.
 * - Input: the source's S3 URI, rotated upright from its display matrix (Rotate AUTO), timecode
 *   from zero; HDR or 10-bit sources converted to SDR BT.709 when the plan says toneMap.
 * - Stills: the poster (`poster.*.jpg`) and the thumbnail (`thumbnail/thumbnail.*.jpg`) at the
 *   plan's sizes and time, in the job's folder, as the reference design writes them.
 * - Download (a ladder with `request.download`, not encrypted, with video): a FILE group writing
 *   `<outputPrefix>download.mp4`, the best rung and the AAC audio in an MP4 with its moov first.
 * - Accelerated transcoding PREFERRED for sources of `accelerationMinSec` and more; a first
 *   playable output is queued ahead of ladders (Priority).
 * - The source is read from its key: MediaConvert reads the object's current version, it cannot be
 *   pinned to the probed ETag. A source replaced between the probe and the job is encoded as it is
 *   then (the upload URL is not single-use on S3); the probe refuses a replaced version before that.
 */
export interface JobSettingsOptions {
  /** IAM role MediaConvert assumes to read the sources and write the outputs (from configuration). */
  roleArn: string;
  /** Queue ARN; the account's default queue when absent. */
  queueArn?: string;
  s3: S3Locations;
  /** Sources at least this long (seconds) allow accelerated transcoding. Default 600. */
  accelerationMinSec?: number;
}

/** S3 URIs (`s3://bucket/key`) of keys of the sources store and of the media store. */
export interface S3Locations {
  sourceUri(key: string): string;
  mediaUri(key: string): string;
}

export const DEFAULT_ACCELERATION_MIN_SEC = 600;
/** MediaConvert priorities run from -50 to 50: first playable outputs go ahead of ladders in the same queue. */
export const PRIORITY: Record<'first-playable' | 'ladder', number> = { 'first-playable': 10, ladder: 0 };

export function createJobRequest(request: EncodeRequest, options: JobSettingsOptions): CreateJobCommandInput {
  const { plan } = request;
  if (request.mode === 'copy') {
    throw new ValidationError('MediaConvert does not package a source as it is (stream copy); encode it with mode first-playable or ladder');
  }
  if (request.mode === 'chunk' || request.mode === 'ladder-rest') {
    throw new ValidationError('MediaConvert encodes a ladder whole (it has its own accelerated transcoding); it does not encode the parts of a split one');
  }
  if (!plan.video && !plan.audio) throw new ValidationError('the ladder plan has neither video nor audio to encode');
  if (!Number.isInteger(plan.segmentSeconds) || plan.segmentSeconds < 1) {
    throw new ValidationError(`MediaConvert cuts segments of whole seconds; the plan asks for ${plan.segmentSeconds} s`);
  }
  if (plan.video && plan.video.rungs.length === 0) throw new ValidationError('the ladder plan has video but no rung');

  const base = options.s3.mediaUri(folderKey(request));
  const container: StreamContainer = request.encryption ? 'M3U8' : 'CMFC';
  const outputs = [
    ...(plan.video?.rungs.map((rung) => rungOutput(rung, plan.video!, container, Boolean(plan.audio))) ?? []),
    ...(plan.audio ? [audioOutput(plan.audio, container, Boolean(plan.video), request.media.audio?.channels ?? plan.audio.channels)] : []),
  ];
  const groups: OutputGroup[] = [streamingGroup(request, `${base}${MASTER_BASENAME}`, outputs)];
  if (plan.video && plan.poster) groups.push(stillGroup('Poster', `${base}${POSTER_BASENAME}`, plan.poster, plan.video));
  if (plan.video && plan.thumbnail) {
    groups.push(stillGroup('Thumbnail', `${base}${THUMBNAIL_FOLDER}${THUMBNAIL_BASENAME}`, plan.thumbnail, plan.video));
  }
  if (makesDownload(request) && plan.video) {
    const destination = options.s3.mediaUri(`${request.outputPrefix}${DOWNLOAD_BASENAME}`);
    groups.push(downloadGroup(destination, plan.video, plan.audio, request.media.audio?.channels ?? plan.audio?.channels ?? 2));
  }

  const accelerate = request.media.durationSec >= (options.accelerationMinSec ?? DEFAULT_ACCELERATION_MIN_SEC);
  return {
    Role: options.roleArn,
    ...(options.queueArn ? { Queue: options.queueArn } : {}),
    Priority: PRIORITY[request.mode],
    StatusUpdateInterval: 'SECONDS_15',
    ...(accelerate ? { AccelerationSettings: { Mode: 'PREFERRED' } } : {}),
    UserMetadata: toUserMetadata(request),
    Settings: {
      TimecodeConfig: { Source: 'ZEROBASED' },
      Inputs: [
        {
          FileInput: options.s3.sourceUri(request.sourceKey),
          TimecodeSource: 'ZEROBASED',
          ...(plan.video ? { VideoSelector: { Rotate: 'AUTO' } } : {}),
          ...(plan.audio ? { AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } } } : {}),
        },
      ],
      OutputGroups: groups,
    },
  };
}

function streamingGroup(request: EncodeRequest, destination: string, outputs: NonNullable<OutputGroup['Outputs']>): OutputGroup {
  const { plan } = request;
  if (request.encryption) {
    if (request.encryption.key.length !== 16) throw new ValidationError('an HLS AES-128 key is 16 bytes');
    return {
      Name: 'HLS',
      OutputGroupSettings: {
        Type: 'HLS_GROUP_SETTINGS',
        HlsGroupSettings: {
          Destination: destination,
          SegmentLength: plan.segmentSeconds,
          SegmentLengthControl: 'GOP_MULTIPLE',
          MinSegmentLength: 0,
          DirectoryStructure: 'SINGLE_DIRECTORY',
          OutputSelection: 'MANIFESTS_AND_SEGMENTS',
          ManifestDurationFormat: 'FLOATING_POINT',
          StreamInfResolution: 'INCLUDE',
          CodecSpecification: 'RFC_6381',
          ClientCache: 'ENABLED',
          TargetDurationCompatibilityMode: 'SPEC_COMPLIANT',
          Encryption: {
            EncryptionMethod: 'AES128',
            Type: 'STATIC_KEY',
            InitializationVectorInManifest: 'EXCLUDE',
            StaticKeyProvider: {
              StaticKeyValue: request.encryption.key.toString('hex'),
              Url: request.encryption.keyUri,
            },
          },
        },
      },
      Outputs: outputs,
    };
  }
  return {
    Name: 'CMAF',
    OutputGroupSettings: {
      Type: 'CMAF_GROUP_SETTINGS',
      CmafGroupSettings: {
        Destination: destination,
        SegmentLength: plan.segmentSeconds,
        FragmentLength: plan.segmentSeconds,
        SegmentControl: 'SEGMENTED_FILES',
        SegmentLengthControl: 'GOP_MULTIPLE',
        WriteHlsManifest: 'ENABLED',
        WriteDashManifest: 'ENABLED',
        ManifestDurationFormat: 'FLOATING_POINT',
        StreamInfResolution: 'INCLUDE',
        CodecSpecification: 'RFC_6381',
        ClientCache: 'ENABLED',
        MpdProfile: 'MAIN_PROFILE',
        WriteSegmentTimelineInRepresentation: 'ENABLED',
        TargetDurationCompatibilityMode: 'SPEC_COMPLIANT',
      },
    },
    Outputs: outputs,
  };
}
