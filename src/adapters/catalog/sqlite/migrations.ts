/**
 * SQLite catalog schema, as an ordered list of migrations. Never edit a migration that has
 * shipped: append a new one with the next version number.
 *
 * Timestamps are ISO-8601 UTC text with millisecond precision ("2026-01-31T12:00:00.000Z"),
 * which sorts correctly as text. Renditions are JSON text.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'videos, users, api tokens',
    sql: `
      CREATE TABLE videos (
        id            TEXT PRIMARY KEY NOT NULL,
        title         TEXT NOT NULL,
        status        TEXT NOT NULL,
        progress      REAL NOT NULL,
        error         TEXT,
        filename      TEXT NOT NULL,
        content_type  TEXT NOT NULL,
        source_size   INTEGER NOT NULL,
        source_key    TEXT NOT NULL,
        owner_id      TEXT,
        visibility    TEXT NOT NULL,
        duration_sec  REAL,
        width         INTEGER,
        height        INTEGER,
        renditions    TEXT NOT NULL DEFAULT '[]',
        master_key    TEXT,
        poster_key    TEXT,
        thumbnail_key TEXT,
        playable      INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE INDEX videos_list_idx ON videos (created_at DESC, id DESC);
      CREATE INDEX videos_owner_list_idx ON videos (owner_id, created_at DESC, id DESC);
      CREATE INDEX videos_status_list_idx ON videos (status, created_at DESC, id DESC);
      CREATE INDEX videos_visibility_list_idx ON videos (visibility, created_at DESC, id DESC);

      CREATE TABLE users (
        id            TEXT PRIMARY KEY NOT NULL,
        email         TEXT NOT NULL,
        email_key     TEXT NOT NULL UNIQUE,
        password_hash TEXT,
        role          TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL
      );

      CREATE TABLE api_tokens (
        id           TEXT PRIMARY KEY NOT NULL,
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,
        user_id      TEXT,
        created_at   TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
    `,
  },
  {
    version: 2,
    name: 'videos.encrypted (HLS AES-128)',
    sql: `ALTER TABLE videos ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 3,
    name: 'videos.retryable (failures caused by the file are not retried)',
    sql: `ALTER TABLE videos ADD COLUMN retryable INTEGER NOT NULL DEFAULT 1;`,
  },
  {
    version: 4,
    name: 'videos.attempt_id and videos.encode_job_ref (the current encode attempt and its backend job)',
    sql: `
      ALTER TABLE videos ADD COLUMN attempt_id TEXT;
      ALTER TABLE videos ADD COLUMN encode_job_ref TEXT;
    `,
  },
  {
    version: 5,
    name: 'videos.captions, storyboard, download_key, dash_key and poster_time_sec (viewer features)',
    sql: `
      ALTER TABLE videos ADD COLUMN captions TEXT;
      ALTER TABLE videos ADD COLUMN storyboard TEXT;
      ALTER TABLE videos ADD COLUMN download_key TEXT;
      ALTER TABLE videos ADD COLUMN dash_key TEXT;
      ALTER TABLE videos ADD COLUMN poster_time_sec REAL;
    `,
  },
  {
    version: 6,
    name: 'videos.downloads (whether the ladder makes a downloadable MP4; null: the installation default)',
    sql: `ALTER TABLE videos ADD COLUMN downloads INTEGER;`,
  },
  {
    version: 7,
    name: 'videos.shares (the users a video is shared with, a JSON array of user ids)',
    sql: `ALTER TABLE videos ADD COLUMN shares TEXT;`,
  },
  {
    version: 8,
    name: 'webhook_endpoints and webhook_deliveries (outgoing webhooks and their delivery log)',
    sql: `
      CREATE TABLE webhook_endpoints (
        id         TEXT PRIMARY KEY,
        owner_id   TEXT NOT NULL,
        url        TEXT NOT NULL,
        events     TEXT NOT NULL,
        secret     TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX webhook_endpoints_owner_idx ON webhook_endpoints (owner_id, created_at);
      CREATE TABLE webhook_deliveries (
        endpoint_id     TEXT NOT NULL,
        event_id        TEXT NOT NULL,
        type            TEXT NOT NULL,
        video_id        TEXT NOT NULL,
        body            TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        attempts        INTEGER NOT NULL,
        last_status     INTEGER,
        last_error      TEXT,
        next_attempt_at TEXT,
        delivered_at    TEXT,
        given_up_at     TEXT,
        PRIMARY KEY (endpoint_id, event_id)
      );
      CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (endpoint_id, created_at);
    `,
  },
  {
    // title_key: the title's folded words (core/videos/title-words.ts), filled by the function
    // vodkit_title_key that the catalog registers on its connection. videos_fts indexes it, as
    // an external-content FTS5 table over videos' rowids, kept in sync by the triggers.
    version: 9,
    name: 'videos.title_key and videos_fts (title search), title and duration sort indexes',
    sql: `
      ALTER TABLE videos ADD COLUMN title_key TEXT;
      UPDATE videos SET title_key = vodkit_title_key(title);
      CREATE INDEX videos_title_list_idx ON videos (title_key, id);
      CREATE INDEX videos_duration_list_idx ON videos (duration_sec, id);
      CREATE VIRTUAL TABLE videos_fts USING fts5(
        title_key, content = 'videos', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER videos_fts_insert AFTER INSERT ON videos BEGIN
        INSERT INTO videos_fts (rowid, title_key) VALUES (new.rowid, new.title_key);
      END;
      CREATE TRIGGER videos_fts_delete AFTER DELETE ON videos BEGIN
        INSERT INTO videos_fts (videos_fts, rowid, title_key) VALUES ('delete', old.rowid, old.title_key);
      END;
      CREATE TRIGGER videos_fts_update AFTER UPDATE OF title_key ON videos BEGIN
        INSERT INTO videos_fts (videos_fts, rowid, title_key) VALUES ('delete', old.rowid, old.title_key);
        INSERT INTO videos_fts (rowid, title_key) VALUES (new.rowid, new.title_key);
      END;
      INSERT INTO videos_fts (videos_fts) VALUES ('rebuild');
    `,
  },
];
