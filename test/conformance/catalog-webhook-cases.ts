import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../../src/core/model/webhook.ts';
import type { Catalog } from '../../src/core/ports/catalog.ts';
import { at, type CatalogUnderTest } from './catalog-fixtures.ts';

/** Catalog contract, part of catalog-suite.ts: webhook endpoints and their delivery log. */
export function webhookCases(current: () => CatalogUnderTest): void {
  let catalog: Catalog;
  let openAnother: () => Promise<Catalog>;
  beforeEach(() => {
    ({ catalog, openAnother } = current());
  });

  let seq = 0;
  const endpoint = (over: Partial<WebhookEndpoint> = {}): WebhookEndpoint => {
    seq += 1;
    return { id: `wh-${seq}`, ownerId: 'user-1', url: `https://example.com/hooks/${seq}`, events: ['video.ready'], secret: `secret-${seq}`, createdAt: at(seq * 1000), ...over };
  };
  const delivery = (endpointId: string, over: Partial<WebhookDelivery> = {}): WebhookDelivery => {
    seq += 1;
    return {
      endpointId,
      eventId: `evt-${seq}`,
      type: 'video.ready',
      videoId: 'vid-1',
      body: `{"id":"evt-${seq}"}`,
      createdAt: at(seq * 1000),
      attempts: 0,
      lastStatus: null,
      lastError: null,
      nextAttemptAt: at(seq * 1000),
      deliveredAt: null,
      givenUpAt: null,
      ...over,
    };
  };

  describe('webhook endpoints', () => {
    it('creates, reads, lists (by owner, oldest first), changes the secret of and deletes endpoints', async () => {
      const a = await catalog.createWebhookEndpoint(endpoint({ events: ['video.playable', 'video.ready', 'video.failed', 'video.deleted'] }));
      const b = await catalog.createWebhookEndpoint(endpoint({ ownerId: 'user-2', createdAt: '2026-01-02T03:04:05+01:00' }));
      expect(b.createdAt).toBe('2026-01-02T02:04:05.000Z');
      expect(await catalog.getWebhookEndpoint(a.id)).toEqual(a);
      expect(await catalog.getWebhookEndpoint('no-such-endpoint')).toBeNull();
      expect((await catalog.listWebhookEndpoints()).map((e) => e.id)).toEqual([a.id, b.id]);
      expect(await catalog.listWebhookEndpoints('user-2')).toEqual([b]);
      expect(await catalog.listWebhookEndpoints('nobody')).toEqual([]);
      await expect(catalog.createWebhookEndpoint({ ...endpoint(), id: a.id })).rejects.toBeInstanceOf(ConflictError);

      expect(await catalog.setWebhookSecret(a.id, 'rotated')).toEqual({ ...a, secret: 'rotated' });
      expect(await (await openAnother()).getWebhookEndpoint(a.id)).toEqual({ ...a, secret: 'rotated' });
      expect(await catalog.setWebhookSecret('no-such-endpoint', 'x')).toBeNull();

      expect(await catalog.deleteWebhookEndpoint(a.id)).toBe(true);
      expect(await catalog.deleteWebhookEndpoint(a.id)).toBe(false);
      expect(await catalog.getWebhookEndpoint(a.id)).toBeNull();
      expect(await catalog.listWebhookEndpoints()).toEqual([b]);
    });
  });

  describe('webhook deliveries', () => {
    it('stores a delivery once per (endpoint, event): a second create returns the first', async () => {
      const e = await catalog.createWebhookEndpoint(endpoint());
      const d = delivery(e.id);
      expect(await catalog.createWebhookDelivery(d)).toEqual({ delivery: d, created: true });
      const again = await catalog.createWebhookDelivery({ ...d, body: '{"other":true}', attempts: 3 });
      expect(again).toEqual({ delivery: d, created: false });
      expect(await catalog.getWebhookDelivery(e.id, d.eventId)).toEqual(d);
      expect(await catalog.getWebhookDelivery(e.id, 'no-such-event')).toBeNull();
      // The same event for another endpoint is another delivery.
      const other = await catalog.createWebhookEndpoint(endpoint());
      expect((await catalog.createWebhookDelivery({ ...d, endpointId: other.id })).created).toBe(true);
    });

    it('records attempts and lists an endpoint\'s deliveries newest first, up to a limit', async () => {
      const e = await catalog.createWebhookEndpoint(endpoint());
      const first = delivery(e.id);
      const second = delivery(e.id, { type: 'video.deleted' });
      const third = delivery(e.id, { type: 'video.failed' });
      for (const d of [second, first, third]) await catalog.createWebhookDelivery(d);
      const failed = await catalog.updateWebhookDelivery(e.id, first.eventId, { attempts: 1, lastStatus: 500, lastError: 'the endpoint answered 500', nextAttemptAt: '2026-01-01T00:01:00Z' });
      expect(failed).toEqual({ ...first, attempts: 1, lastStatus: 500, lastError: 'the endpoint answered 500', nextAttemptAt: '2026-01-01T00:01:00.000Z' });
      const done = await catalog.updateWebhookDelivery(e.id, first.eventId, { attempts: 2, lastStatus: 204, lastError: null, nextAttemptAt: null, deliveredAt: at(99_000) });
      expect(done).toEqual({ ...first, attempts: 2, lastStatus: 204, nextAttemptAt: null, deliveredAt: at(99_000) });
      expect(await catalog.updateWebhookDelivery(e.id, 'no-such-event', { attempts: 1 })).toBeNull();

      const listed = await (await openAnother()).listWebhookDeliveries(e.id, 100);
      expect(listed.map((d) => d.eventId)).toEqual([third.eventId, second.eventId, first.eventId]);
      expect(listed[2]).toEqual(done);
      expect((await catalog.listWebhookDeliveries(e.id, 2)).map((d) => d.eventId)).toEqual([third.eventId, second.eventId]);
      expect(await catalog.listWebhookDeliveries('no-such-endpoint', 10)).toEqual([]);
    });

    it('deletes an endpoint\'s deliveries with it', async () => {
      const e = await catalog.createWebhookEndpoint(endpoint());
      const d = delivery(e.id);
      await catalog.createWebhookDelivery(d);
      await catalog.deleteWebhookEndpoint(e.id);
      expect(await catalog.getWebhookDelivery(e.id, d.eventId)).toBeNull();
      expect(await catalog.listWebhookDeliveries(e.id, 10)).toEqual([]);
    });
  });
}
