import { readFileSync } from 'node:fs';
import type { EventBridgeEvent, SqsEvent } from '../../src/lambda/aws-events.ts';
import type { HttpApiEvent } from '../../src/lambda/http-handler.ts';

/**
 * The AWS events of test/fixtures/aws-events (shaped on AWS's documented examples), with the
 * fields a test needs changed: the rest stays as AWS sends it.
 */
const FIXTURES = new URL('../fixtures/aws-events/', import.meta.url);

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

let messages = 0;

/** An SQS event of the uploads queue holding one S3 ObjectCreated:Put notification, as S3 sends it (key URL-encoded, '+' for spaces). */
export function s3ObjectCreatedInSqs(object: { bucket: string; key: string; size: number; eTag: string }): SqsEvent {
  const event = load<SqsEvent>('s3-object-created-in-sqs.json');
  const record = event.Records[0];
  const body = JSON.parse(record.body);
  const s3 = body.Records[0].s3;
  s3.bucket.name = object.bucket;
  s3.bucket.arn = `arn:aws:s3:::${object.bucket}`;
  s3.object.key = encodeURIComponent(object.key).replace(/%2F/g, '/').replace(/%20/g, '+');
  s3.object.size = object.size;
  s3.object.eTag = object.eTag.replace(/"/g, '');
  record.body = JSON.stringify(body);
  record.messageId = `00000000-0000-4000-8000-${String(++messages).padStart(12, '0')}`;
  return event;
}

/** The test message S3 sends when a notification to the queue is configured. */
export function s3TestEventInSqs(): SqsEvent {
  return load<SqsEvent>('s3-test-event-in-sqs.json');
}

/** SQS records (as received from the jobs queue) as the event an SQS event source hands the function. */
export function sqsEventOf(records: Array<{ messageId: string; receiptHandle: string; body: string; attributes: Record<string, string | undefined> }>, queueArn: string): SqsEvent {
  return {
    Records: records.map((r) => ({
      messageId: r.messageId,
      receiptHandle: r.receiptHandle,
      body: r.body,
      attributes: r.attributes,
      messageAttributes: {},
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}

export type MediaConvertStatus = 'progressing' | 'status-update' | 'complete' | 'error';

/**
 * A "MediaConvert Job State Change" event of a job: its id and UserMetadata (as the job carries
 * them back), and for COMPLETE the output paths of the job's groups (the download's MP4 in a FILE
 * group of its own, after the stills).
 */
export function mediaConvertEvent(
  status: MediaConvertStatus,
  job: { id: string; userMetadata: Record<string, string>; playlistPaths?: string[]; posterPath?: string; thumbnailPath?: string; downloadPath?: string },
): EventBridgeEvent<Record<string, any>> {
  const event = load<EventBridgeEvent<Record<string, any>>>(`mediaconvert-${status}.json`);
  event.detail.jobId = job.id;
  event.detail.userMetadata = job.userMetadata;
  event.resources = [`arn:aws:mediaconvert:us-east-1:111122223333:jobs/${job.id}`];
  if (status === 'complete') {
    const [streaming, poster, thumbnail] = event.detail.outputGroupDetails;
    if (job.playlistPaths) streaming.playlistFilePaths = job.playlistPaths;
    if (job.posterPath) poster.outputDetails[0].outputFilePaths = [job.posterPath];
    else event.detail.outputGroupDetails.splice(1, 1);
    if (job.thumbnailPath) thumbnail.outputDetails[0].outputFilePaths = [job.thumbnailPath];
    else event.detail.outputGroupDetails = event.detail.outputGroupDetails.filter((g: { outputDetails: unknown[] }) => g !== thumbnail);
    if (job.downloadPath) {
      const video = streaming.outputDetails[0];
      event.detail.outputGroupDetails.push({ type: 'FILE_GROUP', outputDetails: [{ ...video, outputFilePaths: [job.downloadPath] }] });
    }
  }
  return event;
}

/** An API Gateway HTTP API (payload 2.0) request, from the fixture, for this method, path, headers and body. */
export function httpApiRequest(request: { method: string; path: string; query?: string; headers?: Record<string, string>; cookies?: string[]; body?: unknown }): HttpApiEvent {
  const event = load<HttpApiEvent & { headers: Record<string, string>; requestContext: { http: { method: string; path: string } }; body?: string; cookies?: string[] }>(
    'http-api-v2-request.json',
  );
  event.rawPath = request.path;
  event.rawQueryString = request.query ?? '';
  event.requestContext.http.method = request.method;
  event.requestContext.http.path = request.path;
  if (request.query) {
    (event as Record<string, unknown>).queryStringParameters = Object.fromEntries(new URLSearchParams(request.query));
  }
  Object.assign(event.headers, request.headers ?? {});
  if (request.cookies) event.cookies = request.cookies;
  if (request.body !== undefined) {
    event.body = JSON.stringify(request.body);
    event.headers['content-type'] = 'application/json';
    event.headers['content-length'] = String(Buffer.byteLength(event.body));
  }
  return event;
}

/** The event an EventBridge schedule hands its target (the maintenance function). */
export function scheduledEvent(): EventBridgeEvent<Record<string, never>> {
  return load<EventBridgeEvent<Record<string, never>>>('scheduled-event.json');
}
