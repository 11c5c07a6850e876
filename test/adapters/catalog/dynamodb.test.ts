import { afterAll, beforeAll } from 'vitest';
import { DynamoDbCatalog } from '../../../src/adapters/catalog/dynamodb/dynamodb-catalog.ts';
import { catalogConformance } from '../../conformance/catalog-suite.ts';
import { startDynalite } from '../../support/dynalite.ts';
import type { DynaliteHandle } from '../../support/dynalite.ts';

let dyn: DynaliteHandle;

beforeAll(async () => {
  dyn = await startDynalite();
});

afterAll(async () => {
  await dyn?.stop();
});

const openOn = (tableName: string) =>
  DynamoDbCatalog.open({ tableName, region: dyn.region, endpoint: dyn.endpoint, credentials: dyn.credentials });

// Each case gets its own table; "another" catalog is a second client (its own connections) on it.
catalogConformance('dynamodb (dynalite)', async () => {
  const table = await dyn.createCatalogTable();
  const catalog = await openOn(table);
  return {
    catalog,
    openAnother: () => openOn(table),
    cleanup: async () => {
      await catalog.close();
      await dyn.deleteTable(table);
    },
  };
});
