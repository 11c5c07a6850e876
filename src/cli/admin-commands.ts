import type { Command } from 'commander';
import { newApiTokenSecret, hashApiToken } from '../core/auth/api-tokens.ts';
import { checkPasswordStrength, hashPassword } from '../core/auth/passwords.ts';
import { ValidationError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Role } from '../core/model/user.ts';
import { dataDirOption } from './options.ts';
import { runtimeFromCli } from './runtime-from-cli.ts';

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
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
