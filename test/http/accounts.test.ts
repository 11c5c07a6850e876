import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** GET/POST/PATCH/DELETE /api/v1/users and GET/POST/DELETE /api/v1/tokens. */
describe('accounts and API tokens API', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ worker: false, flags: { loginRateLimit: 1000 } });
    admin = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const signIn = (email: string, password: string) =>
    fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });

  it('admins list and create users; the list never shows password hashes', async () => {
    const created = await admin.request('POST', '/api/v1/users', { email: 'New.Person@Example.test', role: 'viewer', password: 'correct horse battery' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ email: 'new.person@example.test', role: 'viewer', disabled: false, hasPassword: true });
    expect((await signIn('new.person@example.test', 'correct horse battery')).status).toBe(200);

    const list = await admin.request('GET', '/api/v1/users');
    expect(list.status).toBe(200);
    expect(list.json.items.map((u: { email: string }) => u.email)).toContain('new.person@example.test');
    expect(JSON.stringify(list.json)).not.toMatch(/scrypt|passwordHash/);

    expect((await admin.request('POST', '/api/v1/users', { email: 'new.person@example.test', role: 'viewer', password: 'correct horse battery' })).status).toBe(409);
    expect((await admin.request('POST', '/api/v1/users', { email: 'weak@example.test', role: 'viewer', password: 'abc' })).status).toBe(400);
    expect((await admin.request('POST', '/api/v1/users', { email: 'not-an-email', role: 'viewer', password: 'correct horse battery' })).status).toBe(400);
    expect((await admin.request('POST', '/api/v1/users', { email: 'x@example.test', role: 'owner', password: 'correct horse battery' })).status).toBe(400);
  });

  it('creates a user without a password: a temporary one is answered once and signs in', async () => {
    const created = await admin.request('POST', '/api/v1/users', { email: 'no.password@example.test', role: 'uploader' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ email: 'no.password@example.test', role: 'uploader', hasPassword: true });
    const temporary = created.json.temporaryPassword as string;
    expect(temporary.length).toBeGreaterThanOrEqual(16);
    expect((await signIn('no.password@example.test', temporary)).status).toBe(200);
    expect((await admin.request('GET', '/api/v1/users')).json.items.find((u: { email: string }) => u.email === 'no.password@example.test').temporaryPassword).toBeUndefined();
  });

  it('creates an API token for the caller: the secret is answered once and works until revoked', async () => {
    const carol = await server.createUser('viewer');
    const carolApi = new ApiClient(server.url, carol.token);
    const created = await carolApi.request('POST', '/api/v1/tokens', { name: '  backup script ' });
    expect(created.status).toBe(201);
    expect(created.json.token).toMatchObject({ name: 'backup script', userId: carol.id, ownerEmail: carol.email, lastUsedAt: null });
    const secret = created.json.secret as string;
    expect(secret).toMatch(/^vk_/);
    const withSecret = new ApiClient(server.url, secret);
    const me = await withSecret.request('GET', '/api/v1/me');
    expect(me.json.user.id).toBe(carol.id);
    const listed = (await carolApi.request('GET', '/api/v1/tokens')).json.items as Array<{ id: string; name: string }>;
    expect(listed.map((t) => t.name).sort()).toEqual(['backup script', 'test']);
    expect(JSON.stringify(listed)).not.toContain(secret);

    expect((await carolApi.request('POST', '/api/v1/tokens', { name: '   ' })).status).toBe(400);
    expect((await carolApi.request('POST', '/api/v1/tokens', { name: 'x', userId: 'someone' })).status).toBe(400);
    expect((await new ApiClient(server.url, null).request('POST', '/api/v1/tokens', { name: 'x' })).status).toBe(401);

    expect((await carolApi.request('DELETE', `/api/v1/tokens/${created.json.token.id}`)).status).toBe(204);
    expect((await withSecret.request('GET', '/api/v1/videos')).status).toBe(401);
  });

  it('refuses every user route to uploaders, viewers and anonymous callers', async () => {
    const target = await server.createUser('viewer');
    for (const role of ['uploader', 'viewer'] as const) {
      const api = new ApiClient(server.url, (await server.createUser(role)).token);
      expect((await api.request('GET', '/api/v1/users')).status).toBe(403);
      expect((await api.request('POST', '/api/v1/users', { email: `${role}-made@example.test`, role: 'admin', password: 'correct horse battery' })).status).toBe(403);
      expect((await api.request('PATCH', `/api/v1/users/${target.id}`, { role: 'admin' })).status).toBe(403);
      expect((await api.request('DELETE', `/api/v1/users/${target.id}`)).status).toBe(403);
    }
    const anonymous = new ApiClient(server.url, null);
    expect((await anonymous.request('GET', '/api/v1/users')).status).toBe(401);
    expect((await anonymous.request('GET', '/api/v1/tokens')).status).toBe(401);
    expect((await server.rt.catalog.getUser(target.id))?.role).toBe('viewer');
  });

  it('changes a role, disables (refused at once, by token and by sign-in) and enables again', async () => {
    const user = await server.createUser('viewer');
    const own = new ApiClient(server.url, user.token);
    const promoted = await admin.request('PATCH', `/api/v1/users/${user.id}`, { role: 'uploader' });
    expect(promoted.status).toBe(200);
    expect(promoted.json.role).toBe('uploader');

    expect((await admin.request('PATCH', `/api/v1/users/${user.id}`, { disabled: true })).json.disabled).toBe(true);
    expect((await own.request('GET', '/api/v1/videos')).status).toBe(401);
    expect((await signIn(user.email, user.password)).status).toBe(401);

    expect((await admin.request('PATCH', `/api/v1/users/${user.id}`, { disabled: false })).json.disabled).toBe(false);
    expect((await own.request('GET', '/api/v1/videos')).status).toBe(200);

    expect((await admin.request('PATCH', `/api/v1/users/${user.id}`, {})).status).toBe(400);
    expect((await admin.request('PATCH', `/api/v1/users/${user.id}`, { passwordHash: 'x' })).status).toBe(400);
    expect((await admin.request('PATCH', '/api/v1/users/nobody', { role: 'viewer' })).status).toBe(404);
  });

  it('resets a password to a temporary one shown once, or sets the one given', async () => {
    const user = await server.createUser('uploader');
    const reset = await admin.request('PATCH', `/api/v1/users/${user.id}`, { resetPassword: true });
    expect(reset.status).toBe(200);
    const temporary = reset.json.temporaryPassword as string;
    expect(temporary.length).toBeGreaterThanOrEqual(16);
    expect((await signIn(user.email, user.password)).status).toBe(401);
    expect((await signIn(user.email, temporary)).status).toBe(200);
    expect((await admin.request('GET', '/api/v1/users')).json.items.find((u: { id: string }) => u.id === user.id).temporaryPassword).toBeUndefined();

    const set = await admin.request('PATCH', `/api/v1/users/${user.id}`, { password: 'another long passphrase' });
    expect(set.status).toBe(200);
    expect(set.json.temporaryPassword).toBeUndefined();
    expect((await signIn(user.email, temporary)).status).toBe(401);
    expect((await signIn(user.email, 'another long passphrase')).status).toBe(200);
    expect((await admin.request('PATCH', `/api/v1/users/${user.id}`, { password: 'abc' })).status).toBe(400);
  });

  it('never disables or demotes the last enabled admin', async () => {
    const first = await server.createUser('admin');
    const firstApi = new ApiClient(server.url, first.token);
    // Other admins from earlier tests are demoted first, so `first` is the only one left.
    for (const u of (await admin.request('GET', '/api/v1/users')).json.items as Array<{ id: string; role: string }>) {
      if (u.role === 'admin' && u.id !== first.id) expect((await admin.request('PATCH', `/api/v1/users/${u.id}`, { role: 'viewer' })).status).toBe(200);
    }
    for (const change of [{ disabled: true }, { role: 'uploader' }]) {
      const refused = await firstApi.request('PATCH', `/api/v1/users/${first.id}`, change);
      expect(refused.status).toBe(409);
      expect(refused.json.error.message).toMatch(/last enabled admin/);
    }
    expect((await firstApi.request('DELETE', `/api/v1/users/${first.id}`)).status).toBe(409);

    // With a second admin, the first may step down.
    const second = await server.createUser('admin');
    expect((await firstApi.request('PATCH', `/api/v1/users/${first.id}`, { role: 'uploader' })).status).toBe(200);
    expect((await admin.request('PATCH', `/api/v1/users/${second.id}`, { disabled: true })).status).toBe(409);
    expect((await server.rt.catalog.getUser(second.id))?.disabled).toBe(false);
  });

  it('DELETE disables the account and revokes its tokens', async () => {
    const user = await server.createUser('uploader');
    expect((await admin.request('DELETE', `/api/v1/users/${user.id}`)).status).toBe(204);
    expect((await server.rt.catalog.getUser(user.id))?.disabled).toBe(true);
    expect((await server.rt.catalog.listApiTokens()).some((t) => t.userId === user.id)).toBe(false);
    // Enabled again, the old token still does not work.
    await admin.request('PATCH', `/api/v1/users/${user.id}`, { disabled: false });
    expect((await new ApiClient(server.url, user.token).request('GET', '/api/v1/videos')).status).toBe(401);
  });

  it('lists own tokens without secrets (admins: all, with owner) and revokes own; others are not found', async () => {
    const alice = await server.createUser('uploader');
    const bob = await server.createUser('viewer');
    const aliceApi = new ApiClient(server.url, alice.token);
    const bobApi = new ApiClient(server.url, bob.token);
    await aliceApi.request('GET', '/api/v1/videos');

    const mine = await aliceApi.request('GET', '/api/v1/tokens');
    expect(mine.status).toBe(200);
    expect(mine.json.items).toHaveLength(1);
    const [token] = mine.json.items;
    expect(token).toMatchObject({ name: 'test', userId: alice.id, ownerEmail: alice.email });
    expect(token.createdAt).toEqual(expect.any(String));
    expect(Object.keys(token).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'ownerEmail', 'userId']);
    expect(JSON.stringify(mine.json)).not.toContain(alice.token);

    const all = await admin.request('GET', '/api/v1/tokens');
    const ids = all.json.items.map((t: { id: string }) => t.id);
    expect(ids).toContain(token.id);
    expect(all.json.items.find((t: { userId: string }) => t.userId === bob.id).ownerEmail).toBe(bob.email);
    expect(all.json.items.some((t: { userId: string | null }) => t.userId === null)).toBe(true);

    expect((await bobApi.request('DELETE', `/api/v1/tokens/${token.id}`)).status).toBe(404);
    expect((await aliceApi.request('GET', '/api/v1/videos')).status).toBe(200);
    expect((await aliceApi.request('DELETE', `/api/v1/tokens/${token.id}`)).status).toBe(204);
    expect((await aliceApi.request('GET', '/api/v1/videos')).status).toBe(401);

    const bobToken = (await bobApi.request('GET', '/api/v1/tokens')).json.items[0].id;
    expect((await admin.request('DELETE', `/api/v1/tokens/${bobToken}`)).status).toBe(204);
    expect((await bobApi.request('GET', '/api/v1/videos')).status).toBe(401);
    expect((await admin.request('DELETE', `/api/v1/tokens/${bobToken}`)).status).toBe(404);
  });
});
