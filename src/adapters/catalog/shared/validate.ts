import { ValidationError } from '../../../core/errors.ts';
import { VIDEO_STATUSES } from '../../../core/model/video.ts';
import type { Rendition, Video, VideoPatch } from '../../../core/model/video.ts';
import type { ApiToken, Role, User } from '../../../core/model/user.ts';
import { PATCHABLE_VIDEO_COLUMNS, VIDEO_COLUMNS } from './video-columns.ts';
import type { ColumnKind, VideoColumn } from './video-columns.ts';

/**
 * Input checks shared by the SQL catalogs. Both engines receive values that are already
 * well-typed and timestamps that are already in the one canonical form, so both return
 * identical records.
 */

const VISIBILITIES = ['private', 'unlisted', 'public'] as const;
const ROLES: readonly Role[] = ['admin', 'uploader', 'viewer'];

/** ISO-8601 date-time with an explicit zone ("Z" or "+hh:mm"); local times are ambiguous and refused. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Canonical timestamp form: `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, millisecond precision). */
export function normalizeTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value)) {
    throw new ValidationError(`${field} must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00.000Z`);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ValidationError(`${field} is not a valid date-time: ${value}`);
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) throw new ValidationError(`${field} must be between years 0000 and 9999`);
  return iso;
}

/** Key used for case-insensitive e-mail lookups and the uniqueness rule. */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

function fail(field: string, what: string): never {
  throw new ValidationError(`${field} must be ${what}`);
}

function checkRendition(r: unknown, i: number): Rendition {
  const f = `renditions[${i}]`;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) fail(f, 'an object');
  const o = r as Record<string, unknown>;
  for (const k of ['name', 'codecs', 'playlist']) if (typeof o[k] !== 'string') fail(`${f}.${k}`, 'a string');
  for (const k of ['width', 'height', 'bandwidth', 'averageBandwidth']) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) fail(`${f}.${k}`, 'a finite number');
  }
  if (o.frameRate !== null && (typeof o.frameRate !== 'number' || !Number.isFinite(o.frameRate))) {
    fail(`${f}.frameRate`, 'a finite number or null');
  }
  return r as Rendition;
}

/** Checks one field value against its column kind; returns it (timestamps normalized). */
export function checkVideoValue(kind: ColumnKind, field: string, value: unknown): unknown {
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') fail(field, 'a string');
      return value;
    case 'textNull':
      if (value !== null && typeof value !== 'string') fail(field, 'a string or null');
      return value;
    case 'int':
      if (!Number.isSafeInteger(value)) fail(field, 'an integer');
      return value;
    case 'intNull':
      if (value !== null && !Number.isSafeInteger(value)) fail(field, 'an integer or null');
      return value;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, 'a finite number');
      return value;
    case 'floatNull':
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) fail(field, 'a finite number or null');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(field, 'true or false');
      return value;
    case 'boolNull':
      if (value !== null && typeof value !== 'boolean') fail(field, 'true, false or null');
      return value;
    case 'renditions':
      if (!Array.isArray(value)) fail(field, 'an array');
      value.forEach(checkRendition);
      return value;
    case 'json':
      if (value !== null && (typeof value !== 'object' || value === undefined)) fail(field, 'an object, an array or null');
      return value;
    case 'status':
      if (!VIDEO_STATUSES.includes(value as never)) fail(field, `one of ${VIDEO_STATUSES.join(', ')}`);
      return value;
    case 'visibility':
      if (!VISIBILITIES.includes(value as never)) fail(field, `one of ${VISIBILITIES.join(', ')}`);
      return value;
    case 'time':
      return normalizeTimestamp(value, field);
  }
}

export function normalizeVideo(video: Video): Video {
  if (typeof video !== 'object' || video === null) throw new ValidationError('video must be an object');
  const out: Record<string, unknown> = {};
  for (const col of VIDEO_COLUMNS) {
    const value = video[col.key] === undefined && 'default' in col ? col.default : video[col.key];
    out[col.key] = checkVideoValue(col.kind, col.key, value);
  }
  if ((out.id as string).length === 0) throw new ValidationError('id must not be empty');
  return out as unknown as Video;
}

