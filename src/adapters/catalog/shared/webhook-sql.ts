import { ConflictError } from '../../../core/errors.ts';
import type { WebhookDelivery, WebhookDeliveryPatch, WebhookEndpoint, WebhookEventType } from '../../../core/model/webhook.ts';
import type { WebhookRecords } from '../../../core/ports/catalog.ts';
import { checkDeliveryLimit, checkSecret, normalizeWebhookDelivery, normalizeWebhookDeliveryPatch, normalizeWebhookEndpoint } from './webhook-values.ts';

/**
 * Webhook endpoints and deliveries on SQL (SQLite and PostgreSQL alike): tables webhook_endpoints
 * and webhook_deliveries (catalog migration 8), times stored as canonical ISO text. `run` executes
 * one statement with `?` placeholders and returns its rows (none for a statement without RETURNING);
 * a unique violation comes back as ConflictError.
 */
export type SqlRun = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

type Row = Record<string, unknown>;

const DELIVERY_FIELDS: ReadonlyArray<[keyof WebhookDeliveryPatch, string]> = [
  ['attempts', 'attempts'],
  ['lastStatus', 'last_status'],
  ['lastError', 'last_error'],
  ['nextAttemptAt', 'next_attempt_at'],
  ['deliveredAt', 'delivered_at'],
  ['givenUpAt', 'given_up_at'],
];

function decodeEndpoint(row: Row): WebhookEndpoint {
  return {
    id: row.id as string,
    ownerId: row.owner_id as string,
    url: row.url as string,
    events: JSON.parse(row.events as string) as WebhookEventType[],
    secret: row.secret as string,
    createdAt: row.created_at as string,
  };
}

function decodeDelivery(row: Row): WebhookDelivery {
  return {
    endpointId: row.endpoint_id as string,
    eventId: row.event_id as string,
    type: row.type as WebhookEventType,
    videoId: row.video_id as string,
    body: row.body as string,
    createdAt: row.created_at as string,
    attempts: Number(row.attempts),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error as string | null,
    nextAttemptAt: row.next_attempt_at as string | null,
    deliveredAt: row.delivered_at as string | null,
    givenUpAt: row.given_up_at as string | null,
  };
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`... */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The records over `run`; `numbered`: the engine takes `$1`, `$2`... (PostgreSQL) instead of `?`. */
export function sqlWebhookRecords(given: SqlRun, placeholders: '?' | 'numbered' = '?'): WebhookRecords {
  const run: SqlRun = placeholders === '?' ? given : (sql, params) => given(numbered(sql), params);
  const getDelivery = async (endpointId: string, eventId: string) => {
    const rows = await run('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?', [endpointId, eventId]);
    return rows[0] ? decodeDelivery(rows[0]) : null;
  };
  return {
    async createWebhookEndpoint(endpoint) {
      const e = normalizeWebhookEndpoint(endpoint);
      try {
        await run('INSERT INTO webhook_endpoints (id, owner_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
          e.id, e.ownerId, e.url, JSON.stringify(e.events), e.secret, e.createdAt,
        ]);
      } catch (err) {
        if (err instanceof ConflictError) throw new ConflictError(`A webhook endpoint with id ${e.id} already exists`);
        throw err;
      }
      return e;
    },
    async getWebhookEndpoint(id) {
      const rows = await run('SELECT * FROM webhook_endpoints WHERE id = ?', [id]);
      return rows[0] ? decodeEndpoint(rows[0]) : null;
    },
    async listWebhookEndpoints(ownerId) {
      const rows = ownerId === undefined
        ? await run('SELECT * FROM webhook_endpoints ORDER BY created_at, id', [])
        : await run('SELECT * FROM webhook_endpoints WHERE owner_id = ? ORDER BY created_at, id', [ownerId]);
      return rows.map(decodeEndpoint);
    },
    async setWebhookSecret(id, secret) {
      const rows = await run('UPDATE webhook_endpoints SET secret = ? WHERE id = ? RETURNING *', [checkSecret(secret), id]);
      return rows[0] ? decodeEndpoint(rows[0]) : null;
    },
    async deleteWebhookEndpoint(id) {
      await run('DELETE FROM webhook_deliveries WHERE endpoint_id = ?', [id]);
      return (await run('DELETE FROM webhook_endpoints WHERE id = ? RETURNING id', [id])).length > 0;
    },
    async createWebhookDelivery(delivery) {
      const d = normalizeWebhookDelivery(delivery);
      const rows = await run(
        `INSERT INTO webhook_deliveries (endpoint_id, event_id, type, video_id, body, created_at, attempts, last_status, last_error,
           next_attempt_at, delivered_at, given_up_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING *`,
        [d.endpointId, d.eventId, d.type, d.videoId, d.body, d.createdAt, d.attempts, d.lastStatus, d.lastError, d.nextAttemptAt, d.deliveredAt, d.givenUpAt],
      );
      if (rows[0]) return { delivery: decodeDelivery(rows[0]), created: true };
      const existing = await getDelivery(d.endpointId, d.eventId);
      if (!existing) throw new ConflictError('The delivery was deleted while it was being stored');
      return { delivery: existing, created: false };
    },
    getWebhookDelivery: getDelivery,
    async updateWebhookDelivery(endpointId, eventId, patch) {
      const p = normalizeWebhookDeliveryPatch(patch);
      const set = DELIVERY_FIELDS.filter(([key]) => p[key] !== undefined);
      if (set.length === 0) return getDelivery(endpointId, eventId);
      const rows = await run(
        `UPDATE webhook_deliveries SET ${set.map(([, column]) => `${column} = ?`).join(', ')} WHERE endpoint_id = ? AND event_id = ? RETURNING *`,
        [...set.map(([key]) => p[key]), endpointId, eventId],
      );
      return rows[0] ? decodeDelivery(rows[0]) : null;
    },
    async listWebhookDeliveries(endpointId, limit) {
      const rows = await run('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at DESC, event_id DESC LIMIT ?', [
        endpointId,
        checkDeliveryLimit(limit),
      ]);
      return rows.map(decodeDelivery);
    },
  };
}
