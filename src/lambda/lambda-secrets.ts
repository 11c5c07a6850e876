import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config/config.ts';
import { ValidationError } from '../core/errors.ts';

/** Reads a secret's text by its ARN or name (Secrets Manager in a deployment; a map in tests). */
export type SecretReader = (secretId: string) => Promise<string>;

/** The secrets a function needs, given directly or named by the configuration. */
export interface ResolvedSecrets {
  /** The installation secret (sessions, playback tokens, HLS keys). */
  secret: string;
  /** The PEM private key that signs CloudFront URLs and cookies, when a CDN is configured. */
  cdnPrivateKey?: string;
}

/**
 * The installation secret and the CDN's private key: VODKIT_SECRET / VODKIT_CDN_PRIVATE_KEY when
 * given, else read once (at a cold start) from the secrets VODKIT_SECRET_ARN /
 * VODKIT_CDN_PRIVATE_KEY_SECRET name.
 */
export async function resolveSecrets(config: Config, read: SecretReader = secretsManagerReader(config.awsRegion)): Promise<ResolvedSecrets> {
  const secret = config.secret ?? (config.secretArn ? (await read(config.secretArn)).trim() : undefined);
  if (!secret) throw new ValidationError('invalid configuration:\n  VODKIT_SECRET or VODKIT_SECRET_ARN: a function needs the installation secret');
  if (secret.length < 32) throw new ValidationError('invalid configuration:\n  VODKIT_SECRET_ARN: the secret must be at least 32 characters');
  const cdnPrivateKey = config.cdnPrivateKey ?? (config.cdnPrivateKeySecret ? await read(config.cdnPrivateKeySecret) : undefined);
  return { secret, cdnPrivateKey };
}

/** GetSecretValue of Secrets Manager (its string value). */
export function secretsManagerReader(region?: string): SecretReader {
  let client: SecretsManagerClient | null = null;
  return async (secretId) => {
    client ??= new SecretsManagerClient(region ? { region } : {});
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof out.SecretString !== 'string' || out.SecretString === '') {
      throw new ValidationError(`the secret ${secretId} has no text value`);
    }
    return out.SecretString;
  };
}
