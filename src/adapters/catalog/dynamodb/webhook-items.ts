import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../../core/errors.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../../../core/model/webhook.ts';
import type { WebhookRecords } from '../../../core/ports/catalog.ts';
import {
  checkDeliveryLimit,
  checkSecret,
  newestDeliveriesFirst,
  normalizeWebhookDelivery,
  normalizeWebhookDeliveryPatch,
  normalizeWebhookEndpoint,
} from '../shared/webhook-values.ts';
import { isConditionFailed } from './dynamo-errors.ts';
import { checkKeyFits, keyFits, PK, SK, type ItemKey } from './keys.ts';
import { ExpressionParts, queryPartition, send, type TableContext } from './table-context.ts';

/**
 * Webhook items of the DynamoDB catalog (see table-design.ts): endpoints in the WEBHOOKS partition
 * (`ENDPOINT#<id>`; an owner's are read by filtering it: endpoints are few), and each endpoint's
 * deliveries in a partition of their own (`WEBHOOK#<endpointId>` / `DELIVERY#<eventId>`), sorted
 * newest first after the query. Null fields are stored as DynamoDB nulls.
 */

type Item = Record<string, unknown>;

const WEBHOOKS_PARTITION = 'WEBHOOKS';
const ENDPOINT_PREFIX = 'ENDPOINT#';
const DELIVERY_PREFIX = 'DELIVERY#';
const endpointKey = (id: string): ItemKey => ({ [PK]: WEBHOOKS_PARTITION, [SK]: `${ENDPOINT_PREFIX}${id}` });
const deliveriesPartition = (endpointId: string) => `WEBHOOK#${endpointId}`;
const deliveryKey = (endpointId: string, eventId: string): ItemKey => ({ [PK]: deliveriesPartition(endpointId), [SK]: `${DELIVERY_PREFIX}${eventId}` });

const fits = (key: ItemKey) => keyFits(key[SK]!) && keyFits(key[PK]!, 2048);

function withoutKeys<T>(item: Item): T {
  const { [PK]: _pk, [SK]: _sk, ...rest } = item;
  return rest as T;
}

export function dynamoWebhookRecords(ctx: TableContext): WebhookRecords {
  const getItem = async (key: ItemKey): Promise<Item | null> => {
    if (!fits(key)) return null;
    const out = await send<{ Item?: Item }>(ctx, new GetCommand({ TableName: ctx.table, Key: key, ConsistentRead: true }));
    return out.Item ?? null;
  };
  const getDelivery = async (endpointId: string, eventId: string) => {
    const item = await getItem(deliveryKey(endpointId, eventId));
    return item ? withoutKeys<WebhookDelivery>(item) : null;
  };
  const putIfAbsent = async (item: Item): Promise<boolean> => {
    const parts = new ExpressionParts();
    try {
      await send(ctx, new PutCommand({ TableName: ctx.table, Item: item, ConditionExpression: `attribute_not_exists(${parts.name(PK)})`, ...parts.attributes() }));
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  };
  /** SET of the given fields on an existing item; the item after, or null when absent. */
  const update = async (key: ItemKey, fields: Item): Promise<Item | null> => {
    if (!fits(key)) return null;
    const parts = new ExpressionParts();
    const sets = Object.entries(fields).map(([name, value]) => `${parts.name(name)} = ${parts.value(value)}`);
    try {
      const out = await send<{ Attributes?: Item }>(ctx, new UpdateCommand({
        TableName: ctx.table,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `attribute_exists(${parts.name(PK)})`,
        ReturnValues: 'ALL_NEW',
        ...parts.attributes(),
      }));
      return out.Attributes ?? null;
    } catch (err) {
      if (isConditionFailed(err)) return null;
      throw err;
    }
  };

  return {
    async createWebhookEndpoint(endpoint) {
      const e = normalizeWebhookEndpoint(endpoint);
      checkKeyFits('id', endpointKey(e.id)[SK]!);
      if (!(await putIfAbsent({ ...endpointKey(e.id), ...e }))) throw new ConflictError(`A webhook endpoint with id ${e.id} already exists`);
      return e;
    },
    async getWebhookEndpoint(id) {
      const item = await getItem(endpointKey(id));
      return item ? withoutKeys<WebhookEndpoint>(item) : null;
    },
    async listWebhookEndpoints(ownerId) {
      const { items } = await queryPartition(ctx, WEBHOOKS_PARTITION, ENDPOINT_PREFIX);
      return items
        .map((item) => withoutKeys<WebhookEndpoint>(item))
        .filter((e) => ownerId === undefined || e.ownerId === ownerId)
        .sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    async setWebhookSecret(id, secret) {
      const item = await update(endpointKey(id), { secret: checkSecret(secret) });
      return item ? withoutKeys<WebhookEndpoint>(item) : null;
    },
    async deleteWebhookEndpoint(id) {
      const key = endpointKey(id);
      if (!fits(key)) return false;
      const parts = new ExpressionParts();
      try {
        await send(ctx, new DeleteCommand({ TableName: ctx.table, Key: key, ConditionExpression: `attribute_exists(${parts.name(PK)})`, ...parts.attributes() }));
      } catch (err) {
        if (isConditionFailed(err)) return false;
        throw err;
      }
      const { items } = await queryPartition(ctx, deliveriesPartition(id), DELIVERY_PREFIX);
      for (let i = 0; i < items.length; i += 25) {
        const requests = items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { [PK]: item[PK], [SK]: item[SK] } } }));
        await send(ctx, new BatchWriteCommand({ RequestItems: { [ctx.table]: requests } }));
      }
      return true;
    },
    async createWebhookDelivery(delivery) {
      const d = normalizeWebhookDelivery(delivery);
      const key = deliveryKey(d.endpointId, d.eventId);
      checkKeyFits('eventId', key[SK]!);
      if (await putIfAbsent({ ...key, ...d })) return { delivery: d, created: true };
      const existing = await getDelivery(d.endpointId, d.eventId);
      if (!existing) throw new ConflictError('The delivery was deleted while it was being stored');
      return { delivery: existing, created: false };
    },
    getWebhookDelivery: getDelivery,
    async updateWebhookDelivery(endpointId, eventId, patch) {
      const fields = normalizeWebhookDeliveryPatch(patch);
      if (Object.keys(fields).length === 0) return getDelivery(endpointId, eventId);
      const item = await update(deliveryKey(endpointId, eventId), fields);
      return item ? withoutKeys<WebhookDelivery>(item) : null;
    },
    async listWebhookDeliveries(endpointId, limit) {
      const max = checkDeliveryLimit(limit);
      if (!keyFits(deliveriesPartition(endpointId), 2048)) return [];
      const { items } = await queryPartition(ctx, deliveriesPartition(endpointId), DELIVERY_PREFIX);
      return items.map((item) => withoutKeys<WebhookDelivery>(item)).sort(newestDeliveriesFirst).slice(0, max);
    },
  };
}
