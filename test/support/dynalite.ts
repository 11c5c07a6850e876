import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { createCatalogTable } from '../../src/adapters/catalog/dynamodb/create-table.ts';

/**
 * An in-process dynalite 4 (an in-memory DynamoDB) on 127.0.0.1 (random port), with catalog
 * tables made on demand from the catalog's table design.
 *
 * dynalite 4.0.0 differs from DynamoDB in ways that matter here: it has no TransactWriteItems or
 * TransactGetItems (the catalog uses single-item conditional writes only), and its global
 * secondary indexes are updated with the item, where DynamoDB's are eventually consistent.
 */
export interface DynaliteHandle {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A client for the server (closed by stop()). */
  client: DynamoDBClient;
  /** Creates a fresh catalog table with a unique name and returns the name. */
  createCatalogTable(): Promise<string>;
  deleteTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

type DynaliteServer = Server;
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => DynaliteServer;

let tableSeq = 0;

export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('dynalite did not report its port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'DYNALITE', secretAccessKey: 'DYNALITE' };
  const client = new DynamoDBClient({ endpoint, region, credentials });
  return {
    endpoint,
    region,
    credentials,
    client,
    async createCatalogTable() {
      tableSeq += 1;
      const name = `vodkit-catalog-${process.pid}-${tableSeq}`;
      await createCatalogTable(client, name);
      return name;
    },
    async deleteTable(name) {
      await client.send(new DeleteTableCommand({ TableName: name }));
    },
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
