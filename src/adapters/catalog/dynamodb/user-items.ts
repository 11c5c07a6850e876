import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransientError } from '../../../core/errors.ts';
import type { User } from '../../../core/model/user.ts';
import { emailKey, normalizeUser, normalizeUserPatch } from '../shared/validate.ts';
import type { UserPatch } from '../shared/validate.ts';
import { isConditionFailed } from './dynamo-errors.ts';
import { checkKeyFits, emailClaimKey, keyFits, PK, SK, USER_PREFIX, userKey, USERS_PARTITION } from './keys.ts';
import { claimHolder, claimUnique, releaseClaim } from './unique-claims.ts';
import { ExpressionParts, queryPartition, send } from './table-context.ts';
import type { TableContext } from './table-context.ts';
import { closeGateForUser, openGateAfterFailure, passGateAsFirstUser, readPendingFirstUser, settlePendingFirstUser } from './first-run-gate.ts';
import type { PendingFirstUser } from './first-run-gate.ts';

/**
 * User items of the DynamoDB catalog: one item per user in the USERS partition, with its
 * lower-cased e-mail (`emailKey`); a claim item per e-mail key keeps e-mails unique
 * (unique-claims.ts). A null passwordHash is an absent attribute.
 */

type Item = Record<string, unknown>;

function userToItem(u: User): Item {
  const item: Item = { ...userKey(u.id), id: u.id, email: u.email, emailKey: emailKey(u.email), role: u.role, disabled: u.disabled, createdAt: u.createdAt };
  if (u.passwordHash !== null) item.passwordHash = u.passwordHash;
  return item;
}

function itemToUser(item: Item): User {
  return {
    id: item.id as string,
    email: item.email as string,
    passwordHash: (item.passwordHash as string | undefined) ?? null,
    role: item.role as User['role'],
    disabled: item.disabled === true,
    createdAt: item.createdAt as string,
  };
}

/** The checks of normalizeUser that are DynamoDB's own: the id and e-mail fit in a key. */
function checkUserKeys(u: User): User {
  checkKeyFits('id', userKey(u.id)[SK]!);
  checkKeyFits('email', emailClaimKey(emailKey(u.email))[SK]!);
  return u;
}

async function getUserItem(ctx: TableContext, id: string): Promise<Item | null> {
  if (typeof id !== 'string' || id.length === 0 || !keyFits(userKey(id)[SK]!)) return null;
  const out = await send<{ Item?: Item }>(ctx, new GetCommand({ TableName: ctx.table, Key: userKey(id), ConsistentRead: true }));
  return out.Item ?? null;
}

/** True when user `id` exists with this e-mail key (a claim's holder that holds it). */
const holdsEmail = (ctx: TableContext, key: string) => async (id: string) => (await getUserItem(ctx, id))?.emailKey === key;

/**
 * Claims the e-mail, then writes the user item. With `idempotent`, an identical user item
 * already there counts as written (the first user, completed by another call).
 */
