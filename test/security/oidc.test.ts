import { createHmac, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import { OidcVerifier, externalIdentity } from '../../src/http/oidc.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { systemClock } from '../../src/core/ports/clock.ts';
import { b64, LocalIssuer, makeKey } from './support/jwks-server.ts';

/**
 * External identity: bearer JWTs from an OpenID Connect provider, verified through its JWKS.
 * The provider is a local HTTP server on 127.0.0.1 with RS256 and ES256 keys made here.
 */
const AUDIENCE = 'vodkit-test';

describe('OIDC bearer tokens against a real server', () => {
  let idp: LocalIssuer;
  let server: TestServer;

  beforeAll(async () => {
    idp = await LocalIssuer.start();
    server = await startTestServer({
      worker: false,
      env: { VODKIT_OIDC_ISSUER: idp.issuer, VODKIT_OIDC_AUDIENCE: AUDIENCE, VODKIT_OIDC_ROLE_CLAIM: 'vodkit_roles' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await idp?.stop();
  });

  const as = (token: string) => new ApiClient(server.url, token);
  const now = () => Math.floor(Date.now() / 1000);

  /** Each case: how the token is made → the status of GET /api/v1/videos. */
  const cases: Array<[string, () => Promise<string>, number]> = [
    ['valid RS256 token', () => idp.token({ sub: 'rs-user' }, { audience: AUDIENCE }), 200],
    ['valid ES256 token', () => idp.token({ sub: 'es-user' }, { audience: AUDIENCE, key: idp.keys.ec }), 200],
    ['audience list that includes ours', () => idp.token({ sub: 'multi-aud', aud: ['other', AUDIENCE] as unknown as string }, { audience: AUDIENCE }), 200],
    ['wrong audience', () => idp.token({ sub: 'u' }, { audience: 'some-other-app' }), 401],
    ['wrong issuer', () => idp.token({ sub: 'u', iss: 'https://evil.example' }, { audience: AUDIENCE }), 401],
    ['issuer with a trailing slash', () => idp.token({ sub: 'u', iss: `${idp.issuer}/` }, { audience: AUDIENCE }), 401],
    ['expired an hour ago', () => idp.token({ sub: 'u', exp: now() - 3600 }, { audience: AUDIENCE }), 401],
    ['not valid before tomorrow', () => idp.token({ sub: 'u', nbf: now() + 86400 }, { audience: AUDIENCE }), 401],
    [
      'alg none',
      async () => `${b64({ alg: 'none', typ: 'JWT', kid: 'rsa-1' })}.${b64({ iss: idp.issuer, aud: AUDIENCE, sub: 'u', exp: now() + 300 })}.`,
      401,
    ],
    [
      'alg "None" with a signature part',
      async () => `${b64({ alg: 'None', kid: 'rsa-1' })}.${b64({ iss: idp.issuer, aud: AUDIENCE, sub: 'u', exp: now() + 300 })}.${b64('x')}`,
      401,
    ],
    ['HS256 signed with the RSA public key (PEM)', () => hs256WithPublicKey('pem'), 401],
    ['HS256 signed with the RSA public key (JWK JSON)', () => hs256WithPublicKey('jwk'), 401],
    [
      'unknown kid',
      async () => idp.token({ sub: 'u' }, { audience: AUDIENCE, key: await makeKey('not-published', 'RS256') }),
      401,
    ],
    [
      "attacker's key under a published kid",
      async () => idp.token({ sub: 'u' }, { audience: AUDIENCE, key: await makeKey('rsa-1', 'RS256') }),
      401,
    ],
    [
      "attacker's key embedded in the header (jwk)",
      async () => {
        const evil = await makeKey('rsa-1', 'RS256');
        const { SignJWT } = await import('jose');
        return new SignJWT({ sub: 'u' })
          .setProtectedHeader({ alg: 'RS256', jwk: { kty: evil.publicJwk.kty!, n: evil.publicJwk.n!, e: evil.publicJwk.e! } })
          .setIssuer(idp.issuer)
          .setAudience(AUDIENCE)
          .setExpirationTime(now() + 300)
          .sign(evil.privateKey);
      },
      401,
    ],
    [
      'payload changed after signing',
      async () => {
        const [h, , s] = (await idp.token({ sub: 'viewer-x' }, { audience: AUDIENCE })).split('.');
        return `${h}.${b64({ iss: idp.issuer, aud: AUDIENCE, sub: 'someone-else', exp: now() + 300, vodkit_roles: ['admin'] })}.${s}`;
      },
      401,
    ],
    [
      'no expiry',
      async () => {
        const { SignJWT } = await import('jose');
        return new SignJWT({ sub: 'u' })
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
          .setIssuer(idp.issuer)
          .setAudience(AUDIENCE)
          .sign(idp.keys.rsa.privateKey);
      },
      401,
    ],
    ['not a JWT at all', async () => 'definitely-not-a-token', 401],
    ['a JWT-shaped string of garbage', async () => 'abc.def.ghi', 401],
  ];

  async function hs256WithPublicKey(form: 'pem' | 'jwk'): Promise<string> {
    const pub = createPublicKey({ key: idp.keys.rsa.publicJwk as any, format: 'jwk' });
    const secret = form === 'pem' ? pub.export({ type: 'spki', format: 'pem' }) : JSON.stringify(idp.keys.rsa.publicJwk);
    const body = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })}.${b64({ iss: idp.issuer, aud: AUDIENCE, sub: 'u', exp: now() + 300, vodkit_roles: ['admin'] })}`;
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
  }

  for (const [name, make, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const res = await as(await make()).request('GET', '/api/v1/videos');
      expect(res.status, JSON.stringify(res.json)).toBe(status);
      if (status === 401) expect(res.json.error.code).toBe('Unauthorized');
    });
  }

  it('a refused token creates no user', async () => {
    const before = (await server.rt.catalog.listUsers()).length;
    await as(await idp.token({ sub: 'never-created', exp: now() - 3600 }, { audience: AUDIENCE })).request('GET', '/api/v1/videos');
    expect((await server.rt.catalog.listUsers()).length).toBe(before);
    expect(await server.rt.catalog.getUserByEmail(externalIdentity(idp.issuer, 'never-created'))).toBeNull();
  });

  it('a new user gets the default role viewer: may watch, may not upload', async () => {
    const api = as(await idp.token({ sub: 'plain-viewer' }, { audience: AUDIENCE }));
    const me = await api.request('GET', '/api/v1/me');
    expect(me.json.user.role).toBe('viewer');
    const upload = await api.request('POST', '/api/v1/uploads', { filename: 'a.mp4', size: 10, contentType: 'video/mp4' });
    expect(upload.status).toBe(403);
    const stored = await server.rt.catalog.getUserByEmail(externalIdentity(idp.issuer, 'plain-viewer'));
    expect(stored).toMatchObject({ role: 'viewer', passwordHash: null, disabled: false });
  });

  it('the role claim gives the role (most privileged known value wins, unknown values ignored)', async () => {
    const up = as(await idp.token({ sub: 'maker', vodkit_roles: ['viewer', 'uploader', 'superuser'] }, { audience: AUDIENCE }));
    expect((await up.request('GET', '/api/v1/me')).json.user.role).toBe('uploader');
    expect((await up.request('POST', '/api/v1/uploads', { filename: 'a.mp4', size: 10, contentType: 'video/mp4' })).status).toBe(201);
    const admin = as(await idp.token({ sub: 'boss', vodkit_roles: 'admin' }, { audience: AUDIENCE, key: idp.keys.ec }));
    expect((await admin.request('GET', '/api/v1/me')).json.user.role).toBe('admin');
    // The claim is authoritative: the next token without admin demotes.
    const demoted = as(await idp.token({ sub: 'boss', vodkit_roles: ['viewer'] }, { audience: AUDIENCE }));
    expect((await demoted.request('GET', '/api/v1/me')).json.user.role).toBe('viewer');
  });

  it('a verified e-mail links to the account with that e-mail', async () => {
    const local = await server.createUser('uploader', 'linked@example.test');
    const api = as(await idp.token({ sub: 'linked-sub', email: 'Linked@Example.test', email_verified: true }, { audience: AUDIENCE }));
    const me = await api.request('GET', '/api/v1/me');
    expect(me.json.user).toMatchObject({ id: local.id, role: 'uploader' });
  });

  it('an unverified e-mail never takes over an existing account', async () => {
    const admin = await server.createUser('admin', 'root@example.test');
    for (const claims of [{ email: 'root@example.test', email_verified: false }, { email: 'root@example.test' }]) {
      const api = as(await idp.token({ sub: 'mallory', ...claims }, { audience: AUDIENCE }));
      const me = await api.request('GET', '/api/v1/me');
      expect(me.status).toBe(200);
      expect(me.json.user.id).not.toBe(admin.id);
      expect(me.json.user.role).toBe('viewer');
    }
  });

  it('a disabled user is refused even with a valid token', async () => {
    const token = await idp.token({ sub: 'to-disable' }, { audience: AUDIENCE });
    expect((await as(token).request('GET', '/api/v1/videos')).status).toBe(200);
    const user = await server.rt.catalog.getUserByEmail(externalIdentity(idp.issuer, 'to-disable'));
    await server.rt.catalog.updateUser(user!.id, { disabled: true });
    expect((await as(token).request('GET', '/api/v1/videos')).status).toBe(401);
  });

  it('API tokens still work beside OIDC', async () => {
    expect((await as(server.token).request('GET', '/api/v1/videos')).status).toBe(200);
    expect((await as('vk_not-a-real-token').request('GET', '/api/v1/videos')).status).toBe(401);
  });
});

describe('OIDC not configured', () => {
  let idp: LocalIssuer;
  let server: TestServer;
  beforeAll(async () => {
    idp = await LocalIssuer.start();
    server = await startTestServer({ worker: false });
  });
  afterAll(async () => {
    await server?.stop();
    await idp?.stop();
  });

  it('a perfectly valid JWT is just an unknown token → 401, and the provider is never asked', async () => {
    const token = await idp.token({ sub: 'u' }, { audience: AUDIENCE });
    expect((await new ApiClient(server.url, token).request('GET', '/api/v1/videos')).status).toBe(401);
    expect(idp.jwksHits).toBe(0);
  });
});

describe('OIDC configuration', () => {
  it('issuer without audience → configuration error naming the variable', () => {
    expect(() => loadConfig({ VODKIT_OIDC_ISSUER: 'https://id.example' }, { dataDir: '/tmp/x' })).toThrow(/VODKIT_OIDC_AUDIENCE/);
  });

  it('plain http issuers are refused except on loopback', () => {
    const deps = { catalog: {} as any, clock: systemClock };
    expect(() => new OidcVerifier({ issuer: 'http://id.example', audience: 'a' }, deps)).toThrow(ValidationError);
    expect(() => new OidcVerifier({ issuer: 'https://id.example', audience: 'a', jwksUri: 'http://id.example/keys' }, deps)).toThrow(ValidationError);
    expect(() => new OidcVerifier({ issuer: 'http://127.0.0.1:9', audience: 'a' }, deps)).not.toThrow();
    expect(() => new OidcVerifier({ issuer: 'https://id.example', audience: 'a' }, deps)).not.toThrow();
  });

  it('identities made from issuer and sub are never e-mail addresses', () => {
    expect(externalIdentity('https://id.example', 'abc-123')).toBe('oidc:id.example:abc-123');
    expect(externalIdentity('https://id.example', 'admin@example.test')).not.toContain('@');
    expect(externalIdentity('https://id.example', 'a/../b')).toMatch(/^oidc:id\.example:#[0-9a-f]{32}$/);
  });
});
