import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVodkitClient, VodkitApiError, type VodkitClient } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type EventType = 'video.playable' | 'video.ready' | 'video.failed' | 'video.deleted';

/**
 * Webhook endpoints through the API (the typed client): who may register, what each sees, secrets
 * shown once, rotation, removal, refused destinations, and the incoming S3 route next to them.
 */
describe('webhook endpoints API', () => {
  let server: TestServer;
  let admin: VodkitClient;
  let alice: VodkitClient;
  let bob: VodkitClient;
  let viewer: VodkitClient;
  let aliceId: string;
  const as = (token: string | null) => createVodkitClient({ baseUrl: server.url, token });

  beforeAll(async () => {
    // Without VODKIT_WEBHOOK_ALLOW_PRIVATE: internal destinations are refused.
    server = await startTestServer({ worker: false, flags: { webhookSecret: 'incoming-s3-secret-1234' } });
    admin = as(server.token);
    const a = await server.createUser('uploader');
    aliceId = a.id;
    alice = as(a.token);
    bob = as((await server.createUser('uploader')).token);
    viewer = as((await server.createUser('viewer')).token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The refusal a call was answered with (the client throws VodkitApiError for refusals). */
  const refusal = (call: Promise<unknown>): Promise<VodkitApiError> =>
    call.then(
      () => Promise.reject(new Error('the call was not refused')),
      (err: unknown) => (err instanceof VodkitApiError ? err : Promise.reject(err)),
    );
  const register = (client: VodkitClient, url: string, events: EventType[] = ['video.ready']) => client.POST('/api/v1/webhooks', { body: { url, events } });
  const ids = async (client: VodkitClient) => (await client.GET('/api/v1/webhooks')).data!.items.map((e) => e.id);
  const path = (id: string) => ({ params: { path: { id } } });

  it('registers an endpoint and answers its secret once; lists show no secret', async () => {
    const created = await register(alice, 'https://93.184.215.14/hooks', ['video.playable', 'video.ready']);
    expect(created.response.status).toBe(201);
    const endpoint = created.data!;
    expect(endpoint).toMatchObject({ ownerId: aliceId, url: 'https://93.184.215.14/hooks', events: ['video.playable', 'video.ready'] });
    expect(endpoint.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const listed = await alice.GET('/api/v1/webhooks');
    expect(listed.data!.items).toEqual([{ id: endpoint.id, ownerId: aliceId, url: endpoint.url, events: endpoint.events, createdAt: endpoint.createdAt }]);
  });

  it('a viewer cannot register; an uploader sees and manages only its own endpoints; admins see all', async () => {
    const refused = await refusal(register(viewer, 'https://93.184.215.14/v'));
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/viewers cannot register webhooks/i);
    expect((await refusal(as(null).GET('/api/v1/webhooks'))).status).toBe(401);

    const bobs = (await register(bob, 'https://93.184.215.14/bob')).data!;
    const alices = await ids(alice);
    expect(alices).not.toContain(bobs.id);
    expect(await ids(bob)).toEqual([bobs.id]);
    // Someone else's endpoint is answered as absent.
    expect((await refusal(alice.DELETE('/api/v1/webhooks/{id}', path(bobs.id)))).status).toBe(404);
    expect((await refusal(alice.POST('/api/v1/webhooks/{id}/rotate-secret', path(bobs.id)))).status).toBe(404);
    expect((await refusal(alice.GET('/api/v1/webhooks/{id}/deliveries', path(bobs.id)))).status).toBe(404);

    expect(await ids(admin)).toEqual(expect.arrayContaining([bobs.id, ...alices]));
    expect((await admin.GET('/api/v1/webhooks/{id}/deliveries', path(bobs.id))).data).toEqual({ items: [] });
  });

  it('rotates a secret (the new one answered once) and removes an endpoint', async () => {
    const created = (await register(bob, 'https://93.184.215.14/rotate')).data!;
    const rotated = (await bob.POST('/api/v1/webhooks/{id}/rotate-secret', path(created.id))).data!;
    expect(rotated).toMatchObject({ id: created.id, url: created.url });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect((await server.rt.catalog.getWebhookEndpoint(created.id))?.secret).toBe(rotated.secret);

    expect((await bob.DELETE('/api/v1/webhooks/{id}', path(created.id))).response.status).toBe(204);
    expect((await refusal(bob.DELETE('/api/v1/webhooks/{id}', path(created.id)))).status).toBe(404);
    expect(await ids(bob)).not.toContain(created.id);
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
      const refused = await refusal(register(alice, url));
      expect(refused.status, url).toBe(400);
      expect(refused.message, url).toMatch(/^vodkit does not send webhooks to .+: it is in a .+ range; set VODKIT_WEBHOOK_ALLOW_PRIVATE=true/);
    }
    const bad = [
      ['ftp://example.com/x', /https:\/\/ or http:\/\//],
      ['not a url', /not a valid absolute URL/],
      ['https://user:pw@example.com/', /user name or password/],
    ] as const;
    for (const [url, message] of bad) {
      const refused = await refusal(register(alice, url));
      expect(refused.status, url).toBe(400);
      expect(refused.message, url).toMatch(message);
    }
    expect((await refusal(register(alice, 'https://93.184.215.14/x', []))).status).toBe(400);
    // @ts-expect-error no such event (the server refuses it too)
    expect((await refusal(register(alice, 'https://93.184.215.14/x', ['video.exploded']))).status).toBe(400);
  });

  it('keeps the incoming S3 route at /api/v1/webhooks/s3, and documents the endpoints', async () => {
    const s3 = (secret: string) => fetch(`${server.url}/api/v1/webhooks/s3`, { method: 'POST', headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect((await s3('incoming-s3-secret-1234')).status).toBe(204);
    expect((await s3('wrong-secret-000000')).status).toBe(401);
    const doc = await (await fetch(`${server.url}/api/openapi.json`)).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/webhooks', '/api/v1/webhooks/{id}', '/api/v1/webhooks/{id}/rotate-secret', '/api/v1/webhooks/{id}/deliveries', '/api/v1/webhooks/s3']),
    );
    expect(doc.components.schemas.WebhookDelivery.properties).toHaveProperty('nextAttemptAt');
  });
});
