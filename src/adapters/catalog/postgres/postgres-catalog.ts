import pg from 'pg';
import type { QueryResultRow } from 'pg';
import { ValidationError } from '../../../core/errors.ts';
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
import { appliedPostgresMigrations, migratePostgres, quoteIdent } from './migrate.ts';
import type { AppliedMigration } from './migrate.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { fillTitleKeys, prefixTsQuery } from './title-search.ts';
import { titleKey } from '../../../core/videos/title-words.ts';
import { sqlWebhookRecords } from '../shared/webhook-sql.ts';
import { describeServer, isConnectionError, mapPgError } from './pg-errors.ts';

export interface PostgresCatalogOptions {
  /** e.g. postgres://user:password@host:5432/vodkit */
  connectionString: string;
  /** Schema holding the tables (default "public"); created if missing. Letters, digits and _ only. */
  schema?: string;
  /** Maximum pooled connections (default 10). */
  poolSize?: number;
  /** How long to wait for a new connection, in ms (default 10000). */
  connectTimeoutMs?: number;
  /** Shown in pg_stat_activity (default "vodkit-catalog"). */
  applicationName?: string;
  /** Time source for updatedAt; defaults to the system clock. */
  clock?: Clock;
}

type Row = QueryResultRow;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const INSERT_VIDEO_SQL = `INSERT INTO videos (${VIDEO_COLUMNS.map((c) => c.column).join(', ')}, title_key)
  VALUES (${VIDEO_COLUMNS.map((c, i) => `$${i + 1}${cast(c.kind)}`).join(', ')}, $${VIDEO_COLUMNS.length + 1}) RETURNING *`;

function cast(kind: ColumnKind): string {
  if (storedAsJson(kind)) return '::jsonb';
  if (kind === 'time') return '::timestamptz';
  return '';
}

function encode(kind: ColumnKind, value: unknown): unknown {
  // pg would send a JS array as a PostgreSQL array: JSON columns get JSON text.
  if (kind === 'json' && value === null) return null;
  return storedAsJson(kind) ? JSON.stringify(value) : value;
}

function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(value as string)).toISOString();
}

function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

function decodeVideo(row: Row): Video {
  const video: Record<string, unknown> = {};
  for (const col of VIDEO_COLUMNS) {
    const raw = row[col.column];
    if (col.kind === 'time') video[col.key] = iso(raw);
    else if (col.kind === 'int') video[col.key] = Number(raw);
    else if (col.kind === 'intNull') video[col.key] = raw === null ? null : Number(raw);
    else video[col.key] = raw;
  }
  return dropDefaults(video) as unknown as Video;
}

function decodeUser(row: Row): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    disabled: row.disabled,
    createdAt: iso(row.created_at),
  };
}

function decodeToken(row: Row): ApiToken {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
  };
}

