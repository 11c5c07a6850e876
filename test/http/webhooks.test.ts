import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Webhook endpoints through the API: who may register, what each sees, secrets shown once,
 * rotation, removal, refused destinations, and the incoming S3 route next to them.
 */
describe('webhook endpoints API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;
  let viewer: ApiClient;
  let aliceId: string;

  beforeAll(async () => {
    // Without VODKIT_WEBHOOK_ALLOW_PRIVATE: internal destinations are refused.
    server = await startTestServer({ worker: false, flags: { webhookSecret: 'incoming-s3-secret-1234' } });
    admin = new ApiClient(server.url, server.token);
    const a = await server.createUser('uploader');
    aliceId = a.id;
    alice = new ApiClient(server.url, a.token);
    bob = new ApiClient(server.url, (await server.createUser('uploader')).token);
    viewer = new ApiClient(server.url, (await server.createUser('viewer')).token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const register = (client: ApiClient, url: string, events = ['video.ready']) => client.request('POST', '/api/v1/webhooks', { url, events });

  it('registers an endpoint and answers its secret once; lists show no secret', async () => {
    const created = await register(alice, 'https://93.184.215.14/hooks', ['video.playable', 'video.ready']);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ ownerId: aliceId, url: 'https://93.184.215.14/hooks', events: ['video.playable', 'video.ready'] });
    expect(created.json.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const listed = await alice.request('GET', '/api/v1/webhooks');
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([{ id: created.json.id, ownerId: aliceId, url: created.json.url, events: created.json.events, createdAt: created.json.createdAt }]);
  });

  it('a viewer cannot register; an uploader sees and manages only its own endpoints; admins see all', async () => {
    const refused = await register(viewer, 'https://93.184.215.14/v');
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toMatch(/viewers cannot register webhooks/i);
    expect((await new ApiClient(server.url, null).request('GET', '/api/v1/webhooks')).status).toBe(401);

    const bobs = (await register(bob, 'https://93.184.215.14/bob')).json;
    const alices = (await alice.request('GET', '/api/v1/webhooks')).json.items.map((e: { id: string }) => e.id);
    expect(alices).not.toContain(bobs.id);
    expect((await bob.request('GET', '/api/v1/webhooks')).json.items.map((e: { id: string }) => e.id)).toEqual([bobs.id]);
    // Someone else's endpoint is answered as absent.
    expect((await alice.request('DELETE', `/api/v1/webhooks/${bobs.id}`)).status).toBe(404);
    expect((await alice.request('POST', `/api/v1/webhooks/${bobs.id}/rotate-secret`)).status).toBe(404);
    expect((await alice.request('GET', `/api/v1/webhooks/${bobs.id}/deliveries`)).status).toBe(404);

    const all = (await admin.request('GET', '/api/v1/webhooks')).json.items.map((e: { id: string }) => e.id);
    expect(all).toEqual(expect.arrayContaining([bobs.id, ...alices]));
    expect((await admin.request('GET', `/api/v1/webhooks/${bobs.id}/deliveries`)).json).toEqual({ items: [] });
  });

  it('rotates a secret (the new one answered once) and removes an endpoint', async () => {
    const created = (await register(bob, 'https://93.184.215.14/rotate')).json;
    const rotated = await bob.request('POST', `/api/v1/webhooks/${created.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ id: created.id, url: created.url });
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(created.secret);
    expect((await server.rt.catalog.getWebhookEndpoint(created.id))?.secret).toBe(rotated.json.secret);

    expect((await bob.request('DELETE', `/api/v1/webhooks/${created.id}`)).status).toBe(204);
    expect((await bob.request('DELETE', `/api/v1/webhooks/${created.id}`)).status).toBe(404);
    expect((await bob.request('GET', '/api/v1/webhooks')).json.items.map((e: { id: string }) => e.id)).not.toContain(created.id);
  });

  it('refuses internal destinations at registration, with a sentence', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://10.0.0.1/hooks',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hooks',
      'http://[::ffff:127.0.0.1]/hooks',
      'http://localhost:8080/hooks',
      'http://100.64.1.2/',
      'http://0.0.0.0/',
    ]) {
      const res = await register(alice, url);
      expect(res.status, url).toBe(400);
      expect(res.json.error.message, url).toMatch(/^vodkit does not send webhooks to .+: it is in a .+ range; set VODKIT_WEBHOOK_ALLOW_PRIVATE=true/);
    }
    const bad = [
      ['ftp://example.com/x', /https:\/\/ or http:\/\//],
      ['not a url', /not a valid absolute URL/],
      ['https://user:pw@example.com/', /user name or password/],
    ] as const;
    for (const [url, message] of bad) {
      const res = await register(alice, url);
      expect(res.status, url).toBe(400);
      expect(res.json.error.message, url).toMatch(message);
    }
    expect((await register(alice, 'https://93.184.215.14/x', [])).status).toBe(400);
    expect((await register(alice, 'https://93.184.215.14/x', ['video.exploded'])).status).toBe(400);
  });

  it('keeps the incoming S3 route at /api/v1/webhooks/s3, and documents the endpoints', async () => {
    const s3 = await new ApiClient(server.url, 'incoming-s3-secret-1234').request('POST', '/api/v1/webhooks/s3', {});
    expect(s3.status).toBe(204);
    expect((await new ApiClient(server.url, 'wrong-secret-000000').request('POST', '/api/v1/webhooks/s3', {})).status).toBe(401);
    const doc = (await admin.request('GET', '/api/openapi.json')).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/webhooks', '/api/v1/webhooks/{id}', '/api/v1/webhooks/{id}/rotate-secret', '/api/v1/webhooks/{id}/deliveries', '/api/v1/webhooks/s3']),
    );
    expect(doc.components.schemas.WebhookDelivery.properties).toHaveProperty('nextAttemptAt');
  });
});
