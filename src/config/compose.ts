import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Passwords } from '../core/auth/passwords.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Encoding } from '../core/ports/encode-backend.ts';
import { systemClock, type Clock } from '../core/ports/clock.ts';
import { buildAdapters } from './build-adapters.ts';
import { buildCore, type Core } from './build-core.ts';
import { coreSettings } from './core-settings.ts';
import type { Config } from './config.ts';
import { ensurePrivateDir } from './private-dir.ts';
import type { StorageTarget } from './storage-url.ts';

/**
 * Everything a vodkit process runs on, from its configuration: the core (buildCore) over the
 * adapters the configuration names (buildAdapters), with the configuration itself.
 */
export { coreSettings };

export interface Runtime extends Core {
  config: Config;
  storage: StorageTarget;
}

export interface RuntimeOptions {
  logger: Logger;
  clock?: Clock;
  /** Wraps the probe and encode backend once built (tests observe or delay them). */
  wrapEncoding?: (encoding: Encoding) => Encoding;
  /** Password hashing; scrypt by default. */
  passwords?: Passwords;
}

export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  await ensurePrivateDir(config.dataDir, logger);
  const secret = config.secret ?? (await localSecret(config.dataDir));
  const adapters = await buildAdapters(config, { logger, clock, secret, wrapEncoding: options.wrapEncoding, passwords: options.passwords });
  const core = buildCore(adapters, coreSettings(config, secret));
  return { ...core, config, storage: adapters.storage };
}

/** A per-installation secret kept in the data dir (mode 0600) when VODKIT_SECRET is not set. */
async function localSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, 'secret.key');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('base64url');
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(() => {});
    return (await readFile(path, 'utf8')).trim();
  }
}
