import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type ConfigFlags } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/config/compose.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { recoverPending } from '../../src/core/pipeline/recover-pending.ts';
import { hashApiToken, newApiTokenSecret } from '../../src/core/auth/api-tokens.ts';
import { hashPassword, type Passwords } from '../../src/core/auth/passwords.ts';
import { newId } from '../../src/core/ids.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import type { Role } from '../../src/core/model/user.ts';
import type { Encoding } from '../../src/core/ports/encode-backend.ts';
import { makeTempDir } from './temp-dir.ts';

export const WEB_ROOT = fileURLToPath(new URL('../../web-dist', import.meta.url));

export interface TestServer {
  url: string;
  rt: Runtime;
  app: FastifyInstance;
  dataDir: string;
  /** An admin API token. */
  token: string;
  /** Creates a user and returns an API token acting for it. */
  createUser(role: Role, email?: string, password?: string): Promise<{ id: string; email: string; password: string; token: string }>;
  stop(): Promise<void>;
}

/**
 * A real vodkit server on 127.0.0.1:<random port> with its own temp data dir, the embedded
 * adapters by default (override with `flags`, e.g. storage/databaseUrl/queueUrl), and a worker.
 */
export async function startTestServer(
  options: { flags?: ConfigFlags; worker?: boolean; env?: NodeJS.ProcessEnv; passwords?: Passwords; wrapEncoding?: (encoding: Encoding) => Encoding } = {},
): Promise<TestServer> {
  const temp = await makeTempDir('vodkit-server-');
  const config = loadConfig(options.env ?? {}, {
    dataDir: temp.dir,
    port: 0,
    logLevel: 'warn',
    segmentSeconds: 2,
    x264Preset: 'superfast',
    // The fixed ladder, without the per-title analysis each ladder would start with: the tests of
    // per-title ladders ask for it (test/publish/per-title.test.ts, test/core/ladder/per-title.test.ts).
    perTitle: false,
    ...options.flags,
  });
  const rt = await openRuntime(config, { logger: silentLogger, passwords: options.passwords, wrapEncoding: options.wrapEncoding });
  const app = await buildHttpApp(rt, { webRoot: WEB_ROOT, logLevel: 'warn' });
  await recoverPending(rt);
  if (options.worker !== false) await rt.startWorker();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const makeToken = async (userId: string | null) => {
    const secret = newApiTokenSecret();
    await rt.catalog.createApiToken({ id: newId(), name: 'test', tokenHash: hashApiToken(secret), userId, createdAt: new Date().toISOString(), lastUsedAt: null });
    return secret;
  };
  const token = await makeToken(null);
  return {
    url: address,
    rt,
    app,
    dataDir: temp.dir,
    token,
    async createUser(role, email = `${role}-${newId(6)}@example.test`, password = 'correct horse battery') {
      const id = newId();
      await rt.catalog.createUser({ id, email, passwordHash: await hashPassword(password), role, disabled: false, createdAt: new Date().toISOString() });
      return { id, email, password, token: await makeToken(id) };
    },
    async stop() {
      await app.close();
      await rt.close();
      await temp.cleanup();
    },
  };
}
