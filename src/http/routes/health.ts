import type { FastifyInstance } from 'fastify';
import type { DepsOf } from '../http-deps.ts';
import { errorMessage } from '../../core/errors.ts';

/** What these routes use. */
export type HealthDeps = DepsOf<'catalog' | 'queue' | 'media'>;

/** /healthz: the process answers. /readyz: its dependencies answer too. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
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
      check('catalog', () => deps.catalog.ping()),
      check('queue', () => deps.queue.ping()),
      check('storage', () => deps.media.head('readyz-probe')),
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
