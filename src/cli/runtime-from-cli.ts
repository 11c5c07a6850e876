import pino from 'pino';
import { loadConfig, type ConfigFlags } from '../config/config.ts';
import { openRuntime, type Runtime } from '../config/compose.ts';
import { PRIVATE_UMASK } from '../config/private-dir.ts';
import type { Logger } from '../core/ports/logger.ts';

export function makeLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid } }) as unknown as Logger;
}

/** Config from the environment and flags, then the runtime it describes. */
export async function runtimeFromCli(flags: ConfigFlags, quiet = false): Promise<Runtime> {
  const config = loadConfig(process.env, flags);
  // Everything this process (and its ffmpeg) creates is readable by the vodkit user alone.
  process.umask(PRIVATE_UMASK);
  const logger = makeLogger(quiet ? 'warn' : config.logLevel);
  return openRuntime(config, { logger });
}
