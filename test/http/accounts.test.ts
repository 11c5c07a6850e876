import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVodkitClient, VodkitApiError, type VodkitClient } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** GET/POST/PATCH/DELETE /api/v1/users and GET/DELETE /api/v1/tokens, through the typed client. */
describe('accounts and API tokens API', () => {
  let server: TestServer;
  let admin: VodkitClient;
  const as = (token: string | null) => createVodkitClient({ baseUrl: server.url, token });

  beforeAll(async () => {
    server = await startTestServer({ worker: false, flags: { loginRateLimit: 1000 } });
    admin = as(server.token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The status a call was answered with (the client throws VodkitApiError for refusals). */
  const status = (call: Promise<{ response: Response }>): Promise<number> =>
    call.then(
      (answer) => answer.response.status,
      (err: unknown) => (err instanceof VodkitApiError ? err.status : Promise.reject(err)),
    );
  const refusal = (call: Promise<unknown>): Promise<VodkitApiError> =>
    call.then(
      () => Promise.reject(new Error('the call was not refused')),
      (err: unknown) => (err instanceof VodkitApiError ? err : Promise.reject(err)),
    );
  const users = async () => (await admin.GET('/api/v1/users')).data!.items;
  const listVideos = (client: VodkitClient) => status(client.GET('/api/v1/videos'));
  const patchUser = (client: VodkitClient, id: string, body: { role?: 'admin' | 'uploader' | 'viewer'; disabled?: boolean; password?: string; resetPassword?: true }) =>
    client.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body });
  const signIn = (email: string, password: string) =>
    fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });

  it('admins list and create users; the list never shows password hashes', async () => {
    const created = await admin.POST('/api/v1/users', { body: { email: 'New.Person@Example.test', role: 'viewer', password: 'correct horse battery' } });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ email: 'new.person@example.test', role: 'viewer', disabled: false, hasPassword: true });
    expect((await signIn('new.person@example.test', 'correct horse battery')).status).toBe(200);

    const list = await admin.GET('/api/v1/users');
    expect(list.response.status).toBe(200);
    expect(list.data!.items.map((u) => u.email)).toContain('new.person@example.test');
    expect(JSON.stringify(list.data)).not.toMatch(/scrypt|passwordHash/);

    const create = (body: { email: string; role: 'admin' | 'uploader' | 'viewer'; password: string }) => status(admin.POST('/api/v1/users', { body }));
    expect(await create({ email: 'new.person@example.test', role: 'viewer', password: 'correct horse battery' })).toBe(409);
    expect(await create({ email: 'weak@example.test', role: 'viewer', password: 'abc' })).toBe(400);
    expect(await create({ email: 'not-an-email', role: 'viewer', password: 'correct horse battery' })).toBe(400);
    // @ts-expect-error no such role (the server refuses it too)
    expect(await create({ email: 'x@example.test', role: 'owner', password: 'correct horse battery' })).toBe(400);
  });

  it('refuses every user route to uploaders, viewers and anonymous callers', async () => {
    const target = await server.createUser('viewer');
    for (const role of ['uploader', 'viewer'] as const) {
      const api = as((await server.createUser(role)).token);
      expect(await status(api.GET('/api/v1/users'))).toBe(403);
      expect(await status(api.POST('/api/v1/users', { body: { email: `${role}-made@example.test`, role: 'admin', password: 'correct horse battery' } }))).toBe(403);
      expect(await status(patchUser(api, target.id, { role: 'admin' }))).toBe(403);
      expect(await status(api.DELETE('/api/v1/users/{id}', { params: { path: { id: target.id } } }))).toBe(403);
    }
    const anonymous = as(null);
    expect(await status(anonymous.GET('/api/v1/users'))).toBe(401);
    expect(await status(anonymous.GET('/api/v1/tokens'))).toBe(401);
    expect((await server.rt.catalog.getUser(target.id))?.role).toBe('viewer');
  });

  it('changes a role, disables (refused at once, by token and by sign-in) and enables again', async () => {
    const user = await server.createUser('viewer');
    const own = as(user.token);
    const promoted = await patchUser(admin, user.id, { role: 'uploader' });
    expect(promoted.response.status).toBe(200);
    expect(promoted.data!.role).toBe('uploader');

    expect((await patchUser(admin, user.id, { disabled: true })).data!.disabled).toBe(true);
    expect(await listVideos(own)).toBe(401);
    expect((await signIn(user.email, user.password)).status).toBe(401);

    expect((await patchUser(admin, user.id, { disabled: false })).data!.disabled).toBe(false);
    expect(await listVideos(own)).toBe(200);

    expect(await status(patchUser(admin, user.id, {}))).toBe(400);
    // @ts-expect-error passwordHash is not something to change (the server refuses it too)
    expect(await status(patchUser(admin, user.id, { passwordHash: 'x' }))).toBe(400);
    expect(await status(patchUser(admin, 'nobody', { role: 'viewer' }))).toBe(404);
  });

  it('resets a password to a temporary one shown once, or sets the one given', async () => {
    const user = await server.createUser('uploader');
    const reset = await patchUser(admin, user.id, { resetPassword: true });
    expect(reset.response.status).toBe(200);
    const temporary = reset.data!.temporaryPassword!;
    expect(temporary.length).toBeGreaterThanOrEqual(16);
    expect((await signIn(user.email, user.password)).status).toBe(401);
    expect((await signIn(user.email, temporary)).status).toBe(200);
    expect((await users()).find((u) => u.id === user.id)).not.toHaveProperty('temporaryPassword');

    const set = await patchUser(admin, user.id, { password: 'another long passphrase' });
    expect(set.response.status).toBe(200);
    expect(set.data!.temporaryPassword).toBeUndefined();
    expect((await signIn(user.email, temporary)).status).toBe(401);
    expect((await signIn(user.email, 'another long passphrase')).status).toBe(200);
    expect(await status(patchUser(admin, user.id, { password: 'abc' }))).toBe(400);
  });

  it('never disables or demotes the last enabled admin', async () => {
    const first = await server.createUser('admin');
    const firstApi = as(first.token);
    // Other admins from earlier tests are demoted first, so `first` is the only one left.
    for (const u of await users()) {
      if (u.role === 'admin' && u.id !== first.id) expect((await patchUser(admin, u.id, { role: 'viewer' })).response.status).toBe(200);
    }
    for (const change of [{ disabled: true }, { role: 'uploader' as const }]) {
      const refused = await refusal(patchUser(firstApi, first.id, change));
      expect(refused.status).toBe(409);
      expect(refused.message).toMatch(/last enabled admin/);
    }
    expect(await status(firstApi.DELETE('/api/v1/users/{id}', { params: { path: { id: first.id } } }))).toBe(409);

    // With a second admin, the first may step down.
    const second = await server.createUser('admin');
    expect((await patchUser(firstApi, first.id, { role: 'uploader' })).response.status).toBe(200);
    expect(await status(patchUser(admin, second.id, { disabled: true }))).toBe(409);
    expect((await server.rt.catalog.getUser(second.id))?.disabled).toBe(false);
  });

  it('DELETE disables the account and revokes its tokens', async () => {
    const user = await server.createUser('uploader');
    expect(await status(admin.DELETE('/api/v1/users/{id}', { params: { path: { id: user.id } } }))).toBe(204);
    expect((await server.rt.catalog.getUser(user.id))?.disabled).toBe(true);
    expect((await server.rt.catalog.listApiTokens()).some((t) => t.userId === user.id)).toBe(false);
    // Enabled again, the old token still does not work.
    await patchUser(admin, user.id, { disabled: false });
    expect(await listVideos(as(user.token))).toBe(401);
  });

  it('lists own tokens without secrets (admins: all, with owner) and revokes own; others are not found', async () => {
    const alice = await server.createUser('uploader');
    const bob = await server.createUser('viewer');
    const aliceApi = as(alice.token);
    const bobApi = as(bob.token);
    const revoke = (client: VodkitClient, id: string) => status(client.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
    await listVideos(aliceApi);

    const mine = await aliceApi.GET('/api/v1/tokens');
    expect(mine.response.status).toBe(200);
    expect(mine.data!.items).toHaveLength(1);
    const [token] = mine.data!.items;
    expect(token).toMatchObject({ name: 'test', userId: alice.id, ownerEmail: alice.email });
    expect(token.createdAt).toEqual(expect.any(String));
    expect(Object.keys(token).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'ownerEmail', 'userId']);
    expect(JSON.stringify(mine.data)).not.toContain(alice.token);

    const all = (await admin.GET('/api/v1/tokens')).data!.items;
    expect(all.map((t) => t.id)).toContain(token.id);
    expect(all.find((t) => t.userId === bob.id)?.ownerEmail).toBe(bob.email);
    expect(all.some((t) => t.userId === null)).toBe(true);

    expect(await revoke(bobApi, token.id)).toBe(404);
    expect(await listVideos(aliceApi)).toBe(200);
    expect(await revoke(aliceApi, token.id)).toBe(204);
    expect(await listVideos(aliceApi)).toBe(401);

    const bobToken = (await bobApi.GET('/api/v1/tokens')).data!.items[0].id;
    expect(await revoke(admin, bobToken)).toBe(204);
    expect(await listVideos(bobApi)).toBe(401);
    expect(await revoke(admin, bobToken)).toBe(404);
  });
});