/**
 * The columns a patch sets, with checked values. Keys that are undefined are left alone;
 * id, createdAt, updatedAt and unknown keys are ignored (so a whole Video may be spread into a patch).
 */
export function videoPatchEntries(patch: VideoPatch): Array<{ col: VideoColumn; value: unknown }> {
  if (typeof patch !== 'object' || patch === null) throw new ValidationError('patch must be an object');
  const entries: Array<{ col: VideoColumn; value: unknown }> = [];
  for (const col of PATCHABLE_VIDEO_COLUMNS) {
    const value = (patch as Record<string, unknown>)[col.key];
    if (value === undefined) continue;
    entries.push({ col, value: checkVideoValue(col.kind, col.key, value) });
  }
  return entries;
}

export function checkStatuses(statuses: unknown, field: string): string[] {
  if (!Array.isArray(statuses)) fail(field, 'an array of statuses');
  for (const s of statuses) checkVideoValue('status', field, s);
  return statuses as string[];
}

export function checkVisibilities(values: unknown, field: string): string[] {
  if (!Array.isArray(values)) fail(field, 'an array of visibilities');
  for (const v of values) checkVideoValue('visibility', field, v);
  return values as string[];
}

function checkRole(role: unknown): Role {
  if (!ROLES.includes(role as Role)) fail('role', `one of ${ROLES.join(', ')}`);
  return role as Role;
}

function checkEmail(email: unknown): string {
  if (typeof email !== 'string' || email.length === 0) fail('email', 'a non-empty string');
  return email;
}

export function normalizeUser(user: User): User {
  if (typeof user !== 'object' || user === null) throw new ValidationError('user must be an object');
  if (typeof user.id !== 'string' || user.id.length === 0) fail('id', 'a non-empty string');
  return {
    id: user.id,
    email: checkEmail(user.email),
    passwordHash: checkVideoValue('textNull', 'passwordHash', user.passwordHash) as string | null,
    role: checkRole(user.role),
    disabled: checkVideoValue('bool', 'disabled', user.disabled) as boolean,
    createdAt: normalizeTimestamp(user.createdAt, 'createdAt'),
  };
}

export type UserPatch = Partial<Omit<User, 'id' | 'createdAt'>>;

/** Checked user patch; undefined keys, id, createdAt and unknown keys are ignored. */
export function normalizeUserPatch(patch: UserPatch): UserPatch {
  if (typeof patch !== 'object' || patch === null) throw new ValidationError('patch must be an object');
  const out: UserPatch = {};
  if (patch.email !== undefined) out.email = checkEmail(patch.email);
  if (patch.passwordHash !== undefined) {
    out.passwordHash = checkVideoValue('textNull', 'passwordHash', patch.passwordHash) as string | null;
  }
  if (patch.role !== undefined) out.role = checkRole(patch.role);
  if (patch.disabled !== undefined) out.disabled = checkVideoValue('bool', 'disabled', patch.disabled) as boolean;
  return out;
}

export function normalizeApiToken(token: ApiToken): ApiToken {
  if (typeof token !== 'object' || token === null) throw new ValidationError('token must be an object');
  if (typeof token.id !== 'string' || token.id.length === 0) fail('id', 'a non-empty string');
  if (typeof token.tokenHash !== 'string' || token.tokenHash.length === 0) fail('tokenHash', 'a non-empty string');
  return {
    id: token.id,
    name: checkVideoValue('text', 'name', token.name) as string,
    tokenHash: token.tokenHash,
    userId: checkVideoValue('textNull', 'userId', token.userId) as string | null,
    createdAt: normalizeTimestamp(token.createdAt, 'createdAt'),
    lastUsedAt: token.lastUsedAt === null ? null : normalizeTimestamp(token.lastUsedAt, 'lastUsedAt'),
  };
}
