import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../../core/ports/clock.ts';
import { mapDynamoError } from './dynamo-errors.ts';
import { PK, SK } from './keys.ts';

/** What the item modules of the DynamoDB catalog share: the document client, the table and the clock. */
export interface TableContext {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly clock: Clock;
}

/** Sends a document-client command; DynamoDB's errors come back through mapDynamoError. */
export async function send<T>(ctx: TableContext, command: object): Promise<T> {
  try {
    return (await ctx.doc.send(command as never)) as T;
  } catch (err) {
    throw mapDynamoError(err);
  }
}

/** Names and values of an expression, added as they are used (DynamoDB refuses unused ones). */
export class ExpressionParts {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private next = 0;

  /** Placeholder for an attribute name. */
  name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** Placeholder for a value. */
  value(v: unknown): string {
    const placeholder = `:v${this.next++}`;
    this.values[placeholder] = v;
    return placeholder;
  }

  /** The two maps, left out when empty. */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

type Item = Record<string, unknown>;

/** Every item of `partition` whose sort key starts with `prefix` (consistent read, all pages). */
export async function queryPartition(ctx: TableContext, partition: string, prefix: string, count = false): Promise<{ items: Item[]; count: number }> {
  const items: Item[] = [];
  let total = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const parts = new ExpressionParts();
    const out = await send<{ Items?: Item[]; Count?: number; LastEvaluatedKey?: Record<string, unknown> }>(ctx, new QueryCommand({
      TableName: ctx.table,
      KeyConditionExpression: `${parts.name(PK)} = ${parts.value(partition)} AND begins_with(${parts.name(SK)}, ${parts.value(prefix)})`,
      ConsistentRead: true,
      ...(count ? { Select: 'COUNT' } : {}),
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      ...parts.attributes(),
    }));
    items.push(...(out.Items ?? []));
    total += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return { items, count: total };
}
