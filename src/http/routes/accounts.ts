import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DepsOf } from '../http-deps.ts';
import type { Authenticator } from '../auth.ts';
import { checkSameOrigin } from '../auth.ts';
import { AccountService } from '../../core/accounts/account-service.ts';
import { errorResponses, json, noContent } from '../schemas/responses.ts';

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

const user = z
  .object({
    id: z.string(),
    email: z.string(),
    role,
    disabled: z.boolean(),
    createdAt: z.string(),
    hasPassword: z.boolean().meta({ description: 'False for accounts that only sign in through an external identity provider.' }),
  })
  .meta({ id: 'User' });
const userWithPassword = user.extend({
  temporaryPassword: z.string().optional().meta({ description: 'A generated password, in this answer only (no password given, or resetPassword).' }),
});
const token = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    userId: z.string().nullable().meta({ description: 'The user it acts for; null for an admin token made from the CLI.' }),
    ownerEmail: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });
const users = ['users'];
const tokens = ['tokens'];

const listUsersSchema = { tags: users, summary: 'List users (admins)', response: { 200: z.object({ items: z.array(user) }), ...errorResponses(401, 403) } };
const createUserSchema = {
  tags: users,
  summary: 'Create a user (admins)',
  description: 'Without a password, a generated `temporaryPassword` is answered, shown once.',
  body: createBody,
  response: { 201: json('The user.', userWithPassword), ...errorResponses(400, 401, 403, 409) },
};
const updateUserSchema = {
  tags: users,
  summary: 'Change a user (admins)',
  description:
    'Change the role, disable or enable, set a new password (`password`) or reset it (`resetPassword: true` answers a `temporaryPassword`, shown once). The last enabled admin cannot be disabled or demoted.',
  params: idParams,
  body: patchBody,
  response: { 200: userWithPassword, ...errorResponses(400, 401, 403, 404, 409) },
};
const removeUserSchema = {
  tags: users,
  summary: 'Disable a user and revoke its API tokens (admins)',
  params: idParams,
  response: { 204: noContent('Disabled.'), ...errorResponses(401, 403, 404, 409) },
};
const createTokenSchema = {
  tags: tokens,
  summary: 'Create an API token',
  description: 'Creates an API token acting for the caller. The secret is in this answer only; vodkit stores its hash.',
  body: z.object({ name: z.string().trim().min(1).max(100).meta({ description: 'A label to recognise the token by.' }) }).strict(),
  response: {
    201: json('The token, and its secret (shown this once).', z.object({ token, secret: z.string().meta({ description: 'Send as `Authorization: Bearer <secret>`.' }) })),
    ...errorResponses(400, 401, 403),
  },
};
const listTokensSchema = {
  tags: tokens,
  summary: 'List API tokens',
  description: "The caller's own tokens; an admin sees every token, with its owner. Never their secrets.",
  response: { 200: z.object({ items: z.array(token) }), ...errorResponses(401) },
};
const revokeTokenSchema = {
  tags: tokens,
  summary: 'Revoke an API token',
  description: "The caller's own; an admin any.",
  params: idParams,
  response: { 204: noContent('Revoked.'), ...errorResponses(401, 403, 404) },
};

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
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/users', { schema: listUsersSchema }, async (request) => {
    const p = await auth.require(request);
    return { items: await accounts.listUsers(p) };
  });

  api.post('/api/v1/users', { schema: createUserSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const { user, temporaryPassword } = await accounts.createUser(p, request.body);
    return reply.status(201).send(temporaryPassword === undefined ? user : { ...user, temporaryPassword });
  });

  api.patch('/api/v1/users/:id', { schema: updateUserSchema }, async (request) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    const { user, temporaryPassword } = await accounts.updateUser(p, request.params.id, request.body);
    return temporaryPassword === undefined ? user : { ...user, temporaryPassword };
  });

  api.delete('/api/v1/users/:id', { schema: removeUserSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await accounts.removeUser(p, request.params.id);
    return reply.status(204).send(null);
  });

  api.post('/api/v1/tokens', { schema: createTokenSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    return reply.status(201).send(await accounts.createToken(p, request.body.name));
  });

  api.get('/api/v1/tokens', { schema: listTokensSchema }, async (request) => {
    const p = await auth.require(request);
    return { items: await accounts.listTokens(p) };
  });

  api.delete('/api/v1/tokens/:id', { schema: revokeTokenSchema }, async (request, reply) => {
    const p = await auth.require(request);
    checkSameOrigin(request, p);
    await accounts.revokeToken(p, request.params.id);
    return reply.status(204).send(null);
  });
}
