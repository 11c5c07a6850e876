/**
 * PostgreSQL catalog schema, as an ordered list of migrations. Never edit a migration that has
 * shipped: append a new one with the next version number. Tables are created in the schema the
 * catalog was opened with (via search_path), so names are not schema-qualified here.
 *
 * Ids use COLLATE "C" so that (created_at, id) ordering is byte order, the same as SQLite.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'videos, users, api tokens',
    sql: `
      CREATE TABLE videos (
        id            text COLLATE "C" PRIMARY KEY,
        title         text NOT NULL,
        status        text NOT NULL,
        progress      double precision NOT NULL,
        error         text,
        filename      text NOT NULL,
        content_type  text NOT NULL,
        source_size   bigint NOT NULL,
        source_key    text NOT NULL,
        owner_id      text,
        visibility    text NOT NULL,
        duration_sec  double precision,
        width         integer,
        height        integer,
        renditions    jsonb NOT NULL DEFAULT '[]'::jsonb,
        master_key    text,
        poster_key    text,
        thumbnail_key text,
        playable      boolean NOT NULL DEFAULT false,
        created_at    timestamptz NOT NULL,
        updated_at    timestamptz NOT NULL
      );
      CREATE INDEX videos_list_idx ON videos (created_at DESC, id DESC);
      CREATE INDEX videos_owner_list_idx ON videos (owner_id, created_at DESC, id DESC);
      CREATE INDEX videos_status_list_idx ON videos (status, created_at DESC, id DESC);
      CREATE INDEX videos_visibility_list_idx ON videos (visibility, created_at DESC, id DESC);

      CREATE TABLE users (
        id            text COLLATE "C" PRIMARY KEY,
        email         text NOT NULL,
        email_key     text NOT NULL,
        password_hash text,
        role          text NOT NULL,
        disabled      boolean NOT NULL DEFAULT false,
        created_at    timestamptz NOT NULL,
        CONSTRAINT users_email_unique UNIQUE (email_key)
      );

      CREATE TABLE api_tokens (
        id           text COLLATE "C" PRIMARY KEY,
        name         text NOT NULL,
        token_hash   text NOT NULL,
        user_id      text,
        created_at   timestamptz NOT NULL,
        last_used_at timestamptz,
        CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash)
      );
      CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
    `,
  },
  {
    version: 2,
    name: 'videos.encrypted (HLS AES-128)',
    sql: `ALTER TABLE videos ADD COLUMN encrypted boolean NOT NULL DEFAULT false;`,
  },
  {
    version: 3,
    name: 'videos.retryable (failures caused by the file are not retried)',
    sql: `ALTER TABLE videos ADD COLUMN retryable boolean NOT NULL DEFAULT true;`,
  },
  {
    version: 4,
    name: 'videos.attempt_id and videos.encode_job_ref (the current encode attempt and its backend job)',
    sql: `
      ALTER TABLE videos ADD COLUMN attempt_id text;
      ALTER TABLE videos ADD COLUMN encode_job_ref text;
    `,
  },
  {
    version: 5,
    name: 'videos.captions, storyboard, download_key, dash_key and poster_time_sec (viewer features)',
    sql: `
      ALTER TABLE videos ADD COLUMN captions jsonb;
      ALTER TABLE videos ADD COLUMN storyboard jsonb;
      ALTER TABLE videos ADD COLUMN download_key text;
      ALTER TABLE videos ADD COLUMN dash_key text;
      ALTER TABLE videos ADD COLUMN poster_time_sec double precision;
    `,
  },
  {
    version: 6,
    name: 'videos.downloads (whether the ladder makes a downloadable MP4; null: the installation default)',
    sql: `ALTER TABLE videos ADD COLUMN downloads boolean;`,
  },
  {
    version: 7,
    name: 'videos.shares (the users a video is shared with, a JSON array of user ids)',
    sql: `ALTER TABLE videos ADD COLUMN shares jsonb;`,
  },
  {
    version: 8,
    name: 'webhook_endpoints and webhook_deliveries (outgoing webhooks and their delivery log)',
    sql: `
      CREATE TABLE webhook_endpoints (
        id         text PRIMARY KEY,
        owner_id   text NOT NULL,
        url        text NOT NULL,
        events     text NOT NULL,
        secret     text NOT NULL,
        created_at text NOT NULL
      );
      CREATE INDEX webhook_endpoints_owner_idx ON webhook_endpoints (owner_id, created_at);
      CREATE TABLE webhook_deliveries (
        endpoint_id     text NOT NULL,
        event_id        text NOT NULL,
        type            text NOT NULL,
        video_id        text NOT NULL,
        body            text NOT NULL,
        created_at      text NOT NULL,
        attempts        integer NOT NULL,
        last_status     integer,
        last_error      text,
        next_attempt_at text,
        delivered_at    text,
        given_up_at     text,
        PRIMARY KEY (endpoint_id, event_id)
      );
      CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (endpoint_id, created_at);
    `,
  },
  {
    // title_key: the title's folded words (core/videos/title-words.ts), written by the catalog
    // (rows from before are filled when it opens); search_vector indexes them with the 'simple'
    // configuration (no stemming, no stop words: the same words as the other catalogs).
    version: 9,
    name: 'videos.title_key and search_vector (title search), title and duration sort indexes',
    sql: `
      ALTER TABLE videos ADD COLUMN title_key text COLLATE "C";
      ALTER TABLE videos ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(title_key, ''))) STORED;
      CREATE INDEX videos_search_idx ON videos USING GIN (search_vector);
      CREATE INDEX videos_title_list_idx ON videos (title_key, id);
      CREATE INDEX videos_duration_list_idx ON videos (duration_sec, id);
    `,
  },
];
