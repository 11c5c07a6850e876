import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { loadConfig } from '../../src/config/config.ts';

describe('rate limit settings', () => {
  it('the limits are configurable, with defaults 60 uploads and 10 sign-ins a minute', () => {
    const d = loadConfig({}, { dataDir: '/tmp/x' });
    expect([d.uploadRateLimit, d.loginRateLimit]).toEqual([60, 10]);
    const c = loadConfig({ VODKIT_UPLOAD_RATE_LIMIT: '5', VODKIT_LOGIN_RATE_LIMIT: '0' }, { dataDir: '/tmp/x' });
    expect([c.uploadRateLimit, c.loginRateLimit]).toEqual([5, 0]);
    expect(() => loadConfig({ VODKIT_UPLOAD_RATE_LIMIT: '-1' }, { dataDir: '/tmp/x' })).toThrow(/VODKIT_UPLOAD_RATE_LIMIT/);
  });
});

describe('rate limits over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ worker: false, env: { VODKIT_UPLOAD_RATE_LIMIT: '3', VODKIT_LOGIN_RATE_LIMIT: '4' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const newUpload = (api: ApiClient) => api.request('POST', '/api/v1/uploads', { filename: 'a.mp4', size: 10, contentType: 'video/mp4' });

  it('upload creation is limited per principal: 429 with Retry-After, others unaffected', async () => {
    const alice = new ApiClient(server.url, (await server.createUser('uploader')).token);
    const bob = new ApiClient(server.url, (await server.createUser('uploader')).token);
    for (let i = 0; i < 3; i++) expect((await newUpload(alice)).status).toBe(201);
    const refused = await newUpload(alice);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('RateLimited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await newUpload(bob)).status).toBe(201);
    // A refused creation made no video.
    const mine = await alice.request('GET', '/api/v1/videos?limit=100');
    expect(mine.json.items.length).toBe(3);
  });

  it('sign-in attempts are limited per address: 429 with Retry-After, even with the right password', async () => {
    const user = await server.createUser('viewer');
    const signIn = (password: string) =>
      fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: user.email, password }) });
    for (let i = 0; i < 4; i++) expect((await signIn('wrong password')).status).toBe(401);
    const refused = await signIn(user.password);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
