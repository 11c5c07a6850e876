import { ValidationError } from '../../../core/errors.ts';
import type { Video } from '../../../core/model/video.ts';
import type { SortOrder, VideoSort } from '../../../core/ports/catalog.ts';
import { titleKey } from '../../../core/videos/title-words.ts';
import { normalizeTimestamp } from './validate.ts';

/**
 * The orders of a video list and their cursors, shared by the three catalogs. A list is ordered
 * by one value (createdAt, the title's key, or durationSec with unknown durations last in both
 * orders), then by id in the same direction, so that every position is unique. A cursor is the
 * position of the last item of a page, as base64url JSON: `[createdAt, id]` for newest first (the
 * default), `["<sort>:<order>", value, id]` for the others. The next page starts strictly after
 * it, so rows inserted or deleted between two requests never shift later pages.
 */

export const SORTS: readonly VideoSort[] = ['created', 'title', 'duration'];

export interface ListOrder {
  sort: VideoSort;
  order: SortOrder;
}

export interface CursorPosition {
  /** createdAt (normalized), the title key, or durationSec (null: unknown). */
  value: string | number | null;
  id: string;
}

export function normalizeOrder(sort: unknown, order: unknown): ListOrder {
  const s = sort ?? 'created';
  if (!SORTS.includes(s as VideoSort)) throw new ValidationError(`sort must be one of ${SORTS.join(', ')}`);
  const o = order ?? (s === 'created' ? 'desc' : 'asc');
  if (o !== 'asc' && o !== 'desc') throw new ValidationError('order must be asc or desc');
  return { sort: s as VideoSort, order: o };
}

const isDefault = (o: ListOrder) => o.sort === 'created' && o.order === 'desc';
const tag = (o: ListOrder) => `${o.sort}:${o.order}`;

/** The value a video is ordered by. */
export function sortValue(video: Video, o: ListOrder): string | number | null {
  if (o.sort === 'created') return video.createdAt;
  if (o.sort === 'title') return titleKey(video.title);
  return video.durationSec;
}

export function encodeCursor(o: ListOrder, pos: CursorPosition): string {
  const json = isDefault(o) ? [pos.value, pos.id] : [tag(o), pos.value, pos.id];
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, o: ListOrder): CursorPosition {
  const bad = () => new ValidationError('cursor is not valid: use the nextCursor value of a previous page');
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > 4096) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed)) throw bad();
  const parts = parsed.length === 2 ? ['created:desc', ...parsed] : parsed;
  if (parts.length !== 3 || typeof parts[0] !== 'string' || typeof parts[2] !== 'string') throw bad();
  if (parts[0] !== tag(o)) throw new ValidationError('cursor belongs to another sort or order: use it with the query of the page that gave it');
  const value: unknown = parts[1];
  if (o.sort === 'created') {
    try {
      return { value: normalizeTimestamp(value, 'cursor'), id: parts[2] };
    } catch {
      throw bad();
    }
  }
  if (o.sort === 'title' ? typeof value !== 'string' : value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw bad();
  return { value: value as string | number | null, id: parts[2] };
}

/** DynamoDB and the SQL catalogs (binary collation) order strings by their UTF-8 bytes. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Compares two positions in list order (negative: `a` comes first). */
export function comparePositions(a: CursorPosition, b: CursorPosition, o: ListOrder): number {
  const dir = o.order === 'asc' ? 1 : -1;
  if (a.value !== b.value) {
    if (a.value === null) return 1; // unknown durations last, in both orders
    if (b.value === null) return -1;
    const c = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : byteOrder(String(a.value), String(b.value));
    if (c !== 0) return c * dir;
  }
  return byteOrder(a.id, b.id) * dir;
}

export function positionOf(video: Video, o: ListOrder): CursorPosition {
  return { value: sortValue(video, o), id: video.id };
}
