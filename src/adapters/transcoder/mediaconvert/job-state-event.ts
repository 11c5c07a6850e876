import { z } from 'zod';
import { AbortedError, TransientError, UnsupportedMediaError } from '../../../core/errors.ts';
import type { Rendition } from '../../../core/model/video.ts';
import type { EncodeMode, EncodeResult } from '../../../core/ports/encode-backend.ts';
import type { EncodeCompletion } from '../../../core/pipeline/finish-encode.ts';
import { fromUserMetadata, type JobMetadata } from './job-metadata.ts';
import { withoutS3Uris } from './mediaconvert-errors.ts';
import { downloadKeyOf, folderKey, masterKeyOf, THUMBNAIL_FOLDER } from './output-layout.ts';

/**
 * Reads an EventBridge "MediaConvert Job State Change" event of a job vodkit submitted (its
 * UserMetadata names the video, the attempt and the renditions, job-metadata.ts):
 * - PROGRESSING (the job left its queue): progress 0; STATUS_UPDATE: progress
 *   `jobProgress.jobPercentComplete` / 100 (absent while probing: ignored).
 * - COMPLETE: the EncodeResult for finishEncode: the master from the streaming group's
 *   `playlistFilePaths`, the renditions as planned with the average bit rates MediaConvert measured
 *   (`videoDetails.averageBitrate`, when it reports them), the poster and thumbnail from the FILE
 *   groups' `outputFilePaths` (the last capture of each), the downloadable MP4 from its FILE group
 *   when the job made one (metadata `download`; undefined otherwise, so the video keeps what it
 *   has). S3 URIs become media-store keys through `mediaKeyFromUri`.
 * - ERROR: an error for finishEncode, permanent and final for the error codes that mean the input
 *   itself cannot be transcoded (see PERMANENT_ERROR_CODES), transient (another attempt may pass)
 *   otherwise. CANCELED: final, with an AbortedError (a cancelled job does not come back by itself;
 *   the video can be retried).
 * Anything else (another source, another job, INPUT_INFORMATION, NEW_WARNING, QUEUE_HOP) is ignored.
 */
export type JobStateReading =
  | { kind: 'progress'; jobId: string; videoId: string; attemptId: string; mode: EncodeMode; fraction: number }
  | { kind: 'completion'; jobId: string; completion: EncodeCompletion }
  | { kind: 'ignored'; reason: string };

export interface JobStateEventOptions {
  /** The media-store key of an `s3://bucket/key` URI of the media store; null when the URI is elsewhere. */
  mediaKeyFromUri(uri: string): string | null;
}

/**
 * MediaConvert's job error codes (its user guide's "Error codes" table) that say the input itself
 * cannot be opened, decoded or encoded as asked, so that another attempt fails the same way:
 * 1010 (an input file cannot be opened: unsupported container, damaged file), 1020–1022, 1030 and
 * 1040–1043 (input and decoding errors: unsupported or undecodable streams), 1056, 1060, 1075, 1076,
 * 1080, 1091–1093 (input and settings that do not fit the source), 1401, 1404 and 1432–1434
 * (invalid input or job settings). Everything else is transient: 1999 (internal), the 15xx–17xx
 * service errors and the 3xxx storage errors (S3 access, reads and writes), and codes that are not
 * listed. The table is MediaConvert's; a code it moves from one kind to the other only changes
 * whether the video fails at once or after its attempts.
 */
export const PERMANENT_ERROR_CODES: ReadonlySet<number> = new Set([
  1010, 1020, 1021, 1022, 1030, 1040, 1041, 1042, 1043, 1056, 1060, 1075, 1076, 1080, 1091, 1092, 1093, 1401, 1404, 1432, 1433, 1434,
]);

const outputDetailSchema = z.object({
  outputFilePaths: z.array(z.string()).optional(),
  durationInMs: z.number().optional(),
  videoDetails: z
    .object({ widthInPx: z.number().optional(), heightInPx: z.number().optional(), averageBitrate: z.number().optional() })
    .optional(),
});

const eventSchema = z.object({
  'detail-type': z.literal('MediaConvert Job State Change'),
  source: z.literal('aws.mediaconvert'),
  detail: z.object({
    status: z.string(),
    jobId: z.string(),
    userMetadata: z.record(z.string(), z.string()).optional(),
    errorCode: z.union([z.number(), z.string()]).optional(),
    errorMessage: z.string().optional(),
    jobProgress: z.object({ jobPercentComplete: z.number().optional() }).optional(),
    outputGroupDetails: z
      .array(z.object({ type: z.string(), playlistFilePaths: z.array(z.string()).optional(), outputDetails: z.array(outputDetailSchema).optional() }))
      .optional(),
  }),
});

type Detail = z.infer<typeof eventSchema>['detail'];

