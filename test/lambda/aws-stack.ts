import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateJobCommand, MediaConvertClient, ProbeCommand, type CreateJobCommandInput, type ProbeResult } from '@aws-sdk/client-mediaconvert';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { hashApiToken, newApiTokenSecret } from '../../src/core/auth/api-tokens.ts';
import { newId } from '../../src/core/ids.ts';
import type { Clock } from '../../src/core/ports/clock.ts';
import type { Logger } from '../../src/core/ports/logger.ts';
import { createHttpHandler, type HttpApiResult } from '../../src/lambda/http-handler.ts';
import { createEncodeEventsHandler } from '../../src/lambda/mediaconvert-events-handler.ts';
import { cachedRuntime, openLambdaRuntime, type LambdaRuntime } from '../../src/lambda/lambda-runtime.ts';
import { createMaintenanceHandler } from '../../src/lambda/maintenance-handler.ts';
import { createStageHandler } from '../../src/lambda/stage-handler.ts';
import { makeClip } from '../support/clips.ts';
import { startDynalite, type DynaliteHandle } from '../support/dynalite.ts';
import { startFauxqsServer, type FauxqsHandle } from '../support/fauxqs.ts';
import { startS3rver, type S3rverHandle } from '../support/s3rver.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { httpApiRequest, mediaConvertEvent, s3ObjectCreatedInSqs, sqsEventOf, type MediaConvertStatus } from './aws-fixtures.ts';
import { cloudFrontKeyPair } from './cloudfront-keys.ts';

export const CDN_URL = 'https://d111111abcdef8.cloudfront.net';
export const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/vodkit-mediaconvert';

/**
 * The AWS deployment in one process: the bucket on s3rver, the catalog table on dynalite, the jobs
 * FIFO queue on fauxqs, MediaConvert through aws-sdk-client-mock; the four function handlers
 * composed by openLambdaRuntime from the environment the CDK stack gives them (secrets given
 * directly, as Secrets Manager cannot be reached here).
 */
export interface AwsStack {
  s3: S3rverHandle;
  sqs: FauxqsHandle;
  jobsQueueUrl: string;
  keys: { privateKey: string; publicKey: string };
  env: Record<string, string>;
  mediaConvert: AwsStub<any, any, any>;
  /** CreateJob requests MediaConvert received, in order. */
  createdJobs: Array<{ id: string; input: CreateJobCommandInput }>;
  runtime(): Promise<LambdaRuntime>;
  /** Warnings and errors the functions logged (VODKIT_TEST_LOG=1 prints them as they come). */
  logged: Array<{ level: 'warn' | 'error'; msg?: string; obj: object }>;
  stage: ReturnType<typeof createStageHandler>;
  encoderEvents: ReturnType<typeof createEncodeEventsHandler>;
  http: ReturnType<typeof createHttpHandler>;
  maintenance: ReturnType<typeof createMaintenanceHandler>;
  /** An API token of the installation's administrator, for `Authorization: Bearer`. */
  adminToken(): Promise<string>;
  stop(): Promise<void>;
}

