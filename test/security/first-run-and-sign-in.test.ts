import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Passwords, scrypt, type PasswordKdf } from '../../src/core/auth/passwords.ts';
import { newId } from '../../src/core/ids.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const post = (server: TestServer, path: string, body: unknown) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('first-run setup', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('of 20 concurrent setups on an empty installation exactly one creates an admin; the others get 409', async () => {
    server = await startTestServer({ worker: false });
    expect(await server.rt.catalog.countUsers()).toBe(0);
    const emails = Array.from({ length: 20 }, (_, i) => `admin${i}-${newId(6)}@example.test`);
    const answers = await Promise.all(
      emails.map(async (email) => {
        const res = await post(server!, '/api/v1/setup', { email, password: 'correct horse battery' });
        return { email, status: res.status, body: await res.json() };
      }),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won, JSON.stringify(answers.map((a) => a.status))).toHaveLength(1);
    for (const lost of answers.filter((a) => a.status !== 201)) {
      expect(lost.status).toBe(409);
      expect(lost.body.error.code).toBe('Conflict');
    }
    const users = await server.rt.catalog.listUsers();
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ id: won[0].body.user.id, email: won[0].email, role: 'admin' });
    const me = await fetch(`${server.url}/api/v1/me`).then((r) => r.json());
    expect(me.needsSetup).toBe(false);
  });
});

/**
 * Sign-in must cost the same whether or not the e-mail belongs to an account that may sign in:
 * the key derivation is counted (it still runs for real), not timed.
 */
describe('sign-in work does not depend on the account', () => {
  let server: TestServer;
  let derivations = 0;
  const counting: PasswordKdf = (...args) => {
    derivations += 1;
    return scrypt(...args);
  };

  beforeAll(async () => {
    server = await startTestServer({ worker: false, passwords: new Passwords(counting), flags: { loginRateLimit: 1000 } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function signIn(email: string, password: string): Promise<{ status: number; derivations: number }> {
    const before = derivations;
    const res = await post(server, '/api/v1/session', { email, password });
    await res.arrayBuffer();
    return { status: res.status, derivations: derivations - before };
  }

  it('one scrypt derivation for a known, an unknown, a disabled and a password-less account alike', async () => {
    const user = await server.createUser('viewer');
    const disabled = await server.createUser('viewer');
    await server.rt.catalog.updateUser(disabled.id, { disabled: true });
    const noPassword = await server.createUser('viewer');
    await server.rt.catalog.updateUser(noPassword.id, { passwordHash: null });

    expect(await signIn(user.email, user.password)).toEqual({ status: 200, derivations: 1 });
    expect(await signIn(user.email, 'not the password')).toEqual({ status: 401, derivations: 1 });
    expect(await signIn(`nobody-${newId(6)}@example.test`, 'not the password')).toEqual({ status: 401, derivations: 1 });
    expect(await signIn(disabled.email, disabled.password)).toEqual({ status: 401, derivations: 1 });
    expect(await signIn(noPassword.email, 'any password at all')).toEqual({ status: 401, derivations: 1 });
  });

  it('the work for an unknown e-mail uses the parameters of a stored hash', async () => {
    const seen: Array<{ keylen: number; N?: number; r?: number; p?: number }> = [];
    const recorder = new Passwords((password, salt, keylen, options) => {
      seen.push({ keylen, N: options.N, r: options.r, p: options.p });
      return scrypt(password, salt, keylen, options);
    });
    const stored = await recorder.hash('correct horse battery');
    expect(await recorder.verify('correct horse battery', stored)).toBe(true);
    expect(await recorder.verify('correct horse battery', null)).toBe(false);
    expect(await recorder.verify('correct horse battery', 'not a hash')).toBe(false);
    expect(seen).toHaveLength(4);
    for (const s of seen) expect(s).toEqual(seen[0]);
  });
});
