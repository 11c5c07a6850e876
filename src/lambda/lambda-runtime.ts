import pino from 'pino';
import type { AdapterOptions, Adapters } from '../config/assemble-adapters.ts';
import { buildAwsAdapters } from '../config/aws-adapters.ts';
import { buildCore, type Core } from '../config/build-core.ts';
import { coreSettings } from '../config/core-settings.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { systemClock, type Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import { resolveSecrets, type SecretReader } from './lambda-secrets.ts';

/**
 * Everything one function container runs on: the configuration, the core over the adapters it
 * names, and what the functions read beyond the core (the queue's batch delivery, the encoder's
 * events, the CDN signer). Built once per container (cold start) and kept.
 */
export interface LambdaRuntime {
  config: Config;
  core: Core;
  /** Set when the job queue delivers its jobs to a function in batches (SQS). */
  deliverJobBatch: Adapters['deliverJobBatch'];
  /** Set when the encode backend completes by event (MediaConvert). */
  readEncodeEvent: Adapters['readEncodeEvent'];
  /** What the HTTP app is given (the core, its settings, and the CDN signer when one is configured). */
  httpDeps: HttpDeps;
}

export interface LambdaRuntimeOptions {
  /** Reads the secrets VODKIT_SECRET_ARN and VODKIT_CDN_PRIVATE_KEY_SECRET name; default: Secrets Manager. */
  readSecret?: SecretReader;
  logger?: Logger;
  clock?: Clock;
  /** Default: buildAwsAdapters (the AWS family only); tests may give buildAdapters (every family). */
  buildAdapters?: (config: Config, options: AdapterOptions) => Promise<Adapters>;
}

/**
 * The ONE composition of every function: configuration from `env` → secrets (given directly, or
 * read from Secrets Manager) → the adapters it names (buildAwsAdapters: no native module, no
 * ffmpeg) → buildCore.
 */
export async function openLambdaRuntime(env: NodeJS.ProcessEnv, options: LambdaRuntimeOptions = {}): Promise<LambdaRuntime> {
  const config = loadConfig(env);
  const logger = options.logger ?? (pino({ level: config.logLevel }) as unknown as Logger);
  const clock = options.clock ?? systemClock;
  const { secret, cdnPrivateKey } = await resolveSecrets(config, options.readSecret);
  const build = options.buildAdapters ?? buildAwsAdapters;
  const adapters = await build(config, { logger, clock, secret, cdnPrivateKey });
  const core = buildCore(adapters, coreSettings(config, secret));
  return {
    config,
    core,
    deliverJobBatch: adapters.deliverJobBatch,
    readEncodeEvent: adapters.readEncodeEvent,
    // No response can stay open behind API Gateway: the event stream asks browsers to reconnect.
    httpDeps: { ...core, config: { ...config, eventStream: 'reconnect' } },
  };
}

/** Opens the runtime once and hands the same one to every later call (a failed opening is tried again). */
export function cachedRuntime(open: () => Promise<LambdaRuntime>): () => Promise<LambdaRuntime> {
  let opened: Promise<LambdaRuntime> | null = null;
  return () =>
    (opened ??= open().catch((err: unknown) => {
      opened = null;
      throw err;
    }));
}

/** The runtime of this container, from its environment (the one place a function reads it). */
export const containerRuntime = cachedRuntime(() => openLambdaRuntime(process.env));
