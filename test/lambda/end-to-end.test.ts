import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateJobCommand } from '@aws-sdk/client-mediaconvert';
import { callApi, CDN_URL, deliverJobs, eventOfJob, KEY_PAIR_ID, notifyUpload, startAwsStack, uploadClip, type AwsStack } from './aws-stack.ts';
import { resourceMatches, verifyCloudFrontGrant, verifySignedUrl } from './cloudfront-keys.ts';

/**
 * The AWS deployment end to end, through its three functions as AWS invokes them: upload through
 * the HTTP function → signed PUT to the bucket → S3's notification → stage function → prepare job
 * on the jobs queue → stage function → MediaConvert CreateJob (first playable) → ladder job →
 * stage function → CreateJob (ladder) → COMPLETE events → the catalog says ready → the API hands
 * out CloudFront URLs and cookies that verify with the public key.
 */
let stack: AwsStack;
beforeAll(async () => {
  stack = await startAwsStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('AWS deployment, end to end', () => {
  it('upload → S3 event → prepare → MediaConvert jobs → COMPLETE → ready, played through signed CloudFront URLs and cookies', async () => {
    const { core } = await stack.runtime();
    const uploaded = await uploadClip(stack, { visibility: 'private' });
    const { videoId } = uploaded;
    expect((await core.catalog.getVideo(videoId))?.status).toBe('uploading');

    // S3 → uploads queue → stage function: the video is queued and its prepare job is on the jobs queue.
    expect(await notifyUpload(stack, uploaded)).toEqual({ batchItemFailures: [] });
    expect((await core.catalog.getVideo(videoId))?.status).toBe('queued');

    // A duplicate notification (S3 delivers at least once) queues nothing more.
    expect(await notifyUpload(stack, uploaded)).toEqual({ batchItemFailures: [] });

    // Jobs queue → stage function: prepare probes (MediaConvert Probe), submits the first playable output, queues the ladder.
    const prepare = await deliverJobs(stack);
    expect(prepare.payloads).toEqual([expect.objectContaining({ type: 'prepare', videoId, sourceKey: expect.any(String) })]);
    expect(prepare.response).toEqual({ batchItemFailures: [] });
    expect(stack.createdJobs).toHaveLength(1);
    const first = stack.createdJobs[0];
    expect(first.input.UserMetadata).toMatchObject({ videoId, mode: 'first-playable' });
    expect(first.input.Role).toBe(stack.env.VODKIT_MEDIACONVERT_ROLE_ARN);
    expect(first.input.Settings?.Inputs?.[0].FileInput).toBe(`s3://${stack.s3.bucket}/${uploaded.bucketKey}`);
    const processing = await core.catalog.getVideo(videoId);
    expect(processing).toMatchObject({ status: 'processing', encodeJobRef: first.id });

    // Ladder job → stage function: the ladder is submitted.
    const ladder = await deliverJobs(stack);
    expect(ladder.payloads).toEqual([expect.objectContaining({ type: 'ladder', videoId, attemptId: processing!.attemptId })]);
    expect(ladder.response).toEqual({ batchItemFailures: [] });
    expect(stack.createdJobs).toHaveLength(2);
    const full = stack.createdJobs[1];
    expect(full.input.UserMetadata).toMatchObject({ videoId, mode: 'ladder', attemptId: processing!.attemptId });
    expect(stack.mediaConvert.commandCalls(CreateJobCommand)).toHaveLength(2);
    expect(await deliverJobs(stack)).toMatchObject({ records: [] });

    // MediaConvert's events: progress of the ladder, then both jobs COMPLETE.
    await stack.encoderEvents(eventOfJob('progressing', full));
    await stack.encoderEvents(eventOfJob('status-update', full));
    expect((await core.catalog.getVideo(videoId))?.progress).toBeCloseTo(0.4);
    await stack.encoderEvents(eventOfJob('complete', first));
    const playable = await core.catalog.getVideo(videoId);
    expect(playable).toMatchObject({ status: 'processing', playable: true, masterKey: `${videoId}/first/master.m3u8` });
    await stack.encoderEvents(eventOfJob('complete', full));
    const ready = await core.catalog.getVideo(videoId);
    expect(ready).toMatchObject({ status: 'ready', playable: true, masterKey: `${videoId}/master.m3u8` });
    expect(ready!.posterKey).toMatch(new RegExp(`^${videoId}/poster\\.0000000\\.jpg$`));
    expect(ready!.thumbnailKey).toMatch(new RegExp(`^${videoId}/thumbnail/thumbnail\\.0000000\\.jpg$`));

    // A stale COMPLETE (an earlier attempt's job) and a repeated one change nothing.
    const stale = eventOfJob('complete', { ...first, input: { ...first.input, UserMetadata: { ...first.input.UserMetadata, attemptId: 'an-earlier-attempt' } } });
    await stack.encoderEvents(stale);
    await stack.encoderEvents(eventOfJob('complete', full));
    expect(await core.catalog.getVideo(videoId)).toEqual(ready);

    // The API: CloudFront URLs signed for the video's folder, and the three cookies for it.
    const got = await callApi(stack, { method: 'GET', path: `/api/v1/videos/${videoId}` });
    expect(got.statusCode).toBe(200);
    expect(got.json).toMatchObject({ id: videoId, status: 'ready', playable: true });
    for (const [url, key] of [
      [got.json.playback.hls, ready!.masterKey],
      [got.json.poster, ready!.posterKey],
      [got.json.thumbnail, ready!.thumbnailKey],
    ]) {
      expect(url.startsWith(`${CDN_URL}/media/${key}?`)).toBe(true);
      const checked = verifySignedUrl(url, stack.keys.publicKey, KEY_PAIR_ID);
      expect(checked, url).not.toBeNull();
      expect(checked!.policy.Statement[0].Resource).toBe(`${CDN_URL}/media/${videoId}/*`);
      expect(resourceMatches(checked!.policy.Statement[0].Resource, checked!.resource)).toBe(true);
    }
    const cookies = Object.fromEntries(
      (got.cookies ?? []).map((c) => {
        const [pair, ...attributes] = c.split('; ');
        const eq = pair.indexOf('=');
        return [pair.slice(0, eq), { value: pair.slice(eq + 1), attributes }];
      }),
    );
    expect(Object.keys(cookies).sort()).toEqual(['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    for (const cookie of Object.values(cookies)) {
      expect(cookie.attributes).toEqual(expect.arrayContaining([`Path=/media/${videoId}/`, 'Secure', 'HttpOnly', 'SameSite=Lax']));
    }
    expect(cookies['CloudFront-Key-Pair-Id'].value).toBe(KEY_PAIR_ID);
    const policy = verifyCloudFrontGrant(cookies['CloudFront-Policy'].value, cookies['CloudFront-Signature'].value, stack.keys.publicKey);
    expect(policy?.Statement[0].Resource).toBe(`${CDN_URL}/media/${videoId}/*`);
    // A segment the player asks for relative to the master is under the cookies' grant.
    expect(resourceMatches(policy!.Statement[0].Resource, `${CDN_URL}/media/${videoId}/master_320p_1.cmfv`)).toBe(true);
    const expiresAt = policy!.Statement[0].Condition.DateLessThan['AWS:EpochTime'];
    expect(expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(Number(stack.env.VODKIT_PLAYBACK_TOKEN_TTL ?? 21_600));

    // A duplicate S3 event long after: still nothing queued, the video stays ready.
    expect(await notifyUpload(stack, uploaded)).toEqual({ batchItemFailures: [] });
    expect(await deliverJobs(stack)).toMatchObject({ records: [] });
    expect((await core.catalog.getVideo(videoId))?.status).toBe('ready');
    expect(stack.logged.filter((l) => l.level === 'error')).toEqual([]);
  }, 120_000);
});
