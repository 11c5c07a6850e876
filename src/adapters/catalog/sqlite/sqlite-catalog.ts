import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { ConflictError, TransientError, ValidationError, errorMessage } from '../../../core/errors.ts';
import type { ApiToken, User } from '../../../core/model/user.ts';
import type { Video, VideoPatch } from '../../../core/model/video.ts';
import type { Catalog, ListVideosQuery, Page, UpdateOptions, WebhookRecords } from '../../../core/ports/catalog.ts';
import { systemClock } from '../../../core/ports/clock.ts';
import type { Clock } from '../../../core/ports/clock.ts';
import { buildListSql, normalizeListQuery, toPage } from '../shared/list-query.ts';
import {
  checkStatuses,
  checkVideoValue,
  emailKey,
  normalizeApiToken,
  normalizeTimestamp,
  normalizeUser,
  normalizeUserPatch,
  normalizeVideo,
  videoPatchEntries,
} from '../shared/validate.ts';
import type { UserPatch } from '../shared/validate.ts';
import { dropDefaults, storedAsJson, VIDEO_COLUMNS } from '../shared/video-columns.ts';
import type { ColumnKind } from '../shared/video-columns.ts';
import { titleKey } from '../../../core/videos/title-words.ts';
import { appliedSqliteMigrations, migrateSqlite } from './migrate.ts';
import type { AppliedMigration } from './migrate.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { sqlWebhookRecords } from '../shared/webhook-sql.ts';

export interface SqliteCatalogOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Time source for updatedAt; defaults to the system clock. */
  clock?: Clock;
  /** How long a write waits for another connection's lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

type Row = Record<string, unknown>;

const INSERT_VIDEO_SQL = `INSERT INTO videos (${VIDEO_COLUMNS.map((c) => c.column).join(', ')}, title_key)
  VALUES (${VIDEO_COLUMNS.map(() => '?').join(', ')}, ?) RETURNING *`;

/** An FTS5 query for rows having every word as a prefix of one of theirs: each word quoted, never FTS syntax. */
function ftsPrefixQuery(words: string[]): string {
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

function encode(kind: ColumnKind, value: unknown): unknown {
  if (kind === 'bool') return value ? 1 : 0;
  if (kind === 'boolNull') return value === null ? null : value ? 1 : 0;
  if (kind === 'json') return value === null ? null : JSON.stringify(value);
  if (kind === 'renditions') return JSON.stringify(value);
  return value;
}

function decodeVideo(row: Row): Video {
  const video: Record<string, unknown> = {};
  for (const col of VIDEO_COLUMNS) {
    const raw = row[col.column];
    if (col.kind === 'bool') video[col.key] = raw === 1;
    else if (col.kind === 'boolNull') video[col.key] = raw === null ? null : raw === 1;
    else if (storedAsJson(col.kind)) video[col.key] = raw === null ? null : JSON.parse(raw as string);
    else video[col.key] = raw;
  }
  return dropDefaults(video) as unknown as Video;
}

function decodeUser(row: Row): User {
  return {
    id: row.id as string,
    email: row.email as string,
    passwordHash: row.password_hash as string | null,
    role: row.role as User['role'],
    disabled: row.disabled === 1,
    createdAt: row.created_at as string,
  };
}

function decodeToken(row: Row): ApiToken {
  return {
    id: row.id as string,
    name: row.name as string,
    tokenHash: row.token_hash as string,
    userId: row.user_id as string | null,
    createdAt: row.created_at as string,
    lastUsedAt: row.last_used_at as string | null,
  };
}

function sqliteCode(err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : '';
}

/** Maps SQLite errors to vodkit errors; `conflict` builds the message for a unique violation. */
function mapError(err: unknown, conflict?: (detail: string) => string): unknown {
  const code = sqliteCode(err);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    const detail = errorMessage(err);
    return new ConflictError(conflict ? conflict(detail) : `Record already exists (${detail})`);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code.startsWith('SQLITE_IOERR')) {
    return new TransientError(`The SQLite catalog is busy or unavailable: ${errorMessage(err)}`, { cause: err });
  }
  return err;
}

/** Its webhook records (endpoints, delivery log) are the shared SQL ones (shared/webhook-sql.ts), added in the constructor. */
export interface SqliteCatalog extends WebhookRecords {}

