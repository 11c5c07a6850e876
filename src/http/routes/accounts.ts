import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { AccountService } from '../../core/accounts/account-service.ts';
import { parseBody } from '../request-helpers.ts';

/** What these routes use. */
export type AccountDeps = DepsOf<'catalog' | 'clock' | 'passwords'>;

const role = z.enum(['admin', 'uploader', 'viewer']);
const password = z.string().min(1).max(1024);
const createBody = z.object({ email: z.email().max(254), role: role.default('uploader'), password: password.optional() }).strict();
const patchBody = z
  .object({ role: role.optional(), disabled: z.boolean().optional(), password: password.optional(), resetPassword: z.literal(true).optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change: give role, disabled, password or resetPassword');
const idParams = z.object({ id: z.string().min(1).max(100) });

/**
 * Accounts and API tokens.
 * - GET/POST /api/v1/users, PATCH/DELETE /api/v1/users/:id (admins): list; create with email, role
 *   and password (without one, a generated `temporaryPassword` is answered, shown once); change
 *   role, disable or enable, set a new password (`password`) or reset it (`resetPassword: true`
 *   answers a `temporaryPassword`, shown once); DELETE disables the account and revokes its API
 *   tokens. The last enabled admin cannot be disabled or demoted.
 * - POST /api/v1/tokens: a new API token acting for the caller; its `secret` is answered once.
 * - GET /api/v1/tokens: the caller's API tokens (admins: all, with their owner), without secrets;
 *   DELETE /api/v1/tokens/:id revokes one (own; admins any).
 */
export function registerAccountRoutes(app: FastifyInstance, deps: AccountDeps, auth: Authenticator): void {
  const accounts = new AccountService(deps);

  app.get('/api/v1/users', async (request) => {
    const p = await auth.require(request);
    return { items: await accounts.listUsers(p) };
  });

  app.post('/api/v1/users', async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const { user, temporaryPassword } = await accounts.createUser(p, parseBody(createBody, request.body));
    return reply.status(201).send(temporaryPassword === undefined ? user : { ...user, temporaryPassword });
  });

  app.patch('/api/v1/users/:id', async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const { id } = parseBody(idParams, request.params);
    const { user, temporaryPassword } = await accounts.updateUser(p, id, parseBody(patchBody, request.body));
    return temporaryPassword === undefined ? user : { ...user, temporaryPassword };
  });

  app.delete('/api/v1/users/:id', async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await accounts.removeUser(p, parseBody(idParams, request.params).id);
    return reply.status(204).send();
  });

  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/tokens',
    {
      schema: {
        description: 'Creates an API token acting for the caller. The secret is in this answer only; vodkit stores its hash.',
        body: z.object({ name: z.string().trim().min(1).max(100).meta({ description: 'A label to recognise the token by.' }) }).strict(),
      },
    },
    async (request, reply) => {
      const p = await auth.require(request);
      checkSameOrigin(request, p);
      return reply.status(201).send(await accounts.createToken(p, request.body.name));
    },
  );

  app.get('/api/v1/tokens', async (request) => {
    const p = await auth.require(request);
    return { items: await accounts.listTokens(p) };
  });

  app.delete('/api/v1/tokens/:id', async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await accounts.revokeToken(p, parseBody(idParams, request.params).id);
    return reply.status(204).send();
  });
}
