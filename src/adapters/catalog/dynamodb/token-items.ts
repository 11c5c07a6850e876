import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../../core/errors.ts';
import type { ApiToken } from '../../../core/model/user.ts';
import { normalizeApiToken, normalizeTimestamp } from '../shared/validate.ts';
import { isConditionFailed } from './dynamo-errors.ts';
import { checkKeyFits, keyFits, PK, SK, TOKEN_PREFIX, tokenHashClaimKey, tokenKey, TOKENS_PARTITION } from './keys.ts';
import { claimHolder, claimUnique, releaseClaim } from './unique-claims.ts';
import { ExpressionParts, queryPartition, send } from './table-context.ts';
import type { TableContext } from './table-context.ts';

/**
 * API token items of the DynamoDB catalog: one item per token in the TOKENS partition; a claim
 * item per token hash keeps hashes unique and finds a token by its hash (unique-claims.ts).
 * A null userId or lastUsedAt is an absent attribute.
 */

type Item = Record<string, unknown>;

function tokenToItem(t: ApiToken): Item {
  const item: Item = { ...tokenKey(t.id), id: t.id, name: t.name, tokenHash: t.tokenHash, createdAt: t.createdAt };
  if (t.userId !== null) item.userId = t.userId;
  if (t.lastUsedAt !== null) item.lastUsedAt = t.lastUsedAt;
  return item;
}

function itemToToken(item: Item): ApiToken {
  return {
    id: item.id as string,
    name: item.name as string,
    tokenHash: item.tokenHash as string,
    userId: (item.userId as string | undefined) ?? null,
    createdAt: item.createdAt as string,
    lastUsedAt: (item.lastUsedAt as string | undefined) ?? null,
  };
}

async function getTokenItem(ctx: TableContext, id: string): Promise<Item | null> {
  if (typeof id !== 'string' || id.length === 0 || !keyFits(tokenKey(id)[SK]!)) return null;
  const out = await send<{ Item?: Item }>(ctx, new GetCommand({ TableName: ctx.table, Key: tokenKey(id), ConsistentRead: true }));
  return out.Item ?? null;
}

export async function createApiToken(ctx: TableContext, token: ApiToken): Promise<ApiToken> {
  const t = normalizeApiToken(token);
  const claim = tokenHashClaimKey(t.tokenHash);
  checkKeyFits('id', tokenKey(t.id)[SK]!);
  checkKeyFits('tokenHash', claim[SK]!);
  const holds = async (id: string) => (await getTokenItem(ctx, id))?.tokenHash === t.tokenHash;
  if (!(await claimUnique(ctx, claim, t.id, holds))) throw new ConflictError('An API token with this hash already exists');
  const parts = new ExpressionParts();
  try {
    await send(ctx, new PutCommand({ TableName: ctx.table, Item: tokenToItem(t), ConditionExpression: `attribute_not_exists(${parts.name(PK)})`, ...parts.attributes() }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    if (!(await holds(t.id))) await releaseClaim(ctx, claim, t.id);
    throw new ConflictError(`An API token with id ${t.id} already exists`);
  }
  return t;
}

export async function findApiTokenByHash(ctx: TableContext, tokenHash: string): Promise<ApiToken | null> {
  if (typeof tokenHash !== 'string' || tokenHash.length === 0 || !keyFits(tokenHashClaimKey(tokenHash)[SK]!)) return null;
  const holder = await claimHolder(ctx, tokenHashClaimKey(tokenHash));
  if (!holder) return null;
  const item = await getTokenItem(ctx, holder);
  return item && item.tokenHash === tokenHash ? itemToToken(item) : null;
}

export async function listApiTokens(ctx: TableContext): Promise<ApiToken[]> {
  const { items } = await queryPartition(ctx, TOKENS_PARTITION, TOKEN_PREFIX);
  return items.map(itemToToken).sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function touchApiToken(ctx: TableContext, id: string, at: string): Promise<void> {
  const when = normalizeTimestamp(at, 'at');
  if (typeof id !== 'string' || id.length === 0 || !keyFits(tokenKey(id)[SK]!)) return;
  const parts = new ExpressionParts();
  try {
    await send(ctx, new UpdateCommand({
      TableName: ctx.table,
      Key: tokenKey(id),
      UpdateExpression: `SET ${parts.name('lastUsedAt')} = ${parts.value(when)}`,
      ConditionExpression: `attribute_exists(${parts.name(PK)})`,
      ...parts.attributes(),
    }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/** Deletes the token, then its hash claim. */
export async function deleteApiToken(ctx: TableContext, id: string): Promise<boolean> {
  if (typeof id !== 'string' || id.length === 0 || !keyFits(tokenKey(id)[SK]!)) return false;
  const parts = new ExpressionParts();
  let old: Item | undefined;
  try {
    const out = await send<{ Attributes?: Item }>(ctx, new DeleteCommand({
      TableName: ctx.table,
      Key: tokenKey(id),
      ConditionExpression: `attribute_exists(${parts.name(PK)})`,
      ReturnValues: 'ALL_OLD',
      ...parts.attributes(),
    }));
    old = out.Attributes;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
  if (typeof old?.tokenHash === 'string') await releaseClaim(ctx, tokenHashClaimKey(old.tokenHash), id);
  return true;
}
