import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import { Authenticator } from '../auth.ts';
import { checkPasswordStrength } from '../../core/auth/passwords.ts';
import { ConflictError, UnauthorizedError, ValidationError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { errorResponses, json, noContent } from '../schemas/responses.ts';
import { enforceRateLimit, type RateLimit } from '../rate-limit.ts';

/** What these routes use. */
export type SessionDeps = DepsOf<'rateLimiter' | 'catalog' | 'passwords' | 'clock', 'loginRateLimit' | 'publicUrl'>;

const credentials = z.object({ email: z.email().max(254), password: z.string().min(1).max(1024) });
const role = z.enum(['admin', 'uploader', 'viewer']);
const signedIn = z.object({ user: z.object({ id: z.string(), email: z.string(), role }) });
const tags = ['session'];

const signInSchema = {
  tags,
  summary: 'Sign in',
  description: 'Checks the e-mail and password and sets the session cookie (httpOnly, SameSite=Strict) the web app uses.',
  security: [],
  body: credentials,
  response: { 200: json('Signed in; the session cookie is set.', signedIn), ...errorResponses(400, 401, 429) },
};
const signOutSchema = { tags, summary: 'Sign out', description: 'Clears the session cookie.', security: [], response: { 204: noContent('Signed out.') } };
const meSchema = {
  tags,
  summary: 'Who is signed in',
  description: 'The signed-in user (null when nobody is; an admin API token acting for no user has a null id and e-mail), and whether setup is still to be done.',
  response: {
    200: z.object({
      user: z.object({ id: z.string().nullable(), email: z.string().nullable(), role }).nullable(),
      needsSetup: z.boolean().meta({ description: 'True until the first admin is created (POST /api/v1/setup).' }),
    }),
  },
};
const setupSchema = {
  tags,
  summary: 'Create the first admin',
  description: 'Only while the installation has no user: creates an admin with this e-mail and password, and signs in as it.',
  security: [],
  body: credentials,
  response: { 201: json('The admin is created and signed in.', signedIn), ...errorResponses(400, 409) },
};

/**
 * Web sign-in: POST /api/v1/session sets an httpOnly SameSite=Strict cookie; DELETE signs out;
 * GET /api/v1/me says who is signed in. POST /api/v1/setup creates the first admin, once.
 */
export function registerSessionRoutes(app: FastifyInstance, deps: SessionDeps, auth: Authenticator): void {
  const logins: RateLimit = { limit: deps.config.loginRateLimit, windowMs: 60_000, what: 'sign-in attempts' };
  const secure = deps.config.publicUrl?.startsWith('https:') ?? false;

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/api/v1/session', { schema: signInSchema }, async (request, reply) => {
    await enforceRateLimit(deps.rateLimiter, `sign-in:${request.ip}`, logins);
    const body = request.body;
    const user = await deps.catalog.getUserByEmail(body.email);
    // Checked whoever it is (an unknown e-mail, a disabled account or one without a password
    // cost the same scrypt work), so the answer's timing does not tell which accounts exist.
    const ok = await deps.passwords.verify(body.password, user?.passwordHash ?? null);
    if (!user || !ok || user.disabled) throw new UnauthorizedError('wrong email or password');
    reply.header('Set-Cookie', auth.sessionCookie(user.id, secure));
    return { user: { id: user.id, email: user.email, role: user.role } };
  });

  api.delete('/api/v1/session', { schema: signOutSchema }, async (_request, reply) => {
    reply.header('Set-Cookie', Authenticator.clearCookie());
    return reply.status(204).send(null);
  });

  api.get('/api/v1/me', { schema: meSchema }, async (request) => {
    const p = await auth.principal(request).catch(() => null);
    const needsSetup = (await deps.catalog.countUsers()) === 0;
    if (!p) return { user: null, needsSetup };
    const user = p.userId ? await deps.catalog.getUser(p.userId) : null;
    return { user: user ? { id: user.id, email: user.email, role: user.role } : { id: null, email: null, role: p.role }, needsSetup };
  });

  // The first admin is created only if the catalog has no user at that very moment (one atomic
  // catalog step), so of concurrent setups, or a setup racing `vodkit users create`, one wins.
  api.post('/api/v1/setup', { schema: setupSchema }, async (request, reply) => {
    const body = request.body;
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
