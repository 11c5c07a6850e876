import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Video } from '../../../core/model/video.ts';
import type { ListVideosQuery, Page } from '../../../core/ports/catalog.ts';
import { titleMatches } from '../../../core/videos/title-words.ts';
import { byteOrder } from '../shared/list-order.ts';
import { isAfter, normalizeListQuery, sortVideos, toPage } from '../shared/list-query.ts';
import type { NormalizedListQuery } from '../shared/list-query.ts';
import { itemToVideo } from './video-items.ts';
import { BY_CREATED, BY_OWNER, BY_VISIBILITY, CREATED_KEY, createdKey, ownerKey, VIDEO_KIND, visibilityKey } from './keys.ts';
import { ExpressionParts, send } from './table-context.ts';
import type { TableContext } from './table-context.ts';

/**
 * listVideos on the DynamoDB catalog. Each query reads one or more index partitions newest first
 * (descending `createdAt#id`) and merges them:
 * - no owner or visibility filter: the `byCreated` partition of all videos;
 * - an owner only: that owner's `byOwner` partition;
 * - visibilities only: one `byVisibility` partition per visibility;
 * - owner OR visibilities: the owner's partition and one per visibility, a video found in two
 *   of them listed once;
 * - shared with a user (OR with the above): the `byCreated` partition filtered on `shares` (JSON
 *   text holding the quoted user id). This reads the index of every video, so it costs as much
 *   as listing them all: fine for a library of thousands, a per-share index item beyond that.
 * A status filter is a FilterExpression; each partition is read page after page until the merge
 * has `limit + 1` videos or every partition is exhausted. The cursor is the shared (createdAt, id)
 * position, so each partition resumes strictly after it and concurrent inserts shift nothing.
 * Newest first reads each partition backwards, oldest first forwards.
 *
 * Search and the other orders have no index: a search is a filter on the items read (the
 * title's folded words, core/videos/title-words.ts, the same rule as the SQL catalogs), and a
 * list by title or duration reads every video the filters let through, sorts them in memory
 * and returns the page after the cursor. Both cost as much as reading the partitions whole:
 * fine for a library of thousands of videos, an index of its own beyond that.
 * On AWS the indexes are eventually consistent: a video written a moment ago may be missing
 * from a list for that moment (getVideo is always consistent).
 */

type Item = Record<string, unknown>;

interface Source {
  index: string;
  partitionKey: string;
  partitionValue: string;
  /** Only items whose `shares` holds this user id. */
  sharedWith?: string;
}

/** Whether the list is in the indexes' order (createdAt, id): read partitions in order, from the cursor. */
const inIndexOrder = (q: NormalizedListQuery) => q.order.sort === 'created';

/** Reads one index partition newest first, a page at a time, as needed. */
class PartitionReader {
  private buffer: Item[] = [];
  private startKey: Record<string, unknown> | undefined;
  private done = false;

  constructor(
    private readonly ctx: TableContext,
    private readonly source: Source,
    private readonly q: NormalizedListQuery,
    private readonly pageSize: number,
  ) {}

  /** The next item without taking it; undefined when the partition is exhausted. */
  async peek(): Promise<Item | undefined> {
    while (this.buffer.length === 0 && !this.done) await this.fetch();
    return this.buffer[0];
  }

  take(): void {
    this.buffer.shift();
  }

  /** Every remaining item. */
  async rest(): Promise<Item[]> {
    while (!this.done) await this.fetch();
    return this.buffer.splice(0);
  }