/** `clock`: the functions' clock (default: the system's), e.g. a ManualClock to move past an upload URL's lifetime. */
export async function startAwsStack(options: { clock?: Clock } = {}): Promise<AwsStack> {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
  const temp = await makeTempDir('vodkit-lambda-');
  const [s3, dynamo, sqs] = await Promise.all([startS3rver(), startDynalite(), startFauxqsServer()]);
  // The SDK's default credential chain, as on Lambda: s3rver's keys (dynalite and fauxqs take any).
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  const table = await dynamo.createCatalogTable();
  const { queueUrl: jobsQueueUrl } = sqs.createFifoQueue('vodkit-jobs', { visibilityTimeoutSec: 1 });
  const keys = cloudFrontKeyPair();
  const env: Record<string, string> = {
    VODKIT_STORAGE: `s3://${s3.bucket}/?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}`,
    VODKIT_DATABASE_URL: `dynamodb://${table}?region=${dynamo.region}&endpoint=${encodeURIComponent(dynamo.endpoint)}`,
    // fauxqs names its queues http://sqs.<region>.localhost:<port>/...: requests go to its address.
    VODKIT_QUEUE_URL: `sqs+${jobsQueueUrl}?endpoint=${encodeURIComponent(sqs.endpoint)}`,
    VODKIT_AWS_REGION: 'us-east-1',
    VODKIT_ENCODER: 'mediaconvert',
    VODKIT_MEDIACONVERT_ROLE_ARN: ROLE_ARN,
    VODKIT_MEDIACONVERT_QUEUE_ARN: 'arn:aws:mediaconvert:us-east-1:111122223333:queues/Default',
    VODKIT_DATA_DIR: join(temp.dir, 'data'),
    VODKIT_PUBLIC_URL: CDN_URL,
    VODKIT_CDN_URL: CDN_URL,
    VODKIT_CDN_KEY_PAIR_ID: KEY_PAIR_ID,
    VODKIT_CDN_PRIVATE_KEY: keys.privateKey,
    VODKIT_SECRET: 'vodkit-test-installation-secret-0123456789abcdef',
    VODKIT_JOB_MAX_ATTEMPTS: '3',
    VODKIT_WORKER: 'false',
    VODKIT_LOG_LEVEL: 'silent',
  };
  const mediaConvert = mockClient(MediaConvertClient);
  const createdJobs: AwsStack['createdJobs'] = [];
  mediaConvert.on(CreateJobCommand).callsFake((input: CreateJobCommandInput) => {
    const id = `1796083096230-${String(createdJobs.length + 1).padStart(6, '0')}`;
    createdJobs.push({ id, input });
    return { Job: { Id: id, Arn: `arn:aws:mediaconvert:us-east-1:111122223333:jobs/${id}`, Role: ROLE_ARN, Settings: input.Settings, Status: 'SUBMITTED' } };
  });
  const logged: AwsStack['logged'] = [];
  const runtime = cachedRuntime(() => openLambdaRuntime(env, { logger: recordingLogger(logged), clock: options.clock }));
  let token: string | null = null;
  return {
    s3,
    sqs,
    jobsQueueUrl,
    keys,
    env,
    mediaConvert,
    createdJobs,
    runtime,
    logged,
    stage: createStageHandler(runtime),
    encoderEvents: createEncodeEventsHandler(runtime),
    http: createHttpHandler(runtime),
    maintenance: createMaintenanceHandler(runtime),
    async adminToken() {
      if (token) return token;
      const { core } = await runtime();
      token = newApiTokenSecret();
      await core.catalog.createApiToken({ id: newId(), name: 'test', tokenHash: hashApiToken(token), userId: null, createdAt: new Date().toISOString(), lastUsedAt: null });
      return token;
    },
    async stop() {
      mediaConvert.restore();
      const rt = await runtime().catch(() => null);
      await rt?.core.close();
      await Promise.all([s3.stop(), dynamo.stop(), sqs.stop()]);
      await temp.cleanup();
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.key;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.key === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    },
  };
}

function recordingLogger(into: AwsStack['logged'], bindings: Record<string, unknown> = {}): Logger {
  const record = (level: 'warn' | 'error') => (obj: object, msg?: string) => {
    into.push({ level, msg, obj: { ...bindings, ...obj } });
    if (process.env.VODKIT_TEST_LOG) console.error(level, msg, { ...bindings, ...obj });
  };
  return { debug() {}, info() {}, warn: record('warn'), error: record('error'), child: (more) => recordingLogger(into, { ...bindings, ...more }) };
}

/** A request to the HTTP function as API Gateway sends it, answered as API Gateway receives it; the body parsed when JSON. */
export async function callApi(
  stack: AwsStack,
  request: { method: string; path: string; body?: unknown; cookies?: string[] },
): Promise<HttpApiResult & { json: any }> {
  const token = await stack.adminToken();
  const result = await stack.http(httpApiRequest({ ...request, headers: { authorization: `Bearer ${token}` } }));
  const json = (result.headers['content-type'] ?? '').startsWith('application/json') ? JSON.parse(result.body) : null;
  return { ...result, json };
}

/** What MediaConvert's Probe reports for the test clip (H.264 568x320 at 30 fps, stereo AAC at 48 kHz), for the uploaded object's ETag. */
export function probeOfClip(etag: string, size: number, seconds: number): ProbeResult {
  return {
    Container: {
      Format: 'mp4',
      Duration: seconds,
      BitRate: Math.round((size * 8) / seconds),
      Tracks: [
        {
          Index: 1,
          TrackType: 'video',
          Codec: 'AVC',
          Duration: seconds,
          VideoProperties: {
            Width: 568,
            Height: 320,
            BitDepth: 8,
            BitRate: Math.round((size * 8) / seconds) - 96_000,
            FrameRate: { Numerator: 30, Denominator: 1 },
            ColorPrimaries: 'ITU_709',
            TransferCharacteristics: 'ITU_709',
            MatrixCoefficients: 'ITU_709',
            CodecMetadata: { Profile: 'Constrained Baseline', Level: '3.0', ChromaSubsampling: '4:2:0', BitDepth: 8, Width: 568, Height: 320 },
          },
        },
        {
          Index: 2,
          TrackType: 'audio',
          Codec: 'AAC',
          Duration: seconds,
          AudioProperties: { Channels: 2, SampleRate: 48_000, BitRate: 96_000, BitDepth: 16, ChannelLayout: 'stereo', LanguageCode: 'und' },
        },
      ],
    },
    Metadata: { ETag: etag, FileSize: size, MimeType: 'video/mp4', LastModified: new Date() },
    TrackMappings: [{ VideoTrackIndexes: [1], AudioTrackIndexes: [2] }],
  };
}

