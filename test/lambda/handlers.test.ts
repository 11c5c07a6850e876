import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler } from '../../src/lambda/http-handler.ts';
import { WEB_ROOT } from '../support/server.ts';
import { httpApiRequest, mediaConvertEvent, s3ObjectCreatedInSqs, s3TestEventInSqs, sqsEventOf } from './aws-fixtures.ts';
import { callApi, deliverJobs, eventOfJob, notifyUpload, startAwsStack, uploadClip, type AwsStack } from './aws-stack.ts';

/** Each function with AWS's own event shapes (test/fixtures/aws-events), one case at a time. */
let stack: AwsStack;
beforeAll(async () => {
  stack = await startAwsStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

/** A video whose first playable output and ladder are both submitted to MediaConvert. */
async function submittedVideo() {
  const uploaded = await uploadClip(stack);
  await notifyUpload(stack, uploaded);
  await deliverJobs(stack);
  await deliverJobs(stack);
  const jobs = stack.createdJobs.filter((j) => j.input.UserMetadata?.videoId === uploaded.videoId);
  expect(jobs.map((j) => j.input.UserMetadata?.mode)).toEqual(['first-playable', 'ladder']);
  return { ...uploaded, first: jobs[0], ladder: jobs[1] };
}

describe('stage function', () => {
  it("acknowledges S3's test message and queues nothing", async () => {
    expect(await stack.stage(s3TestEventInSqs())).toEqual({ batchItemFailures: [] });
    expect(await stack.sqs.receive(stack.jobsQueueUrl)).toEqual([]);
  });

  it('ignores notifications of another bucket or outside the sources prefix', async () => {
    const other = s3ObjectCreatedInSqs({ bucket: 'someone-elses-bucket', key: 'sources/k3j9m2p4q8r7s6t5.mp4', size: 10, eTag: 'abc' });
    const outside = s3ObjectCreatedInSqs({ bucket: stack.s3.bucket, key: 'media/k3j9m2p4q8r7s6t5/master.m3u8', size: 10, eTag: 'abc' });
    expect(await stack.stage(other)).toEqual({ batchItemFailures: [] });
    expect(await stack.stage(outside)).toEqual({ batchItemFailures: [] });
    expect(await stack.sqs.receive(stack.jobsQueueUrl)).toEqual([]);
  });

  it('hands back a message that is neither an S3 notification nor a vodkit job (for the dead-letter queue)', async () => {
    const event = sqsEventOf([{ messageId: 'm-1', receiptHandle: 'r-1', body: '{"hello":"world"}', attributes: { ApproximateReceiveCount: '1' } }], 'arn:aws:sqs:us-east-1:111122223333:vodkit-jobs.fifo');
    expect(await stack.stage(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });

  it('a prepare job is delivered once per upload, whatever the number of notifications', async () => {
    const uploaded = await uploadClip(stack);
    const batch = s3ObjectCreatedInSqs({ bucket: stack.s3.bucket, key: uploaded.bucketKey, size: uploaded.size, eTag: uploaded.etag });
    batch.Records.push({ ...batch.Records[0], messageId: 'duplicate-delivery' });
    expect(await stack.stage(batch)).toEqual({ batchItemFailures: [] });
    const { payloads } = await deliverJobs(stack);
    expect(payloads).toEqual([expect.objectContaining({ type: 'prepare', videoId: uploaded.videoId })]);
    await deliverJobs(stack); // its ladder
  });
});

describe('stage function near its timeout', () => {
  it('hands the jobs back without running them when the function has no time left for them', async () => {
    const uploaded = await uploadClip(stack);
    await notifyUpload(stack, uploaded);
    const records = await stack.sqs.receive(stack.jobsQueueUrl);
    expect(records).toHaveLength(1);
    const event = sqsEventOf(records, 'arn:aws:sqs:us-east-1:111122223333:vodkit-jobs.fifo');
    const calls = stack.mediaConvert.calls().length;
    const response = await stack.stage(event, { getRemainingTimeInMillis: () => 4000 });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0].messageId }] });
    expect(stack.mediaConvert.calls().length).toBe(calls);
    const { core } = await stack.runtime();
    expect((await core.catalog.getVideo(uploaded.videoId))?.status).toBe('queued');
    // Delivered again (after the visibility timeout) with time to run, it prepares the video.
    await stack.sqs.acknowledge(stack.jobsQueueUrl, records, response.batchItemFailures);
    let again = await deliverJobs(stack);
    for (let tries = 0; again.records.length === 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await deliverJobs(stack);
    }
    expect(again.payloads).toEqual([expect.objectContaining({ type: 'prepare', videoId: uploaded.videoId })]);
    expect(again.records[0].attributes.ApproximateReceiveCount).toBe('2');
    expect((await core.catalog.getVideo(uploaded.videoId))?.status).toBe('processing');
    await deliverJobs(stack); // its ladder
  });
});

