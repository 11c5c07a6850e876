import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { transition } from '../../src/core/videos/lifecycle.ts';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * Webhook deliveries across a restart (a delivery waiting for its retry survives in the queue),
 * and the destination check at delivery time (what registration would have refused is refused
 * again when the request is made, names resolved at connection time included).
 */
describe('webhook deliveries: restarts and internal destinations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function receiver(): Promise<WebhookReceiver> {
    const r = await startWebhookReceiver();
    cleanups.push(() => r.close());
    return r;
  }

  async function uploadingVideo(client: ApiClient): Promise<string> {
    const res = await client.request('POST', '/api/v1/uploads', { filename: 'clip.mp4', size: 100, contentType: 'video/mp4' });
    expect(res.status).toBe(201);
    return res.json.video.id;
  }

  it('a delivery waiting for its retry when the server stops is delivered by the next server on the same data', async () => {
    const hooks = await receiver();
    const flags = { webhookAllowPrivate: true, webhookRetrySec: '3', webhookGiveUpSec: '600' };
    const first = await startTestServer({ flags });
    cleanups.push(() => rm(first.dataDir, { recursive: true, force: true }));
    const user = await first.createUser('uploader');
    const client = new ApiClient(first.url, user.token);
    const endpoint = (await client.request('POST', '/api/v1/webhooks', { url: hooks.url, events: ['video.failed'] })).json;
    hooks.answerNext(503);
    const videoId = await uploadingVideo(client);
    await transition(first.rt.catalog, videoId, 'fail', { error: 'not a video' }, { onlyFrom: ['uploading'] });
    const pending = await eventually('the first attempt to fail', async () => {
      const [d] = (await client.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`)).json.items;
      return d?.attempts === 1 && d;
    });
    expect(pending).toMatchObject({ state: 'pending', lastStatus: 503, lastError: 'the endpoint answered 503' });
    expect(Date.parse(pending.nextAttemptAt)).toBeGreaterThan(Date.now() - 60_000);
    // The process goes away with the retry still waiting (its data dir stays).
    await first.app.close();
    await first.rt.close();

    const second = await startTestServer({ flags: { ...flags, dataDir: first.dataDir } });
    cleanups.push(() => second.stop());
    const again = new ApiClient(second.url, user.token);
    const delivered = await eventually('the retry after the restart', async () => {
      const [d] = (await again.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries`)).json.items;
      return d?.state === 'delivered' && d;
    });
    expect(delivered).toMatchObject({ attempts: 2, lastStatus: 200, lastError: null });
    expect(hooks.received.map((r) => r.status)).toEqual([503, 200]);
    expect(hooks.received[1].json.id).toBe(hooks.received[0].json.id);
  });

  it('refuses internal destinations at delivery time without VODKIT_WEBHOOK_ALLOW_PRIVATE: nothing is sent, the log says why', async () => {
    const hooks = await receiver();
    const server: TestServer = await startTestServer({ flags: { webhookRetrySec: '0.2', webhookGiveUpSec: '600' } });
    cleanups.push(() => server.stop());
    const user = await server.createUser('uploader');
    const client = new ApiClient(server.url, user.token);
    // Stored as if registered when the names pointed elsewhere (registration refuses them now).
    const urls = {
      loopback: hooks.url,
      localhost: `http://localhost:${hooks.port}/hooks`,
      mapped: `http://[::ffff:127.0.0.1]:${hooks.port}/hooks`,
      ipv6: `http://[::1]:${hooks.port}/hooks`,
      private: 'http://10.0.0.1/hooks',
      metadata: 'http://169.254.169.254/latest/meta-data',
    };
    const ids: Record<string, string> = {};
    for (const [name, url] of Object.entries(urls)) {
      ids[name] = newId();
      await server.rt.catalog.createWebhookEndpoint({ id: ids[name], ownerId: user.id, url, events: ['video.deleted'], secret: 'whsec_test', createdAt: new Date().toISOString() });
    }
    const videoId = await uploadingVideo(client);
    expect((await client.request('DELETE', `/api/v1/videos/${videoId}`)).status).toBe(204);

    for (const [name, id] of Object.entries(ids)) {
      const d = await eventually(`the ${name} delivery to be given up`, async () => {
        const [item] = (await client.request('GET', `/api/v1/webhooks/${id}/deliveries`)).json.items;
        return item?.state === 'failed' && item;
      });
      expect(d, name).toMatchObject({ type: 'video.deleted', videoId, attempts: 1, lastStatus: null, nextAttemptAt: null });
      expect(d.lastError, name).toMatch(/^vodkit does not send webhooks to .+: it is in a .+ range/);
    }
    expect(hooks.received).toEqual([]);
  });
});
