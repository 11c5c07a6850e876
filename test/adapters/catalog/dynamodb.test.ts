import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbCatalog } from '../../../src/adapters/catalog/dynamodb/dynamodb-catalog.ts';
import type { DynamoDbCatalogOptions } from '../../../src/adapters/catalog/dynamodb/dynamodb-catalog.ts';
import { CATALOG_TABLE } from '../../../src/adapters/catalog/dynamodb/table-design.ts';
import { CLAIM_LEASE_MS } from '../../../src/adapters/catalog/dynamodb/unique-claims.ts';
import { ConfigurationError, ConflictError, TransientError, ValidationError } from '../../../src/core/errors.ts';
import { ManualClock } from '../../../src/core/ports/clock.ts';
import type { ListVideosQuery } from '../../../src/core/ports/catalog.ts';
import { catalogConformance, makeVideo } from '../../conformance/catalog-suite.ts';
import { makeToken, makeUser } from '../../conformance/catalog-fixtures.ts';
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

describe('DynamoDbCatalog', () => {
  const opened: DynamoDbCatalog[] = [];
  const tables: string[] = [];
  let table: string;
  const open = async (options: Partial<DynamoDbCatalogOptions> = {}) => {
    const c = await DynamoDbCatalog.open({ tableName: table, region: dyn.region, endpoint: dyn.endpoint, credentials: dyn.credentials, ...options });
    opened.push(c);
    return c;
  };
  /** Writes an item directly, as a call that stopped half-way would have left it. */
  const putRaw = (item: Record<string, unknown>) => DynamoDBDocumentClient.from(dyn.client).send(new PutCommand({ TableName: table, Item: item }));

  beforeEach(async () => {
    table = await dyn.createCatalogTable();
    tables.push(table);
  });
  afterEach(async () => {
    for (const c of opened.splice(0)) await c.close();
    for (const t of tables.splice(0)) await dyn.deleteTable(t);
  });

  it('creates the table of the design with createTable, keeps it on the next open, and refuses a foreign table', async () => {
    table = `vodkit-created-${process.pid}`;
    tables.push(table);
    const first = await open({ createTable: true });
    const { Table } = await dyn.client.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: CATALOG_TABLE.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: CATALOG_TABLE.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => ({ name: i.IndexName, keys: i.KeySchema, projection: i.Projection?.ProjectionType })).sort((a, b) => a.name!.localeCompare(b.name!))).toEqual(
      CATALOG_TABLE.globalSecondaryIndexes
        .map((g) => ({
          name: g.indexName,
          keys: [
            { AttributeName: g.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: g.sortKey.name, KeyType: 'RANGE' },
          ],
          projection: 'ALL',
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    const v = await first.createVideo(makeVideo({ id: 'keep-me' }));
    const second = await open({ createTable: true });
    expect(await second.getVideo('keep-me')).toEqual(v);

    table = `vodkit-foreign-${process.pid}`;
    await dyn.client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    tables.push(table);
    await expect(open({ createTable: true })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('refuses a malformed table name', async () => {
    for (const tableName of ['', 'ab', 'has space', 'x'.repeat(256)]) {
      await expect(DynamoDbCatalog.open({ tableName, region: dyn.region, endpoint: dyn.endpoint })).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('answers ping with TransientError when its table is missing', async () => {
    const c = await open({ tableName: 'no-such-table' });
    await expect(c.ping()).rejects.toBeInstanceOf(TransientError);
    await expect(c.getVideo('x')).rejects.toBeInstanceOf(TransientError);
  });

  it('sets updatedAt from the injected clock', async () => {
    const clock = new ManualClock(new Date('2030-05-05T05:05:05.555Z'));
    const c = await open({ clock });
    await c.createVideo(makeVideo({ id: 'clocked' }));
    expect((await c.updateVideo('clocked', { progress: 0.5 }))?.updatedAt).toBe('2030-05-05T05:05:05.555Z');
    clock.advance(1001);
    expect((await c.updateVideo('clocked', {}))?.updatedAt).toBe('2030-05-05T05:05:06.556Z');
  });

  it('stores empty strings and refuses a video or an id larger than DynamoDB allows', async () => {
    const c = await open();
    const v = await c.createVideo(makeVideo({ title: '', sourceKey: '', error: '' }));
    expect(await c.getVideo(v.id)).toEqual(v);
    const huge = makeVideo({ title: 'x'.repeat(420 * 1024) });
    await expect(c.createVideo(huge)).rejects.toBeInstanceOf(ValidationError);
    expect(await c.getVideo(huge.id)).toBeNull();
    // DynamoDB limits sort keys to 1024 bytes (dynalite does not check it on indexes; the adapter does).
    await expect(c.createVideo(makeVideo({ id: 'i'.repeat(1000) }))).rejects.toBeInstanceOf(ValidationError);
    expect(await c.getVideo('i'.repeat(1000))).toBeNull();
    expect((await c.createVideo(makeVideo({ id: 'i'.repeat(999) }))).id).toHaveLength(999);
    await expect(c.createUser(makeUser({ email: `${'e'.repeat(1100)}@example.com` }))).rejects.toBeInstanceOf(ValidationError);
    expect(await c.countUsers()).toBe(0);
    expect(await c.createFirstUser(makeUser())).not.toBeNull();
    await expect(c.createApiToken(makeToken({ tokenHash: 'h'.repeat(1100) }))).rejects.toBeInstanceOf(ValidationError);
  });

  it('moves a video between the owner and visibility listings when those change', async () => {
    const c = await open();
    await c.createVideo(makeVideo({ id: 'moved', ownerId: 'alice', visibility: 'private' }));
    const ids = async (q: Omit<ListVideosQuery, 'limit'>) => (await c.listVideos({ limit: 10, ...q })).items.map((v) => v.id);
    expect(await ids({ ownerId: 'alice' })).toEqual(['moved']);
    await c.updateVideo('moved', { ownerId: 'bob', visibility: 'public' });
    expect(await ids({ ownerId: 'alice' })).toEqual([]);
    expect(await ids({ ownerId: 'bob' })).toEqual(['moved']);
    expect(await ids({ visibility: ['private'] })).toEqual([]);
    expect(await ids({ ownerId: 'bob', visibility: ['public'] })).toEqual(['moved']);
    await c.updateVideo('moved', { ownerId: null });
    expect(await ids({ ownerId: 'bob' })).toEqual([]);
    expect(await ids({ visibility: ['public'] })).toEqual(['moved']);
  });

  it('completes a first user whose creation stopped after the gate, and then refuses another', async () => {
    const c = await open();
    const pending = { id: 'first', email: 'First@example.com', passwordHash: null, role: 'admin', disabled: false, createdAt: '2026-01-01T00:00:00.000Z' };
    await putRaw({ pk: 'USERS', sk: 'GATE', closed: true, firstUser: pending });
    expect(await c.countUsers()).toBe(1);
    expect(await c.getUserByEmail('first@example.com')).toEqual(pending);
    expect(await c.createFirstUser(makeUser({ role: 'admin' }))).toBeNull();
    expect(await c.listUsers()).toEqual([pending]);
  });

  it('takes over an e-mail claim left by a creation that stopped, once the claim is older than its lease', async () => {
    const clock = new ManualClock(new Date('2026-06-01T00:00:00.000Z'));
    const c = await open({ clock });
    await putRaw({ pk: 'USERS', sk: 'EMAIL#left@example.com', holder: 'crashed-user', claimedAt: clock.now().toISOString() });
    await expect(c.createUser(makeUser({ email: 'left@example.com' }))).rejects.toBeInstanceOf(ConflictError);
    clock.advance(CLAIM_LEASE_MS + 1);
    const u = await c.createUser(makeUser({ email: 'Left@example.com' }));
    expect(await c.getUserByEmail('left@example.com')).toEqual(u);
  });

  it('frees the old e-mail of a user who changed it, and the hash of a deleted token', async () => {
    const c = await open();
    const u = await c.createUser(makeUser({ email: 'old@example.com' }));
    await c.updateUser(u.id, { email: 'new@example.com' });
    const other = await c.createUser(makeUser({ email: 'OLD@example.com' }));
    expect(await c.getUserByEmail('old@example.com')).toEqual(other);
    await expect(c.updateUser(other.id, { email: 'New@Example.com' })).rejects.toBeInstanceOf(ConflictError);
    // A change of case only keeps the claim.
    expect((await c.updateUser(u.id, { email: 'NEW@example.com' }))?.email).toBe('NEW@example.com');
    expect((await c.getUserByEmail('new@example.com'))?.id).toBe(u.id);

    const t = await c.createApiToken(makeToken());
    expect(await c.deleteApiToken(t.id)).toBe(true);
    const again = await c.createApiToken(makeToken({ tokenHash: t.tokenHash }));
    expect(await c.findApiTokenByHash(t.tokenHash)).toEqual(again);
  });
});