describe('MediaConvert events function', () => {
  it('PROGRESSING and STATUS_UPDATE of the ladder move the video\'s progress; of the first output they do not', async () => {
    const { videoId, first, ladder } = await submittedVideo();
    const { core } = await stack.runtime();
    await stack.encoderEvents(eventOfJob('status-update', first));
    expect((await core.catalog.getVideo(videoId))?.progress).toBe(0);
    await stack.encoderEvents(eventOfJob('progressing', ladder));
    await stack.encoderEvents(eventOfJob('status-update', ladder));
    expect((await core.catalog.getVideo(videoId))?.progress).toBeCloseTo(0.4);
    // Late or repeated events do not take it back.
    const earlier = eventOfJob('status-update', ladder);
    earlier.detail.jobProgress.jobPercentComplete = 10;
    await stack.encoderEvents(earlier);
    await stack.encoderEvents(eventOfJob('progressing', ladder));
    expect((await core.catalog.getVideo(videoId))?.progress).toBeCloseTo(0.4);
  });

  it('an ERROR of the input (1040) fails the video for good, with a reason and no S3 path', async () => {
    const { videoId, first } = await submittedVideo();
    const { core } = await stack.runtime();
    await stack.encoderEvents(eventOfJob('error', first));
    const failed = await core.catalog.getVideo(videoId);
    expect(failed).toMatchObject({ status: 'failed', retryable: false, playable: false });
    expect(failed!.error).toMatch(/could not be transcoded/);
    expect(failed!.error).not.toMatch(/s3:\/\//);
    // Its ladder's COMPLETE, arriving later, does not bring it back.
    const { ladder } = { ladder: stack.createdJobs.find((j) => j.input.UserMetadata?.videoId === videoId && j.input.UserMetadata?.mode === 'ladder')! };
    await stack.encoderEvents(eventOfJob('complete', ladder));
    expect((await core.catalog.getVideo(videoId))?.status).toBe('failed');
  });

  it('a service ERROR with attempts left queues the ladder again: a new MediaConvert job, attempt 2, the video playing its first output meanwhile', async () => {
    const { videoId, first, ladder } = await submittedVideo();
    const { core } = await stack.runtime();
    await stack.encoderEvents(eventOfJob('complete', first));
    const serviceError = eventOfJob('error', ladder);
    serviceError.detail.errorCode = 1999;
    serviceError.detail.errorMessage = 'An internal error occurred.';
    expect(ladder.input.UserMetadata).toMatchObject({ attempt: '1', maxAttempts: expect.stringMatching(/^[2-9]$/) });
    await stack.encoderEvents(serviceError);
    expect(await core.catalog.getVideo(videoId)).toMatchObject({ status: 'processing', playable: true, attemptId: ladder.input.UserMetadata?.attemptId });
    // The same event again (EventBridge delivers at least once) queues nothing more.
    await stack.encoderEvents(serviceError);
    const { payloads } = await deliverJobs(stack);
    expect(payloads).toEqual([expect.objectContaining({ type: 'ladder', videoId, attemptId: ladder.input.UserMetadata?.attemptId, priorAttempts: 1 })]);
    const resubmitted = stack.createdJobs.filter((j) => j.input.UserMetadata?.videoId === videoId && j.input.UserMetadata?.mode === 'ladder');
    expect(resubmitted).toHaveLength(2);
    expect(resubmitted[1].input.UserMetadata).toMatchObject({ attempt: '2', maxAttempts: ladder.input.UserMetadata?.maxAttempts, attemptId: ladder.input.UserMetadata?.attemptId });
    expect((await deliverJobs(stack)).payloads).toEqual([]);
    // Its COMPLETE makes the video ready.
    await stack.encoderEvents(eventOfJob('complete', resubmitted[1]));
    expect(await core.catalog.getVideo(videoId)).toMatchObject({ status: 'ready' });
  });

  it('a service ERROR on the last attempt fails the video, retryable; a retry starts a new attempt', async () => {
    const { videoId, first, ladder } = await submittedVideo();
    const { core } = await stack.runtime();
    await stack.encoderEvents(eventOfJob('complete', first));
    const serviceError = eventOfJob('error', ladder);
    serviceError.detail.errorCode = 1999;
    serviceError.detail.errorMessage = 'An internal error occurred.';
    serviceError.detail.userMetadata.attempt = serviceError.detail.userMetadata.maxAttempts;
    await stack.encoderEvents(serviceError);
    const after = await core.catalog.getVideo(videoId);
    expect(after).toMatchObject({ status: 'failed', playable: false });
    expect(after!.retryable).not.toBe(false);
    expect(after!.error).toMatch(/the transcoding service failed/);
    const retried = await callApi(stack, { method: 'POST', path: `/api/v1/videos/${videoId}/retry` });
    expect(retried.statusCode).toBe(202);
    const { payloads } = await deliverJobs(stack);
    expect(payloads).toEqual([expect.objectContaining({ type: 'prepare', videoId, retry: expect.any(String) })]);
    const again = await core.catalog.getVideo(videoId);
    expect(again).toMatchObject({ status: 'processing' });
    expect(again!.attemptId).not.toBe(first.input.UserMetadata?.attemptId);
  });

  it('ignores the events of jobs vodkit did not submit', async () => {
    const foreign = mediaConvertEvent('complete', { id: '1796083096230-foreign', userMetadata: { project: 'someone else' } });
    await expect(stack.encoderEvents(foreign)).resolves.toBeUndefined();
  });
});

describe('HTTP function', () => {
  it('answers an API Gateway HTTP API request (payload 2.0) with the Fastify app', async () => {
    const result = await stack.http(httpApiRequest({ method: 'GET', path: '/healthz' }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
    expect(result.headers['x-content-type-options']).toBe('nosniff');
    const missing = await stack.http(httpApiRequest({ method: 'GET', path: '/api/v1/videos/zzzzzzzzzzzzzzzz' }));
    expect(missing.statusCode).toBe(401);
  });

  it('refuses an encrypted upload: the CDN serves the media, and the keys would not be reachable', async () => {
    const refused = await callApi(stack, { method: 'POST', path: '/api/v1/uploads', body: { filename: 'a.mp4', size: 1234, contentType: 'video/mp4', encrypt: true } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json.error.message).toMatch(/encrypted videos .* not available where a CDN serves the media/);
  });

  it('hands out a presigned S3 PUT for an upload, and the CloudFront cookies for its folder before there is something to watch', async () => {
    const created = await callApi(stack, { method: 'POST', path: '/api/v1/uploads', body: { filename: 'a.mp4', size: 1234, contentType: 'video/mp4' } });
    expect(created.statusCode).toBe(201);
    expect(created.json.upload).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'video/mp4' } });
    const url = new URL(created.json.upload.url);
    expect(url.pathname).toBe(`/${stack.s3.bucket}/sources/${created.json.video.id}.mp4`);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const got = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${created.json.video.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json.playback).toEqual({ hls: null, dash: null, expiresAt: null });
    expect((got.cookies ?? []).map((c) => c.split('=')[0]).sort()).toEqual(['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    expect(got.cookies?.every((c) => c.includes(`; Path=/media/${created.json.video.id}/;`))).toBe(true);
  });

  it('serves the web app (the bundle\'s web-dist): pages as HTML, assets byte for byte', async () => {
    const withWebApp = createHttpHandler(stack.runtime, { webRoot: WEB_ROOT });
    const page = await withWebApp(httpApiRequest({ method: 'GET', path: '/watch/k3j9m2p4q8r7s6t5' }));
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("media-src 'self' blob:");
    const html = page.isBase64Encoded ? Buffer.from(page.body, 'base64').toString('utf8') : page.body;
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await withWebApp(httpApiRequest({ method: 'GET', path: script! }));
    expect(asset.statusCode).toBe(200);
    const bytes = asset.isBase64Encoded ? Buffer.from(asset.body, 'base64') : Buffer.from(asset.body, 'utf8');
    expect(bytes.equals(await readFile(join(WEB_ROOT, script!)))).toBe(true);
  });

  it('answers the event stream at once with a reconnection delay (no response stays open behind API Gateway)', async () => {
    const events = await callApi(stack, { method: 'GET', path: '/api/v1/events' });
    expect(events.statusCode).toBe(200);
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(events.body).toBe('retry: 5000\n\n');
  });
});
