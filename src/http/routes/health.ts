import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../config/compose.ts';
import { errorMessage } from '../../core/errors.ts';

/** /healthz: the process answers. /readyz: its dependencies answer too. */
export function registerHealthRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    const check = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 3000);
        checks[name] = 'ok';
      } catch (err) {
        checks[name] = errorMessage(err);
      }
    };
    await Promise.all([
      check('catalog', () => rt.catalog.ping()),
      check('queue', () => rt.queue.ping()),
      check('storage', () => rt.media.head('readyz-probe')),
    ]);
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
