import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo, FAKE_PATHS } from './support/fake-video.ts';

/** Sessions, disabled accounts and cross-site request forgery. */
describe('accounts, sessions and CSRF', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Many sign-ins from one address here: lift the per-address sign-in limit (tested elsewhere).
    server = await startTestServer({ worker: false, flags: { loginRateLimit: 1000 } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function signIn(email: string, password: string): Promise<string> {
    const res = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    return setCookie.split(';')[0];
  }

  const withCookie = (cookie: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { Cookie: cookie, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });

  it('a disabled user is refused on the next request, by session cookie and by API token', async () => {
    const user = await server.createUser('uploader');
    const cookie = await signIn(user.email, user.password);
    const video = await createFakeVideo(server, { ownerId: user.id, visibility: 'private' });
    const api = new ApiClient(server.url, user.token);
    expect((await withCookie(cookie, 'GET', '/api/v1/videos')).status).toBe(200);
    expect((await api.request('GET', '/api/v1/videos')).status).toBe(200);
    expect((await withCookie(cookie, 'GET', `/media/${video.id}/${FAKE_PATHS.segment}`)).status).toBe(200);

    await server.rt.catalog.updateUser(user.id, { disabled: true });

    expect((await withCookie(cookie, 'GET', '/api/v1/videos')).status).toBe(401);
    expect((await api.request('GET', '/api/v1/videos')).status).toBe(401);
    expect((await api.request('POST', '/api/v1/uploads', { filename: 'a.mp4', size: 1, contentType: 'video/mp4' })).status).toBe(401);
    expect((await withCookie(cookie, 'GET', `/media/${video.id}/${FAKE_PATHS.segment}`)).status).toBe(401);
    expect((await withCookie(cookie, 'GET', '/api/v1/me').then((r) => r.json())).user).toBeNull();
    // And cannot sign in again.
    const again = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(again.status).toBe(401);
  });

  /** Each case: headers on a cookie-authenticated POST /api/v1/uploads → status. */
  const csrfCases: Array<[string, Record<string, string>, number]> = [
    ['foreign Origin', { Origin: 'https://evil.example' }, 403],
    ['foreign Origin with our port', { Origin: 'http://evil.example:80' }, 403],
    ['Origin: null (sandboxed frame)', { Origin: 'null' }, 403],
    ['Origin that is not a URL', { Origin: 'garbage' }, 403],
    ['no Origin but Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }, 403],
    ['no Origin but Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }, 403],
    ['our own Origin', {}, 201],
    ['no Origin, Sec-Fetch-Site: same-origin', { 'Sec-Fetch-Site': 'same-origin' }, 201],
  ];

  for (const [name, headers, status] of csrfCases) {
    it(`CSRF: ${name} → ${status}`, async () => {
      const user = await server.createUser('uploader');
      const cookie = await signIn(user.email, user.password);
      const h = { ...headers };
      if (name === 'our own Origin') h.Origin = server.url;
      const res = await withCookie(cookie, 'POST', '/api/v1/uploads', h, { filename: 'a.mp4', size: 10, contentType: 'video/mp4' });
      expect(res.status).toBe(status);
      const body = await res.json();
      if (status === 403) expect(body.error.code).toBe('Forbidden');
    });
  }

  it('CSRF: PATCH and DELETE with a foreign Origin are refused and change nothing', async () => {
    const user = await server.createUser('uploader');
    const cookie = await signIn(user.email, user.password);
    const video = await createFakeVideo(server, { ownerId: user.id, visibility: 'private' });
    const evil = { Origin: 'https://evil.example' };
    const writes: Array<[string, string, unknown]> = [
      ['PATCH', `/api/v1/videos/${video.id}`, { visibility: 'public', title: 'forged' }],
      ['DELETE', `/api/v1/videos/${video.id}`, undefined],
      ['POST', `/api/v1/videos/${video.id}/retry`, {}],
    ];
    for (const [method, path, body] of writes) {
      expect((await withCookie(cookie, method, path, evil, body)).status, method).toBe(403);
      // Right after each refusal: the stored record is exactly as it was.
      expect(await server.rt.catalog.getVideo(video.id), method).toEqual(video);
    }
  });

  it('bearer tokens are not cookies: a foreign Origin does not matter to a script', async () => {
    const res = await fetch(`${server.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', Origin: 'https://elsewhere.example' },
      body: JSON.stringify({ filename: 'a.mp4', size: 10, contentType: 'video/mp4' }),
    });
    expect(res.status).toBe(201);
  });

  it('a forged or tampered session cookie is no session', async () => {
    const user = await server.createUser('admin');
    const cookie = await signIn(user.email, user.password);
    const [name, value] = cookie.split('=');
    const [body, sig] = value.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 1 })).toString('base64url');
    for (const bad of [`${forged}.${sig}`, `${body}.`, `${body}`, `${body}.${'A'.repeat(43)}`, 'x.y']) {
      expect((await withCookie(`${name}=${bad}`, 'GET', '/api/v1/videos')).status).toBe(401);
    }
    expect((await withCookie(cookie, 'GET', '/api/v1/videos')).status).toBe(200);
  });

  it('wrong password and unknown e-mail give the same answer', async () => {
    const user = await server.createUser('viewer');
    const post = (email: string, password: string) =>
      fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const wrong = await post(user.email, 'not the password');
    const unknown = await post('nobody@example.test', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });
});
