import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DepsOf } from '../http-deps.ts';
import { errorMessage } from '../../core/errors.ts';

/** What these routes use. */
export type HealthDeps = DepsOf<'catalog' | 'queue' | 'media'>;

const readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.string()).meta({ description: 'Per dependency (catalog, queue, storage): "ok", or what went wrong.' }),
});

const liveSchema = { tags: ['health'], summary: 'Liveness', description: 'The process answers.', security: [], response: { 200: z.object({ status: z.literal('ok') }) } };
const readySchema = {
  tags: ['health'],
  summary: 'Readiness',
  description: 'The process and its dependencies (catalog, queue, storage) answer; 503 when one does not.',
  security: [],
  response: { 200: readiness, 503: readiness },
};

/** /healthz: the process answers. /readyz: its dependencies answer too. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', { schema: liveSchema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: readySchema }, async (_request, reply) => {
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
