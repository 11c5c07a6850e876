import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../../core/errors.ts';
import type { Video, VideoPatch } from '../../../core/model/video.ts';
import type { UpdateOptions } from '../../../core/ports/catalog.ts';
import { checkStatuses, checkVideoValue, normalizeVideo, videoPatchEntries } from '../shared/validate.ts';
import { dropDefaults, storedAsJson, VIDEO_COLUMNS } from '../shared/video-columns.ts';
import { isConditionFailed } from './dynamo-errors.ts';
import {
  BY_CREATED,
  BY_OWNER,
  BY_VISIBILITY,
  checkKeyFits,
  CREATED_KEY,
  createdKey,
  keyFits,
  MAX_PARTITION_KEY_BYTES,
  ownerKey,
  PK,
  VIDEO_KIND,
  videoKey,
  visibilityKey,
} from './keys.ts';
import { ExpressionParts, send } from './table-context.ts';
import type { TableContext } from './table-context.ts';

/**
 * Video items of the DynamoDB catalog: one item per video, its attributes named like the Video
 * fields. Null fields are absent from the item; renditions are stored as JSON text (exactly what
 * was given, as in the SQL catalogs). Each item carries the index attributes of table-design.ts.
 */

type Item = Record<string, unknown>;

const OWNER_KEY = BY_OWNER.partitionKey.name;
const VISIBILITY_KEY = BY_VISIBILITY.partitionKey.name;

export function videoToItem(v: Video): Item {
  const item: Item = {
    ...videoKey(v.id),
    [BY_CREATED.partitionKey.name]: VIDEO_KIND,
    [CREATED_KEY]: createdKey(v.createdAt, v.id),
    [VISIBILITY_KEY]: visibilityKey(v.visibility),
  };
  if (v.ownerId !== null) item[OWNER_KEY] = ownerKey(v.ownerId);
  for (const col of VIDEO_COLUMNS) {
    const value = v[col.key];
    if (value === null || value === undefined) continue;
    item[col.key] = storedAsJson(col.kind) ? JSON.stringify(value) : value;
  }
  return item;
}

export function itemToVideo(item: Item): Video {
  const video: Record<string, unknown> = {};
  for (const col of VIDEO_COLUMNS) {
    const raw = item[col.key];
    if (raw === undefined || raw === null) video[col.key] = null;
    else if (storedAsJson(col.kind)) video[col.key] = JSON.parse(raw as string);
    else video[col.key] = raw;
  }
  return dropDefaults(video) as unknown as Video;
}

const exists = (parts: ExpressionParts) => `attribute_exists(${parts.name(PK)})`;

function statusIn(parts: ExpressionParts, statuses: string[]): string {
  return `${parts.name('status')} IN (${statuses.map((s) => parts.value(s)).join(', ')})`;
}

export async function createVideo(ctx: TableContext, video: Video): Promise<Video> {
  const v = normalizeVideo(video);
  checkKeyFits('id', createdKey(v.createdAt, v.id));
  if (v.ownerId !== null) checkKeyFits('ownerId', ownerKey(v.ownerId), MAX_PARTITION_KEY_BYTES);
  const item = videoToItem(v);
  const parts = new ExpressionParts();
  try {
    await send(ctx, new PutCommand({ TableName: ctx.table, Item: item, ConditionExpression: `attribute_not_exists(${parts.name(PK)})`, ...parts.attributes() }));
  } catch (err) {
    if (isConditionFailed(err)) throw new ConflictError(`A video with id ${v.id} already exists`);
    throw err;
  }
  return itemToVideo(item);
}

export async function getVideo(ctx: TableContext, id: string): Promise<Video | null> {
  if (typeof id !== 'string' || id.length === 0 || !keyFits(id)) return null;
  const out = await send<{ Item?: Item }>(ctx, new GetCommand({ TableName: ctx.table, Key: videoKey(id), ConsistentRead: true }));
  return out.Item ? itemToVideo(out.Item) : null;
}

/** One UpdateItem: the patch, updatedAt and the index attributes, under the compare-and-set condition. */
export async function updateVideo(ctx: TableContext, id: string, patch: VideoPatch, options: UpdateOptions = {}): Promise<Video | null> {
  const entries = videoPatchEntries(patch);
  const expect = options.expectStatus === undefined ? null : checkStatuses(options.expectStatus, 'expectStatus');
  const expectAttempt =
    options.expectAttemptId === undefined ? undefined : (checkVideoValue('textNull', 'expectAttemptId', options.expectAttemptId) as string | null);
  if (expect && expect.length === 0) return null;
  if (typeof id !== 'string' || id.length === 0 || !keyFits(id)) return null;

  const parts = new ExpressionParts();
  const sets: string[] = [];
  const removes: string[] = [];
  for (const { col, value } of entries) {
    if (value === null) removes.push(parts.name(col.key));
    else sets.push(`${parts.name(col.key)} = ${parts.value(storedAsJson(col.kind) ? JSON.stringify(value) : value)}`);
    if (col.key === 'ownerId') {
      if (value === null) removes.push(parts.name(OWNER_KEY));
      else {
        checkKeyFits('ownerId', ownerKey(value as string), MAX_PARTITION_KEY_BYTES);
        sets.push(`${parts.name(OWNER_KEY)} = ${parts.value(ownerKey(value as string))}`);
      }
    }
    if (col.key === 'visibility') sets.push(`${parts.name(VISIBILITY_KEY)} = ${parts.value(visibilityKey(value as string))}`);
  }
  sets.push(`${parts.name('updatedAt')} = ${parts.value(ctx.clock.now().toISOString())}`);

  const conditions = [exists(parts)];
  if (expect) conditions.push(statusIn(parts, expect));
  if (expectAttempt === null) conditions.push(`attribute_not_exists(${parts.name('attemptId')})`);
  else if (expectAttempt !== undefined) conditions.push(`${parts.name('attemptId')} = ${parts.value(expectAttempt)}`);

  const update = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
  try {
    const out = await send<{ Attributes?: Item }>(
      ctx,
      new UpdateCommand({
        TableName: ctx.table,
        Key: videoKey(id),
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ReturnValues: 'ALL_NEW',
        ...parts.attributes(),
      }),
    );
    return out.Attributes ? itemToVideo(out.Attributes) : null;
  } catch (err) {
    if (isConditionFailed(err)) return null;
    throw err;
  }
}

export async function deleteVideo(ctx: TableContext, id: string, options: Pick<UpdateOptions, 'expectStatus'> = {}): Promise<boolean> {
  const expect = options.expectStatus === undefined ? null : checkStatuses(options.expectStatus, 'expectStatus');
  if (expect && expect.length === 0) return false;
  if (typeof id !== 'string' || id.length === 0 || !keyFits(id)) return false;
  const parts = new ExpressionParts();
  const conditions = [exists(parts)];
  if (expect) conditions.push(statusIn(parts, expect));
  try {
    await send(ctx, new DeleteCommand({ TableName: ctx.table, Key: videoKey(id), ConditionExpression: conditions.join(' AND '), ...parts.attributes() }));
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}
