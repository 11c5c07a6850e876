import { describe, expect, it } from 'vitest';
import { CloudFrontSigner } from '../../src/adapters/cdn/cloudfront/cloudfront-signer.ts';
import { PlaybackTokens } from '../../src/core/auth/playback-tokens.ts';
import { ManualClock } from '../../src/core/ports/clock.ts';
import type { Video } from '../../src/core/model/video.ts';
import { cdnGrantCookies, grantMedia, videoView, videoViewWith } from '../../src/http/video-view.ts';
import { cloudFrontKeyPair, resourceMatches, verifyCloudFrontGrant, verifySignedUrl } from './cloudfront-keys.ts';

const CDN = 'https://d111111abcdef8.cloudfront.net';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
const keys = cloudFrontKeyPair();
const other = cloudFrontKeyPair();
const signer = new CloudFrontSigner({ url: CDN, keyPairId: KEY_PAIR_ID, privateKey: keys.privateKey });
const clock = new ManualClock(new Date('2026-11-30T00:00:00Z'));
const NOW = Math.floor(clock.now().getTime() / 1000);
const tokens = new PlaybackTokens([{ kid: 'k1', secret: 's'.repeat(40) }], clock, 600);

function video(overrides: Partial<Video> = {}): Video {
  const id = 'k3j9m2p4q8r7s6t5';
  return {
    id,
    title: 'clip',
    status: 'ready',
    progress: 1,
    error: null,
    filename: 'clip.mp4',
    sourceKey: `${id}.mp4`,
    sourceSize: 1000,
    contentType: 'video/mp4',
    durationSec: 3,
    width: 568,
    height: 320,
    visibility: 'private',
    ownerId: null,
    playable: true,
    encrypted: false,
    masterKey: `${id}/master.m3u8`,
    posterKey: `${id}/poster.0000000.jpg`,
    thumbnailKey: `${id}/thumbnail/thumbnail.0000000.jpg`,
    renditions: [],
    attemptId: 'a1',
    createdAt: clock.now().toISOString(),
    updatedAt: clock.now().toISOString(),
    ...overrides,
  } as Video;
}

