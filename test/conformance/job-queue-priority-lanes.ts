import { expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import type {
  JobHandler,
  JobLane,
  JobPayload,
  JobPriority,
  JobType,
  QueueWorker,
} from '../../src/core/ports/job-queue.ts';
import { deferred, waitFor, waitForState, type QueueTestKit, type WorkingQueue } from './job-queue-kit.ts';

function job(type: Exclude<JobType, 'webhook' | 'ladder-part'>, videoId: string): JobPayload {
  return { type, videoId, sourceKey: `uploads/${videoId}/source.mp4` };
}

function enqueue(queue: WorkingQueue, type: Exclude<JobType, 'webhook' | 'ladder-part'>, name: string, priority?: JobPriority) {
  return queue.enqueue(job(type, name), { idempotencyKey: name, priority });
}

/** A handler that records the videoId of each job it runs, in order. */
function recorder(seen: string[]): JobHandler {
  return async (ctx) => void seen.push(ctx.payload.videoId);
}

/** Priorities and lanes (part of the JobQueue conformance suite). */
export function priorityAndLaneTests(kit: QueueTestKit): void {
  const { open, work, gate } = kit;

  it('a worker takes waiting jobs by priority, FIFO within a priority, whatever their type in the lane', async () => {
    const queue = await open();
    const jobs: Array<[Exclude<JobType, 'webhook' | 'ladder-part'>, string, JobPriority | undefined]> = [
      ['transcode', 'normal-1', undefined],
      ['ladder', 'low-1', 'low'],
      ['ladder', 'high-1', 'high'],
      ['transcode', 'normal-2', 'normal'],
      ['transcode', 'high-2', 'high'],
      ['ladder', 'low-2', 'low'],
      ['ladder', 'normal-3', 'normal'],
    ];
    const ids = new Map<string, string>();
    for (const [type, name, priority] of jobs) ids.set(name, (await enqueue(queue, type, name, priority)).id);
    expect(await queue.getJob(ids.get('high-1')!)).toMatchObject({ state: 'waiting', priority: 'high' });
    expect((await queue.getJob(ids.get('normal-1')!))?.priority).toBe('normal');
    expect((await queue.getJob(ids.get('low-1')!))?.priority).toBe('low');

    const seen: string[] = [];
    work(queue, recorder(seen), { concurrency: 1, lane: 'ladder' });
    for (const id of ids.values()) await waitForState(queue, id, 'completed');
    expect(seen).toEqual(['high-1', 'high-2', 'normal-1', 'normal-2', 'normal-3', 'low-1', 'low-2']);
    expect(await queue.getJob(ids.get('high-2')!)).toMatchObject({ state: 'completed', priority: 'high', attempts: 1 });
  });

  it('jobs of one priority enqueued back to back run in the order they were enqueued', async () => {
    const queue = await open();
    const names = Array.from({ length: 20 }, (_, i) => `prepare-${String(i).padStart(2, '0')}`);
    for (const name of names) await enqueue(queue, 'prepare', name, 'high');
    const seen: string[] = [];
    work(queue, recorder(seen), { concurrency: 1, lane: 'prepare' });
    await waitFor('20 completed jobs', async () => (await queue.counts()).completed === 20);
    expect(seen).toEqual(names);
  });

  it('a job of higher priority enqueued while the worker is busy runs before lower ones that waited longer', async () => {
    const queue = await open();
    const busy = gate();
    const started = deferred();
    const seen: string[] = [];
    work(
      queue,
      async (ctx) => {
        seen.push(ctx.payload.videoId);
        if (ctx.payload.videoId !== 'busy') return;
        started.resolve();
        await busy.promise;
      },
      { concurrency: 1, lane: 'ladder' },
    );
    await enqueue(queue, 'ladder', 'busy');
    await started.promise;
    await enqueue(queue, 'ladder', 'low', 'low');
    await enqueue(queue, 'transcode', 'normal', 'normal');
    await enqueue(queue, 'ladder', 'high', 'high');
    busy.resolve();
    await waitFor('4 completed jobs', async () => (await queue.counts()).completed === 4);
    expect(seen).toEqual(['busy', 'high', 'normal', 'low']);
  });

  it('a lane worker takes only the jobs of its lane', async () => {
    const queue = await open();
    const prepareRuns: string[] = [];
    const prepareWorker = work(queue, recorder(prepareRuns), { concurrency: 2, lane: 'prepare' });
    // Jobs of the other lane first, and of a higher priority: a worker ignoring lanes takes them first.
    const ladder = await enqueue(queue, 'ladder', 'ladder-1', 'high');
    const transcode = await enqueue(queue, 'transcode', 'transcode-1', 'high');
    const prepare = await enqueue(queue, 'prepare', 'prepare-1', 'low');
    await waitForState(queue, prepare.id, 'completed');
    // A job enqueued later in the lane completes: the worker has looked for work since.
    const later = await enqueue(queue, 'prepare', 'prepare-2', 'low');
    await waitForState(queue, later.id, 'completed');
    expect(prepareRuns).toEqual(['prepare-1', 'prepare-2']);
    expect((await queue.getJob(ladder.id))?.state).toBe('waiting');
    expect((await queue.getJob(transcode.id))?.state).toBe('waiting');
    await prepareWorker.stop();

    const ladderRuns: string[] = [];
    work(queue, recorder(ladderRuns), { concurrency: 2, lane: 'ladder' });
    const waitingPrepare = await enqueue(queue, 'prepare', 'prepare-3', 'high');
    await waitForState(queue, ladder.id, 'completed');
    await waitForState(queue, transcode.id, 'completed');
    const ladderLater = await enqueue(queue, 'ladder', 'ladder-2', 'low');
    await waitForState(queue, ladderLater.id, 'completed');
    expect(ladderRuns.sort()).toEqual(['ladder-1', 'ladder-2', 'transcode-1']);
    expect((await queue.getJob(waitingPrepare.id))?.state).toBe('waiting');
    expect(await queue.counts()).toEqual({ waiting: 1, active: 0, completed: 5, failed: 0, cancelled: 0 });
  });

  const machines: Array<{ title: string; start: (queue: WorkingQueue, handler: JobHandler) => QueueWorker[] }> = [
    {
      title: 'a worker per lane',
      start: (queue, handler) => [
        work(queue, handler, { concurrency: 1, lane: 'ladder' }),
        work(queue, handler, { concurrency: 1, lane: 'prepare' }),
      ],
    },
    { title: 'one worker of every lane, concurrency 1', start: (queue, handler) => [work(queue, handler, { concurrency: 1 })] },
  ];
  for (const machine of machines) {
    it(`a new upload's prepare job runs while a long job holds the ladder lane (${machine.title})`, async () => {
      const queue = await open();
      const long = gate();
      const longStarted = deferred();
      const seen: string[] = [];
      machine.start(queue, async (ctx) => {
        seen.push(ctx.payload.videoId);
        if (ctx.payload.videoId !== 'long-ladder') return;
        longStarted.resolve();
        await long.promise;
      });
      const ladder = await enqueue(queue, 'ladder', 'long-ladder');
      await longStarted.promise;
      const nextLadder = await enqueue(queue, 'transcode', 'next-ladder');
      const prepare = await enqueue(queue, 'prepare', 'new-upload', 'high');
      await waitForState(queue, prepare.id, 'completed');
      expect((await queue.getJob(ladder.id))?.state).toBe('active');
      expect((await queue.getJob(nextLadder.id))?.state).toBe('waiting');
      expect(seen).toEqual(['long-ladder', 'new-upload']);

      long.resolve();
      await waitForState(queue, nextLadder.id, 'completed');
      expect(seen).toEqual(['long-ladder', 'new-upload', 'next-ladder']);
      expect((await queue.getJob(ladder.id))?.state).toBe('completed');
    });
  }

  it('one idempotency key names one job, whatever the type and lane of a later enqueue', async () => {
    const [a, b] = [await open(), await open()];
    const first = await enqueue(a, 'prepare', 'video-1');
    expect(first.created).toBe(true);
    expect(await b.enqueue(job('ladder', 'video-1'), { idempotencyKey: 'video-1', priority: 'high' })).toEqual({
      id: first.id,
      created: false,
    });
    expect(await b.getJob(first.id)).toMatchObject({ payload: job('prepare', 'video-1'), priority: 'normal', state: 'waiting' });

    const types: Array<Exclude<JobType, 'webhook' | 'ladder-part'>> = ['prepare', 'ladder', 'transcode'];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).enqueue(job(types[i % 3], 'video-2'), { idempotencyKey: 'video-2' })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await a.counts()).toEqual({ waiting: 2, active: 0, completed: 0, failed: 0, cancelled: 0 });
  });

  it('counts, getJob and cancel see the jobs of every lane', async () => {
    const queue = await open();
    const prepare = await enqueue(queue, 'prepare', 'p', 'high');
    const ladder = await enqueue(queue, 'ladder', 'l', 'low');
    const transcode = await enqueue(queue, 'transcode', 't');
    expect(await queue.counts()).toEqual({ waiting: 3, active: 0, completed: 0, failed: 0, cancelled: 0 });
    expect(await queue.cancel(ladder.id)).toBe(true);
    expect(await queue.getJob(ladder.id)).toMatchObject({ state: 'cancelled', priority: 'low', payload: job('ladder', 'l') });

    const started = deferred();
    work(
      queue,
      async (ctx) => {
        if (ctx.payload.videoId !== 'p') return;
        started.resolve();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        throw ctx.signal.reason;
      },
      { concurrency: 1 },
    );
    await started.promise;
    expect((await queue.getJob(prepare.id))?.state).toBe('active');
    expect(await queue.cancel(prepare.id)).toBe(true);
    await waitForState(queue, transcode.id, 'completed');
    await waitFor('the cancelled job to be counted once', async () => (await queue.counts()).active === 0);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, completed: 1, failed: 0, cancelled: 2 });
    expect(await queue.getJob(prepare.id)).toMatchObject({ state: 'cancelled', priority: 'high', attempts: 1 });
  });

  it('refuses an unknown job type, priority or lane', async () => {
    const queue = await open();
    const unknownType = { type: 'resize', videoId: 'v', sourceKey: 's' } as unknown as JobPayload;
    await expect(queue.enqueue(unknownType, { idempotencyKey: 'a' })).rejects.toBeInstanceOf(ValidationError);
    const urgent = 'urgent' as JobPriority;
    await expect(queue.enqueue(job('prepare', 'v'), { idempotencyKey: 'b', priority: urgent })).rejects.toBeInstanceOf(ValidationError);
    expect(() => queue.work(async () => undefined, { concurrency: 1, lane: 'extras' as JobLane })).toThrow(ValidationError);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });
  });
}
