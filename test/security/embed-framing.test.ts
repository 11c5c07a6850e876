import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import type { Video } from '../../src/core/model/video.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createFakeVideo } from './support/fake-video.ts';

/**
 * Who may frame the embeddable player (/embed/<id>), what its data endpoint gives away, and
 * oEmbed: public videos for the configured sites, others only with a playback token in the URL.
 */
describe('embeds: framing, player data and oEmbed', () => {
  let server: TestServer;
  let pub: Video;
  let priv: Video;
  let unlisted: Video;

  beforeAll(async () => {
    server = await startTestServer({ worker: false, env: { VODKIT_EMBED_ORIGINS: 'https://blog.example, https://*.news.example' } });
    pub = await createFakeVideo(server, { ownerId: null, visibility: 'public', title: 'Bars & "tones"' });
    priv = await createFakeVideo(server, { ownerId: null, visibility: 'private' });
    unlisted = await createFakeVideo(server, { ownerId: null, visibility: 'unlisted' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = (path: string) => fetch(new URL(path, server.url));
  const tokenOf = async (id: string) => {
    const res = await fetch(new URL(`/api/v1/videos/${id}`, server.url), { headers: { Authorization: `Bearer ${server.token}` } });
    return new URL((await res.json()).playback.hls).searchParams.get('token') as string;
  };

  it('a public video may be framed by the configured sites only; the page has no X-Frame-Options', async () => {
    const res = await get(`/embed/${pub.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toMatch(/; frame-ancestors https:\/\/blog\.example https:\/\/\*\.news\.example$/);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
  });

  it('a private video only with a valid playback token of that video; unknown ids like any page', async () => {
    for (const path of [`/embed/${priv.id}`, `/embed/${priv.id}?token=forged`, `/embed/${priv.id}?token=${await tokenOf(pub.id)}`, '/embed/doesnotexist']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'$/);
    }
    const res = await get(`/embed/${priv.id}?token=${await tokenOf(priv.id)}`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors https:\/\/blog\.example/);
  });

  it('the player data: public or with the token, without the owner details; 404 otherwise', async () => {
    const open = await get(`/api/v1/embed/${pub.id}`);
    expect(open.status).toBe(200);
    const view = await open.json();
    expect(view).toMatchObject({ id: pub.id, title: 'Bars & "tones"', playable: true });
    expect(view.playback.hls).toBe(`${server.url}/media/${pub.id}/master.m3u8`);
    for (const hidden of ['sizeBytes', 'filename', 'ownerId', 'error', 'downloads']) expect(view, hidden).not.toHaveProperty(hidden);

    expect((await get(`/api/v1/embed/${priv.id}`)).status).toBe(404);
    expect((await get(`/api/v1/embed/${priv.id}?token=${await tokenOf(pub.id)}`)).status).toBe(404);
    const token = await tokenOf(priv.id);
    const withToken = await get(`/api/v1/embed/${priv.id}?token=${token}`);
    expect(withToken.status).toBe(200);
    const privView = await withToken.json();
    expect(privView.playback.hls).toBe(`${server.url}/media/${priv.id}/master.m3u8?token=${token}`);
    expect((await get(privView.playback.hls)).status).toBe(200);
  });

  it('an unlisted video embeds like a public one for whoever has its link, but oEmbed does not describe it', async () => {
    const page = await get(`/embed/${unlisted.id}`);
    expect(page.headers.get('x-frame-options')).toBeNull();
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors https:\/\/blog\.example/);
    const data = await get(`/api/v1/embed/${unlisted.id}`);
    expect(data.status).toBe(200);
    const view = await data.json();
    expect(view).toMatchObject({ id: unlisted.id, visibility: 'unlisted', playable: true });
    for (const hidden of ['sizeBytes', 'filename', 'ownerId', 'error']) expect(view, hidden).not.toHaveProperty(hidden);
    expect((await get(view.playback.hls)).status).toBe(200);
    expect((await get(`/oembed?url=${encodeURIComponent(`${server.url}/watch/${unlisted.id}`)}`)).status).toBe(404);
  });

  it('oEmbed describes public videos (watch or embed URL, size bounds), nothing else', async () => {
    const res = await get(`/oembed?url=${encodeURIComponent(`${server.url}/watch/${pub.id}`)}&format=json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({ version: '1.0', type: 'video', provider_name: 'vodkit', provider_url: `${server.url}/`, title: 'Bars & "tones"', width: 640, height: 360 });
    expect(body.html).toBe(
      `<iframe src="${server.url}/embed/${pub.id}" width="640" height="360" title="Bars &#38; &#34;tones&#34;" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`,
    );
    const small = await (await get(`/oembed?url=${encodeURIComponent(`${server.url}/embed/${pub.id}`)}&maxwidth=320`)).json();
    expect([small.width, small.height]).toEqual([320, 180]);
    const short = await (await get(`/oembed?url=${encodeURIComponent(`${server.url}/watch/${pub.id}`)}&maxheight=90`)).json();
    expect([short.width, short.height]).toEqual([160, 90]);

    expect((await get(`/oembed?url=${encodeURIComponent(`${server.url}/watch/${pub.id}`)}&format=xml`)).status).toBe(501);
    for (const url of [`${server.url}/watch/${priv.id}`, `https://elsewhere.example/watch/${pub.id}`, `${server.url}/library`, 'not a url at all']) {
      expect((await get(`/oembed?url=${encodeURIComponent(url)}`)).status, url).toBe(404);
    }
    expect((await get('/oembed')).status).toBe(404);
  });

  it('VODKIT_EMBED_ORIGINS: * by default; anything but origins and * is refused', () => {
    expect(loadConfig({}).embedOrigins).toEqual(['*']);
    expect(loadConfig({ VODKIT_EMBED_ORIGINS: 'https://a.example,http://localhost:8080' }).embedOrigins).toEqual(['https://a.example', 'http://localhost:8080']);
    expect(() => loadConfig({ VODKIT_EMBED_ORIGINS: "https://a.example; script-src 'unsafe-inline'" })).toThrow(/VODKIT_EMBED_ORIGINS/);
    expect(() => loadConfig({ VODKIT_EMBED_ORIGINS: 'javascript:alert(1)' })).toThrow(/VODKIT_EMBED_ORIGINS/);
  });
});
