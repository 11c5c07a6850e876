import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { User } from '../../../core/model/user.ts';
import { isConditionFailed } from './dynamo-errors.ts';
import { firstRunGateKey } from './keys.ts';
import { ExpressionParts, send } from './table-context.ts';
import type { TableContext } from './table-context.ts';

/**
 * The first-run gate: one item that every user creation passes, with a conditional write,
 * before its user is written, so that createFirstUser is one atomic step across connections
 * without transactions. Attributes:
 * - `closed`: true once any user creation has passed (setup is done);
 * - `plainUsers`: how many createUser calls have passed;
 * - `firstUser`: the record of the first user while it is being written. The gate write is the
 *   first user's commit point: a call that stops between the gate and the user item leaves the
 *   record here, and the next createUser, createFirstUser, listUsers or countUsers writes it.
 */

type Item = Record<string, unknown>;

/** A first user recorded at the gate and maybe not written yet. */
export interface PendingFirstUser {
  user: User;
}

function pendingOf(item: Item | undefined): PendingFirstUser | null {
  const user = item?.firstUser;
  return typeof user === 'object' && user !== null ? { user: user as User } : null;
}

async function update(ctx: TableContext, build: (p: ExpressionParts) => { update: string; condition?: string }, returnNew = false): Promise<Item | undefined> {
  const parts = new ExpressionParts();
  const { update: expr, condition } = build(parts);
  const out = await send<{ Attributes?: Item }>(ctx, new UpdateCommand({
    TableName: ctx.table,
    Key: firstRunGateKey(),
    UpdateExpression: expr,
    ...(condition ? { ConditionExpression: condition } : {}),
    ...(returnNew ? { ReturnValues: 'ALL_NEW' } : {}),
    ...parts.attributes(),
  }));
  return out.Attributes;
}

/** Passes the gate for createUser (closing it for createFirstUser); returns a first user still pending. */
export async function closeGateForUser(ctx: TableContext): Promise<PendingFirstUser | null> {
  const item = await update(ctx, (p) => ({ update: `SET ${p.name('closed')} = ${p.value(true)} ADD ${p.name('plainUsers')} ${p.value(1)}` }), true);
  return pendingOf(item);
}

/** Passes the gate as the first user if no user creation has passed it yet. */
export async function passGateAsFirstUser(ctx: TableContext, user: User): Promise<{ passed: true } | { passed: false; pending: PendingFirstUser | null }> {
  try {
    await update(ctx, (p) => ({
      update: `SET ${p.name('closed')} = ${p.value(true)}, ${p.name('firstUser')} = ${p.value(user)}`,
      condition: `attribute_not_exists(${p.name('closed')})`,
    }));
    return { passed: true };
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  return { passed: false, pending: await readPendingFirstUser(ctx) };
}

export async function readPendingFirstUser(ctx: TableContext): Promise<PendingFirstUser | null> {
  const out = await send<{ Item?: Item }>(ctx, new GetCommand({ TableName: ctx.table, Key: firstRunGateKey(), ConsistentRead: true }));
  return pendingOf(out.Item);
}

const isPending = (p: ExpressionParts, id: string) => `${p.name('firstUser')}.${p.name('id')} = ${p.value(id)}`;

/** Writes the pending first user (`write` must be idempotent), then removes its record if it was written. */
export async function settlePendingFirstUser(ctx: TableContext, pending: PendingFirstUser, write: (user: User) => Promise<boolean>): Promise<void> {
  if (!(await write(pending.user))) return;
  try {
    await update(ctx, (p) => ({ update: `REMOVE ${p.name('firstUser')}`, condition: isPending(p, pending.user.id) }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/** After a first user that could not be written: forgets it, and reopens the gate unless a createUser passed. */
export async function openGateAfterFailure(ctx: TableContext, id: string): Promise<void> {
  try {
    await update(ctx, (p) => ({
      update: `REMOVE ${p.name('closed')}, ${p.name('firstUser')}`,
      condition: `${isPending(p, id)} AND attribute_not_exists(${p.name('plainUsers')})`,
    }));
    return;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  try {
    await update(ctx, (p) => ({ update: `REMOVE ${p.name('firstUser')}`, condition: isPending(p, id) }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
