import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/ports/clock.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { transition } from '../../src/core/videos/lifecycle.ts';
import { WebhookEvents } from '../../src/core/webhooks/webhook-events.ts';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

// The receiver's check, as the README's Webhooks section shows it.
function verifyVodkitSignature(rawBody: string, header: string, secret: string, toleranceSec = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSec) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Webhook deliveries to a real HTTP endpoint on 127.0.0.1 (allowed by VODKIT_WEBHOOK_ALLOW_PRIVATE):
 * signatures, retries, the delivery log, the order of a video's events and deduplication.
 */
describe('webhook deliveries', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let alice: ApiClient;
  let aliceId: string;
  let endpoint: { id: string; secret: string };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startTestServer({ flags: { webhookAllowPrivate: true, webhookRetrySec: '0.3', webhookGiveUpSec: '120' } });
    const a = await server.createUser('uploader');
    aliceId = a.id;
    alice = new ApiClient(server.url, a.token);
    const created = await alice.request('POST', '/api/v1/webhooks', { url: receiver.url, events: ['video.playable', 'video.ready', 'video.failed', 'video.deleted'] });
    expect(created.status).toBe(201);
    endpoint = created.json;
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  /** A video of alice's that never gets its bytes (an upload created, not sent). */
  async function newVideo(title: string): Promise<string> {
    const res = await alice.request('POST', '/api/v1/uploads', { filename: 'clip.mp4', size: 100, contentType: 'video/mp4', title });
    expect(res.status).toBe(201);
    return res.json.video.id;
  }

  const deliveries = async () => (await alice.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`)).json.items as Array<Record<string, unknown>>;

  it('signs each delivery; a 500 is tried again, then the 200 delivers it; the log says so', async () => {
    receiver.answerNext(500);
    const videoId = await newVideo('fails');
    const failed = await transition(server.rt.catalog, videoId, 'fail', { error: 'the file is not a video', retryable: false }, { onlyFrom: ['uploading'] });
    expect(failed.applied).toBe(true);

    const received = await eventually('two attempts', () => {
      const got = receiver.received.filter((r) => r.json.data.id === videoId);
      return got.length >= 2 && got;
    });
    expect(received.map((r) => r.status)).toEqual([500, 200]);
    const [first, second] = received;
    expect(second.json.id).toBe(first.json.id);
    expect(second.body).toBe(first.body);
    expect(second.json).toMatchObject({ type: 'video.failed', data: { id: videoId, status: 'failed', title: 'fails', ownerId: aliceId, error: 'the file is not a video' } });
    expect(second.json.id).toMatch(/^evt_/);
    expect(Date.parse(second.json.createdAt)).not.toBeNaN();
    expect(second.headers['content-type']).toBe('application/json');
    expect(second.headers['vodkit-event-id']).toBe(second.json.id);
    for (const r of received) {
      expect(verifyVodkitSignature(r.body, String(r.headers['vodkit-signature']), endpoint.secret)).toBe(true);
      expect(verifyVodkitSignature(r.body, String(r.headers['vodkit-signature']), 'whsec_wrong')).toBe(false);
      expect(verifyVodkitSignature(`${r.body} `, String(r.headers['vodkit-signature']), endpoint.secret)).toBe(false);
    }
    // A replayed request is refused by the tolerance: the same signature, six minutes later.
    const old = String(second.headers['vodkit-signature']).replace(/t=(\d+)/, (_m, t) => `t=${Number(t) - 360}`);
    expect(verifyVodkitSignature(second.body, old, endpoint.secret)).toBe(false);

    const log = await eventually('the delivery to be logged as delivered', async () => (await deliveries()).find((d) => d.eventId === first.json.id && d.state === 'delivered'));
    expect(log).toMatchObject({ type: 'video.failed', videoId, attempts: 2, lastStatus: 200, lastError: null, nextAttemptAt: null, givenUpAt: null });
    expect(log.deliveredAt).toEqual(expect.any(String));
  });

  it('sends a video\'s video.playable before its video.ready, and video.deleted when it goes', async () => {
    const clip = await makeClip(server.dataDir, 'landscape', { seconds: 3 });
    const videoId = await alice.upload(clip.path, { title: 'real' });
    expect((await alice.waitSettled(videoId)).status).toBe('ready');
    const types = () => receiver.received.filter((r) => r.json.data.id === videoId && r.status === 200).map((r) => r.json.type);
    await eventually('playable and ready', () => types().length >= 2);
    expect(types()).toEqual(['video.playable', 'video.ready']);
    const ready = receiver.received.find((r) => r.json.data.id === videoId && r.json.type === 'video.ready')!;
    expect(ready.json.data).toMatchObject({ status: 'ready', playable: true, title: 'real' });

    expect((await alice.request('DELETE', `/api/v1/videos/${videoId}`)).status).toBe(204);
    await eventually('video.deleted', () => types().includes('video.deleted'));
    expect(types()).toEqual(['video.playable', 'video.ready', 'video.deleted']);
  });

  it('delivers an event emitted twice once', async () => {
    const videoId = await newVideo('twice');
    const video = (await server.rt.catalog.getVideo(videoId))!;
    const events = new WebhookEvents({ catalog: server.rt.catalog, queue: server.rt.queue, clock: systemClock, logger: silentLogger });
    await events.emit(video, 'video.ready');
    await events.emit(video, 'video.ready');
    // A later event of the same video, in the same lane, is the barrier.
    expect((await alice.request('DELETE', `/api/v1/videos/${videoId}`)).status).toBe(204);
    await eventually('the barrier', () => receiver.received.some((r) => r.json.data.id === videoId && r.json.type === 'video.deleted'));
    const readies = receiver.received.filter((r) => r.json.data.id === videoId && r.json.type === 'video.ready');
    expect(readies).toHaveLength(1);
    const logged = (await deliveries()).filter((d) => d.videoId === videoId);
    expect(logged.map((d) => d.type).sort()).toEqual(['video.deleted', 'video.ready']);
  });

  it('sends only the types an endpoint asked for, and only for its owner\'s videos', async () => {
    const other = await startWebhookReceiver();
    try {
      const bob = new ApiClient(server.url, (await server.createUser('uploader')).token);
      expect((await bob.request('POST', '/api/v1/webhooks', { url: other.url, events: ['video.deleted'] })).status).toBe(201);
      const alicesVideo = await newVideo('not bob\'s');
      expect((await alice.request('DELETE', `/api/v1/videos/${alicesVideo}`)).status).toBe(204);
      const res = await bob.request('POST', '/api/v1/uploads', { filename: 'b.mp4', size: 100, contentType: 'video/mp4' });
      const bobsVideo = res.json.video.id as string;
      await transition(server.rt.catalog, bobsVideo, 'fail', { error: 'no' }, { onlyFrom: ['uploading'] });
      expect((await bob.request('DELETE', `/api/v1/videos/${bobsVideo}`)).status).toBe(204);
      await eventually('bob\'s video.deleted', () => other.received.some((r) => r.json.data.id === bobsVideo));
      expect(other.received.map((r) => [r.json.type, r.json.data.id])).toEqual([['video.deleted', bobsVideo]]);
      await eventually('alice\'s video.deleted', () => receiver.received.some((r) => r.json.data.id === alicesVideo));
    } finally {
      await other.close();
    }
  });
});