async function writeUser(ctx: TableContext, u: User, idempotent: boolean): Promise<void> {
  const key = emailKey(u.email);
  if (!(await claimUnique(ctx, emailClaimKey(key), u.id, holdsEmail(ctx, key)))) {
    throw new ConflictError(`A user with email ${u.email} already exists`);
  }
  const parts = new ExpressionParts();
  try {
    await send(ctx, new PutCommand({ TableName: ctx.table, Item: userToItem(u), ConditionExpression: `attribute_not_exists(${parts.name(PK)})`, ...parts.attributes() }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const existing = await getUserItem(ctx, u.id);
    if (idempotent && existing && existing.emailKey === key && existing.createdAt === u.createdAt) return;
    if (!existing || existing.emailKey !== key) await releaseClaim(ctx, emailClaimKey(key), u.id);
    throw new ConflictError(`A user with id ${u.id} already exists`);
  }
}

/** Writes the first user recorded at the gate by a call that did not finish (or has not yet). */
async function completeFirstUser(ctx: TableContext, pending: PendingFirstUser | null): Promise<void> {
  if (!pending) return;
  await settlePendingFirstUser(ctx, pending, async (user) => {
    try {
      await writeUser(ctx, user, true);
      return true;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Its e-mail is claimed: the call that recorded it reopens setup, unless the user exists after all.
      return (await getUserItem(ctx, user.id)) !== null;
    }
  });
}

export async function createUser(ctx: TableContext, user: User): Promise<User> {
  const u = checkUserKeys(normalizeUser(user));
  await completeFirstUser(ctx, await closeGateForUser(ctx));
  await writeUser(ctx, u, false);
  return u;
}

export async function createFirstUser(ctx: TableContext, user: User): Promise<User | null> {
  const u = checkUserKeys(normalizeUser(user));
  const passed = await passGateAsFirstUser(ctx, u);
  if (!passed.passed) {
    await completeFirstUser(ctx, passed.pending);
    return null;
  }
  try {
    await writeUser(ctx, u, true);
  } catch (err) {
    // A conflict here comes from a recent claim of the e-mail: no user was stored, so setup stays open.
    if (err instanceof ConflictError) await openGateAfterFailure(ctx, u.id);
    throw err;
  }
  await settlePendingFirstUser(ctx, { user: u }, async () => true);
  return u;
}

export async function getUser(ctx: TableContext, id: string): Promise<User | null> {
  const item = await getUserItem(ctx, id);
  return item ? itemToUser(item) : null;
}

export async function getUserByEmail(ctx: TableContext, email: string): Promise<User | null> {
  if (typeof email !== 'string' || email.length === 0) return null;
  const key = emailKey(email);
  if (!keyFits(emailClaimKey(key)[SK]!)) return null;
  const holder = await claimHolder(ctx, emailClaimKey(key));
  if (!holder) return null;
  const item = await getUserItem(ctx, holder);
  return item && item.emailKey === key ? itemToUser(item) : null;
}

export async function listUsers(ctx: TableContext): Promise<User[]> {
  await completeFirstUser(ctx, await readPendingFirstUser(ctx));
  const { items } = await queryPartition(ctx, USERS_PARTITION, USER_PREFIX);
  return items.map(itemToUser).sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function countUsers(ctx: TableContext): Promise<number> {
  await completeFirstUser(ctx, await readPendingFirstUser(ctx));
  return (await queryPartition(ctx, USERS_PARTITION, USER_PREFIX, true)).count;
}

const MAX_UPDATE_ROUNDS = 5;

/**
 * Claims a new e-mail before the user item changes, under the condition that the e-mail is
 * still the one read (a concurrent change makes it read again), and releases the old claim after.
 */
export async function updateUser(ctx: TableContext, id: string, patch: UserPatch): Promise<User | null> {
  const p = normalizeUserPatch(patch);
  for (let round = 0; round < MAX_UPDATE_ROUNDS; round++) {
    const current = await getUserItem(ctx, id);
    if (!current) return null;
    const oldKey = current.emailKey as string;
    const newKey = p.email === undefined ? oldKey : emailKey(p.email);
    const parts = new ExpressionParts();
    const sets: string[] = [];
    const removes: string[] = [];
    const set = (attr: string, value: unknown) => sets.push(`${parts.name(attr)} = ${parts.value(value)}`);
    if (p.email !== undefined) {
      set('email', p.email);
      set('emailKey', newKey);
    }
    if (p.passwordHash !== undefined) {
      if (p.passwordHash === null) removes.push(parts.name('passwordHash'));
      else set('passwordHash', p.passwordHash);
    }
    if (p.role !== undefined) set('role', p.role);
    if (p.disabled !== undefined) set('disabled', p.disabled);
    if (sets.length === 0 && removes.length === 0) return itemToUser(current);

    const moving = newKey !== oldKey;
    if (moving) checkKeyFits('email', emailClaimKey(newKey)[SK]!);
    if (moving && !(await claimUnique(ctx, emailClaimKey(newKey), id, holdsEmail(ctx, newKey)))) {
      throw new ConflictError(`A user with email ${p.email} already exists`);
    }
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    try {
      const out = await send<{ Attributes?: Item }>(ctx, new UpdateCommand({
        TableName: ctx.table,
        Key: userKey(id),
        UpdateExpression: update,
        ConditionExpression: `attribute_exists(${parts.name(PK)}) AND ${parts.name('emailKey')} = ${parts.value(oldKey)}`,
        ReturnValues: 'ALL_NEW',
        ...parts.attributes(),
      }));
      if (moving) await releaseClaim(ctx, emailClaimKey(oldKey), id);
      return itemToUser(out.Attributes!);
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      if (moving && (await getUserItem(ctx, id))?.emailKey !== newKey) await releaseClaim(ctx, emailClaimKey(newKey), id);
    }
  }
  throw new TransientError('The user is being changed by other writers: try again');
}
