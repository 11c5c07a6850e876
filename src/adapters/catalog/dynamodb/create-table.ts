import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { AttributeDefinition, DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../../../core/errors.ts';
import { CATALOG_TABLE } from './table-design.ts';

/**
 * Creates the catalog table of table-design.ts (on-demand billing, every index projecting all
 * attributes), for local DynamoDB, dynalite and the tests; on AWS the CDK stack creates it.
 * An existing table is kept if its keys and indexes are the design's, refused otherwise.
 * Resolves once the table is ACTIVE.
 */
export async function createCatalogTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  const attributes = new Map<string, AttributeDefinition>();
  const define = (k: { name: string; type: string }) => attributes.set(k.name, { AttributeName: k.name, AttributeType: k.type as 'S' });
  define(CATALOG_TABLE.partitionKey);
  define(CATALOG_TABLE.sortKey);
  for (const gsi of CATALOG_TABLE.globalSecondaryIndexes) {
    define(gsi.partitionKey);
    define(gsi.sortKey);
  }
  let outcome: 'created' | 'exists' = 'created';
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes.values()],
        KeySchema: [
          { AttributeName: CATALOG_TABLE.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: CATALOG_TABLE.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: CATALOG_TABLE.globalSecondaryIndexes.map((gsi) => ({
          IndexName: gsi.indexName,
          KeySchema: [
            { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
  } catch (err) {
    if ((err as { name?: string })?.name !== 'ResourceInUseException') throw err;
    outcome = 'exists';
  }
  let { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.TableStatus !== 'ACTIVE') {
    await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
    ({ Table } = await client.send(new DescribeTableCommand({ TableName: tableName })));
  }
  if (outcome === 'exists') checkTableMatchesDesign(tableName, Table);
  return outcome;
}

function keyNames(schema: Array<{ AttributeName?: string; KeyType?: string }> | undefined): string {
  return (schema ?? []).map((k) => `${k.KeyType}:${k.AttributeName}`).join(',');
}

function checkTableMatchesDesign(tableName: string, table: TableDescription | undefined): void {
  const want = `HASH:${CATALOG_TABLE.partitionKey.name},RANGE:${CATALOG_TABLE.sortKey.name}`;
  const problems: string[] = [];
  if (keyNames(table?.KeySchema) !== want) problems.push('its key schema differs');
  const indexes = new Map((table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, keyNames(i.KeySchema)]));
  for (const gsi of CATALOG_TABLE.globalSecondaryIndexes) {
    if (indexes.get(gsi.indexName) !== `HASH:${gsi.partitionKey.name},RANGE:${gsi.sortKey.name}`) problems.push(`index ${gsi.indexName} is missing or differs`);
  }
  if (problems.length) {
    throw new ConfigurationError(`The DynamoDB table ${tableName} exists but is not a vodkit catalog table: ${problems.join('; ')}`);
  }
}
