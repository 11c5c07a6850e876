import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ApiClient } from '../support/api-client.ts';
import { PlaybackTokens, PLAYBACK_AUDIENCE } from '../../src/core/auth/playback-tokens.ts';
import { parsePlaybackKeys, playbackSigningKeys } from '../../src/core/auth/playback-keys.ts';
import { deriveKey } from '../../src/core/auth/signed-tokens.ts';
import { loadConfig } from '../../src/config/config.ts';
import { ManualClock } from '../../src/core/ports/clock.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { createFakeVideo, FAKE_SEGMENT } from './support/fake-video.ts';
import { b64 } from './support/jwks-server.ts';

const SECRET_A = 'a'.repeat(40);
const SECRET_B = 'b'.repeat(40);

describe('VODKIT_PLAYBACK_KEYS parsing', () => {
  const cases: Array<[string, string | null]> = [
    [`k2:${SECRET_B},k1:${SECRET_A}`, null],
    [` k1:${SECRET_A} , `, null],
    ['', 'at least one key'],
    [`${SECRET_A}`, 'kid:secret'],
    [`:${SECRET_A}`, 'kid:secret'],
    ['k1:short', 'at least 32'],
    [`k1:${SECRET_A},k1:${SECRET_B}`, 'twice'],
    [`bad kid:${SECRET_A}`, 'letters, digits'],
  ];
  for (const [input, error] of cases) {
    it(`${JSON.stringify(input.slice(0, 30))} → ${error ?? 'ok'}`, () => {
      if (error === null) expect(parsePlaybackKeys(input).length).toBeGreaterThan(0);
      else expect(() => parsePlaybackKeys(input)).toThrow(new RegExp(error));
    });
  }

  it('the first key signs; the default is one key derived from VODKIT_SECRET', () => {
    expect(parsePlaybackKeys(`new:${SECRET_B},old:${SECRET_A}`).map((k) => k.kid)).toEqual(['new', 'old']);
    expect(playbackSigningKeys(undefined, SECRET_A)).toEqual([{ kid: 'k1', secret: SECRET_A }]);
  });

  it('a bad value is a configuration error naming the variable', () => {
    expect(() => loadConfig({ VODKIT_PLAYBACK_KEYS: 'k1:short' }, { dataDir: '/tmp/x' })).toThrow(/VODKIT_PLAYBACK_KEYS/);
    expect(() => loadConfig({ VODKIT_PLAYBACK_KEYS: 'k1:short' }, { dataDir: '/tmp/x' })).toThrow(ValidationError);
    expect(loadConfig({ VODKIT_PLAYBACK_KEYS: `k9:${SECRET_A}` }, { dataDir: '/tmp/x' }).playbackKeys).toEqual([{ kid: 'k9', secret: SECRET_A }]);
  });
});