/**
 * A clip uploaded as a browser would: POST /api/v1/uploads through the HTTP function, then the
 * signed PUT of its bytes to the bucket (s3rver). Returns the video id, the bucket key and what
 * S3 says of the object; MediaConvert's Probe is set to report that object.
 */
export async function uploadClip(stack: AwsStack, options: { visibility?: 'private' | 'unlisted' | 'public'; downloads?: boolean } = {}) {
  const temp = await makeTempDir('vodkit-clip-');
  try {
    const clip = await makeClip(temp.dir, 'landscape', { seconds: 3 });
    const bytes = await readFile(clip.path);
    const created = await callApi(stack, {
      method: 'POST',
      path: '/api/v1/uploads',
      body: {
        filename: 'holiday clip.mp4',
        size: bytes.length,
        contentType: 'video/mp4',
        title: 'Holiday',
        visibility: options.visibility ?? 'private',
        ...(options.downloads !== undefined ? { downloads: options.downloads } : {}),
      },
    });
    if (created.statusCode !== 201) throw new Error(`upload not created: ${created.statusCode} ${created.body}`);
    const { video, upload } = created.json;
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    if (!put.ok) throw new Error(`signed PUT refused: ${put.status} ${await put.text()}`);
    const etag = put.headers.get('etag')!;
    const bucketKey = `sources/${await videoSourceKey(stack, video.id)}`;
    stack.mediaConvert.on(ProbeCommand).resolves({ ProbeResults: [probeOfClip(etag, bytes.length, 3)] });
    return { videoId: video.id as string, bucketKey, size: bytes.length, etag, upload };
  } finally {
    await temp.cleanup();
  }
}

async function videoSourceKey(stack: AwsStack, videoId: string): Promise<string> {
  const video = await (await stack.runtime()).core.catalog.getVideo(videoId);
  if (!video) throw new Error(`no video ${videoId}`);
  return video.sourceKey;
}

/** The S3 notification of an uploaded object, delivered by the uploads queue to the stage function. */
export function notifyUpload(stack: AwsStack, object: { bucketKey: string; size: number; etag: string }) {
  return stack.stage(s3ObjectCreatedInSqs({ bucket: stack.s3.bucket, key: object.bucketKey, size: object.size, eTag: object.etag }));
}

/** Receives what the jobs queue holds and hands it to the stage function as its SQS event source would; acknowledges as the event source does. */
export async function deliverJobs(stack: AwsStack) {
  const records = await stack.sqs.receive(stack.jobsQueueUrl);
  const response = await stack.stage(sqsEventOf(records, 'arn:aws:sqs:us-east-1:111122223333:vodkit-jobs.fifo'));
  await stack.sqs.acknowledge(stack.jobsQueueUrl, records, response.batchItemFailures);
  return { records, response, payloads: records.map((r) => JSON.parse(r.body).payload) };
}

/** The event MediaConvert sends for a job it was given, with the job's metadata and, for COMPLETE, the files its groups wrote. */
export function eventOfJob(status: MediaConvertStatus, job: { id: string; input: CreateJobCommandInput }) {
  const groups = job.input.Settings?.OutputGroups ?? [];
  const destination = (type: string) => {
    const settings = groups.find((g) => g.OutputGroupSettings?.Type === type)?.OutputGroupSettings;
    return settings?.CmafGroupSettings?.Destination ?? settings?.HlsGroupSettings?.Destination ?? settings?.FileGroupSettings?.Destination;
  };
  const streaming = destination('CMAF_GROUP_SETTINGS') ?? destination('HLS_GROUP_SETTINGS');
  const files = groups.filter((g) => g.OutputGroupSettings?.Type === 'FILE_GROUP_SETTINGS').map((g) => g.OutputGroupSettings!.FileGroupSettings!.Destination!);
  const download = files.find((d) => d.endsWith('/download'));
  const poster = files.find((d) => !d.includes('/thumbnail/') && d !== download);
  const thumbnail = files.find((d) => d.includes('/thumbnail/'));
  return mediaConvertEvent(status, {
    id: job.id,
    userMetadata: job.input.UserMetadata ?? {},
    playlistPaths: streaming ? [`${streaming}.m3u8`, `${streaming}.mpd`] : undefined,
    posterPath: poster ? `${poster}.0000000.jpg` : undefined,
    thumbnailPath: thumbnail ? `${thumbnail}.0000000.jpg` : undefined,
    downloadPath: download ? `${download}.mp4` : undefined,
  });
}