/** Its webhook records (endpoints, delivery log) are the shared SQL ones (shared/webhook-sql.ts), added in the constructor. */
export interface PostgresCatalog extends WebhookRecords {}
/** Catalog on PostgreSQL (cluster deployments), through a pg connection pool. */
export class PostgresCatalog implements Catalog {
  private closed = false;
  /** Pooled connections whose search_path is already set. */
  private readonly prepared = new WeakSet<pg.PoolClient>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly server: string,
    private readonly clock: Clock,
  ) {
    Object.assign(this, sqlWebhookRecords((sql, params) => this.query(sql, params), 'numbered'));
  }

  /** Connects, creates the schema if needed and applies pending migrations. */
  static async open(options: PostgresCatalogOptions): Promise<PostgresCatalog> {
    if (typeof options?.connectionString !== 'string' || options.connectionString.length === 0) {
      throw new ValidationError('PostgreSQL connectionString must be a non-empty string');
    }
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) {
      throw new ValidationError(`PostgreSQL schema name "${schema}" is not valid: use letters, digits and _ (max 63)`);
    }
    const poolSize = options.poolSize ?? 10;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new ValidationError('poolSize must be a positive integer');
    const server = describeServer(options.connectionString);
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'vodkit-catalog',
    });
    // Idle connections that break are dropped by the pool; the next query reports the failure.
    pool.on('error', () => undefined);
    try {
      await migratePostgres(pool, schema, POSTGRES_MIGRATIONS);
      await fillTitleKeys(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw mapPgError(err, server);
    }
    return new PostgresCatalog(pool, schema, server, options.clock ?? systemClock);
  }

  /** Runs one statement on a pooled connection. */
  private async query(sql: string, params: unknown[] = [], conflict?: (constraint: string) => string): Promise<Row[]> {
    return this.withClient(async (client) => (await client.query(sql, params)).rows, conflict);
  }

  /**
   * Runs `fn` in one transaction on one pooled connection: committed when it returns, rolled
   * back when it throws.
   */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Lends `fn` a pooled connection. A connection gets `SET search_path` to the catalog's schema the
   * first time it is used, so every query sees the catalog's tables; one that failed is discarded
   * instead of going back to the pool.
   */
  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>, conflict?: (constraint: string) => string): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapPgError(err, this.server);
    }
    let broken: Error | undefined;
    try {
      if (!this.prepared.has(client)) {
        await client.query(`SET search_path TO ${quoteIdent(this.schema)}`);
        this.prepared.add(client);
      }
      return await fn(client);
    } catch (err) {
      if (isConnectionError(err)) broken = err instanceof Error ? err : new Error(String(err));
      throw mapPgError(err, this.server, conflict);
    } finally {
      client.release(broken);
    }
  }

  /** Migrations recorded in schema_migrations, oldest first. */
  async appliedMigrations(): Promise<AppliedMigration[]> {
    try {
      return await appliedPostgresMigrations(this.pool, this.schema);
    } catch (err) {
      throw mapPgError(err, this.server);
    }
  }

  // ---- videos ----

  async createVideo(video: Video): Promise<Video> {
    const v = normalizeVideo(video);
    const params = [...VIDEO_COLUMNS.map((c) => encode(c.kind, v[c.key])), titleKey(v.title)];
    const rows = await this.query(INSERT_VIDEO_SQL, params, () => `A video with id ${v.id} already exists`);
    return decodeVideo(rows[0]);
  }

  async getVideo(id: string): Promise<Video | null> {
    const rows = await this.query('SELECT * FROM videos WHERE id = $1', [id]);
    return rows[0] ? decodeVideo(rows[0]) : null;
  }

  async listVideos(query: ListVideosQuery): Promise<Page<Video>> {
    const q = normalizeListQuery(query);
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const timeParam = (value: string) => `${param(value)}::timestamptz`;
    const sharedWith = (userId: string) => `shares @> jsonb_build_array(${param(userId)}::text)`;
    const search = (words: string[]) => `search_vector @@ to_tsquery('simple', ${param(prefixTsQuery(words))})`;
    const { where, tail } = buildListSql(q, { param, timeParam, sharedWith, search });
    const rows = await this.query(`SELECT * FROM videos WHERE ${where} ${tail}`, params);
    return toPage(rows.map(decodeVideo), q.limit, q.order);
  }

  async updateVideo(id: string, patch: VideoPatch, options: UpdateOptions = {}): Promise<Video | null> {
    const entries = videoPatchEntries(patch);
    const expect = options.expectStatus === undefined ? null : checkStatuses(options.expectStatus, 'expectStatus');
    if (expect && expect.length === 0) return null;
    const params: unknown[] = [];
    const sets = entries.map((e) => {
      params.push(encode(e.col.kind, e.value));
      return `${e.col.column} = $${params.length}${cast(e.col.kind)}`;
    });
    const title = entries.find((e) => e.col.key === 'title');
    if (title) {
      params.push(titleKey(title.value as string));
      sets.push(`title_key = $${params.length}`);
    }
    params.push(this.clock.now().toISOString());
    sets.push(`updated_at = $${params.length}::timestamptz`);
    params.push(id);
    let sql = `UPDATE videos SET ${sets.join(', ')} WHERE id = $${params.length}`;
    if (expect) {
      params.push(expect);
      sql += ` AND status = ANY($${params.length}::text[])`;
    }
    if (options.expectAttemptId !== undefined) {
      params.push(checkVideoValue('textNull', 'expectAttemptId', options.expectAttemptId));
      sql += ` AND attempt_id IS NOT DISTINCT FROM $${params.length}::text`;
    }
    const rows = await this.query(`${sql} RETURNING *`, params);
    return rows[0] ? decodeVideo(rows[0]) : null;
  }

  async deleteVideo(id: string, options: Pick<UpdateOptions, 'expectStatus'> = {}): Promise<boolean> {
    if (options.expectStatus === undefined) return (await this.query('DELETE FROM videos WHERE id = $1 RETURNING id', [id])).length > 0;
    const expect = checkStatuses(options.expectStatus, 'expectStatus');
    if (expect.length === 0) return false;
    const rows = await this.query('DELETE FROM videos WHERE id = $1 AND status = ANY($2::text[]) RETURNING id', [id, expect]);
    return rows.length > 0;
  }

  // ---- users ----

  async createUser(user: User): Promise<User> {
    const u = normalizeUser(user);
    const rows = await this.query(
      `INSERT INTO users (id, email, email_key, password_hash, role, disabled, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz) RETURNING *`,
      [u.id, u.email, emailKey(u.email), u.passwordHash, u.role, u.disabled, u.createdAt],
      (constraint) =>
        constraint === 'users_email_unique' ? `A user with email ${u.email} already exists` : `A user with id ${u.id} already exists`,
    );
    return decodeUser(rows[0]);
  }

  async createFirstUser(user: User): Promise<User | null> {
    const u = normalizeUser(user);
    return this.transaction(async (client) => {
      // The lock conflicts with itself and with every insert into users (readers go on): until
      // this transaction ends, no other connection can add a user, so the check stays true.
      await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
      const { rows } = await client.query(
        `INSERT INTO users (id, email, email_key, password_hash, role, disabled, created_at)
         SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::boolean, $7::timestamptz WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING *`,
        [u.id, u.email, emailKey(u.email), u.passwordHash, u.role, u.disabled, u.createdAt],
      );
      return rows[0] ? decodeUser(rows[0]) : null;
    });
  }

  async getUser(id: string): Promise<User | null> {
    const rows = await this.query('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? decodeUser(rows[0]) : null;
  }

  async getUserByEmail(email: string): Promise<User | null> {
    if (typeof email !== 'string') return null;
    const rows = await this.query('SELECT * FROM users WHERE email_key = $1', [emailKey(email)]);
    return rows[0] ? decodeUser(rows[0]) : null;
  }

  async listUsers(): Promise<User[]> {
    return (await this.query('SELECT * FROM users ORDER BY created_at, id')).map(decodeUser);
  }

  async updateUser(id: string, patch: UserPatch): Promise<User | null> {
    const p = normalizeUserPatch(patch);
    const params: unknown[] = [];
    const sets: string[] = [];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (p.email !== undefined) {
      set('email', p.email);
      set('email_key', emailKey(p.email));
    }
    if (p.passwordHash !== undefined) set('password_hash', p.passwordHash);
    if (p.role !== undefined) set('role', p.role);
    if (p.disabled !== undefined) set('disabled', p.disabled);
    if (sets.length === 0) return this.getUser(id);
    params.push(id);
    const rows = await this.query(
      `UPDATE users SET ${sets.join(', ')} WHERE id = $${params.length} RETURNING *`,
      params,
      () => `A user with email ${p.email} already exists`,
    );
    return rows[0] ? decodeUser(rows[0]) : null;
  }

  async countUsers(): Promise<number> {
    const rows = await this.query('SELECT COUNT(*)::integer AS n FROM users');
    return rows[0].n;
  }

  // ---- API tokens ----

  async createApiToken(token: ApiToken): Promise<ApiToken> {
    const t = normalizeApiToken(token);
    const rows = await this.query(
      `INSERT INTO api_tokens (id, name, token_hash, user_id, created_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz) RETURNING *`,
      [t.id, t.name, t.tokenHash, t.userId, t.createdAt, t.lastUsedAt],
      (constraint) =>
        constraint === 'api_tokens_hash_unique'
          ? 'An API token with this hash already exists'
          : `An API token with id ${t.id} already exists`,
    );
    return decodeToken(rows[0]);
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    const rows = await this.query('SELECT * FROM api_tokens WHERE token_hash = $1', [tokenHash]);
    return rows[0] ? decodeToken(rows[0]) : null;
  }

  async listApiTokens(): Promise<ApiToken[]> {
    return (await this.query('SELECT * FROM api_tokens ORDER BY created_at, id')).map(decodeToken);
  }

  async touchApiToken(id: string, at: string): Promise<void> {
    await this.query('UPDATE api_tokens SET last_used_at = $1::timestamptz WHERE id = $2', [normalizeTimestamp(at, 'at'), id]);
  }

  async deleteApiToken(id: string): Promise<boolean> {
    const rows = await this.query('DELETE FROM api_tokens WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  // ---- lifecycle ----

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /** Closes every pooled connection; calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
