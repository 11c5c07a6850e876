import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/core/errors.ts';
import type { User } from '../../src/core/model/user.ts';
import type { Catalog } from '../../src/core/ports/catalog.ts';
import { at, type CatalogUnderTest, makeToken, makeUser } from './catalog-fixtures.ts';

/** Catalog contract, part of catalog-suite.ts: users, the first user, and API tokens. */
export function userCases(current: () => CatalogUnderTest): void {
  let catalog: Catalog;
  let openAnother: () => Promise<Catalog>;
  beforeEach(() => {
    ({ catalog, openAnother } = current());
  });

  describe('users', () => {
    it('creates, reads and lists users; unknown ids give null', async () => {
      const a = makeUser({ passwordHash: null, role: 'admin', disabled: true, createdAt: '2026-01-02T03:04:05+01:00' });
      const b = makeUser();
      expect(await catalog.countUsers()).toBe(0);
      const created = await catalog.createUser(a);
      expect(created).toEqual({ ...a, createdAt: '2026-01-02T02:04:05.000Z' });
      await catalog.createUser(b);
      expect(await catalog.getUser(a.id)).toEqual(created);
      expect(await catalog.getUser('no-such-user')).toBeNull();
      const list = await catalog.listUsers();
      expect(list.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
      expect(list.find((u) => u.id === b.id)).toEqual(b);
      expect(await catalog.countUsers()).toBe(2);
    });

    it('finds users by e-mail case-insensitively and keeps the stored spelling', async () => {
      const u = await catalog.createUser(makeUser({ email: 'Alice.Smith@Example.COM' }));
      const e = await catalog.createUser(makeUser({ email: 'Élodie@Exemple.fr' }));
      expect(await catalog.getUserByEmail('alice.smith@example.com')).toEqual(u);
      expect(await catalog.getUserByEmail('ALICE.SMITH@EXAMPLE.COM')).toEqual(u);
      expect(await catalog.getUserByEmail('élodie@exemple.fr')).toEqual(e);
      expect(await catalog.getUserByEmail('nobody@example.com')).toBeNull();
    });

    it('rejects a duplicate e-mail (any case) or id with ConflictError', async () => {
      const u = await catalog.createUser(makeUser({ email: 'bob@example.com' }));
      await expect(catalog.createUser(makeUser({ email: 'BOB@example.com' }))).rejects.toBeInstanceOf(ConflictError);
      await expect(catalog.createUser(makeUser({ id: u.id }))).rejects.toBeInstanceOf(ConflictError);
      await expect(catalog.createUser(makeUser({ role: 'root' as User['role'] }))).rejects.toBeInstanceOf(ValidationError);
      expect(await catalog.countUsers()).toBe(1);
    });

    it('updates users, including the e-mail, and refuses a taken e-mail', async () => {
      const u = await catalog.createUser(makeUser({ email: 'carol@example.com' }));
      const other = await catalog.createUser(makeUser({ email: 'dave@example.com' }));
      const updated = await catalog.updateUser(u.id, { role: 'viewer', disabled: true, passwordHash: null, email: 'Carol@New.example' });
      expect(updated).toEqual({ ...u, role: 'viewer', disabled: true, passwordHash: null, email: 'Carol@New.example' });
      expect(await catalog.getUserByEmail('carol@new.example')).toEqual(updated);
      expect(await catalog.getUserByEmail('carol@example.com')).toBeNull();
      await expect(catalog.updateUser(u.id, { email: 'DAVE@example.com' })).rejects.toBeInstanceOf(ConflictError);
      expect(await catalog.getUser(u.id)).toEqual(updated);
      expect(await catalog.getUser(other.id)).toEqual(other);
      expect(await catalog.updateUser('no-such-user', { role: 'admin' })).toBeNull();
    });
  });

  describe('first user', () => {
    it('createFirstUser creates the user in an empty catalog, then refuses with null', async () => {
      const first = makeUser({ role: 'admin' });
      expect(await catalog.createFirstUser(first)).toEqual(first);
      expect(await catalog.createFirstUser(makeUser({ role: 'admin' }))).toBeNull();
      expect(await catalog.listUsers()).toEqual([first]);
    });

    it('createFirstUser refuses with null once any user exists', async () => {
      const existing = await catalog.createUser(makeUser({ role: 'viewer', disabled: true }));
      expect(await catalog.createFirstUser(makeUser({ role: 'admin' }))).toBeNull();
      expect(await catalog.listUsers()).toEqual([existing]);
    });

    it('createFirstUser validates the user like createUser', async () => {
      await expect(catalog.createFirstUser(makeUser({ role: 'root' as User['role'] }))).rejects.toBeInstanceOf(ValidationError);
      expect(await catalog.countUsers()).toBe(0);
    });

    it('of 20 concurrent createFirstUser calls over two handles, exactly one creates its user', async () => {
      const other = await openAnother();
      try {
        const candidates = Array.from({ length: 20 }, () => makeUser({ role: 'admin' }));
        const results = await Promise.all(candidates.map((u, i) => (i % 2 === 0 ? catalog : other).createFirstUser(u)));
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect(await catalog.listUsers()).toEqual(winners);
        expect(await other.listUsers()).toEqual(winners);
      } finally {
        if (other !== catalog) await other.close();
      }
    });

    it('createFirstUser racing createUser on another handle: at most one first-run user, nothing lost', async () => {
      const other = await openAnother();
      try {
        const plain = makeUser({ role: 'admin' });
        const candidates = Array.from({ length: 10 }, () => makeUser({ role: 'admin' }));
        const [created, ...results] = await Promise.all([other.createUser(plain), ...candidates.map((u) => catalog.createFirstUser(u))]);
        const winners = results.filter((r) => r !== null);
        expect(winners.length).toBeLessThanOrEqual(1);
        const users = await catalog.listUsers();
        expect(users.map((u) => u.id).sort()).toEqual([created.id, ...winners.map((w) => w!.id)].sort());
      } finally {
        if (other !== catalog) await other.close();
      }
    });
  });

  describe('API tokens', () => {
    it('creates tokens, finds them by hash and lists them', async () => {
      const t = makeToken({ createdAt: '2026-05-06T07:08:09Z' });
      const admin = makeToken({ userId: null });
      const created = await catalog.createApiToken(t);
      expect(created).toEqual({ ...t, createdAt: '2026-05-06T07:08:09.000Z' });
      expect(await catalog.createApiToken(admin)).toEqual(admin);
      expect(await catalog.findApiTokenByHash(t.tokenHash)).toEqual(created);
      expect(await catalog.findApiTokenByHash(admin.tokenHash)).toEqual(admin);
      expect(await catalog.findApiTokenByHash('f'.repeat(64))).toBeNull();
      expect((await catalog.listApiTokens()).map((x) => x.id).sort()).toEqual([t.id, admin.id].sort());
    });

    it('rejects a duplicate token hash or id with ConflictError', async () => {
      const t = await catalog.createApiToken(makeToken());
      await expect(catalog.createApiToken(makeToken({ tokenHash: t.tokenHash }))).rejects.toBeInstanceOf(ConflictError);
      await expect(catalog.createApiToken(makeToken({ id: t.id }))).rejects.toBeInstanceOf(ConflictError);
      expect(await catalog.listApiTokens()).toHaveLength(1);
    });

    it('touches and deletes tokens', async () => {
      const t = await catalog.createApiToken(makeToken());
      await catalog.touchApiToken(t.id, '2026-07-01T10:00:00.5+00:00');
      expect((await catalog.findApiTokenByHash(t.tokenHash))?.lastUsedAt).toBe('2026-07-01T10:00:00.500Z');
      await catalog.touchApiToken('no-such-token', at(1));
      await expect(catalog.touchApiToken(t.id, 'now')).rejects.toBeInstanceOf(ValidationError);
      expect(await catalog.deleteApiToken(t.id)).toBe(true);
      expect(await catalog.deleteApiToken(t.id)).toBe(false);
      expect(await catalog.findApiTokenByHash(t.tokenHash)).toBeNull();
    });
  });
}
