import { ValidationError } from '../../../core/errors.ts';
import type { Video } from '../../../core/model/video.ts';
import type { ListVideosQuery, Page } from '../../../core/ports/catalog.ts';
import { searchWords } from '../../../core/videos/title-words.ts';
import { comparePositions, decodeCursor, encodeCursor, normalizeOrder, positionOf } from './list-order.ts';
import type { CursorPosition, ListOrder } from './list-order.ts';
import { checkStatuses, checkVisibilities } from './validate.ts';

/**
 * Keyset pagination shared by the SQL catalogs, in the orders of list-order.ts (default
 * created_at DESC, id DESC). The next page starts strictly after the cursor position.
 *
 * Filters: an empty array matches nothing (status: [] gives an empty list; ownerId plus
 * visibility: [] gives the owner's videos only). A search is the folded words of `search`
 * (core/videos/title-words.ts); each engine matches them as word prefixes of the title.
 */

export const MAX_LIST_LIMIT = 100;

export interface NormalizedListQuery {
  limit: number;
  order: ListOrder;
  after: CursorPosition | null;
  /** The folded words every title must begin; absent: no search. */
  words?: string[];
  status?: string[];
  ownerId?: string;
  visibility?: string[];
  sharedWith?: string;
  onlyVisibility?: string[];
}

export function normalizeListQuery(query: ListVideosQuery): NormalizedListQuery {
  if (typeof query !== 'object' || query === null) throw new ValidationError('list query must be an object');
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  const order = normalizeOrder(query.sort, query.order);
  const out: NormalizedListQuery = {
    limit,
    order,
    after: query.cursor === undefined || query.cursor === null ? null : decodeCursor(query.cursor, order),
  };
  if (query.search !== undefined && query.search !== null) {
    if (typeof query.search !== 'string') throw new ValidationError('search must be a string');
    const words = searchWords(query.search);
    if (words.length) out.words = words;
  }
  if (query.status !== undefined) out.status = checkStatuses(query.status, 'status');
  if (query.visibility !== undefined) out.visibility = checkVisibilities(query.visibility, 'visibility');
  if (query.onlyVisibility !== undefined) out.onlyVisibility = checkVisibilities(query.onlyVisibility, 'onlyVisibility');
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
  /** The condition "every one of these folded words begins a word of the title". */
  search(words: string[]): string;
}

/** The column and nullability of each sort (title_key: the title's key, kept by the catalog). */
const SORT_COLUMNS = { created: 'created_at', title: 'title_key', duration: 'duration_sec' } as const;

/** "Strictly after `pos`" in the order `o`, NULLs (unknown durations) last in both directions. */
function afterCondition(o: ListOrder, pos: CursorPosition, d: SqlDialect): string {
  const col = SORT_COLUMNS[o.sort];
  const cmp = o.order === 'asc' ? '>' : '<';
  const id = () => d.param(pos.id);
  if (pos.value === null) return `(${col} IS NULL AND id ${cmp} ${id()})`;
  const value = () => (o.sort === 'created' ? d.timeParam(pos.value as string) : d.param(pos.value));
  const tuple = `(${col}, id) ${cmp} (${value()}, ${id()})`;
  return o.sort === 'duration' ? `(${col} IS NULL OR ${tuple})` : tuple;
}

function inList(column: string, values: string[], d: SqlDialect): string {
  if (values.length === 0) return '1 = 0';
  return `${column} IN (${values.map((v) => d.param(v)).join(', ')})`;
}

/** WHERE clause (without the keyword; "1 = 1" when unfiltered) and the ORDER/LIMIT tail. */
export function buildListSql(q: NormalizedListQuery, d: SqlDialect): { where: string; tail: string } {
  const conds: string[] = [];
  if (q.after) conds.push(afterCondition(q.order, q.after, d));
  if (q.words) conds.push(d.search(q.words));
  if (q.status) conds.push(inList('status', q.status, d));
  if (q.onlyVisibility) conds.push(inList('visibility', q.onlyVisibility, d));
  const any: string[] = [];
  if (q.ownerId !== undefined) any.push(`owner_id = ${d.param(q.ownerId)}`);
  if (q.visibility) any.push(inList('visibility', q.visibility, d));
  if (q.sharedWith !== undefined) any.push(d.sharedWith(q.sharedWith));
  if (any.length) conds.push(any.length === 1 ? any[0]! : `(${any.join(' OR ')})`);
  return {
    where: conds.length ? conds.join(' AND ') : '1 = 1',
    tail: `ORDER BY ${orderBy(q.order)} LIMIT ${q.limit + 1}`,
  };
}

function orderBy(o: ListOrder): string {
  const dir = o.order.toUpperCase();
  const nulls = o.sort === 'duration' ? ' NULLS LAST' : '';
  return `${SORT_COLUMNS[o.sort]} ${dir}${nulls}, id ${dir}`;
}

/** Turns the limit+1 fetched rows into a page; nextCursor is null on the last page. */
export function toPage(rows: Video[], limit: number, order: ListOrder): Page<Video> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor(order, positionOf(last, order)) : null;
  return { items, nextCursor };
}

/** Sorts videos in list order, in memory (a catalog without an index for the order). */
export function sortVideos(videos: Video[], order: ListOrder): Video[] {
  return videos
    .map((v) => ({ v, pos: positionOf(v, order) }))
    .sort((a, b) => comparePositions(a.pos, b.pos, order))
    .map((x) => x.v);
}

/** Whether `video` comes strictly after the cursor position (true without one). */
export function isAfter(video: Video, q: NormalizedListQuery): boolean {
  return !q.after || comparePositions(positionOf(video, q.order), q.after, q.order) > 0;
}
