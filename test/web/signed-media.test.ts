import { describe, expect, it } from 'vitest';
import { CloudFrontSigner } from '../../src/adapters/cdn/cloudfront/cloudfront-signer.ts';
import { mediaSignature, signMediaUrl } from '../../src/web/player/signed-media.ts';
import { cloudFrontKeyPair, verifySignedUrl } from '../lambda/cloudfront-keys.ts';

/**
 * The player's CloudFront signatures: the query of a master URL signed for the video's folder
 * (by the real CloudFrontSigner) added to the URLs hls.js resolves under that folder.
 */
const keys = cloudFrontKeyPair();
const CDN = 'https://d111111abcdef8.cloudfront.net';
const signer = new CloudFrontSigner({ url: CDN, keyPairId: 'K2JCJMDEHXQW5F', privateKey: keys.privateKey });
const grant = signer.grant('vid123', Math.floor(Date.UTC(2030, 0, 1) / 1000));
const master = grant.url('vid123/master.m3u8');
const signature = mediaSignature(master)!;

/** A URL relative to the master, resolved as hls.js resolves a playlist's URIs. */
const resolved = (relative: string) => new URL(relative, master).href;

describe('the signature of a master URL', () => {
  it('covers the video’s folder and carries the three parameters as signed', () => {
    expect(signature.scope).toBe(`${CDN}/media/vid123/`);
    const masterQuery = new URL(master).search.slice(1);
    expect(signature.query).toBe(masterQuery);
    expect(signature.query.split('&').map((p) => p.split('=')[0]).sort()).toEqual(['Key-Pair-Id', 'Policy', 'Signature']);
  });

  it('is none for a token URL, an unsigned URL, a canned policy or a policy for one file', () => {
    expect(mediaSignature('http://localhost:8080/media/vid123/master.m3u8?token=abc.def')).toBeNull();
    expect(mediaSignature(`${CDN}/media/vid123/master.m3u8`)).toBeNull();
    expect(mediaSignature(`${CDN}/media/vid123/master.m3u8?Expires=1893456000&Signature=abc&Key-Pair-Id=K2`)).toBeNull();
    const oneFile = btoa(JSON.stringify({ Statement: [{ Resource: `${CDN}/media/vid123/master.m3u8` }] })).replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
    expect(mediaSignature(`${CDN}/media/vid123/master.m3u8?Policy=${oneFile}&Signature=abc&Key-Pair-Id=K2`)).toBeNull();
    expect(mediaSignature(`${CDN}/media/vid123/master.m3u8?Policy=not-base64!&Signature=abc&Key-Pair-Id=K2`)).toBeNull();
    expect(mediaSignature('not a url')).toBeNull();
  });
});

describe('signing the player’s requests', () => {
  it('adds the signature to media playlists and segments resolved under the folder, and CloudFront’s check passes', () => {
    for (const relative of ['hls/720p/playlist.m3u8', 'hls/720p/segment_00001.m4s', 'first/init.mp4', 'captions/en.m3u8', '../vid123/hls/audio.m3u8']) {
      const url = resolved(relative);
      expect(url).not.toContain('?');
      const signed = signMediaUrl(url, signature);
      expect(signed).toBe(`${url}?${signature.query}`);
      expect(verifySignedUrl(signed, keys.publicKey, 'K2JCJMDEHXQW5F')?.resource).toBe(url);
    }
  });

  it('keeps a URL’s own query parameters before the signature, and its fragment after', () => {
    const url = resolved('hls/720p/segment_00001.m4s?v=2');
    expect(signMediaUrl(url, signature)).toBe(`${url}&${signature.query}`);
    expect(new URL(signMediaUrl(url, signature)).searchParams.get('v')).toBe('2');
    const withFragment = resolved('storyboard/storyboard.jpg#xywh=0,0,160,90');
    expect(signMediaUrl(withFragment, signature)).toBe(`${CDN}/media/vid123/storyboard/storyboard.jpg?${signature.query}#xywh=0,0,160,90`);
  });

  it('leaves other folders, other origins and URLs that carry their own authorization alone', () => {
    const untouched = [
      `${CDN}/media/vid1234/hls/720p/playlist.m3u8`,
      `${CDN}/media/other/hls/720p/playlist.m3u8`,
      resolved('../other/hls/720p/segment_00001.m4s'),
      `${CDN}/api/v1/videos/vid123`,
      'https://elsewhere.example/media/vid123/hls/720p/playlist.m3u8',
      'http://d111111abcdef8.cloudfront.net/media/vid123/hls/720p/playlist.m3u8',
      master,
      grant.url('vid123/poster.jpg'),
      `${CDN}/media/vid123/hls/720p/playlist.m3u8?token=abc.def`,
      'relative/path.m3u8',
    ];
    for (const url of untouched) expect(signMediaUrl(url, signature), url).toBe(url);
  });
});
