import type { FastifyInstance } from 'fastify';
import { loadConfig, type ConfigFlags } from '../../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../../src/config/compose.ts';
import { buildHttpApp } from '../../../src/http/app.ts';
import { recoverPending } from '../../../src/core/pipeline/recover-pending.ts';
import { hashApiToken, newApiTokenSecret } from '../../../src/core/auth/api-tokens.ts';
import { newId } from '../../../src/core/ids.ts';
import { silentLogger, type Logger } from '../../../src/core/ports/logger.ts';
import { ApiClient } from '../../support/api-client.ts';

export interface InProcessServer {
  url: string;
  rt: Runtime;
  app: FastifyInstance;
  api: ApiClient;
  stop(): Promise<void>;
}

/**
 * A vodkit server in this process on a data dir the caller owns (so it can be stopped and started
 * again on the same data), with a worker unless `worker: false`, and an admin API client.
 */
export async function startInProcess(
  dataDir: string,
  options: { flags?: ConfigFlags; env?: NodeJS.ProcessEnv; worker?: boolean; logger?: Logger; token?: string } = {},
): Promise<InProcessServer> {
  const config = loadConfig(options.env ?? {}, {
    dataDir,
    port: 0,
    logLevel: 'warn',
    segmentSeconds: 2,
    x264Preset: 'superfast',
    perTitle: false,
    uploadRateLimit: 10_000,
    ...options.flags,
  });
  const rt = await openRuntime(config, { logger: options.logger ?? silentLogger });
  const app = await buildHttpApp(rt, { logLevel: 'warn' });
  await recoverPending(rt);
  if (options.worker !== false) await rt.startWorker();
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const token = options.token ?? newApiTokenSecret();
  if (!(await rt.catalog.findApiTokenByHash(hashApiToken(token)))) {
    await rt.catalog.createApiToken({ id: newId(), name: 'test', tokenHash: hashApiToken(token), userId: null, createdAt: new Date().toISOString(), lastUsedAt: null });
  }
  return {
    url,
    rt,
    app,
    api: new ApiClient(url, token),
    async stop() {
      await app.close();
      await rt.close();
    },
  };
}

/** A logger that keeps every line (with its child bindings) in memory. */
export function memoryLogger(lines: any[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: any[] } {
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, ...bindings, ...obj, msg });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(lines, { ...bindings, ...more }),
  };
}
