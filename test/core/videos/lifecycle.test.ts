import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import type { Video } from '../../../src/core/model/video.ts';
import {
  LIFECYCLE_EVENTS,
  LIFECYCLE_STATES,
  TRANSITIONS,
  createUploading,
  deleteRecord,
  nextState,
  stateOf,
  transition,
} from '../../../src/core/videos/lifecycle.ts';
import { makeNewVideo } from '../../conformance/catalog-fixtures.ts';
import type { LifecycleEvent, LifecycleState, NewVideo } from '../../../src/core/videos/lifecycle.ts';

/** The lifecycle as specified, written out cell by cell: state → event → next state (absent: refused). */
const EXPECTED: Record<LifecycleState, Partial<Record<LifecycleEvent, LifecycleState>>> = {
  uploading: { queue: 'queued', fail: 'failed', delete: 'deleted' },
  queued: { queue: 'queued', start: 'processing', fail: 'failed', delete: 'deleted' },
  processing: {
    start: 'processing',
    submitted: 'processing',
    progress: 'processing',
    playable: 'playable',
    finish: 'ready',
    requeue: 'queued',
    fail: 'failed',
    delete: 'deleted',
  },
  playable: {
    start: 'processing',
    submitted: 'playable',
    progress: 'playable',
    playable: 'playable',
    finish: 'ready',
    requeue: 'queued',
    fail: 'failed',
    delete: 'deleted',
  },
  ready: { delete: 'deleted' },
  failed: { retry: 'queued', delete: 'deleted' },
  deleted: {},
};

/** Events that bring a new video to each state. */
const PATH: Record<LifecycleState, LifecycleEvent[]> = {
  uploading: [],
  queued: ['queue'],
  processing: ['queue', 'start'],
  playable: ['queue', 'start', 'playable'],
  ready: ['queue', 'start', 'playable', 'finish'],
  failed: ['queue', 'fail'],
  deleted: ['delete'],
};

const newVideo = (): NewVideo => makeNewVideo();

async function apply(catalog: SqliteCatalog, id: string, event: LifecycleEvent, attemptId?: string): Promise<boolean> {
  if (event === 'delete') return deleteRecord(catalog, id);
  const patch = event === 'playable' ? { masterKey: `${id}/master.m3u8` } : event === 'fail' ? { error: 'a reason' } : {};
  const result = await transition(catalog, id, event, patch, attemptId === undefined ? {} : { attemptId });
  return result.applied;
}

