import { afterEach, beforeEach, describe } from 'vitest';
import type { Catalog } from '../../src/core/ports/catalog.ts';
import { videoCases } from './catalog-video-cases.ts';
import { lifecycleCases } from './catalog-lifecycle-cases.ts';
import { userCases } from './catalog-user-cases.ts';
import { webhookCases } from './catalog-webhook-cases.ts';
import { listCases } from './catalog-list-cases.ts';

export { makeVideo } from './catalog-fixtures.ts';

/**
 * The Catalog contract. Every catalog adapter's test runs this unchanged; `open` must return an
 * empty catalog of its own, a cleanup that closes it and removes its storage, and `openAnother`,
 * which opens one more catalog on the same storage as another process would (its own
 * connections; the suite closes it). Storage that only one handle can reach (SQLite
 * `:memory:`) returns the same catalog there.
 */
export interface OpenedCatalog {
  catalog: Catalog;
  cleanup: () => Promise<void>;
  openAnother: () => Promise<Catalog>;
}

export function catalogConformance(name: string, open: () => Promise<OpenedCatalog>): void {
  describe(`Catalog conformance: ${name}`, () => {
    let catalog: Catalog;
    let cleanup: () => Promise<void>;
    let openAnother: () => Promise<Catalog>;

    beforeEach(async () => {
      ({ catalog, cleanup, openAnother } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    const current = () => ({ catalog, openAnother });
    videoCases(current);
    listCases(current);
    lifecycleCases(current);
    userCases(current);
    webhookCases(current);
  });
}
