import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * VODKIT_PER_TITLE end to end: the ladder of an upload is encoded at the CRFs its analysis chose
 * (x264 writes its settings in the stream: `crf=...` in its SEI message), and at CRF 23 without it.
 */
describe('per-title ladder (VODKIT_PER_TITLE)', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let clip: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-per-title-');
    clip = (await makeClip(temp.dir, 'landscape', { seconds: 10 })).path;
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await temp?.cleanup();
  });

  /** The CRF x264 wrote in the first segment of each ladder rung of a video uploaded to a server with `perTitle`. */
  async function ladderCrfs(perTitle: boolean): Promise<Record<string, number>> {
    const server = await startTestServer({ flags: { perTitle } });
    servers.push(server);
    const api = new ApiClient(server.url, server.token);
    const id = await api.upload(clip, { title: 'per title' });
    const video = await api.waitSettled(id);
    expect(video.status, video.error ?? '').toBe('ready');
    const crfs: Record<string, number> = {};
    for (const r of video.renditions.filter((x: any) => x.width > 0)) {
      const { body } = await server.rt.media.get(`${id}/${r.name}/seg_00000.m4s`);
      const text = Buffer.concat(await body.toArray()).toString('latin1');
      const crf = /x264 - core[^\0]*? crf=([\d.]+)/.exec(text)?.[1];
      expect(crf, `x264 settings in ${r.name}`).toBeDefined();
      crfs[r.name] = Number(crf);
    }
    return crfs;
  }

  it('encodes every rung at CRF 23 when it is off, and at the CRFs the analysis chose (at least 23, higher for this easy picture) when it is on', async () => {
    const off = await ladderCrfs(false);
    expect(Object.keys(off)).toEqual(['320p', '240p']);
    for (const crf of Object.values(off)) expect(crf).toBe(23);
    const on = await ladderCrfs(true);
    expect(Object.keys(on)).toEqual(['320p', '240p']);
    for (const crf of Object.values(on)) expect(crf).toBeGreaterThanOrEqual(23);
    expect(Math.max(...Object.values(on))).toBeGreaterThan(23);
  });
});
