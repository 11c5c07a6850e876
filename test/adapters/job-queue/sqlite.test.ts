import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { jobQueueMigrations, migrationsTable } from '../../../src/adapters/job-queue/sqlite/migrations.ts';
import { SqliteJobQueue } from '../../../src/adapters/job-queue/sqlite/sqlite-job-queue.ts';
import type { JobQueue } from '../../../src/core/ports/job-queue.ts';
import { jobQueueConformance } from '../../conformance/job-queue-suite.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const workerScript = fileURLToPath(new URL('./fixtures/sqlite-worker-process.ts', import.meta.url));

/** A worker in another OS process on the same database file; collects the lines it prints. */
function spawnWorkerProcess(path: string): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, path, '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const testSettings = { leaseMs: 1000, pollIntervalMs: 50, backoff: { baseMs: 50, maxMs: 200 } };

jobQueueConformance('sqlite', async () => {
  const temp = await makeTempDir('vodkit-queue-');
  const path = join(temp.dir, 'queue.db');
  return {
    open: () => SqliteJobQueue.open({ path, ...testSettings }),
    crash: async (queue: JobQueue) => (queue as SqliteJobQueue).simulateCrash(),
    cleanup: temp.cleanup,
    leaseMs: testSettings.leaseMs,
  };
});

