import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/ports/clock.ts';
import { transition } from '../../src/core/videos/lifecycle.ts';
import { scheduledEvent } from './aws-fixtures.ts';
import { callApi, startAwsStack, uploadClip, type AwsStack } from './aws-stack.ts';

/**
 * The maintenance function (EventBridge schedule) on the AWS stack (s3rver, dynalite, fauxqs):
 * a stored upload whose S3 event never came is queued, an upload abandoned past its URL's
 * lifetime and the grace period is removed, and a queued video is left to SQS (its job is not
 * queued again). The functions' clock is a ManualClock, moved past the limit.
 */
let stack: AwsStack;
let clock: ManualClock;
beforeAll(async () => {
  clock = new ManualClock(new Date());
  stack = await startAwsStack({ clock });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

/** What the jobs queue holds now (received and deleted, so each test sees only its own). */
async function takeJobs() {
  const records = await stack.sqs.receive(stack.jobsQueueUrl);
  await stack.sqs.acknowledge(stack.jobsQueueUrl, records, []);
  return records.map((r) => JSON.parse(r.body).payload as { type: string; videoId: string });
}

async function statusOf(videoId: string) {
  const { core } = await stack.runtime();
  return (await core.catalog.getVideo(videoId))?.status ?? 'gone';
}

describe('maintenance function', () => {
  it('queues the prepare of an upload whose bytes are in the bucket but whose S3 event never came', async () => {
    const uploaded = await uploadClip(stack); // signed PUT done; no notification delivered
    expect(await statusOf(uploaded.videoId)).toBe('uploading');
    expect(await takeJobs()).toEqual([]);

    const report = await stack.maintenance(scheduledEvent());
    expect(report.recoveredUploads).toBe(1);
    expect(await takeJobs()).toEqual([expect.objectContaining({ type: 'prepare', videoId: uploaded.videoId })]);
    expect(await statusOf(uploaded.videoId)).toBe('queued');

    // Once queued it is the queue's: a second run queues nothing.
    expect((await stack.maintenance(scheduledEvent())).recoveredUploads).toBe(0);
    expect(await takeJobs()).toEqual([]);
  });

  it('does not queue again the job of a queued video (SQS keeps it; its deduplication lasts minutes only)', async () => {
    const uploaded = await uploadClip(stack);
    const { core } = await stack.runtime();
    // Queued in the catalog, its message nowhere in the jobs queue (e.g. received and still running elsewhere).
    expect((await transition(core.catalog, uploaded.videoId, 'queue', { contentType: 'video/mp4' })).applied).toBe(true);

    const report = await stack.maintenance(scheduledEvent());
    expect(report.recoveredJobs).toBe(0);
    expect(await takeJobs()).toEqual([]);
    expect(await statusOf(uploaded.videoId)).toBe('queued');
  });

  it("removes an upload record once its URL's lifetime and the grace period are over, and keeps a recent one", async () => {
    const { config } = await stack.runtime();
    const created = await callApi(stack, {
      method: 'POST',
      path: '/api/v1/uploads',
      body: { filename: 'never sent.mp4', size: 1000, contentType: 'video/mp4', title: 'Never sent' },
    });
    expect(created.statusCode).toBe(201);
    const abandoned: string = created.json.video.id;

    // Just before the limit it stays.
    clock.advance((config.uploadUrlTtlSec + config.uploadGraceSec - 60) * 1000);
    expect((await stack.maintenance(scheduledEvent())).videos).toEqual([]);
    expect(await statusOf(abandoned)).toBe('uploading');

    const recent = await callApi(stack, {
      method: 'POST',
      path: '/api/v1/uploads',
      body: { filename: 'still coming.mp4', size: 1000, contentType: 'video/mp4', title: 'Still coming' },
    });
    expect(recent.statusCode).toBe(201);

    clock.advance(120 * 1000);
    const report = await stack.maintenance(scheduledEvent());
    expect(report.videos).toEqual([abandoned]);
    expect(await statusOf(abandoned)).toBe('gone');
    expect(await statusOf(recent.json.video.id)).toBe('uploading');
    expect(stack.logged.filter((l) => l.level === 'error')).toEqual([]);
  });
});