  private async fetch(): Promise<void> {
    const parts = new ExpressionParts();
    let keyCondition = `${parts.name(this.source.partitionKey)} = ${parts.value(this.source.partitionValue)}`;
    const forward = this.q.order.order === 'asc';
    if (this.q.after && inIndexOrder(this.q)) {
      keyCondition += ` AND ${parts.name(CREATED_KEY)} ${forward ? '>' : '<'} ${parts.value(createdKey(this.q.after.value as string, this.q.after.id))}`;
    }
    const filters: string[] = [];
    if (this.q.status) filters.push(`${parts.name('status')} IN (${this.q.status.map((s) => parts.value(s)).join(', ')})`);
    if (this.q.onlyVisibility) filters.push(`${parts.name('visibility')} IN (${this.q.onlyVisibility.map((s) => parts.value(s)).join(', ')})`);
    if (this.source.sharedWith !== undefined) filters.push(`contains(${parts.name('shares')}, ${parts.value(JSON.stringify(this.source.sharedWith))})`);
    const filter = filters.length ? filters.join(' AND ') : undefined;
    const out = await send<{ Items?: Item[]; LastEvaluatedKey?: Record<string, unknown> }>(
      this.ctx,
      new QueryCommand({
        TableName: this.ctx.table,
        IndexName: this.source.index,
        KeyConditionExpression: keyCondition,
        ...(filter ? { FilterExpression: filter } : {}),
        ScanIndexForward: inIndexOrder(this.q) && forward,
        Limit: this.pageSize,
        ...(this.startKey ? { ExclusiveStartKey: this.startKey } : {}),
        ...parts.attributes(),
      }),
    );
    const words = this.q.words;
    this.buffer.push(...(out.Items ?? []).filter((item) => !words || titleMatches(String(item.title), words)));
    this.startKey = out.LastEvaluatedKey;
    if (!this.startKey) this.done = true;
  }
}

function sourcesOf(q: NormalizedListQuery): Source[] {
  const byVisibility = (v: string): Source => ({ index: BY_VISIBILITY.indexName, partitionKey: BY_VISIBILITY.partitionKey.name, partitionValue: visibilityKey(v) });
  const sources: Source[] = [];
  if (q.ownerId !== undefined) {
    sources.push({ index: BY_OWNER.indexName, partitionKey: BY_OWNER.partitionKey.name, partitionValue: ownerKey(q.ownerId) });
  }
  if (q.visibility) sources.push(...[...new Set(q.visibility)].map(byVisibility));
  if (q.sharedWith !== undefined) {
    sources.push({ index: BY_CREATED.indexName, partitionKey: BY_CREATED.partitionKey.name, partitionValue: VIDEO_KIND, sharedWith: q.sharedWith });
  }
  if (q.ownerId === undefined && !q.visibility && q.sharedWith === undefined) {
    sources.push({ index: BY_CREATED.indexName, partitionKey: BY_CREATED.partitionKey.name, partitionValue: VIDEO_KIND });
  }
  return sources;
}

export async function listVideos(ctx: TableContext, query: ListVideosQuery): Promise<Page<Video>> {
  const q = normalizeListQuery(query);
  if ((q.status && q.status.length === 0) || (q.onlyVisibility && q.onlyVisibility.length === 0)) return { items: [], nextCursor: null };
  if (!inIndexOrder(q)) return listInMemory(ctx, q);
  const readers = sourcesOf(q).map((s) => new PartitionReader(ctx, s, q, q.limit + 1));
  // The merge takes the first head in list order: DynamoDB orders keys by their UTF-8 bytes.
  const dir = q.order.order === 'asc' ? -1 : 1;
  const items: Item[] = [];
  while (items.length < q.limit + 1) {
    const heads = await Promise.all(readers.map((r) => r.peek()));
    let newest: string | undefined;
    for (const head of heads) {
      const k = head?.[CREATED_KEY] as string | undefined;
      if (k !== undefined && (newest === undefined || byteOrder(k, newest) * dir > 0)) newest = k;
    }
    if (newest === undefined) break;
    let taken: Item | undefined;
    heads.forEach((head, i) => {
      if (head && head[CREATED_KEY] === newest) {
        taken = head;
        readers[i]!.take();
      }
    });
    items.push(taken!);
  }
  return toPage(items.map(itemToVideo), q.limit, q.order);
}

/** A list in an order no index has: every video the filters let through, sorted in memory. */
async function listInMemory(ctx: TableContext, q: NormalizedListQuery): Promise<Page<Video>> {
  const byId = new Map<string, Video>();
  for (const source of sourcesOf(q)) {
    for (const item of await new PartitionReader(ctx, source, q, 1000).rest()) {
      const video = itemToVideo(item);
      if (isAfter(video, q)) byId.set(video.id, video);
    }
  }
  return toPage(sortVideos([...byId.values()], q.order).slice(0, q.limit + 1), q.limit, q.order);
}