export function parseJobStateEvent(event: unknown, options: JobStateEventOptions): JobStateReading {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) return { kind: 'ignored', reason: 'not a MediaConvert job state change' };
  const { detail } = parsed.data;
  const meta = fromUserMetadata(detail.userMetadata);
  if (!meta) return { kind: 'ignored', reason: `job ${detail.jobId} carries no vodkit metadata` };
  const { jobId } = detail;
  const progress = (fraction: number): JobStateReading => ({
    kind: 'progress',
    jobId,
    videoId: meta.videoId,
    attemptId: meta.attemptId,
    mode: meta.mode,
    fraction,
  });
  const ofAttempt = { videoId: meta.videoId, attemptId: meta.attemptId, mode: meta.mode };
  switch (detail.status) {
    case 'PROGRESSING':
      return progress(0);
    case 'STATUS_UPDATE': {
      const percent = detail.jobProgress?.jobPercentComplete;
      if (percent === undefined) return { kind: 'ignored', reason: 'status update without a job percentage' };
      return progress(Math.min(1, Math.max(0, percent / 100)));
    }
    case 'COMPLETE':
      return { kind: 'completion', jobId, completion: { ...ofAttempt, result: resultOf(detail, meta, options) } };
    case 'ERROR': {
      const error = jobError(detail.errorCode, detail.errorMessage);
      // A transient error is tried again while the stage has attempts left (a new job of the stage).
      const final = !(error instanceof TransientError) || meta.attempt >= meta.maxAttempts;
      return { kind: 'completion', jobId, completion: { ...ofAttempt, error, final, attempts: meta.attempt } };
    }
    case 'CANCELED':
      return { kind: 'completion', jobId, completion: { ...ofAttempt, error: new AbortedError('the encode was cancelled'), final: true } };
    default:
      return { kind: 'ignored', reason: `status ${detail.status}` };
  }
}

/** The error of an ERROR event: a sentence without the job's S3 URIs (the raw message is its cause). */
export function jobError(code: number | string | undefined, message: string | undefined): Error {
  const n = typeof code === 'string' ? Number.parseInt(code, 10) : code;
  const said = message ? withoutS3Uris(message) : 'no message';
  const raw = new Error(`MediaConvert error ${code ?? '(no code)'}: ${message ?? ''}`.trim());
  if (n !== undefined && PERMANENT_ERROR_CODES.has(n)) {
    return new UnsupportedMediaError(`the file could not be transcoded: ${said} (MediaConvert error ${n})`, { cause: raw });
  }
  return new TransientError(`the transcoding service failed: ${said} (MediaConvert error ${code ?? 'without a code'})`, { cause: raw });
}

function resultOf(detail: Detail, meta: JobMetadata, options: JobStateEventOptions): EncodeResult {
  const request = { outputPrefix: meta.outputPrefix, folder: meta.folder || undefined };
  const groups = detail.outputGroupDetails ?? [];
  const streaming = groups.find((g) => g.type === 'CMAF_GROUP' || g.type === 'HLS_GROUP');
  const masterUri = streaming?.playlistFilePaths?.find((p) => p.endsWith('.m3u8'));
  const masterKey = (masterUri && options.mediaKeyFromUri(masterUri)) || masterKeyOf(request);

  let posterKey: string | null = null;
  let thumbnailKey: string | null = null;
  let downloadKey: string | null = null;
  const thumbnailPrefix = `${folderKey(request)}${THUMBNAIL_FOLDER}`;
  for (const group of groups.filter((g) => g.type === 'FILE_GROUP')) {
    for (const output of group.outputDetails ?? []) {
      const path = output.outputFilePaths?.at(-1);
      const key = path ? options.mediaKeyFromUri(path) : null;
      if (!key) continue;
      if (key.endsWith('.mp4')) downloadKey = key;
      else if (key.startsWith(thumbnailPrefix)) thumbnailKey = key;
      else posterKey = key;
    }
  }
  // A COMPLETE job wrote every output: without the group's details, the MP4 is where the job put it.
  const download = meta.download ? { downloadKey: downloadKey ?? downloadKeyOf(request) } : {};
  // The CMAF group's DASH manifest over the same segments (none for an encrypted job's HLS group);
  // unknown without the group's details, so then left as it is.
  const mpdUri = streaming ? streaming.playlistFilePaths?.find((p) => p.endsWith('.mpd')) : undefined;
  const dash = streaming ? { dashKey: (mpdUri && options.mediaKeyFromUri(mpdUri)) || null } : {};
  return { masterKey, renditions: measured(meta.renditions, streaming?.outputDetails ?? []), posterKey, thumbnailKey, ...download, ...dash };
}

/**
 * The planned renditions with MediaConvert's measured average video bit rate (plus the audio's
 * rate) as AVERAGE-BANDWIDTH, matched by picture size; peaks stay the rungs' caps.
 */
function measured(planned: Rendition[], outputs: Array<z.infer<typeof outputDetailSchema>>): Rendition[] {
  const audio = planned.find((r) => r.width === 0);
  const audioBps = audio ? audio.averageBandwidth : 0;
  return planned.map((r) => {
    if (r.width === 0) return r;
    const out = outputs.find((o) => o.videoDetails?.widthInPx === r.width && o.videoDetails?.heightInPx === r.height);
    const avg = out?.videoDetails?.averageBitrate;
    if (!avg || avg <= 0) return r;
    return { ...r, averageBandwidth: Math.min(r.bandwidth, Math.round(avg) + audioBps) };
  });
}
