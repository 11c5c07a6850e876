import { connect, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeLongClip } from './support/media.ts';
import { jobsFor, settledJobsFor } from './support/sqlite-jobs.ts';
import { adminToken, embeddedEnv, processesMatching, spawnScript, startServe, waitFor, type VodkitProcess } from './support/vodkit-process.ts';

const SHUTDOWN_MODULE = fileURLToPath(new URL('../../src/cli/shutdown.ts', import.meta.url));

/**
 * SIGTERM: the process takes no new jobs, lets the running one finish within the grace time
 * (VODKIT_SHUTDOWN_GRACE) or else hands it back to the queue (attempt not counted), and exits 0.
 */
describe('graceful shutdown (SIGTERM)', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let shortClip: string;
  let longClip: string;
  const procs: VodkitProcess[] = [];
  const serve = async (name: string, dataDir: string, env: NodeJS.ProcessEnv) => {
    const p = await startServe(name, dataDir, env);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-sigterm-');
    shortClip = (await makeClip(temp.dir, 'landscape', { seconds: 3, name: 'short.mp4' })).path;
    longClip = await makeLongClip(join(temp.dir, 'long.mp4'), 30);
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await temp?.cleanup();
  });

  it('a job that cannot finish within the grace time goes back to the queue; the next start runs it', async () => {
    const dataDir = join(temp.dir, 'handback');
    const env = embeddedEnv({ VODKIT_SHUTDOWN_GRACE: '1' });
    const first = await serve('serve-1', dataDir, env);
    const api = new ApiClient(first.url, await adminToken(dataDir, env));
    const long = await api.upload(longClip, { title: 'long' });
    const next = await api.upload(shortClip, { title: 'waiting behind it' });
    await first.waitForLog('the long encode', (l) => l.msg === 'encoding' && l.videoId === long);

    first.signal('SIGTERM');
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const msgs = first.logs.map((l) => l.msg);
    expect(msgs).toContain('shutting down');
    expect(msgs).toContain('running jobs did not finish in time; handing them back to the queue');
    expect(msgs).toContain('job interrupted; it will run again');
    expect(msgs[msgs.length - 1]).toBe('stopped');
    // No new job was taken after the signal, and no ffmpeg outlives the process.
    expect(first.logs.some((l) => l.msg === 'encoding' && l.videoId === next)).toBe(false);
    expect(await processesMatching(long)).toEqual([]);
    // Its ladder is handed back: waiting, its interrupted attempt not counted (its prepare was done).
    expect(jobsFor(dataDir, long)).toMatchObject([{ state: 'completed' }, { state: 'waiting', attempts: 0 }]);

    const second = await serve('serve-2', dataDir, env);
    const api2 = new ApiClient(second.url, api.token);
    // Still playable from its first output while the ladder waits to run again.
    expect((await api2.request('GET', `/api/v1/videos/${long}`)).json).toMatchObject({ status: 'processing', playable: true });
    for (const id of [long, next]) expect((await api2.waitSettled(id, 150_000)).status).toBe('ready');
    expect(await settledJobsFor(dataDir, long)).toMatchObject([{ state: 'completed', attempts: 1 }, { state: 'completed', attempts: 1 }]);
    second.signal('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('a job that finishes within the grace time completes before the process exits', async () => {
    const dataDir = join(temp.dir, 'finish');
    const env = embeddedEnv({ VODKIT_SHUTDOWN_GRACE: '120' });
    const first = await serve('serve-3', dataDir, env);
    const api = new ApiClient(first.url, await adminToken(dataDir, env));
    const id = await api.upload(shortClip);
    const queued = await api.upload(shortClip, { title: 'not started before the signal' });
    await first.waitForLog('the encode', (l) => l.msg === 'encoding' && l.videoId === id);
    first.signal('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.logs.some((l) => l.msg === 'ready' && l.videoId === id)).toBe(true);
    expect(first.logs.some((l) => l.msg === 'encoding' && l.videoId === queued)).toBe(false);
    expect(jobsFor(dataDir, id)).toMatchObject([{ state: 'completed', attempts: 1 }, { state: 'completed', attempts: 1 }]);
    // Its ladder was not started (its prepare may have been, on the prepare lane).
    expect(jobsFor(dataDir, queued).filter((j) => j.idempotency_key.startsWith('ladder:'))).toMatchObject(
      jobsFor(dataDir, queued).some((j) => j.idempotency_key.startsWith('ladder:')) ? [{ state: 'waiting', attempts: 0 }] : [],
    );

    // Not encoded again after the restart; the other one is.
    const second = await serve('serve-4', dataDir, env);
    const api2 = new ApiClient(second.url, api.token);
    expect((await api2.request('GET', `/api/v1/videos/${id}`)).json.status).toBe('ready');
    expect((await api2.waitSettled(queued, 60_000)).status).toBe('ready');
    expect(second.logs.some((l) => l.msg === 'encoding' && l.videoId === id)).toBe(false);
    second.signal('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
  it('exits once stopped, with an event-stream subscriber and an idle keep-alive connection open', async () => {
    const dataDir = join(temp.dir, 'open-connections');
    const env = embeddedEnv({ VODKIT_SHUTDOWN_GRACE: '1' });
    const token = await adminToken(dataDir, env);
    const proc = await serve('serve-5', dataDir, env);
    const url = new URL(proc.url);
    // An event-stream subscriber, as the library page keeps open.
    const events = await rawConnection(url, `GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    await waitFor('the event stream to start', () => events.received().includes('retry:'), 30_000);
    // A keep-alive connection whose request was answered and that then stays idle.
    const idle = await rawConnection(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await waitFor('the health answer', () => idle.received().includes('"ok"'), 30_000);

    proc.signal('SIGTERM');
    const exit = await Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000))]);
    expect(exit).toEqual({ code: 0, signal: null });
    const msgs = proc.logs.map((l) => l.msg);
    expect(msgs).toContain('shutting down');
    expect(msgs[msgs.length - 1]).toBe('stopped');
    // Everything it opened was closed: the process ended on its own, not by the fallback exit.
    expect(msgs).not.toContain('still open after stopping; exiting anyway');
    expect(msgs).not.toContain('shutdown took too long; exiting');
    await events.closed;
    await idle.closed;
  }, 120_000);
  it('after `stopped`, a handle left open does not keep the process alive: it is logged and the process exits', async () => {
    // A stop that forgets a timer (as a leaked socket or poller would be): the process still exits.
    const script = join(temp.dir, 'leaky-stop.ts');
    await writeFile(
      script,
      `import { onShutdown } from ${JSON.stringify(SHUTDOWN_MODULE)};
const log = (level: string) => (fields: object, msg: string) => process.stdout.write(JSON.stringify({ level, ...fields, msg }) + '\\n');
const logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'), child: () => logger } as any;
onShutdown(logger, async () => { setInterval(() => {}, 1000); }, 60_000, 300);
setInterval(() => {}, 1000);
process.stdout.write(JSON.stringify({ msg: 'ready' }) + '\\n');
`,
    );
    const child = spawnScript('leaky-stop', script);
    procs.push(child);
    await child.waitForLog('the script to start', (l) => l.msg === 'ready', 30_000);
    child.signal('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const msgs = child.logs.map((l) => l.msg);
    expect(msgs.slice(-2)).toEqual(['stopped', 'still open after stopping; exiting anyway']);
    expect(child.logs.at(-1).open).toMatchObject({ Timeout: expect.any(Number) });
  });
});

/** A raw TCP connection that sent `request` and collects what comes back. */
async function rawConnection(url: URL, request: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(request);
  return { socket, received: () => text, closed };
}
