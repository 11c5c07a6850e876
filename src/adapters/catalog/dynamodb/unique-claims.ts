import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../../../core/errors.ts';
import { isConditionFailed } from './dynamo-errors.ts';
import { PK } from './keys.ts';
import type { ItemKey } from './keys.ts';
import { ExpressionParts, send } from './table-context.ts';
import type { TableContext } from './table-context.ts';

/**
 * Uniqueness on a DynamoDB table without transactions: a claim item per unique value (an
 * e-mail, a token hash) that names its holder (a user id, a token id). The claim is written
 * first, with a condition, and the record it protects after it; a claim whose holder does not
 * hold the value (its record is missing or carries another value, as after a crash between the
 * two writes) is taken over, but only once it is older than CLAIM_LEASE_MS, so that a
 * creation still in progress keeps its claim.
 */

export const CLAIM_LEASE_MS = 60_000;
const MAX_ROUNDS = 5;

type Item = Record<string, unknown>;

/**
 * Claims `key` for `holder`. True when the claim is (now) this holder's; false when another
 * holder holds the value (`holds(other)` is true) or claimed it less than the lease ago.
 */
export async function claimUnique(ctx: TableContext, key: ItemKey, holder: string, holds: (other: string) => Promise<boolean>): Promise<boolean> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = ctx.clock.now().toISOString();
    const parts = new ExpressionParts();
    try {
      await send(ctx, new PutCommand({
        TableName: ctx.table,
        Item: { ...key, holder, claimedAt: now },
        ConditionExpression: `attribute_not_exists(${parts.name(PK)}) OR ${parts.name('holder')} = ${parts.value(holder)}`,
        ...parts.attributes(),
      }));
      return true;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    const current = (await send<{ Item?: Item }>(ctx, new GetCommand({ TableName: ctx.table, Key: key, ConsistentRead: true }))).Item;
    if (!current) continue;
    const other = current.holder as string;
    if (await holds(other)) return false;
    if (Date.parse(current.claimedAt as string) + CLAIM_LEASE_MS > ctx.clock.now().getTime()) return false;
    const take = new ExpressionParts();
    try {
      await send(ctx, new PutCommand({
        TableName: ctx.table,
        Item: { ...key, holder, claimedAt: now },
        ConditionExpression: `${take.name('holder')} = ${take.value(other)} AND ${take.name('claimedAt')} = ${take.value(current.claimedAt)}`,
        ...take.attributes(),
      }));
      return true;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }
  throw new TransientError('A unique value of the DynamoDB catalog is being claimed by other writers: try again');
}

/** Removes `key`'s claim if `holder` holds it. */
export async function releaseClaim(ctx: TableContext, key: ItemKey, holder: string): Promise<void> {
  const parts = new ExpressionParts();
  try {
    await send(ctx, new DeleteCommand({
      TableName: ctx.table,
      Key: key,
      ConditionExpression: `${parts.name('holder')} = ${parts.value(holder)}`,
      ...parts.attributes(),
    }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/** The holder named by `key`'s claim, if any. */
export async function claimHolder(ctx: TableContext, key: ItemKey): Promise<string | null> {
  const out = await send<{ Item?: Item }>(ctx, new GetCommand({ TableName: ctx.table, Key: key, ConsistentRead: true }));
  return typeof out.Item?.holder === 'string' ? out.Item.holder : null;
}