describe('PlaybackTokens', () => {
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
  const tokens = new PlaybackTokens([{ kid: 'k1', secret: SECRET_A }], clock, 600);
  const key = new Uint8Array(deriveKey(SECRET_A, 'playback', 'k1'));
  const nowSec = () => Math.floor(clock.now().getTime() / 1000);

  const sign = (header: object, claims: object, k: Uint8Array = key) =>
    new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', ...header }).sign(k, { crit: { 'x-vodkit': true } });

  it('valid for its video only, until it expires', async () => {
    const { token, expiresAt } = await tokens.issue('video0001');
    expect(expiresAt).toBe(nowSec() + 600);
    expect(await tokens.verify(token, 'video0001')).toEqual({ videoId: 'video0001', expiresAt });
    expect(await tokens.verify(token, 'video0002')).toBeNull();
    clock.advance(601_000);
    expect(await tokens.verify(token, 'video0001')).toBeNull();
  });

  it('a token verified before is still checked for its video and its expiry, to the second', async () => {
    const own = new PlaybackTokens([{ kid: 'k1', secret: SECRET_A }], clock, 600);
    const { token, expiresAt } = await own.issue('video0003');
    for (let i = 0; i < 3; i++) expect(await own.verify(token, 'video0003')).toEqual({ videoId: 'video0003', expiresAt });
    expect(await own.verify(token, 'video0004')).toBeNull();
    clock.advance((expiresAt - nowSec() - 1) * 1000);
    expect(await own.verify(token, 'video0003')).not.toBeNull();
    clock.advance(1000);
    expect(await own.verify(token, 'video0003')).toBeNull();
    expect(await own.verify(token, 'video0003')).toBeNull();
  });

  /** Hand-made tokens → verify(…, 'video0001'). */
  const attacks: Array<[string, () => Promise<string>]> = [
    ['alg none', async () => `${b64({ alg: 'none', kid: 'k1' })}.${b64({ sub: 'video0001', aud: PLAYBACK_AUDIENCE, exp: nowSec() + 60 })}.`],
    ['no kid', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('video0001').setAudience(PLAYBACK_AUDIENCE).setExpirationTime(nowSec() + 60).sign(key)],
    ['unknown kid', () => sign({ kid: 'k7' }, { sub: 'video0001', aud: PLAYBACK_AUDIENCE, exp: nowSec() + 60 })],
    ['wrong audience', () => sign({ kid: 'k1' }, { sub: 'video0001', aud: 'vodkit:session', exp: nowSec() + 60 })],
    ['no expiry', () => sign({ kid: 'k1' }, { sub: 'video0001', aud: PLAYBACK_AUDIENCE })],
    ['signed with another secret', () => sign({ kid: 'k1' }, { sub: 'video0001', aud: PLAYBACK_AUDIENCE, exp: nowSec() + 60 }, new Uint8Array(deriveKey(SECRET_B, 'playback', 'k1')))],
    ['signed with the raw secret instead of the derived key', () => sign({ kid: 'k1' }, { sub: 'video0001', aud: PLAYBACK_AUDIENCE, exp: nowSec() + 60 }, new TextEncoder().encode(SECRET_A))],
    ['critical header extension', () => sign({ kid: 'k1', crit: ['x-vodkit'], 'x-vodkit': 1 }, { sub: 'video0001', aud: PLAYBACK_AUDIENCE, exp: nowSec() + 60 })],
    [
      'payload swapped to another video',
      async () => {
        const [h, , s] = (await tokens.issue('video0002')).token.split('.');
        return `${h}.${b64({ sub: 'video0001', aud: PLAYBACK_AUDIENCE, exp: nowSec() + 600 })}.${s}`;
      },
    ],
    ['signature removed', async () => (await tokens.issue('video0001')).token.replace(/\.[^.]+$/, '.')],
    ['oversized', async () => `${(await tokens.issue('video0001')).token}${'A'.repeat(4000)}`],
    ['empty', async () => ''],
  ];
  for (const [name, make] of attacks) {
    it(`${name} → refused`, async () => {
      expect(await tokens.verify(await make(), 'video0001')).toBeNull();
    });
  }

  it('rotation: a token of the old key verifies while the key is listed, not after it is removed', async () => {
    const old = new PlaybackTokens([{ kid: 'old', secret: SECRET_A }], clock, 600);
    const rotated = new PlaybackTokens([{ kid: 'new', secret: SECRET_B }, { kid: 'old', secret: SECRET_A }], clock, 600);
    const removed = new PlaybackTokens([{ kid: 'new', secret: SECRET_B }], clock, 600);
    const oldToken = (await old.issue('video0001')).token;
    expect(await rotated.verify(oldToken, 'video0001')).not.toBeNull();
    expect(await removed.verify(oldToken, 'video0001')).toBeNull();
    const newToken = (await rotated.issue('video0001')).token;
    expect(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).kid).toBe('new');
    expect(await removed.verify(newToken, 'video0001')).not.toBeNull();
    expect(await old.verify(newToken, 'video0001')).toBeNull();
  });
});