describe('CloudFront signer', () => {
  it('signs a URL with a custom policy over the video folder that verifies with the public key, and not with another', () => {
    const grant = signer.grant('k3j9m2p4q8r7s6t5', NOW + 600);
    const url = grant.url('k3j9m2p4q8r7s6t5/master.m3u8');
    expect(url.startsWith(`${CDN}/media/k3j9m2p4q8r7s6t5/master.m3u8?`)).toBe(true);
    const checked = verifySignedUrl(url, keys.publicKey, KEY_PAIR_ID);
    expect(checked).not.toBeNull();
    const statement = checked!.policy.Statement[0];
    expect(statement.Resource).toBe(`${CDN}/media/k3j9m2p4q8r7s6t5/*`);
    expect(statement.Condition).toEqual({ DateLessThan: { 'AWS:EpochTime': NOW + 600 } });
    expect(resourceMatches(statement.Resource, checked!.resource)).toBe(true);
    // The same grant covers the player's relative requests, never another video's files.
    expect(resourceMatches(statement.Resource, `${CDN}/media/k3j9m2p4q8r7s6t5/first/master_240p_00001.cmfv`)).toBe(true);
    expect(resourceMatches(statement.Resource, `${CDN}/media/zzzzzzzzzzzzzzzz/master.m3u8`)).toBe(false);
    expect(verifySignedUrl(url, other.publicKey, KEY_PAIR_ID)).toBeNull();
  });

  it('gives the same grant as the three CloudFront cookies for the video folder', () => {
    const grant = signer.grant('k3j9m2p4q8r7s6t5', NOW + 600);
    expect(Object.keys(grant.cookies).sort()).toEqual(['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    expect(grant.cookies['CloudFront-Key-Pair-Id']).toBe(KEY_PAIR_ID);
    const policy = verifyCloudFrontGrant(grant.cookies['CloudFront-Policy'], grant.cookies['CloudFront-Signature'], keys.publicKey);
    expect(policy?.Statement[0].Resource).toBe(`${CDN}/media/k3j9m2p4q8r7s6t5/*`);
    expect(grant.cookiePath).toBe('/media/k3j9m2p4q8r7s6t5/');
    const headers = cdnGrantCookies(grant, clock.now());
    expect(headers).toHaveLength(3);
    for (const header of headers) {
      expect(header).toMatch(/^CloudFront-(Policy|Signature|Key-Pair-Id)=[A-Za-z0-9~_-]+; Path=\/media\/k3j9m2p4q8r7s6t5\/; Max-Age=600; Secure; HttpOnly; SameSite=Lax$/);
    }
  });

  it('refuses a key of another video and a CDN address with a path', () => {
    const grant = signer.grant('k3j9m2p4q8r7s6t5', NOW + 600);
    expect(() => grant.url('zzzzzzzzzzzzzzzz/master.m3u8')).toThrow(/not a file of video/);
    expect(() => new CloudFrontSigner({ url: `${CDN}/media`, keyPairId: KEY_PAIR_ID, privateKey: keys.privateKey })).toThrow(/without a path/);
  });
});

describe('video view behind a CDN', () => {
  const access = { playbackTokens: tokens, cdn: signer, clock, playbackTokenTtlSec: 600 };

  it('a private video: master, poster and thumbnail are CDN URLs signed until the playback token TTL', async () => {
    const view = await videoView(video(), 'https://vodkit.example', access);
    for (const url of [view.playback.hls, view.poster, view.thumbnail]) {
      expect(url!.startsWith(`${CDN}/media/k3j9m2p4q8r7s6t5/`)).toBe(true);
      const checked = verifySignedUrl(url!, keys.publicKey, KEY_PAIR_ID);
      expect(checked?.policy.Statement[0].Condition.DateLessThan['AWS:EpochTime']).toBe(NOW + 600);
    }
    expect(view.playback.expiresAt).toBe(new Date((NOW + 600) * 1000).toISOString());
    expect(view.playback.hls).not.toContain('token=');
  });

  it('a public video: signed too (the media behaviour trusts only the key group), until the start of the eighth day from today, the same URL all day', async () => {
    const view = await videoView(video({ visibility: 'public' }), 'https://vodkit.example', access);
    const checked = verifySignedUrl(view.playback.hls!, keys.publicKey, KEY_PAIR_ID);
    const expires = checked!.policy.Statement[0].Condition.DateLessThan['AWS:EpochTime'];
    expect(expires % 86_400).toBe(0);
    expect(expires).toBeGreaterThan(NOW + 7 * 86_400);
    expect(expires).toBeLessThanOrEqual(NOW + 8 * 86_400);
    // Everyone gets the same URL that day: browsers cache it.
    clock.advance(23 * 3_600_000);
    const later = await videoView(video({ visibility: 'public' }), 'https://vodkit.example', access);
    expect(later.playback.hls).toBe(view.playback.hls);
  });

  it('nothing to watch yet: no grant', async () => {
    const grant = await grantMedia(video({ playable: false, posterKey: null, status: 'processing' }), access);
    expect(grant).toEqual({ kind: 'open' });
  });

  it('without a CDN the token mode is unchanged: vodkit URLs, a token for private videos, none for public ones', async () => {
    const tokenAccess = { playbackTokens: tokens, clock, playbackTokenTtlSec: 600 };
    const view = await videoView(video(), 'https://vodkit.example', tokenAccess);
    expect(view.playback.hls).toMatch(/^https:\/\/vodkit\.example\/media\/k3j9m2p4q8r7s6t5\/master\.m3u8\?token=[\w.-]+$/);
    const token = new URL(view.playback.hls!).searchParams.get('token')!;
    expect(await tokens.verify(token, 'k3j9m2p4q8r7s6t5')).not.toBeNull();
    const open = videoViewWith(video({ visibility: 'public' }), 'https://vodkit.example', await grantMedia(video({ visibility: 'public' }), tokenAccess));
    expect(open.playback).toEqual({ hls: 'https://vodkit.example/media/k3j9m2p4q8r7s6t5/master.m3u8', dash: null, expiresAt: null });
  });
});