describe('SqliteJobQueue', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function tempPath(): Promise<string> {
    const temp = await makeTempDir('vodkit-queue-');
    cleanups.push(temp.cleanup);
    return join(temp.dir, 'queue.db');
  }

  it('keeps waiting jobs across a close and reopen', async () => {
    const path = await tempPath();
    const first = await SqliteJobQueue.open({ path, ...testSettings });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const payload = { type: 'transcode' as const, videoId: `v${n}`, sourceKey: `uploads/v${n}` };
      ids.push((await first.enqueue(payload, { idempotencyKey: `k${n}`, maxAttempts: n })).id);
    }
    await first.close();

    const reopened = await SqliteJobQueue.open({ path, ...testSettings });
    cleanups.push(() => reopened.close());
    expect(await reopened.counts()).toEqual({ waiting: 3, active: 0, completed: 0, failed: 0, cancelled: 0 });
    expect(await reopened.getJob(ids[1])).toEqual({
      id: ids[1],
      payload: { type: 'transcode', videoId: 'v2', sourceKey: 'uploads/v2' },
      state: 'waiting',
      priority: 'normal',
      attempts: 0,
      maxAttempts: 2,
      lastError: null,
    });
    expect(await reopened.enqueue({ type: 'transcode', videoId: 'v1', sourceKey: 'x' }, { idempotencyKey: 'k1' })).toEqual({
      id: ids[0],
      created: false,
    });
    const ran: string[] = [];
    const worker = reopened.work(async (ctx) => void ran.push(ctx.payload.videoId), { concurrency: 1 });
    for (const id of ids) {
      while ((await reopened.getJob(id))?.state !== 'completed') await new Promise((r) => setTimeout(r, 20));
    }
    await worker.stop();
    expect(ran.sort()).toEqual(['v1', 'v2', 'v3']);
  });

  it('shares a database file with other tables and migrates it once', async () => {
    const path = await tempPath();
    const [a, b] = await Promise.all([SqliteJobQueue.open({ path }), SqliteJobQueue.open({ path })]);
    cleanups.push(() => a.close(), () => b.close());
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM job_queue_migrations').all();
      expect(versions).toEqual([{ version: 1 }, { version: 2 }]);
    } finally {
      db.close();
    }
  });

  it('opens a queue file from before lanes and priorities: its jobs are normal-priority jobs of the ladder lane', async () => {
    const path = await tempPath();
    const { default: Database } = await import('better-sqlite3');
    const old = new Database(path);
    old.exec(`CREATE TABLE ${migrationsTable} (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
    old.exec(jobQueueMigrations[0].sql);
    old.prepare(`INSERT INTO ${migrationsTable} (version, applied_at) VALUES (1, ?)`).run(new Date().toISOString());
    const oldPayload = { type: 'transcode' as const, videoId: 'old', sourceKey: 'uploads/old' };
    const at = Date.now() - 1000;
    old
      .prepare(
        `INSERT INTO jobs (id, idempotency_key, payload, state, attempts, max_attempts, last_error, run_at,
                           lease_owner, lease_expires_at, created_at, updated_at)
         VALUES ('old-job', 'video:old', ?, 'waiting', 0, 3, NULL, ?, NULL, NULL, ?, ?)`,
      )
      .run(JSON.stringify(oldPayload), at, at, at);
    old.close();

    const queue = await SqliteJobQueue.open({ path, ...testSettings });
    cleanups.push(() => queue.close());
    expect(await queue.getJob('old-job')).toEqual({
      id: 'old-job',
      payload: oldPayload,
      state: 'waiting',
      priority: 'normal',
      attempts: 0,
      maxAttempts: 3,
      lastError: null,
    });
    expect(await queue.enqueue({ ...oldPayload, type: 'prepare' }, { idempotencyKey: 'video:old' })).toEqual({ id: 'old-job', created: false });
    const urgent = await queue.enqueue({ type: 'ladder', videoId: 'new', sourceKey: 'uploads/new' }, { idempotencyKey: 'video:new', priority: 'high' });
    const ran: string[] = [];
    const worker = queue.work(async (ctx) => void ran.push(ctx.payload.videoId), { concurrency: 1, lane: 'ladder' });
    for (const id of ['old-job', urgent.id]) {
      while ((await queue.getJob(id))?.state !== 'completed') await new Promise((r) => setTimeout(r, 20));
    }
    await worker.stop();
    expect(ran).toEqual(['new', 'old']);
  });

  it('refuses options that cannot work', async () => {
    const path = await tempPath();
    await expect(SqliteJobQueue.open({ path, leaseMs: 0 })).rejects.toThrow(/leaseMs/);
    await expect(SqliteJobQueue.open({ path, backoff: { baseMs: 10, maxMs: 5 } })).rejects.toThrow(/backoff/);
  });

  it('two OS processes on one file run 40 jobs, each exactly once', async () => {
    const path = await tempPath();
    const queue = await SqliteJobQueue.open({ path, ...testSettings });
    cleanups.push(() => queue.close());
    const other = spawnWorkerProcess(path);
    cleanups.push(async () => {
      if (other.child.exitCode === null) other.child.kill('SIGKILL');
      await other.exited;
    });
    await until('the worker process to start', () => other.lines.includes('ready'));
    const localRuns: string[] = [];
    const worker = queue.work(async (ctx) => void localRuns.push(`run ${ctx.payload.videoId} ${ctx.attempt}`), { concurrency: 2 });
    for (let i = 0; i < 40; i++) {
      await queue.enqueue({ type: 'transcode', videoId: `m${i}`, sourceKey: `s${i}` }, { idempotencyKey: `m${i}` });
    }
    await until('40 completed jobs', async () => (await queue.counts()).completed === 40);
    await worker.stop();
    other.child.kill('SIGTERM');
    expect(await other.exited).toBe(0);
    const runs = [...localRuns, ...other.lines.filter((line) => line.startsWith('run '))].sort();
    expect(runs).toEqual(Array.from({ length: 40 }, (_, i) => `run m${i} 1`).sort());
  });

  it('a job of a process killed with SIGKILL is finished by another process as attempt 2', async () => {
    const path = await tempPath();
    const queue = await SqliteJobQueue.open({ path, ...testSettings });
    cleanups.push(() => queue.close());
    const doomed = spawnWorkerProcess(path);
    await until('the worker process to start', () => doomed.lines.includes('ready'));
    const { id } = await queue.enqueue({ type: 'transcode', videoId: 'hang-1', sourceKey: 's' }, { idempotencyKey: 'hang-1' });
    await until('the other process to take the job', () => doomed.lines.includes('run hang-1 1'));
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect((await queue.getJob(id))?.state).toBe('active');

    const attempts: number[] = [];
    const worker = queue.work(async (ctx) => void attempts.push(ctx.attempt), { concurrency: 1 });
    await until('the job to complete here', async () => (await queue.getJob(id))?.state === 'completed');
    await worker.stop();
    expect(attempts).toEqual([2]);
    expect(await queue.getJob(id)).toMatchObject({ attempts: 2, lastError: 'worker stopped responding (attempt 1 of 3)' });
  });
});