describe('playback tokens over HTTP', () => {
  let server: TestServer;
  let a: string;
  let b: string;
  let pub: string;

  beforeAll(async () => {
    server = await startTestServer({ worker: false, env: { VODKIT_PLAYBACK_KEYS: `new:${SECRET_B},old:${SECRET_A}` } });
    a = (await createFakeVideo(server, { ownerId: null, visibility: 'private' })).id;
    b = (await createFakeVideo(server, { ownerId: null, visibility: 'private' })).id;
    pub = (await createFakeVideo(server, { ownerId: null, visibility: 'public' })).id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = (id: string, path: string, token?: string) =>
    fetch(`${server.url}/media/${id}/${path}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`);
  const past = () => new ManualClock(new Date(Date.now() - 3600_000));

  it("the API's token plays the video; the rewritten playlists carry it to every file", async () => {
    const view = (await new ApiClient(server.url, server.token).request('GET', `/api/v1/videos/${a}`)).json;
    const master = await fetch(view.playback.hls);
    expect(master.status).toBe(200);
    const variantUri = (await master.text()).split('\n').find((l) => l.startsWith('720p/'))!;
    expect(variantUri).toMatch(/\?token=/);
    const variantUrl = new URL(variantUri, view.playback.hls);
    const variant = await fetch(variantUrl);
    expect(variant.status).toBe(200);
    const text = await variant.text();
    expect(text).toMatch(/URI="init\.mp4\?token=/);
    const segUri = text.split('\n').find((l) => l.startsWith('seg_'))!;
    const seg = await fetch(new URL(segUri, variantUrl));
    expect(seg.status).toBe(200);
    expect(Buffer.from(await seg.arrayBuffer())).toEqual(FAKE_SEGMENT);
    expect(seg.headers.get('cache-control')).toMatch(/^private/);
    expect((await fetch(new URL(text.match(/URI="([^"]+)"/)![1], variantUrl))).status).toBe(200);
  });

  /** Each case: a token → the status of GET /media/<a>/master.m3u8?token=… */
  const cases: Array<[string, () => Promise<string>, number]> = [
    ['token of video A', async () => (await server.rt.playbackTokens.issue(a)).token, 200],
    ['token of video B on video A', async () => (await server.rt.playbackTokens.issue(b)).token, 403],
    ['token of a public video on video A', async () => (await server.rt.playbackTokens.issue(pub)).token, 403],
    ['expired token of video A', async () => (await new PlaybackTokens([{ kid: 'new', secret: SECRET_B }], past(), 60).issue(a)).token, 403],
    ['alg none', async () => `${b64({ alg: 'none', kid: 'new' })}.${b64({ sub: a, aud: PLAYBACK_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.`, 403],
    [
      'tampered payload (B token re-labelled as A)',
      async () => {
        const [h, , s] = (await server.rt.playbackTokens.issue(b)).token.split('.');
        return `${h}.${b64({ sub: a, aud: PLAYBACK_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 })}.${s}`;
      },
      403,
    ],
    ['unknown kid', async () => (await new PlaybackTokens([{ kid: 'gone', secret: SECRET_A }], server.rt.clock, 60).issue(a)).token, 403],
    ['old key, still listed', async () => (await new PlaybackTokens([{ kid: 'old', secret: SECRET_A }], server.rt.clock, 60).issue(a)).token, 200],
    ['key id of a listed key, other secret', async () => (await new PlaybackTokens([{ kid: 'old', secret: 'c'.repeat(40) }], server.rt.clock, 60).issue(a)).token, 403],
    ['the installation-secret default key (not listed here)', async () => (await new PlaybackTokens([{ kid: 'k1', secret: server.rt.secret }], server.rt.clock, 60).issue(a)).token, 403],
    ['garbage', async () => 'not.a.token', 403],
  ];
  for (const [name, make, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const token = await make();
      for (const path of ['master.m3u8', '720p/index.m3u8', '720p/seg_00001.m4s', 'poster.jpg']) {
        const res = await get(a, path, token);
        expect(res.status, path).toBe(status);
        await res.arrayBuffer();
      }
    });
  }

  it('no token on a private video → 401; public videos need none', async () => {
    expect((await get(a, 'master.m3u8')).status).toBe(401);
    expect((await get(pub, 'master.m3u8')).status).toBe(200);
  });

  it('a removed key stops verifying after a restart with the new list', async () => {
    const oldToken = (await new PlaybackTokens([{ kid: 'old', secret: SECRET_A }], server.rt.clock, 600).issue(a)).token;
    const current = await startTestServer({ worker: false, env: { VODKIT_PLAYBACK_KEYS: `new:${SECRET_B}` } });
    try {
      const id = (await createFakeVideo(current, { ownerId: null, visibility: 'private' })).id;
      const oldForThis = (await new PlaybackTokens([{ kid: 'old', secret: SECRET_A }], current.rt.clock, 600).issue(id)).token;
      const newForThis = (await new PlaybackTokens([{ kid: 'new', secret: SECRET_B }], current.rt.clock, 600).issue(id)).token;
      expect((await fetch(`${current.url}/media/${id}/master.m3u8?token=${oldForThis}`)).status).toBe(403);
      expect((await fetch(`${current.url}/media/${id}/master.m3u8?token=${newForThis}`)).status).toBe(200);
      expect(oldToken).not.toBe(oldForThis);
    } finally {
      await current.stop();
    }
  });
});