describe('video lifecycle', () => {
  let catalog: SqliteCatalog;
  beforeEach(async () => {
    catalog = await SqliteCatalog.open({ path: ':memory:' });
  });
  afterEach(async () => {
    await catalog.close();
  });

  async function videoIn(state: LifecycleState): Promise<string> {
    const { id } = await createUploading(catalog, newVideo());
    for (const event of PATH[state]) expect(await apply(catalog, id, event), `${event} on the way to ${state}`).toBe(true);
    expect(stateOf(await catalog.getVideo(id))).toBe(state);
    return id;
  }

  it('the table is the specified one, and a state is never left for an unknown one', () => {
    for (const state of LIFECYCLE_STATES) {
      for (const event of LIFECYCLE_EVENTS) expect(nextState(state, event), `${event} from ${state}`).toBe(EXPECTED[state][event] ?? null);
    }
    // processing and playable are one stored status: every event treats them alike, so the status compare-and-set decides.
    for (const event of LIFECYCLE_EVENTS) {
      expect(TRANSITIONS[event].from.includes('processing'), event).toBe(TRANSITIONS[event].from.includes('playable'));
    }
  });

  for (const state of LIFECYCLE_STATES) {
    for (const event of LIFECYCLE_EVENTS) {
      const to = EXPECTED[state][event];
      it(`${event} from ${state}: ${to ? `applies, to ${to}` : 'is refused and changes nothing'}`, async () => {
        const id = await videoIn(state);
        const before = await catalog.getVideo(id);
        const applied = await apply(catalog, id, event);
        const after = await catalog.getVideo(id);
        expect(applied).toBe(to !== undefined);
        if (to) expect(stateOf(after)).toBe(to);
        else expect(after).toEqual(before);
      });
    }
  }

  it('a refused transition says why and from which state', async () => {
    const id = await videoIn('ready');
    const result = await transition(catalog, id, 'fail', { error: 'late' });
    expect(result).toMatchObject({ applied: false, reason: 'refused', state: 'ready' });
    expect(await transition(catalog, 'nosuchvideo0000', 'queue')).toEqual({ applied: false, reason: 'gone', state: 'deleted', video: null });
  });

  it('each start is a new attempt; reports of an earlier attempt are stale and change nothing', async () => {
    const id = await videoIn('queued');
    const first = await transition(catalog, id, 'start');
    if (!first.applied) throw new Error('start refused');
    const firstAttempt = first.video.attemptId!;
    expect(firstAttempt).toEqual(expect.any(String));
    expect(first.video.encodeJobRef ?? null).toBeNull();
    expect((await transition(catalog, id, 'submitted', { encodeJobRef: 'job-1' }, { attemptId: firstAttempt })).applied).toBe(true);
    // The worker is presumed dead; another attempt takes over.
    const second = await transition(catalog, id, 'start');
    if (!second.applied) throw new Error('start refused');
    expect(second.video.attemptId).not.toBe(firstAttempt);
    expect(second.video.encodeJobRef ?? null).toBeNull();
    const before = await catalog.getVideo(id);
    for (const event of ['submitted', 'progress', 'playable', 'finish', 'requeue', 'fail'] as const) {
      const result = await transition(catalog, id, event, { progress: 0.5, error: 'old' }, { attemptId: firstAttempt });
      expect(result, event).toMatchObject({ applied: false, reason: 'stale', state: 'processing' });
    }
    expect(await catalog.getVideo(id)).toEqual(before);
    const done = await transition(catalog, id, 'finish', { masterKey: `${id}/master.m3u8` }, { attemptId: second.video.attemptId! });
    expect(done).toMatchObject({ applied: true, video: { status: 'ready', playable: true, progress: 1, error: null } });
    // A duplicate completion of the same attempt is refused: the video is no longer being encoded.
    expect(await transition(catalog, id, 'finish', {}, { attemptId: second.video.attemptId! })).toMatchObject({ applied: false, reason: 'refused', state: 'ready' });
  });

  it('the fields a state implies are set by the lifecycle, whatever the patch says', async () => {
    const id = await videoIn('playable');
    const patch = { status: 'ready', playable: true, attemptId: 'mine', error: 'why' } as never;
    const result = await transition(catalog, id, 'requeue', patch);
    expect(result).toMatchObject({ applied: true, video: { status: 'queued', playable: false, masterKey: null, error: null, progress: 0 } });
    if (result.applied) expect(result.video.attemptId).not.toBe('mine');
    const failed = await transition(catalog, id, 'fail', { error: 'not a video', retryable: false });
    expect(failed).toMatchObject({ applied: true, video: { status: 'failed', error: 'not a video', retryable: false, playable: false } });
  });

  it('onlyFrom narrows the states an event is allowed from, never widens them', async () => {
    const processing = await videoIn('playable');
    expect(await transition(catalog, processing, 'fail', { error: 'x' }, { onlyFrom: ['uploading', 'queued'] })).toMatchObject({ applied: false, reason: 'refused', state: 'playable' });
    const queued = await videoIn('queued');
    expect(await transition(catalog, queued, 'fail', { error: 'x' }, { onlyFrom: ['uploading', 'queued'] })).toMatchObject({ applied: true, video: { status: 'failed' } });
    const ready = await videoIn('ready');
    expect(await transition(catalog, ready, 'fail', { error: 'x' }, { onlyFrom: ['ready'] })).toMatchObject({ applied: false, reason: 'refused', state: 'ready' });
  });

  it('creates videos in state uploading', async () => {
    const video: Video = await createUploading(catalog, newVideo());
    expect(video).toMatchObject({ status: 'uploading', playable: false, progress: 0, error: null });
    expect(stateOf(video)).toBe('uploading');
  });

  it('random event sequences, with current, stale and no attempt ids, keep the stored video in step with a model', async () => {
    const command = fc.record({
      event: fc.constantFrom(...LIFECYCLE_EVENTS),
      attempt: fc.constantFrom('current', 'stale', 'none'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 30 }), async (commands) => {
        const { id } = await createUploading(catalog, newVideo());
        // The model: the specified table, and the attempts started so far.
        let state: LifecycleState = 'uploading';
        const attempts: string[] = [];
        for (const { event, attempt } of commands) {
          const current = attempts.at(-1);
          const attemptId = attempt === 'stale' ? 'an-earlier-attempt' : attempt === 'current' ? current : undefined;
          const expected: LifecycleState | undefined = EXPECTED[state][event];
          const applies = expected !== undefined && (attempt !== 'stale' || event === 'delete');
          const applied = await apply(catalog, id, event, event === 'delete' ? undefined : attemptId);
          expect(applied, `${event} (${attempt} attempt) from ${state}`).toBe(applies);
          if (applies) state = expected;
          const stored = await catalog.getVideo(id);
          expect(stateOf(stored)).toBe(state);
          if (!stored) continue;
          if (applied && event === 'start') {
            expect(attempts).not.toContain(stored.attemptId);
            attempts.push(stored.attemptId!);
          }
          expect(stored.attemptId ?? undefined).toBe(attempts.at(-1));
          if (state === 'ready') expect(stored).toMatchObject({ playable: true, progress: 1, error: null });
          if (state === 'failed' || state === 'queued') expect(stored).toMatchObject({ playable: false, masterKey: null, progress: 0 });
          if (state === 'failed') expect(stored.error).toEqual(expect.any(String));
        }
      }),
      { numRuns: 200 },
    );
  });
});
