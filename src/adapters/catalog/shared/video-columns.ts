import type { Video } from '../../../core/model/video.ts';

/**
 * How each Video field is stored, shared by the SQL catalogs so that inserts, patches and row
 * decoding are driven by one table instead of hand-written column lists per engine.
 */
export type ColumnKind =
  | 'text'
  | 'textNull'
  | 'int'
  | 'intNull'
  | 'float'
  | 'floatNull'
  | 'bool'
  /** true, false or null. */
  | 'boolNull'
  | 'renditions'
  /** Any JSON value (object or array) or null: JSON text in SQLite and DynamoDB, jsonb in PostgreSQL. */
  | 'json'
  | 'status'
  | 'visibility'
  | 'time';

export interface VideoColumn {
  key: keyof Video;
  column: string;
  kind: ColumnKind;
  /**
   * For optional fields: stored when the field is absent from a created video, and left out of
   * decoded videos when it has this value (so that videos that never used the field read as before).
   */
  default?: unknown;
}

export const VIDEO_COLUMNS: readonly VideoColumn[] = [
  { key: 'id', column: 'id', kind: 'text' },
  { key: 'title', column: 'title', kind: 'text' },
  { key: 'status', column: 'status', kind: 'status' },
  { key: 'progress', column: 'progress', kind: 'float' },
  { key: 'error', column: 'error', kind: 'textNull' },
  { key: 'filename', column: 'filename', kind: 'text' },
  { key: 'contentType', column: 'content_type', kind: 'text' },
  { key: 'sourceSize', column: 'source_size', kind: 'int' },
  { key: 'sourceKey', column: 'source_key', kind: 'text' },
  { key: 'ownerId', column: 'owner_id', kind: 'textNull' },
  { key: 'visibility', column: 'visibility', kind: 'visibility' },
  { key: 'durationSec', column: 'duration_sec', kind: 'floatNull' },
  { key: 'width', column: 'width', kind: 'intNull' },
  { key: 'height', column: 'height', kind: 'intNull' },
  { key: 'renditions', column: 'renditions', kind: 'renditions' },
  { key: 'masterKey', column: 'master_key', kind: 'textNull' },
  { key: 'posterKey', column: 'poster_key', kind: 'textNull' },
  { key: 'thumbnailKey', column: 'thumbnail_key', kind: 'textNull' },
  { key: 'playable', column: 'playable', kind: 'bool' },
  { key: 'encrypted', column: 'encrypted', kind: 'bool', default: false },
  { key: 'retryable', column: 'retryable', kind: 'bool', default: true },
  { key: 'attemptId', column: 'attempt_id', kind: 'textNull', default: null },
  { key: 'encodeJobRef', column: 'encode_job_ref', kind: 'textNull', default: null },
  { key: 'captions', column: 'captions', kind: 'json', default: null },
  { key: 'storyboard', column: 'storyboard', kind: 'json', default: null },
  { key: 'downloads', column: 'downloads', kind: 'boolNull', default: null },
  { key: 'downloadKey', column: 'download_key', kind: 'textNull', default: null },
  { key: 'dashKey', column: 'dash_key', kind: 'textNull', default: null },
  { key: 'posterTimeSec', column: 'poster_time_sec', kind: 'floatNull', default: null },
  { key: 'shares', column: 'shares', kind: 'json', default: null },
  { key: 'createdAt', column: 'created_at', kind: 'time' },
  { key: 'updatedAt', column: 'updated_at', kind: 'time' },
];

/** Fields a patch may change: everything except the identity and the two timestamps. */
const NOT_PATCHABLE = new Set<keyof Video>(['id', 'createdAt', 'updatedAt']);

export const PATCHABLE_VIDEO_COLUMNS: readonly VideoColumn[] = VIDEO_COLUMNS.filter((c) => !NOT_PATCHABLE.has(c.key));

/** Removes optional fields that hold their column's default (see VideoColumn.default). */
export function dropDefaults<T extends Record<string, unknown>>(video: T): T {
  for (const col of VIDEO_COLUMNS) {
    if ('default' in col && video[col.key] === col.default) delete video[col.key];
  }
  return video;
}

/** Columns whose values are stored as JSON (renditions, and the `json` kind). */
export function storedAsJson(kind: ColumnKind): boolean {
  return kind === 'renditions' || kind === 'json';
}
