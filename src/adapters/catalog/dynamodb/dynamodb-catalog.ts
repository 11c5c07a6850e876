import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransientError, ValidationError, errorMessage } from '../../../core/errors.ts';
import type { ApiToken, User } from '../../../core/model/user.ts';
import type { Video, VideoPatch } from '../../../core/model/video.ts';
import type { Catalog, ListVideosQuery, Page, UpdateOptions, WebhookRecords } from '../../../core/ports/catalog.ts';
import { systemClock } from '../../../core/ports/clock.ts';
import type { Clock } from '../../../core/ports/clock.ts';
import type { UserPatch } from '../shared/validate.ts';
import { createCatalogTable } from './create-table.ts';
import { mapDynamoError } from './dynamo-errors.ts';
import { listVideos } from './list-videos.ts';
import type { TableContext } from './table-context.ts';
import * as tokens from './token-items.ts';
import * as users from './user-items.ts';
import * as videos from './video-items.ts';
import { dynamoWebhookRecords } from './webhook-items.ts';

export interface DynamoDbCatalogOptions {
  /** The catalog table (its layout: table-design.ts). */
  tableName: string;
  /** AWS region; without it, the AWS SDK's own default (on Lambda, the function's region). */
  region?: string;
  /** Endpoint of a local DynamoDB or dynalite, e.g. http://127.0.0.1:8000. */
  endpoint?: string;
  /** Static credentials; without them, the AWS SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Create the table (and wait until it is active) when it does not exist. */
  createTable?: boolean;
  /** Time source for updatedAt and claim leases; defaults to the system clock. */
  clock?: Clock;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Its webhook records (endpoints, delivery log) come from webhook-items.ts, added in the constructor. */
export interface DynamoDbCatalog extends WebhookRecords {}

/**
 * Catalog on one DynamoDB table (the AWS deployment), through the AWS SDK v3 document client.
 * Every compare-and-set is a single conditional write; DynamoDB transactions are not used.
 */
export class DynamoDbCatalog implements Catalog {
  private closed = false;

  private constructor(
    private readonly client: DynamoDBClient,
    private readonly ctx: TableContext,
  ) {
    Object.assign(this, dynamoWebhookRecords(ctx));
  }

  static async open(options: DynamoDbCatalogOptions): Promise<DynamoDbCatalog> {
    const tableName = options?.tableName;
    if (typeof tableName !== 'string' || !TABLE_NAME.test(tableName)) {
      throw new ValidationError('DynamoDB table name must be 3 to 255 letters, digits, "_", "-" or "."');
    }
    const client = new DynamoDBClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    if (options.createTable) {
      try {
        await createCatalogTable(client, tableName);
      } catch (err) {
        client.destroy();
        throw mapDynamoError(err);
      }
    }
    return new DynamoDbCatalog(client, { doc, table: tableName, clock: options.clock ?? systemClock });
  }

  // ---- videos ----

  createVideo(video: Video): Promise<Video> {
    return videos.createVideo(this.ctx, video);
  }

  getVideo(id: string): Promise<Video | null> {
    return videos.getVideo(this.ctx, id);
  }

  listVideos(query: ListVideosQuery): Promise<Page<Video>> {
    return listVideos(this.ctx, query);
  }

  updateVideo(id: string, patch: VideoPatch, options?: UpdateOptions): Promise<Video | null> {
    return videos.updateVideo(this.ctx, id, patch, options);
  }

  deleteVideo(id: string, options?: Pick<UpdateOptions, 'expectStatus'>): Promise<boolean> {
    return videos.deleteVideo(this.ctx, id, options);
  }

  // ---- users ----

  createUser(user: User): Promise<User> {
    return users.createUser(this.ctx, user);
  }

  createFirstUser(user: User): Promise<User | null> {
    return users.createFirstUser(this.ctx, user);
  }

  getUser(id: string): Promise<User | null> {
    return users.getUser(this.ctx, id);
  }

  getUserByEmail(email: string): Promise<User | null> {
    return users.getUserByEmail(this.ctx, email);
  }

  listUsers(): Promise<User[]> {
    return users.listUsers(this.ctx);
  }

  updateUser(id: string, patch: UserPatch): Promise<User | null> {
    return users.updateUser(this.ctx, id, patch);
  }

  countUsers(): Promise<number> {
    return users.countUsers(this.ctx);
  }

  // ---- API tokens ----

  createApiToken(token: ApiToken): Promise<ApiToken> {
    return tokens.createApiToken(this.ctx, token);
  }

  findApiTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    return tokens.findApiTokenByHash(this.ctx, tokenHash);
  }

  listApiTokens(): Promise<ApiToken[]> {
    return tokens.listApiTokens(this.ctx);
  }

  touchApiToken(id: string, at: string): Promise<void> {
    return tokens.touchApiToken(this.ctx, id, at);
  }

  deleteApiToken(id: string): Promise<boolean> {
    return tokens.deleteApiToken(this.ctx, id);
  }

  // ---- lifecycle ----

  /** DescribeTable: the table exists and answers. */
  async ping(): Promise<void> {
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.ctx.table }));
    } catch (err) {
      throw new TransientError(`The DynamoDB catalog does not answer: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Releases the client's connections; calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }
}
