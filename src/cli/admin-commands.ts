import type { Command } from 'commander';
import { AccountService } from '../core/accounts/account-service.ts';
import { ADMIN_TOKEN_PRINCIPAL } from '../core/access/principal.ts';
import { newApiTokenSecret, hashApiToken } from '../core/auth/api-tokens.ts';
import { checkPasswordStrength, hashPassword } from '../core/auth/passwords.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Role } from '../core/model/user.ts';
import { dataDirOption } from './options.ts';
import { runtimeFromCli } from './runtime-from-cli.ts';
import { table } from './table.ts';

export function registerAdminCommands(program: Command): void {
  const tokens = program.command('tokens').description('API tokens for scripts (Authorization: Bearer <token>)');
  tokens
    .command('create')
    .description('create an API token and print it (shown once; stored hashed)')
    .addOption(dataDirOption())
    .option('--name <name>', 'a label to recognise the token by', 'cli')
    .option('--user <email>', 'act as this user (default: an admin token)')
    .action(async (opts) => {
      const rt = await runtimeFromCli({ dataDir: opts.dataDir }, true);
      try {
        let userId: string | null = null;
        if (opts.user) {
          const user = await rt.catalog.getUserByEmail(opts.user);
          if (!user) throw new ValidationError(`no user ${opts.user}`);
          userId = user.id;
        }
        const secret = newApiTokenSecret();
        await rt.catalog.createApiToken({
          id: newId(),
          name: String(opts.name),
          tokenHash: hashApiToken(secret),
          userId,
          createdAt: rt.clock.now().toISOString(),
          lastUsedAt: null,
        });
        process.stdout.write(`${secret}\n`);
      } finally {
        await rt.close();
      }
    });
  tokens
    .command('list')
    .description('list API tokens: id, name, owner, created, last used (never the secret)')
    .addOption(dataDirOption())
    .action(async (opts) => {
      await withAccounts(opts.dataDir, async (accounts) => {
        const rows = (await accounts.listTokens(ADMIN_TOKEN_PRINCIPAL)).map((t) => [t.id, t.name, t.ownerEmail ?? '(admin)', t.createdAt, t.lastUsedAt ?? 'never']);
        process.stdout.write(table(['ID', 'NAME', 'OWNER', 'CREATED', 'LAST USED'], rows));
      });
    });
  tokens
    .command('revoke <id>')
    .description('revoke an API token at once')
    .addOption(dataDirOption())
    .action(async (id: string, opts) => {
      await withAccounts(opts.dataDir, async (accounts) => {
        await accounts.revokeToken(ADMIN_TOKEN_PRINCIPAL, id);
        process.stdout.write(`revoked token ${id}\n`);
      });
    });

  const users = program.command('users').description('accounts for the web app and the API');
  users
    .command('create <email>')
    .description('create a user; the password is read from standard input')
    .addOption(dataDirOption())
    .option('--admin', 'make the user an admin (same as --role admin)')
    .option('--role <role>', 'admin, uploader or viewer', 'uploader')
    .option('--password-stdin', 'read the password from standard input (required)')
    .action(async (email: string, opts) => {
      if (!opts.passwordStdin) throw new ValidationError('pass --password-stdin and the password on standard input');
      const role: Role = opts.admin ? 'admin' : opts.role;
      if (!['admin', 'uploader', 'viewer'].includes(role)) throw new ValidationError('--role must be admin, uploader or viewer');
      const password = (await readStdin()).replace(/\r?\n$/, '');
      const weak = checkPasswordStrength(password);
      if (weak) throw new ValidationError(weak);
      const rt = await runtimeFromCli({ dataDir: opts.dataDir }, true);
      try {
        const user = await rt.catalog.createUser({
          id: newId(),
          email: email.toLowerCase(),
          passwordHash: await hashPassword(password),
          role,
          disabled: false,
          createdAt: rt.clock.now().toISOString(),
        });
        process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
      } finally {
        await rt.close();
      }
    });
  users
    .command('list')
    .description('list users: id, e-mail, role, whether disabled, created')
    .addOption(dataDirOption())
    .action(async (opts) => {
      await withAccounts(opts.dataDir, async (accounts) => {
        const rows = (await accounts.listUsers(ADMIN_TOKEN_PRINCIPAL)).map((u) => [u.id, u.email, u.role, u.disabled ? 'disabled' : 'enabled', u.createdAt]);
        process.stdout.write(table(['ID', 'EMAIL', 'ROLE', 'STATE', 'CREATED'], rows));
      });
    });
  users
    .command('disable <email>')
    .description('disable a user: their sessions and API tokens stop working at once (--enable to undo)')
    .addOption(dataDirOption())
    .option('--enable', 'enable the user again instead')
    .action(async (email: string, opts) => {
      await withAccounts(opts.dataDir, async (accounts, rt) => {
        const user = await findUser(rt, email);
        await accounts.updateUser(ADMIN_TOKEN_PRINCIPAL, user.id, { disabled: !opts.enable });
        process.stdout.write(`${opts.enable ? 'enabled' : 'disabled'} ${user.email}\n`);
      });
    });
  users
    .command('reset-password <email>')
    .description('set a new password read from standard input, or print a temporary one (shown once)')
    .addOption(dataDirOption())
    .option('--password-stdin', 'read the new password from standard input')
    .action(async (email: string, opts) => {
      const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
      await withAccounts(opts.dataDir, async (accounts, rt) => {
        const user = await findUser(rt, email);
        const { temporaryPassword } = await accounts.updateUser(ADMIN_TOKEN_PRINCIPAL, user.id, password === undefined ? { resetPassword: true } : { password });
        process.stdout.write(temporaryPassword === undefined ? `password of ${user.email} changed\n` : `${temporaryPassword}\n`);
      });
    });
}

type CliRuntime = Awaited<ReturnType<typeof runtimeFromCli>>;

/** Runs `work` with the account service of a runtime opened for it; the CLI acts as an admin. */
async function withAccounts(dataDir: string | undefined, work: (accounts: AccountService, rt: CliRuntime) => Promise<void>): Promise<void> {
  const rt = await runtimeFromCli({ dataDir }, true);
  try {
    await work(new AccountService({ catalog: rt.catalog, clock: rt.clock, passwords: rt.passwords }), rt);
  } finally {
    await rt.close();
  }
}

async function findUser(rt: CliRuntime, email: string) {
  const user = await rt.catalog.getUserByEmail(email.toLowerCase());
  if (!user) throw new NotFoundError(`no user ${email}`);
  return user;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
