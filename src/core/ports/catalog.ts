import type { Video, VideoPatch, VideoStatus, Visibility } from '../model/video.ts';
import type { ApiToken, User } from '../model/user.ts';

/** The orders of a video list: by creation time, by title (its folded words), by duration. */
export type VideoSort = 'created' | 'title' | 'duration';
export type SortOrder = 'asc' | 'desc';
import type { WebhookDelivery, WebhookDeliveryPatch, WebhookEndpoint } from '../model/webhook.ts';

/**
 * Catalog: the records of videos, users and API tokens.
 * Adapters: SQLite (src/adapters/catalog/sqlite), PostgreSQL (src/adapters/catalog/postgres),
 * DynamoDB (src/adapters/catalog/dynamodb).
 * Conformance suite: test/conformance/catalog-suite.ts.
 */
export interface ListVideosQuery {
  /** 1..100 */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | null;
  status?: VideoStatus[];
  /** Only videos of this owner ... */
  ownerId?: string;
  /** ... or, combined with OR when both are given, videos with one of these visibilities. */
  visibility?: Visibility[];
  /** ... or (OR with the two above) videos shared with this user (its id in `shares`). */
  sharedWith?: string;
  /**
   * Only videos whose title has, for every word of this text, a word that begins with it, case
   * and accents aside (core/videos/title-words.ts); absent, or without any word: no condition.
   */
  search?: string;
  /** Only videos with one of these visibilities, whatever the three above (AND with every other filter). */
  onlyVisibility?: Visibility[];
  /**
   * 'created' (default), 'title' (by the title's folded words, in byte order) or 'duration'
   * (unknown durations last, in both orders). Ties are broken by id, in the same direction.
   */
  sort?: VideoSort;
  /** Default: 'desc' (newest first) for 'created', 'asc' for the others. A cursor belongs to one sort and order. */
  order?: SortOrder;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface UpdateOptions {
  /** Apply the patch only if the current status is one of these (atomic compare-and-set). */
  expectStatus?: VideoStatus[];
  /** Apply the patch only if the current attemptId is this one (null: the video has none), in the same atomic step. */
  expectAttemptId?: string | null;
}

/**
 * Outgoing webhooks: the endpoints and the delivery log. Deleting an endpoint deletes its
 * deliveries. Deliveries are keyed by (endpointId, eventId).
 */
export interface WebhookRecords {
  /** ConflictError if the id exists. */
  createWebhookEndpoint(endpoint: WebhookEndpoint): Promise<WebhookEndpoint>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Oldest first; only `ownerId`'s when given. */
  listWebhookEndpoints(ownerId?: string): Promise<WebhookEndpoint[]>;
  /** The endpoint with its new secret; null when absent. */
  setWebhookSecret(id: string, secret: string): Promise<WebhookEndpoint | null>;
  /** True when it existed; its deliveries go with it. */
  deleteWebhookEndpoint(id: string): Promise<boolean>;
  /** Stores the delivery unless one with its key exists: `created` false then, and the stored one is returned. */
  createWebhookDelivery(delivery: WebhookDelivery): Promise<{ delivery: WebhookDelivery; created: boolean }>;
  getWebhookDelivery(endpointId: string, eventId: string): Promise<WebhookDelivery | null>;
  /** Null when absent. */
  updateWebhookDelivery(endpointId: string, eventId: string, patch: WebhookDeliveryPatch): Promise<WebhookDelivery | null>;
  /** Newest first (createdAt desc, eventId desc), at most `limit` (1..100). */
  listWebhookDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
}

export interface Catalog extends WebhookRecords {
  /** Inserts a new video; ConflictError if the id exists. */
  createVideo(video: Video): Promise<Video>;
  getVideo(id: string): Promise<Video | null>;
  /** In the query's order (default newest first: createdAt desc, id desc); pages are stable under concurrent inserts. */
  listVideos(query: ListVideosQuery): Promise<Page<Video>>;
  /** Applies the patch and bumps updatedAt; null when absent or when expectStatus or expectAttemptId did not match. */
  updateVideo(id: string, patch: VideoPatch, options?: UpdateOptions): Promise<Video | null>;
  /** True when a record was deleted; with expectStatus, only if its current status is one of these (atomic). */
  deleteVideo(id: string, options?: Pick<UpdateOptions, 'expectStatus'>): Promise<boolean>;

  createUser(user: User): Promise<User>;
  /**
   * Creates `user` only when the catalog holds no user at all, as one atomic step (first-run
   * setup): of concurrent calls, from any number of connections or processes, exactly one
   * creates its user and the others get null, as does every call once a user exists.
   */
  createFirstUser(user: User): Promise<User | null>;
  getUser(id: string): Promise<User | null>;
  /** Case-insensitive. */
  getUserByEmail(email: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, patch: Partial<Omit<User, 'id' | 'createdAt'>>): Promise<User | null>;
  countUsers(): Promise<number>;

  createApiToken(token: ApiToken): Promise<ApiToken>;
  findApiTokenByHash(tokenHash: string): Promise<ApiToken | null>;
  listApiTokens(): Promise<ApiToken[]>;
  touchApiToken(id: string, at: string): Promise<void>;
  deleteApiToken(id: string): Promise<boolean>;

  /** Quick round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
