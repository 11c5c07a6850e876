import { ValidationError } from '../../../core/errors.ts';
import type { Video } from '../../../core/model/video.ts';
import type { ListVideosQuery, Page } from '../../../core/ports/catalog.ts';
import { checkStatuses, checkVisibilities, normalizeTimestamp } from './validate.ts';

/**
 * Keyset pagination shared by the SQL catalogs. Order is (created_at DESC, id DESC); a cursor is
 * the (createdAt, id) of the last item of a page, as base64url JSON. Rows inserted between two
 * page requests never shift later pages: the next page starts strictly after the cursor position.
 *
 * Filters: an empty array matches nothing (status: [] gives an empty list; ownerId plus
 * visibility: [] gives the owner's videos only).
 */

export const MAX_LIST_LIMIT = 100;

export interface CursorPosition {
  createdAt: string;
  id: string;
}

export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([pos.createdAt, pos.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const bad = () => new ValidationError('cursor is not valid: use the nextCursor value of a previous page');
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > 4096) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string'
  ) {
    throw bad();
  }
  let createdAt: string;
  try {
    createdAt = normalizeTimestamp(parsed[0], 'cursor');
  } catch {
    throw bad();
  }
  return { createdAt, id: parsed[1] };
}

export interface NormalizedListQuery {
  limit: number;
  after: CursorPosition | null;
  status?: string[];
  ownerId?: string;
  visibility?: string[];
  sharedWith?: string;
}

export function normalizeListQuery(query: ListVideosQuery): NormalizedListQuery {
  if (typeof query !== 'object' || query === null) throw new ValidationError('list query must be an object');
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  const out: NormalizedListQuery = {
    limit,
    after: query.cursor === undefined || query.cursor === null ? null : decodeCursor(query.cursor),
  };
  if (query.status !== undefined) out.status = checkStatuses(query.status, 'status');
  if (query.visibility !== undefined) out.visibility = checkVisibilities(query.visibility, 'visibility');
  if (query.ownerId !== undefined) {
    if (typeof query.ownerId !== 'string') throw new ValidationError('ownerId must be a string');
    out.ownerId = query.ownerId;
  }
  if (query.sharedWith !== undefined) {
    if (typeof query.sharedWith !== 'string' || !query.sharedWith) throw new ValidationError('sharedWith must be a user id');
    out.sharedWith = query.sharedWith;
  }
  return out;
}

export interface SqlDialect {
  /** Adds a bound parameter and returns its placeholder. */
  param(value: unknown): string;
  /** Same, for a value compared with created_at. */
  timeParam(value: string): string;
  /** The condition "the `shares` column holds this user id". */
  sharedWith(userId: string): string;
}

function inList(column: string, values: string[], d: SqlDialect): string {
  if (values.length === 0) return '1 = 0';
  return `${column} IN (${values.map((v) => d.param(v)).join(', ')})`;
}

/** WHERE clause (without the keyword; "1 = 1" when unfiltered) and the ORDER/LIMIT tail. */
export function buildListSql(q: NormalizedListQuery, d: SqlDialect): { where: string; tail: string } {
  const conds: string[] = [];
  if (q.after) {
    conds.push(`(created_at, id) < (${d.timeParam(q.after.createdAt)}, ${d.param(q.after.id)})`);
  }
  if (q.status) conds.push(inList('status', q.status, d));
  const any: string[] = [];
  if (q.ownerId !== undefined) any.push(`owner_id = ${d.param(q.ownerId)}`);
  if (q.visibility) any.push(inList('visibility', q.visibility, d));
  if (q.sharedWith !== undefined) any.push(d.sharedWith(q.sharedWith));
  if (any.length) conds.push(any.length === 1 ? any[0]! : `(${any.join(' OR ')})`);
  return {
    where: conds.length ? conds.join(' AND ') : '1 = 1',
    tail: `ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`,
  };
}

/** Turns the limit+1 fetched rows into a page; nextCursor is null on the last page. */
export function toPage(rows: Video[], limit: number): Page<Video> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
  return { items, nextCursor };
}
