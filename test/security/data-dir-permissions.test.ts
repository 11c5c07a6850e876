import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../src/config/private-dir.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { adminToken, embeddedEnv, startServe, type VodkitProcess } from '../ops/support/vodkit-process.ts';

/**
 * The data dir holds private sources and media, the SQLite catalog and queue (with their -wal and
 * -shm files), multipart parts, scratch space and the secret: none of it may be readable by other
 * users of the machine, even when vodkit is started under the common umask 022.
 */
describe('files vodkit keeps on disk are for its own user alone', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  const procs: VodkitProcess[] = [];

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-perms-');
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await temp?.cleanup();
  });

  it('under umask 022: every folder 0700 and every file 0600 after an upload, a multipart part and an encode', async () => {
    const clip = (await makeClip(temp.dir, 'landscape', { seconds: 3 })).path;
    const dataDir = join(temp.dir, 'data'); // not there yet: vodkit creates it
    const env = embeddedEnv({ VODKIT_PART_SIZE: String(5 * 1024 * 1024) });
    delete env.VODKIT_SECRET; // so that vodkit writes its own secret.key
    const token = await adminToken(dataDir, env, { umask: 0o022 });
    const proc = await startServe('perms', dataDir, env, [], { umask: 0o022 });
    procs.push(proc);
    const api = new ApiClient(proc.url, token);

    // A multipart upload left open: its first part stays on disk.
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'big.mp4', size: 6 * 1024 * 1024, contentType: 'video/mp4', multipart: true });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const signed = await api.request('POST', `/api/v1/uploads/${created.json.video.id}/parts`, { uploadId: created.json.upload.uploadId, partNumbers: [1] });
    expect(signed.status, JSON.stringify(signed.json)).toBe(200);
    const part = signed.json.parts[0];
    const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: new Uint8Array(5 * 1024 * 1024) });
    expect(put.status, await put.text()).toBe(200);

    // A video uploaded and encoded; the data dir is also looked at while ffmpeg writes its scratch files.
    const id = await api.upload(clip);
    const whileEncoding = proc.waitForLog('the encode', (l) => l.msg === 'encoding' && l.videoId === id).then(() => walk(dataDir));
    expect((await api.waitSettled(id)).status).toBe('ready');
    const during = await whileEncoding;
    const after = await walk(dataDir);

    // What was looked at: the places named in the issue are all there.
    const names = after.map((e) => e.path);
    for (const expected of [/^vodkit\.db$/, /^vodkit\.db-wal$/, /^queue\.db$/, /^queue\.db-wal$/, /^secret\.key$/, /^objects\/sources\/.+\.mp4$/, /^objects\/media\/.+\/master\.m3u8$/, /^objects\/sources\/\.vodkit\/uploads\//]) {
      expect(names.some((n) => expected.test(n)), `${expected} in ${names.join(', ')}`).toBe(true);
    }
    expect(during.some((e) => e.path.startsWith('work/')), `scratch seen while encoding: ${during.map((e) => e.path).join(', ')}`).toBe(true);

    const open = (entries: Entry[]) => entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path} ${e.mode.toString(8)}`);
    expect(open(during)).toEqual([]);
    expect(open(after)).toEqual([]);
    expect(after.find((e) => e.path === '.')?.mode).toBe(0o700);
  }, 300_000);

  it('a data dir left open by an older version (0755) is closed (0700) when vodkit opens it', async () => {
    const dir = join(temp.dir, 'older');
    await mkdir(dir);
    await chmod(dir, 0o755);
    await ensurePrivateDir(dir, silentLogger);
    expect((await lstat(dir)).mode & 0o777).toBe(0o700);
  });
});

interface Entry {
  path: string;
  mode: number;
}

/** The data dir itself ('.') and everything under it, with permission bits; tolerates files that vanish meanwhile. */
async function walk(root: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => null);
    if (!st || st.isSymbolicLink()) return;
    out.push({ path: relative(root, path) || '.', mode: st.mode & 0o777 });
    if (!st.isDirectory()) return;
    const names = await readdir(path).catch(() => [] as string[]);
    for (const name of names) await visit(join(path, name));
  };
  await visit(root);
  return out;
}
