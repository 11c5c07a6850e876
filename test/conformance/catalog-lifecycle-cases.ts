import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import type { Video } from '../../src/core/model/video.ts';
import type { Catalog } from '../../src/core/ports/catalog.ts';
import { stateOf, transition } from '../../src/core/videos/lifecycle.ts';
import type { LifecycleState, TransitionOptions, TransitionPatch, UpdateEvent } from '../../src/core/videos/lifecycle.ts';
import { type CatalogUnderTest, makeVideo } from './catalog-fixtures.ts';

/** Catalog contract, part of catalog-suite.ts: encode attempts, lifecycle transitions (compare-and-set) and the catalog's own lifecycle. */
export function lifecycleCases(current: () => CatalogUnderTest): void {
  let catalog: Catalog;
  let openAnother: () => Promise<Catalog>;
  beforeEach(() => {
    ({ catalog, openAnother } = current());
  });

  describe('encode attempts', () => {
    it('stores attemptId and encodeJobRef (null when absent) through create, update and get', async () => {
      const plain = await catalog.createVideo(makeVideo());
      expect(plain.attemptId ?? null).toBeNull();
      expect(plain.encodeJobRef ?? null).toBeNull();
      const v = await catalog.createVideo(makeVideo({ status: 'processing', attemptId: 'attempt-1', encodeJobRef: 'job/1' }));
      expect(v).toMatchObject({ attemptId: 'attempt-1', encodeJobRef: 'job/1' });
      expect(await catalog.getVideo(v.id)).toEqual(v);
      const updated = await catalog.updateVideo(v.id, { attemptId: 'attempt-2', encodeJobRef: null });
      expect(updated?.attemptId).toBe('attempt-2');
      expect(updated?.encodeJobRef ?? null).toBeNull();
      expect(await catalog.getVideo(v.id)).toEqual(updated);
      await expect(catalog.updateVideo(v.id, { attemptId: 7 as never })).rejects.toBeInstanceOf(ValidationError);
    });

    it('updateVideo with expectAttemptId applies only to that attempt (null: a video without one), with expectStatus too', async () => {
      const v = await catalog.createVideo(makeVideo({ status: 'queued' }));
      expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectAttemptId: 'attempt-1' })).toBeNull();
      const started = await catalog.updateVideo(v.id, { status: 'processing', attemptId: 'attempt-1' }, { expectStatus: ['queued'], expectAttemptId: null });
      expect(started).toMatchObject({ status: 'processing', attemptId: 'attempt-1' });
      expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectAttemptId: null })).toBeNull();
      expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectAttemptId: 'attempt-0' })).toBeNull();
      expect(await catalog.updateVideo(v.id, { title: 'no' }, { expectStatus: ['queued'], expectAttemptId: 'attempt-1' })).toBeNull();
      expect(await catalog.getVideo(v.id)).toEqual(started);
      const done = await catalog.updateVideo(v.id, { status: 'ready' }, { expectStatus: ['processing'], expectAttemptId: 'attempt-1' });
      expect(done?.status).toBe('ready');
      await expect(catalog.updateVideo(v.id, { title: 'x' }, { expectAttemptId: 1 as never })).rejects.toBeInstanceOf(ValidationError);
      expect(await catalog.updateVideo('no-such-video', { title: 'x' }, { expectAttemptId: null })).toBeNull();
    });

    it('lets exactly one of 20 concurrent attempts, over two handles, take over from the same attempt', async () => {
      const other = await openAnother();
      try {
        const v = await catalog.createVideo(makeVideo({ status: 'processing', attemptId: 'crashed' }));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? other : catalog).updateVideo(v.id, { attemptId: `attempt-${i}` }, { expectStatus: ['processing'], expectAttemptId: 'crashed' }),
          ),
        );
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect((await catalog.getVideo(v.id))?.attemptId).toBe(winners[0]?.attemptId);
      } finally {
        if (other !== catalog) await other.close();
      }
    });
  });

  describe('lifecycle transitions', () => {
    type Move = [UpdateEvent, TransitionPatch, TransitionOptions];
    /** A video in `state` (its attempt, when it has one, is "a1"), and pairs of transitions that exclude each other from there. */
    const RACES: Array<{ state: LifecycleState; video: Partial<Video>; moves: [Move, Move] }> = [
      { state: 'queued', video: { status: 'queued' }, moves: [['start', {}, { attemptId: null }], ['start', {}, { attemptId: null }]] },
      { state: 'processing', video: { status: 'processing', attemptId: 'a1' }, moves: [['start', {}, { attemptId: 'a1' }], ['start', {}, { attemptId: 'a1' }]] },
      { state: 'processing', video: { status: 'processing', attemptId: 'a1' }, moves: [['finish', {}, { attemptId: 'a1' }], ['fail', { error: 'broken' }, { attemptId: 'a1' }]] },
      { state: 'playable', video: { status: 'processing', playable: true, attemptId: 'a1' }, moves: [['finish', {}, { attemptId: 'a1' }], ['requeue', {}, { attemptId: 'a1' }]] },
      { state: 'playable', video: { status: 'processing', playable: true, attemptId: 'a1' }, moves: [['fail', { error: 'crashed every time' }, {}], ['finish', {}, { attemptId: 'a1' }]] },
      { state: 'failed', video: { status: 'failed', error: 'broken' }, moves: [['retry', {}, {}], ['retry', {}, {}]] },
    ];

    for (const { state, video, moves } of RACES) {
      it(`of ${moves[0][0]} and ${moves[1][0]} racing from ${state} over two handles, exactly one applies, 10 times over`, async () => {
        const other = await openAnother();
        try {
          for (let round = 0; round < 10; round++) {
            const v = await catalog.createVideo(makeVideo(video));
            expect(stateOf(v)).toBe(state);
            const [a, b] = await Promise.all([
              transition(catalog, v.id, ...moves[0]),
              transition(other, v.id, ...moves[1]),
            ]);
            expect([a.applied, b.applied].filter(Boolean), `round ${round}`).toHaveLength(1);
            const winner = a.applied ? a.video : b.applied ? b.video : null;
            expect(await catalog.getVideo(v.id)).toEqual(winner);
          }
        } finally {
          if (other !== catalog) await other.close();
        }
      });
    }
  });

  describe('lifecycle', () => {
    it('answers ping and can be closed more than once', async () => {
      await expect(catalog.ping()).resolves.toBeUndefined();
      await catalog.close();
      await catalog.close();
    });
  });
}
