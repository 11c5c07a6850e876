import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_PATHS } from './support/fake-video.ts';
import { leaksInternals, rawRequest } from './support/raw-http.ts';

/** Security headers on every kind of response, and error bodies that say nothing about the inside. */
describe('security headers and error bodies', () => {
  let server: TestServer;
  let videoId: string;

  beforeAll(async () => {
    server = await startTestServer({ worker: false, env: { VODKIT_CORS_ORIGINS: 'https://player.example' } });
    videoId = (await createFakeVideo(server, { ownerId: null, visibility: 'public' })).id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const paths = () => [
    '/',
    '/watch/abc',
    '/api/v1/me',
    '/api/v1/videos',
    '/api/v1/health',
    `/media/${videoId}/${FAKE_PATHS.playlist}`,
    `/media/${videoId}/${FAKE_PATHS.segment}`,
    `/media/${videoId}/${FAKE_PATHS.poster}`,
    '/media/nope/x.m3u8',
    '/api/v1/nothing-here',
  ];

  it('every response has nosniff, frame DENY and a referrer policy', async () => {
    for (const path of paths()) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
    }
  });

  it('HTML pages carry a Content-Security-Policy without unsafe-eval or inline scripts', async () => {
    for (const path of ['/', '/watch/abc', '/some/app/route']) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/default-src 'self'/);
      expect(csp, path).toMatch(/frame-ancestors 'none'/);
      expect(csp, path).not.toMatch(/unsafe-eval/);
      expect(/script-src[^;]*unsafe-inline/.test(csp), path).toBe(false);
    }
  });

  it('CORS: only listed origins are echoed; others get no Access-Control-Allow-Origin', async () => {
    const url = `${server.url}/media/${videoId}/${FAKE_PATHS.playlist}`;
    const allowed = await fetch(url, { headers: { Origin: 'https://player.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://player.example');
    const other = await fetch(url, { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'DELETE' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('session cookies are HttpOnly, SameSite=Strict and never readable from a page', async () => {
    const user = await server.createUser('viewer');
    const res = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly.*SameSite=Strict|SameSite=Strict.*HttpOnly/);
  });

  /** Each case: a request that fails → its status; no body may show a stack trace or a server path. */
  const failures: Array<[string, string, string, Record<string, string>, string | undefined, number]> = [
    ['unknown route', 'GET', '/api/v1/does-not-exist', {}, undefined, 404],
    ['malformed JSON', 'POST', '/api/v1/session', { 'Content-Type': 'application/json' }, '{"email":', 400],
    ['JSON that is not an object', 'POST', '/api/v1/session', { 'Content-Type': 'application/json' }, '"just a string"', 400],
    ['wrong content type', 'POST', '/api/v1/session', { 'Content-Type': 'text/xml' }, '<a/>', 415],
    ['body too large', 'POST', '/api/v1/session', { 'Content-Type': 'application/json' }, `{"x":"${'a'.repeat(1_200_000)}"}`, 413],
    ['no credentials', 'GET', '/api/v1/videos', {}, undefined, 401],
    ['bad Authorization scheme', 'GET', '/api/v1/videos', { Authorization: 'Basic YTpi' }, undefined, 401],
    ['bad bearer', 'GET', '/api/v1/videos', { Authorization: 'Bearer vk_nope' }, undefined, 401],
    ['bad id', 'GET', '/api/v1/videos/NOT_AN_ID', { Authorization: 'Bearer TOKEN' }, undefined, 404],
    ['bad limit', 'GET', '/api/v1/videos?limit=abc', { Authorization: 'Bearer TOKEN' }, undefined, 400],
    ['garbage cursor', 'GET', '/api/v1/videos?cursor=%00%01garbage', { Authorization: 'Bearer TOKEN' }, undefined, 400],
    ['bad range', 'GET', `/media/VIDEO/${FAKE_PATHS.segment}`, { Range: 'bytes=9999999-' }, undefined, 416],
    ['bad percent-encoding in a media path', 'GET', '/media/VIDEO/%E0%A4%A', {}, undefined, 400],
    ['missing file of an existing video', 'GET', '/media/VIDEO/720p/seg_99999.m4s', {}, undefined, 404],
    ['missing playlist of an existing video', 'GET', '/media/VIDEO/1080p/index.m3u8', {}, undefined, 404],
    ['unknown media-looking route', 'GET', '/media', {}, undefined, 404],
    ['unknown upload-looking route', 'GET', '/s3/sources/x', {}, undefined, 404],
    ['bad percent-encoding in an app path', 'GET', '/%E0%A4%A', {}, undefined, 400],
    ['signed upload without signature', 'PUT', '/s3/sources/abcdefgh12345678.mp4', { 'Content-Type': 'video/mp4' }, 'x', 403],
    ['webhook when not enabled', 'POST', '/api/v1/webhooks/s3', { 'Content-Type': 'application/json' }, '{}', 404],
  ];

  for (const [name, method, rawPath, headers, body, status] of failures) {
    it(`${name} → ${status}, no internals in the body`, async () => {
      const path = rawPath.replace('VIDEO', videoId);
      const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('TOKEN', server.token)]));
      const res = await rawRequest(server.url, method, path, { headers: h, body });
      expect(res.status, res.body).toBe(status);
      expect(leaksInternals(res.body), res.body).toBe(false);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      if (res.headers['content-type']?.toString().startsWith('application/json')) {
        const json = JSON.parse(res.body);
        expect(json.error, res.body).toBeDefined();
        expect(json.error.stack).toBeUndefined();
        expect(typeof json.error.code).toBe('string');
        expect(typeof json.error.message).toBe('string');
      }
    });
  }
});