/** Catalog on a SQLite file (one machine deployments), through better-sqlite3. */
export class SqliteCatalog implements Catalog {
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    Object.assign(this, sqlWebhookRecords((sql, params) => this.runSql(sql, params)));
  }

  /** Opens (creating if needed) the database and applies pending migrations. */
  static async open(options: SqliteCatalogOptions): Promise<SqliteCatalog> {
    if (typeof options?.path !== 'string' || options.path.length === 0) {
      throw new ValidationError('SQLite catalog path must be a non-empty string (a file path or ":memory:")');
    }
    const clock = options.clock ?? systemClock;
    let db: Database;
    try {
      db = new BetterSqlite3(options.path);
    } catch (err) {
      throw new ValidationError(`Cannot open the SQLite catalog at ${options.path}: ${errorMessage(err)}`);
    }
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.function('vodkit_title_key', { deterministic: true }, (title: unknown) => (typeof title === 'string' ? titleKey(title) : null));
      migrateSqlite(db, SQLITE_MIGRATIONS, () => new Date());
    } catch (err) {
      db.close();
      throw mapError(err);
    }
    return new SqliteCatalog(db, clock);
  }

  /** Migrations recorded in schema_migrations, oldest first. */
  async appliedMigrations(): Promise<AppliedMigration[]> {
    return appliedSqliteMigrations(this.db);
  }

  // ---- videos ----

  async createVideo(video: Video): Promise<Video> {
    const v = normalizeVideo(video);
    try {
      const row = this.db.prepare(INSERT_VIDEO_SQL).get(...VIDEO_COLUMNS.map((c) => encode(c.kind, v[c.key])), titleKey(v.title)) as Row;
      return decodeVideo(row);
    } catch (err) {
      throw mapError(err, () => `A video with id ${v.id} already exists`);
    }
  }

  async getVideo(id: string): Promise<Video | null> {
    const row = this.db.prepare('SELECT * FROM videos WHERE id = ?').get(id) as Row | undefined;
    return row ? decodeVideo(row) : null;
  }

  async listVideos(query: ListVideosQuery): Promise<Page<Video>> {
    const q = normalizeListQuery(query);
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return '?';
    };
    const sharedWith = (userId: string) => `EXISTS (SELECT 1 FROM json_each(videos.shares) WHERE json_each.value = ${param(userId)})`;
    const search = (words: string[]) => `videos.rowid IN (SELECT rowid FROM videos_fts WHERE videos_fts MATCH ${param(ftsPrefixQuery(words))})`;
    const { where, tail } = buildListSql(q, { param, timeParam: param, sharedWith, search });
    const rows = this.db.prepare(`SELECT * FROM videos WHERE ${where} ${tail}`).all(...params) as Row[];
    return toPage(rows.map(decodeVideo), q.limit, q.order);
  }

  async updateVideo(id: string, patch: VideoPatch, options: UpdateOptions = {}): Promise<Video | null> {
    const entries = videoPatchEntries(patch);
    const expect = options.expectStatus === undefined ? null : checkStatuses(options.expectStatus, 'expectStatus');
    if (expect && expect.length === 0) return null;
    const sets = entries.map((e) => `${e.col.column} = ?`);
    const params = entries.map((e) => encode(e.col.kind, e.value));
    const title = entries.find((e) => e.col.key === 'title');
    if (title) {
      sets.push('title_key = ?');
      params.push(titleKey(title.value as string));
    }
    sets.push('updated_at = ?');
    params.push(this.clock.now().toISOString());
    let sql = `UPDATE videos SET ${sets.join(', ')} WHERE id = ?`;
    params.push(id);
    if (expect) {
      sql += ` AND status IN (${expect.map(() => '?').join(', ')})`;
      params.push(...expect);
    }
    if (options.expectAttemptId !== undefined) {
      sql += ' AND attempt_id IS ?';
      params.push(checkVideoValue('textNull', 'expectAttemptId', options.expectAttemptId) as string | null);
    }
    try {
      const row = this.db.prepare(`${sql} RETURNING *`).get(...params) as Row | undefined;
      return row ? decodeVideo(row) : null;
    } catch (err) {
      throw mapError(err);
    }
  }

  async deleteVideo(id: string, options: Pick<UpdateOptions, 'expectStatus'> = {}): Promise<boolean> {
    if (options.expectStatus === undefined) return this.db.prepare('DELETE FROM videos WHERE id = ?').run(id).changes > 0;
    const expect = checkStatuses(options.expectStatus, 'expectStatus');
    if (expect.length === 0) return false;
    const sql = `DELETE FROM videos WHERE id = ? AND status IN (${expect.map(() => '?').join(', ')})`;
    return this.db.prepare(sql).run(id, ...expect).changes > 0;
  }

  // ---- users ----

  async createUser(user: User): Promise<User> {
    const u = normalizeUser(user);
    try {
      const row = this.db
        .prepare(
          `INSERT INTO users (id, email, email_key, password_hash, role, disabled, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(u.id, u.email, emailKey(u.email), u.passwordHash, u.role, u.disabled ? 1 : 0, u.createdAt) as Row;
      return decodeUser(row);
    } catch (err) {
      throw mapError(err, (detail) =>
        detail.includes('email_key') ? `A user with email ${u.email} already exists` : `A user with id ${u.id} already exists`,
      );
    }
  }

  async createFirstUser(user: User): Promise<User | null> {
    const u = normalizeUser(user);
    try {
      // BEGIN IMMEDIATE takes the file's write lock before the check, so no other connection
      // or process can add a user between the check and the insert.
      const insertIfEmpty = this.db.prepare(
        `INSERT INTO users (id, email, email_key, password_hash, role, disabled, created_at)
         SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING *`,
      );
      const row = this.db
        .transaction(
          () => insertIfEmpty.get(u.id, u.email, emailKey(u.email), u.passwordHash, u.role, u.disabled ? 1 : 0, u.createdAt) as Row | undefined,
        )
        .immediate();
      return row ? decodeUser(row) : null;
    } catch (err) {
      throw mapError(err);
    }
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row ? decodeUser(row) : null;
  }

  async getUserByEmail(email: string): Promise<User | null> {
    if (typeof email !== 'string') return null;
    const row = this.db.prepare('SELECT * FROM users WHERE email_key = ?').get(emailKey(email)) as Row | undefined;
    return row ? decodeUser(row) : null;
  }

  async listUsers(): Promise<User[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY created_at, id').all() as Row[]).map(decodeUser);
  }

  async updateUser(id: string, patch: UserPatch): Promise<User | null> {
    const p = normalizeUserPatch(patch);
    const sets: string[] = [];
    const params: unknown[] = [];
    if (p.email !== undefined) {
      sets.push('email = ?', 'email_key = ?');
      params.push(p.email, emailKey(p.email));
    }
    if (p.passwordHash !== undefined) {
      sets.push('password_hash = ?');
      params.push(p.passwordHash);
    }
    if (p.role !== undefined) {
      sets.push('role = ?');
      params.push(p.role);
    }
    if (p.disabled !== undefined) {
      sets.push('disabled = ?');
      params.push(p.disabled ? 1 : 0);
    }
    if (sets.length === 0) return this.getUser(id);
    try {
      const row = this.db
        .prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ? RETURNING *`)
        .get(...params, id) as Row | undefined;
      return row ? decodeUser(row) : null;
    } catch (err) {
      throw mapError(err, () => `A user with email ${p.email} already exists`);
    }
  }

  async countUsers(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  // ---- API tokens ----

  async createApiToken(token: ApiToken): Promise<ApiToken> {
    const t = normalizeApiToken(token);
    try {
      const row = this.db
        .prepare(
          `INSERT INTO api_tokens (id, name, token_hash, user_id, created_at, last_used_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(t.id, t.name, t.tokenHash, t.userId, t.createdAt, t.lastUsedAt) as Row;
      return decodeToken(row);
    } catch (err) {
      throw mapError(err, (detail) =>
        detail.includes('token_hash') ? 'An API token with this hash already exists' : `An API token with id ${t.id} already exists`,
      );
    }
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return row ? decodeToken(row) : null;
  }

  async listApiTokens(): Promise<ApiToken[]> {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as Row[]).map(decodeToken);
  }

  async touchApiToken(id: string, at: string): Promise<void> {
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(normalizeTimestamp(at, 'at'), id);
  }

  async deleteApiToken(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }

  private async runSql(sql: string, params: unknown[]): Promise<Row[]> {
    try {
      const statement = this.db.prepare(sql);
      if (statement.reader) return statement.all(...params) as Row[];
      statement.run(...params);
      return [];
    } catch (err) {
      throw mapError(err);
    }
  }

  // ---- lifecycle ----

  async ping(): Promise<void> {
    try {
      this.db.prepare('SELECT 1').get();
    } catch (err) {
      throw new TransientError(`The SQLite catalog does not answer: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Closes the database; calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
