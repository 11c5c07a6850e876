import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { resolveSecrets } from '../../src/lambda/lambda-secrets.ts';
import { cloudFrontKeyPair } from './cloudfront-keys.ts';

const { privateKey } = cloudFrontKeyPair();
const ROLE = 'arn:aws:iam::111122223333:role/vodkit-mediaconvert';
const S3 = 's3://vodkit-bucket/?region=eu-west-1';
const base = { VODKIT_DATA_DIR: '/tmp/vodkit', VODKIT_SECRET: 'x'.repeat(40) };

function problems(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as Error).message;
  }
  return '';
}

describe('AWS settings', () => {
  it('reads the encoder, MediaConvert, region, CDN and secret settings of a function', () => {
    const config = loadConfig({
      ...base,
      VODKIT_STORAGE: S3,
      VODKIT_ENCODER: 'mediaconvert',
      VODKIT_MEDIACONVERT_ROLE_ARN: ROLE,
      VODKIT_MEDIACONVERT_QUEUE_ARN: 'arn:aws:mediaconvert:eu-west-1:111122223333:queues/Default',
      AWS_REGION: 'eu-west-1',
      VODKIT_CDN_URL: 'https://d111111abcdef8.cloudfront.net',
      VODKIT_CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      VODKIT_CDN_PRIVATE_KEY_SECRET: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:vodkit-cdn-key-AbCdEf',
      VODKIT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:vodkit-secret-AbCdEf',
    });
    expect(config).toMatchObject({
      encoder: 'mediaconvert',
      mediaConvertRoleArn: ROLE,
      awsRegion: 'eu-west-1',
      cdnUrl: 'https://d111111abcdef8.cloudfront.net',
      cdnKeyPairId: 'K2JCJMDEHXQW5F',
    });
    expect(loadConfig({ ...base, AWS_REGION: 'eu-west-1', VODKIT_AWS_REGION: 'us-east-2' }).awsRegion).toBe('us-east-2');
    expect(loadConfig(base).encoder).toBe('ffmpeg');
  });

  it('says what is missing when MediaConvert is chosen without a role or with storage that is not S3', () => {
    expect(problems({ VODKIT_STORAGE: S3, VODKIT_ENCODER: 'mediaconvert' })).toMatch(/VODKIT_MEDIACONVERT_ROLE_ARN: required when VODKIT_ENCODER is mediaconvert/);
    expect(problems({ VODKIT_ENCODER: 'mediaconvert', VODKIT_MEDIACONVERT_ROLE_ARN: ROLE })).toMatch(/VODKIT_STORAGE: MediaConvert reads and writes S3 only/);
    expect(problems({ VODKIT_ENCODER: 'handbrake' })).toMatch(/VODKIT_ENCODER/);
    expect(problems({ VODKIT_STORAGE: S3, VODKIT_ENCODER: 'mediaconvert', VODKIT_MEDIACONVERT_ROLE_ARN: 'vodkit-role' })).toMatch(/VODKIT_MEDIACONVERT_ROLE_ARN: an IAM role ARN/);
  });

  it('says what is missing when a CDN is named without its key pair, or a key without a CDN', () => {
    expect(problems({ VODKIT_CDN_URL: 'https://d111111abcdef8.cloudfront.net', VODKIT_CDN_PRIVATE_KEY: privateKey })).toMatch(/VODKIT_CDN_KEY_PAIR_ID: required/);
    expect(problems({ VODKIT_CDN_URL: 'https://d111111abcdef8.cloudfront.net', VODKIT_CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F' })).toMatch(
      /VODKIT_CDN_PRIVATE_KEY or VODKIT_CDN_PRIVATE_KEY_SECRET: required/,
    );
    expect(problems({ VODKIT_CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', VODKIT_CDN_PRIVATE_KEY: privateKey })).toMatch(/VODKIT_CDN_URL: required when a CDN key is given/);
    expect(problems({ VODKIT_CDN_URL: 'https://d111111abcdef8.cloudfront.net', VODKIT_CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', VODKIT_CDN_PRIVATE_KEY: 'not a key' })).toMatch(
      /VODKIT_CDN_PRIVATE_KEY: a PEM private key/,
    );
  });
});

describe('function secrets', () => {
  it('are given directly, or read once by the ARNs the configuration names', async () => {
    const direct = loadConfig({ ...base, VODKIT_CDN_URL: 'https://d1.cloudfront.net', VODKIT_CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', VODKIT_CDN_PRIVATE_KEY: privateKey });
    expect(await resolveSecrets(direct, async () => expect.unreachable('nothing to read'))).toEqual({ secret: 'x'.repeat(40), cdnPrivateKey: privateKey });

    const named = loadConfig({
      VODKIT_DATA_DIR: '/tmp/vodkit',
      VODKIT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:vodkit-secret-AbCdEf',
      VODKIT_CDN_URL: 'https://d1.cloudfront.net',
      VODKIT_CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      VODKIT_CDN_PRIVATE_KEY_SECRET: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:vodkit-cdn-key-AbCdEf',
    });
    const store: Record<string, string> = {
      [named.secretArn!]: `${'y'.repeat(44)}\n`,
      [named.cdnPrivateKeySecret!]: privateKey,
    };
    const asked: string[] = [];
    const read = async (id: string) => {
      asked.push(id);
      return store[id];
    };
    expect(await resolveSecrets(named, read)).toEqual({ secret: 'y'.repeat(44), cdnPrivateKey: privateKey });
    expect(asked.sort()).toEqual(Object.keys(store).sort());
  });

  it('a function without the installation secret does not start', async () => {
    await expect(resolveSecrets(loadConfig({ VODKIT_DATA_DIR: '/tmp/vodkit' }), async () => '')).rejects.toThrow(/VODKIT_SECRET or VODKIT_SECRET_ARN/);
    const short = loadConfig({ VODKIT_DATA_DIR: '/tmp/vodkit', VODKIT_SECRET_ARN: 'vodkit-secret' });
    await expect(resolveSecrets(short, async () => 'short')).rejects.toThrow(/at least 32 characters/);
  });
});
