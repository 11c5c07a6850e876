import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DepsOf } from '../http-deps.ts';
import { Authenticator } from '../auth.ts';
import { checkPasswordStrength } from '../../core/auth/passwords.ts';
import { ConflictError, UnauthorizedError, ValidationError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { parseBody } from '../request-helpers.ts';
import { enforceRateLimit, type RateLimit } from '../rate-limit.ts';

/** What these routes use. */
export type SessionDeps = DepsOf<'rateLimiter' | 'catalog' | 'passwords' | 'clock', 'loginRateLimit' | 'publicUrl'>;

const credentials = z.object({ email: z.email().max(254), password: z.string().min(1).max(1024) });

/**
 * Web sign-in: POST /api/v1/session sets an httpOnly SameSite=Strict cookie; DELETE signs out;
 * GET /api/v1/me says who is signed in. POST /api/v1/setup creates the first admin, once.
 */
export function registerSessionRoutes(app: FastifyInstance, deps: SessionDeps, auth: Authenticator): void {
  const logins: RateLimit = { limit: deps.config.loginRateLimit, windowMs: 60_000, what: 'sign-in attempts' };
  const secure = deps.config.publicUrl?.startsWith('https:') ?? false;

  app.post('/api/v1/session', async (request, reply) => {
    await enforceRateLimit(deps.rateLimiter, `sign-in:${request.ip}`, logins);
    const body = parseBody(credentials, request.body);
    const user = await deps.catalog.getUserByEmail(body.email);
    // Checked whoever it is (an unknown e-mail, a disabled account or one without a password
    // cost the same scrypt work), so the answer's timing does not tell which accounts exist.
    const ok = await deps.passwords.verify(body.password, user?.passwordHash ?? null);
    if (!user || !ok || user.disabled) throw new UnauthorizedError('wrong email or password');
    reply.header('Set-Cookie', auth.sessionCookie(user.id, secure));
    return { user: { id: user.id, email: user.email, role: user.role } };
  });

  app.delete('/api/v1/session', async (_request, reply) => {
    reply.header('Set-Cookie', Authenticator.clearCookie());
    return reply.status(204).send();
  });

  app.get('/api/v1/me', async (request) => {
    const p = await auth.principal(request).catch(() => null);
    const needsSetup = (await deps.catalog.countUsers()) === 0;
    if (!p) return { user: null, needsSetup };
    const user = p.userId ? await deps.catalog.getUser(p.userId) : null;
    return { user: user ? { id: user.id, email: user.email, role: user.role } : { id: null, email: null, role: p.role }, needsSetup };
  });

  // The first admin is created only if the catalog has no user at that very moment (one atomic
  // catalog step), so of concurrent setups, or a setup racing `vodkit users create`, one wins.
  app.post('/api/v1/setup', async (request, reply) => {
    const body = parseBody(credentials, request.body);
    const done = () => new ConflictError('setup is already done; sign in instead');
    if ((await deps.catalog.countUsers()) > 0) throw done();
    const weak = checkPasswordStrength(body.password);
    if (weak) throw new ValidationError(weak);
    const user = await deps.catalog.createFirstUser({
      id: newId(),
      email: body.email.toLowerCase(),
      passwordHash: await deps.passwords.hash(body.password),
      role: 'admin',
      disabled: false,
      createdAt: deps.clock.now().toISOString(),
    });
    if (!user) throw done();
    reply.header('Set-Cookie', auth.sessionCookie(user.id, secure));
    return reply.status(201).send({ user: { id: user.id, email: user.email, role: user.role } });
  });
}
