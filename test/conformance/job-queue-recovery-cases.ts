import { expect, it } from 'vitest';
import { UnsupportedMediaError } from '../../src/core/errors.ts';
import type { JobHandler } from '../../src/core/ports/job-queue.ts';
import { deferred, waitFor, waitForState, type QueueTestKit } from './job-queue-kit.ts';
import { variantHelpers, type LaneVariant } from './job-queue-variants.ts';

/** JobQueue contract, part of job-queue-suite.ts: crashed workers and leases, cancelling, stopping, counts, and many jobs across instances. */
export function recoveryTests(kit: QueueTestKit, variant: LaneVariant): void {
  const { open, gate, crash } = kit;
  const current = kit.harness;
  const { payload, work, barrier } = variantHelpers(kit, variant);

  it('a job whose worker crashed is finished by another instance as attempt 2', async () => {
    const a = await open();
    const started = deferred();
    const stuck = gate();
    let crashedWorkerFinished = false;
    work(a, async () => {
      started.resolve();
      await stuck.promise;
      crashedWorkerFinished = true;
    });
    const { id } = await a.enqueue(payload('crash'), { idempotencyKey: 'crash' });
    await started.promise;
    await crash(a);

    const b = await open();
    const seen: number[] = [];
    work(b, async (ctx) => {
      seen.push(ctx.attempt);
    });
    const job = await waitForState(b, id, 'completed');
    expect(job.attempts).toBe(2);
    expect(seen).toEqual([2]);

    // The crashed process's handler finishing late changes nothing.
    stuck.resolve();
    await waitFor('the crashed handler to return', () => crashedWorkerFinished);
    await barrier(b, 'barrier-after-crash');
    expect(await b.getJob(id)).toMatchObject({ state: 'completed', attempts: 2 });
  });

  it('a job running longer than its lease keeps it (heartbeat): no other instance takes it', async () => {
    const a = await open();
    const b = await open();
    const runs: string[] = [];
    const leaseMs = current().leaseMs ?? 1000;
    const handler = (name: string): JobHandler => async (ctx) => {
      runs.push(`${name} attempt ${ctx.attempt}`);
      await new Promise((r) => setTimeout(r, leaseMs * 3));
      expect(ctx.signal.aborted).toBe(false);
    };
    work(a, handler('a'));
    const { id } = await a.enqueue(payload('long-runner'), { idempotencyKey: 'long-runner' });
    await waitFor('the job to start', () => runs.length === 1);
    work(b, handler('b'));
    await waitForState(a, id, 'completed');
    expect(runs).toEqual(['a attempt 1']);
    expect((await b.getJob(id))?.attempts).toBe(1);
  });

  it('a crash on the last attempt fails the job: "worker stopped responding"', async () => {
    const a = await open();
    const started = deferred();
    work(a, async () => {
      started.resolve();
      await gate().promise;
    });
    const { id } = await a.enqueue(payload('last'), { idempotencyKey: 'last', maxAttempts: 1 });
    await started.promise;
    await crash(a);

    const b = await open();
    let calls = 0;
    work(b, async () => {
      calls++;
    });
    const job = await waitForState(b, id, 'failed');
    expect(job.attempts).toBe(1);
    expect(job.lastError).toBe('worker stopped responding (attempt 1 of 1)');
    expect(calls).toBe(0);
  });

  it('a cancelled waiting job never runs and keeps its idempotency key', async () => {
    const queue = await open();
    const { id } = await queue.enqueue(payload('cancel-me'), { idempotencyKey: 'cancel-me' });
    expect(await queue.cancel(id)).toBe(true);
    expect(await queue.getJob(id)).toMatchObject({ state: 'cancelled', attempts: 0 });
    expect(await queue.cancel(id)).toBe(false);
    expect(await queue.cancel('no-such-job')).toBe(false);
    expect(await queue.enqueue(payload('cancel-me'), { idempotencyKey: 'cancel-me' })).toEqual({ id, created: false });

    const ran: string[] = [];
    work(queue, async (ctx) => {
      ran.push(ctx.payload.videoId);
    });
    const barrier = await queue.enqueue(payload('barrier'), { idempotencyKey: 'barrier' });
    await waitForState(queue, barrier.id, 'completed');
    expect(ran).toEqual(['barrier']);
    expect((await queue.getJob(id))?.state).toBe('cancelled');
  });

  it('cancelling a running job fires its signal and ends it cancelled, not retried', async () => {
    const queue = await open();
    const started = deferred();
    const calls: string[] = [];
    let abortedWith: unknown;
    work(queue, async (ctx) => {
      calls.push(ctx.payload.videoId);
      if (ctx.payload.videoId !== 'long') return;
      started.resolve();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      abortedWith = ctx.signal.reason;
      throw ctx.signal.reason;
    });
    const { id } = await queue.enqueue(payload('long'), { idempotencyKey: 'long' });
    await started.promise;
    expect(await queue.cancel(id)).toBe(true);
    await waitFor('the handler to see its signal', () => abortedWith !== undefined);
    expect(abortedWith).toBeInstanceOf(Error);
    await waitForState(queue, id, 'cancelled');
    const barrier = await queue.enqueue(payload('barrier'), { idempotencyKey: 'barrier' });
    await waitForState(queue, barrier.id, 'completed');
    expect(calls).toEqual(['long', 'barrier']);
    expect(await queue.getJob(id)).toMatchObject({ state: 'cancelled', attempts: 1 });
    expect(await queue.cancel(id)).toBe(false);
  });

  it('cancelling from another instance stops the running handler there', async () => {
    const a = await open();
    const b = await open();
    const started = deferred();
    let calls = 0;
    let aborted = false;
    work(a, async (ctx) => {
      if (ctx.payload.videoId.startsWith('barrier')) return;
      calls++;
      started.resolve();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = true;
      throw ctx.signal.reason;
    });
    const { id } = await a.enqueue(payload('remote'), { idempotencyKey: 'remote' });
    await started.promise;
    expect(await b.cancel(id)).toBe(true);
    await waitFor('the handler in the other instance to see its signal', () => aborted);
    await waitForState(a, id, 'cancelled');
    // A job after it runs on that instance; the cancelled one does not run again.
    await barrier(a, 'barrier-after-cancel');
    expect(calls).toBe(1);
    expect((await b.getJob(id))?.state).toBe('cancelled');
  });

  it('a graceful stop waits for the running job and takes no new ones', async () => {
    const queue = await open();
    const started = deferred();
    const release = gate();
    const events: string[] = [];
    const worker = work(queue, async (ctx) => {
      events.push(`start ${ctx.payload.videoId}`);
      started.resolve();
      await release.promise;
      events.push(`end ${ctx.payload.videoId}`);
    });
    const { id } = await queue.enqueue(payload('slow'), { idempotencyKey: 'slow' });
    await started.promise;
    const stopped = worker.stop().then(() => events.push('stopped'));
    const later = await queue.enqueue(payload('later'), { idempotencyKey: 'later' });
    events.push('released');
    release.resolve();
    await stopped;
    expect(events).toEqual(['start slow', 'released', 'end slow', 'stopped']);
    expect((await queue.getJob(id))?.state).toBe('completed');
    // The job enqueued during the stop is left for another worker, which runs it first.
    const b = await open();
    const seen: string[] = [];
    work(b, async (ctx) => void seen.push(`${ctx.payload.videoId} attempt ${ctx.attempt}`));
    await waitForState(b, later.id, 'completed');
    expect(seen).toEqual(['later attempt 1']);
    expect(events).toEqual(['start slow', 'released', 'end slow', 'stopped']);
  });

  it('a stop without waiting aborts the handler and returns its job to waiting, attempt not counted', async () => {
    const a = await open();
    const started = deferred();
    let signalFired = false;
    const worker = work(a, async (ctx) => {
      started.resolve();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      signalFired = true;
      throw ctx.signal.reason;
    });
    const { id } = await a.enqueue(payload('interrupted'), { idempotencyKey: 'interrupted' });
    await started.promise;
    await worker.stop({ graceful: false });
    expect(signalFired).toBe(true);
    expect(await a.getJob(id)).toMatchObject({ state: 'waiting', attempts: 0 });

    const b = await open();
    const seen: number[] = [];
    work(b, async (ctx) => {
      seen.push(ctx.attempt);
    });
    await waitForState(b, id, 'completed');
    expect(seen).toEqual([1]);
  });

  it('counts jobs by state', async () => {
    const queue = await open();
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
    const cancelled = await queue.enqueue(payload('c'), { idempotencyKey: 'c' });
    await queue.cancel(cancelled.id);
    const ok = await queue.enqueue(payload('ok'), { idempotencyKey: 'ok' });
    const bad = await queue.enqueue(payload('bad'), { idempotencyKey: 'bad' });
    const blocked = deferred();
    const release = gate();
    work(queue, async (ctx) => {
      if (ctx.payload.videoId === 'bad') throw new UnsupportedMediaError('unusable');
      if (ctx.payload.videoId === 'held') {
        blocked.resolve();
        await release.promise;
      }
    });
    await waitForState(queue, ok.id, 'completed');
    await waitForState(queue, bad.id, 'failed');
    const held = await queue.enqueue(payload('held'), { idempotencyKey: 'held' });
    await blocked.promise;
    await queue.enqueue(payload('queued'), { idempotencyKey: 'queued' });
    expect(await queue.counts()).toEqual({ waiting: 1, active: 1, completed: 1, failed: 1, cancelled: 1 });
    release.resolve();
    await waitForState(queue, held.id, 'completed');
  });

  it('50 jobs across two instances each run exactly once', async () => {
    const [a, b] = [await open(), await open()];
    const runs = new Map<string, number>();
    const handler: JobHandler = async (ctx) => {
      runs.set(ctx.payload.videoId, (runs.get(ctx.payload.videoId) ?? 0) + 1);
      await new Promise((r) => setImmediate(r));
    };
    work(a, handler, 3);
    work(b, handler, 3);
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).enqueue(payload(`bulk${i}`), { idempotencyKey: `bulk${i}` })),
    );
    await waitFor('50 completed jobs', async () => (await a.counts()).completed === 50);
    // Two jobs enqueued after them complete: the workers have taken new jobs since, and none of
    // the 50 ran again.
    await barrier(a, 'barrier-a');
    await barrier(b, 'barrier-b');
    const bulk = [...runs].filter(([videoId]) => videoId.startsWith('bulk'));
    expect(bulk).toHaveLength(50);
    expect(bulk.every(([, n]) => n === 1)).toBe(true);
    for (const { id } of ids) expect((await b.getJob(id))?.attempts).toBe(1);
    expect(await b.counts()).toEqual({ waiting: 0, active: 0, completed: 52, failed: 0, cancelled: 0 });
  });
}
