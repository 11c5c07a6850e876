import { resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import { parsePlaybackKeys } from '../core/auth/playback-keys.ts';

/**
 * vodkit's whole configuration, read once from the environment and command-line flags and
 * validated here. Nothing else in the code reads process.env.
 */
const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const schema = z.object({
  dataDir: z.string().min(1),
  host: z.string().min(1),
  port,
  publicUrl: z.url().optional(),
  storage: z.string().min(1),
  databaseUrl: z.string().min(1),
  queueUrl: z.string().min(1),
  ffmpegPath: z.string().optional(),
  ffprobePath: z.string().optional(),
  segmentSeconds: z.coerce.number().int().min(1).max(30),
  /** Ladders of videos at least two chunks long are split into chunks of about this many seconds, encoded as separate jobs; 0: never. */
  chunkSeconds: z.coerce.number().int().min(0).max(3600),
  maxUploadBytes: z.coerce.number().int().positive(),
  uploadUrlTtlSec: z.coerce.number().int().min(10).max(7 * 24 * 3600),
  partSizeBytes: z.coerce.number().int().min(5 * 1024 * 1024).max(5 * 1024 * 1024 * 1024),
  playbackTokenTtlSec: z.coerce.number().int().min(30).max(7 * 24 * 3600),
  workerConcurrency: z.coerce.number().int().min(0).max(64),
  runWorker: bool,
  secret: z.string().min(32, 'VODKIT_SECRET must be at least 32 characters').optional(),
  webhookSecret: z.string().min(16, 'VODKIT_WEBHOOK_SECRET must be at least 16 characters').optional(),
  /** Outgoing webhooks may reach internal addresses (loopback, private networks, link-local). */
  webhookAllowPrivate: bool,
  /** Seconds between attempts of a failed outgoing webhook, the last repeating. */
  webhookRetrySec: z
    .string()
    .transform((s) => s.split(',').map((d) => Number(d.trim())))
    .pipe(z.array(z.number().positive().max(7 * 24 * 3600)).min(1, 'at least one delay')),
  /** An outgoing webhook not delivered this many seconds after its event is given up. */
  webhookGiveUpSec: z.coerce.number().positive().max(30 * 24 * 3600),
  corsOrigins: z.string().transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
  /** Who may frame the player (/embed/<id>): CSP frame-ancestors sources, `*` for any site. */
  embedOrigins: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(\*|https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$/, 'VODKIT_EMBED_ORIGINS: each entry is * or an origin such as https://blog.example.com'))),
  /** Every ladder also makes a downloadable MP4, unless the video says otherwise. */
  downloads: bool,
  /** Fit each ladder's CRF and rate caps to its source's content (a quick sampled analysis; ffmpeg encoder only). */
  perTitle: bool,
  x264Preset: z.enum(['superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  jobMaxAttempts: z.coerce.number().int().min(1).max(20),
  jobLeaseMs: z.coerce.number().int().min(1000).max(3_600_000),
  mediaDelivery: z.enum(['proxy', 'redirect', 'x-accel-redirect']),
  /** Memory for small media files held whole (segments, images), MiB; 0 = read every request from the store. */
  mediaCacheMiB: z.coerce.number().int().min(0).max(65536),
  /** nginx's internal location that maps to the media folder (VODKIT_MEDIA_DELIVERY=x-accel-redirect). */
  mediaAccelPrefix: z.string().regex(/^(\/[A-Za-z0-9._~-]+)+\/?$/, "VODKIT_MEDIA_ACCEL_PREFIX must be a path such as /_vodkit_media"),
  jobTimeoutMinSec: z.coerce.number().min(1).max(7 * 24 * 3600),
  jobTimeoutFactor: z.coerce.number().min(0).max(1000),
  uploadGraceSec: z.coerce.number().int().min(0).max(7 * 24 * 3600),
  maintenanceIntervalSec: z.coerce.number().int().min(0).max(24 * 3600),
  shutdownGraceSec: z.coerce.number().min(0).max(3600),
  metricsPort: port.optional(),
  playbackKeys: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      try {
        return parsePlaybackKeys(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  oidcIssuer: z.url().optional(),
  oidcAudience: z.string().min(1).optional(),
  oidcRoleClaim: z.string().regex(/^[A-Za-z0-9_:.\/-]{1,100}$/, 'a claim name, or a dotted path such as realm_access.roles').optional(),
  uploadRateLimit: z.coerce.number().int().min(0).max(1_000_000),
  loginRateLimit: z.coerce.number().int().min(0).max(1_000_000),
  headersTimeoutSec: z.coerce.number().min(0.1).max(3600),
  bodyTimeoutSec: z.coerce.number().min(0).max(3600),
  keepAliveTimeoutSec: z.coerce.number().min(0.1).max(3600),
  encoder: z.enum(['ffmpeg', 'mediaconvert']),
  mediaConvertRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)').optional(),
  mediaConvertQueueArn: z.string().regex(/^arn:aws[a-z-]*:mediaconvert:[a-z0-9-]+:\d{12}:queues\/\S+$/, 'a MediaConvert queue ARN').optional(),
  awsRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1').optional(),
  cdnUrl: z.url().optional(),
  cdnKeyPairId: z.string().regex(/^[A-Z0-9]{8,64}$/, 'the ID of a CloudFront public key (capital letters and digits)').optional(),
  cdnPrivateKey: z.string().includes('PRIVATE KEY', { message: 'a PEM private key' }).optional(),
  cdnPrivateKeySecret: z.string().min(1).optional(),
  secretArn: z.string().min(1).optional(),
});

export type Config = z.infer<typeof schema>;

/** Flags given on the command line win over the environment, which wins over defaults. */
export type ConfigFlags = Partial<Record<keyof Config, string | number | boolean | undefined>>;

const ENV: Record<keyof Config, string> = {
  dataDir: 'VODKIT_DATA_DIR',
  host: 'VODKIT_HOST',
  port: 'VODKIT_PORT',
  publicUrl: 'VODKIT_PUBLIC_URL',
  storage: 'VODKIT_STORAGE',
  databaseUrl: 'VODKIT_DATABASE_URL',
  queueUrl: 'VODKIT_QUEUE_URL',
  ffmpegPath: 'VODKIT_FFMPEG',
  ffprobePath: 'VODKIT_FFPROBE',
  segmentSeconds: 'VODKIT_SEGMENT_SECONDS',
  chunkSeconds: 'VODKIT_CHUNK_SECONDS',
  maxUploadBytes: 'VODKIT_MAX_UPLOAD_BYTES',
  uploadUrlTtlSec: 'VODKIT_UPLOAD_URL_TTL',
  partSizeBytes: 'VODKIT_PART_SIZE',
  playbackTokenTtlSec: 'VODKIT_PLAYBACK_TOKEN_TTL',
  workerConcurrency: 'VODKIT_WORKER_CONCURRENCY',
  runWorker: 'VODKIT_WORKER',
  secret: 'VODKIT_SECRET',
  webhookSecret: 'VODKIT_WEBHOOK_SECRET',
  webhookAllowPrivate: 'VODKIT_WEBHOOK_ALLOW_PRIVATE',
  webhookRetrySec: 'VODKIT_WEBHOOK_RETRY',
  webhookGiveUpSec: 'VODKIT_WEBHOOK_GIVE_UP',
  corsOrigins: 'VODKIT_CORS_ORIGINS',
  embedOrigins: 'VODKIT_EMBED_ORIGINS',
  downloads: 'VODKIT_DOWNLOADS',
  perTitle: 'VODKIT_PER_TITLE',
  x264Preset: 'VODKIT_X264_PRESET',
  logLevel: 'VODKIT_LOG_LEVEL',
  jobMaxAttempts: 'VODKIT_JOB_MAX_ATTEMPTS',
  jobLeaseMs: 'VODKIT_JOB_LEASE_MS',
  mediaDelivery: 'VODKIT_MEDIA_DELIVERY',
  mediaCacheMiB: 'VODKIT_MEDIA_CACHE_MIB',
  mediaAccelPrefix: 'VODKIT_MEDIA_ACCEL_PREFIX',
  jobTimeoutMinSec: 'VODKIT_JOB_TIMEOUT_MIN',
  jobTimeoutFactor: 'VODKIT_JOB_TIMEOUT_FACTOR',
  uploadGraceSec: 'VODKIT_UPLOAD_GRACE',
  maintenanceIntervalSec: 'VODKIT_MAINTENANCE_INTERVAL',
  shutdownGraceSec: 'VODKIT_SHUTDOWN_GRACE',
  metricsPort: 'VODKIT_METRICS_PORT',
  playbackKeys: 'VODKIT_PLAYBACK_KEYS',
  oidcIssuer: 'VODKIT_OIDC_ISSUER',
  oidcAudience: 'VODKIT_OIDC_AUDIENCE',
  oidcRoleClaim: 'VODKIT_OIDC_ROLE_CLAIM',
  uploadRateLimit: 'VODKIT_UPLOAD_RATE_LIMIT',
  loginRateLimit: 'VODKIT_LOGIN_RATE_LIMIT',
  headersTimeoutSec: 'VODKIT_HEADERS_TIMEOUT',
  bodyTimeoutSec: 'VODKIT_BODY_TIMEOUT',
  keepAliveTimeoutSec: 'VODKIT_KEEPALIVE_TIMEOUT',
  encoder: 'VODKIT_ENCODER',
  mediaConvertRoleArn: 'VODKIT_MEDIACONVERT_ROLE_ARN',
  mediaConvertQueueArn: 'VODKIT_MEDIACONVERT_QUEUE_ARN',
  awsRegion: 'VODKIT_AWS_REGION',
  cdnUrl: 'VODKIT_CDN_URL',
  cdnKeyPairId: 'VODKIT_CDN_KEY_PAIR_ID',
  cdnPrivateKey: 'VODKIT_CDN_PRIVATE_KEY',
  cdnPrivateKeySecret: 'VODKIT_CDN_PRIVATE_KEY_SECRET',
  secretArn: 'VODKIT_SECRET_ARN',
};

export const CONFIG_ENV_NAMES = ENV;

export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}): Config {
  const pick = (k: keyof Config) => {
    const flag = flags[k];
    if (flag !== undefined) return String(flag);
    const value = env[ENV[k]];
    return value === undefined || value === '' ? undefined : value;
  };
  const dataDir = resolve(pick('dataDir') ?? './data');
  const queueDefault = pick('databaseUrl')?.startsWith('postgres') ? undefined : `sqlite://${resolve(dataDir, 'queue.db')}`;
  const raw = {
    dataDir,
    host: pick('host') ?? '127.0.0.1',
    port: pick('port') ?? '8080',
    publicUrl: pick('publicUrl'),
    storage: pick('storage') ?? `file://${resolve(dataDir, 'objects')}`,
    databaseUrl: pick('databaseUrl') ?? `sqlite://${resolve(dataDir, 'vodkit.db')}`,
    queueUrl: pick('queueUrl') ?? queueDefault ?? `sqlite://${resolve(dataDir, 'queue.db')}`,
    ffmpegPath: pick('ffmpegPath'),
    ffprobePath: pick('ffprobePath'),
    segmentSeconds: pick('segmentSeconds') ?? '4',
    chunkSeconds: pick('chunkSeconds') ?? '150',
    maxUploadBytes: pick('maxUploadBytes') ?? String(20 * 1024 ** 3),
    uploadUrlTtlSec: pick('uploadUrlTtlSec') ?? '3600',
    partSizeBytes: pick('partSizeBytes') ?? String(8 * 1024 * 1024),
    playbackTokenTtlSec: pick('playbackTokenTtlSec') ?? '21600',
    workerConcurrency: pick('workerConcurrency') ?? '1',
    runWorker: pick('runWorker') ?? 'true',
    secret: pick('secret'),
    webhookSecret: pick('webhookSecret'),
    webhookAllowPrivate: pick('webhookAllowPrivate') ?? 'false',
    webhookRetrySec: pick('webhookRetrySec') ?? '10,30,120,600,3600,10800,21600,43200',
    webhookGiveUpSec: pick('webhookGiveUpSec') ?? '86400',
    corsOrigins: pick('corsOrigins') ?? '',
    embedOrigins: pick('embedOrigins') ?? '*',
    downloads: pick('downloads') ?? 'false',
    perTitle: pick('perTitle') ?? 'true',
    x264Preset: pick('x264Preset') ?? 'veryfast',
    logLevel: pick('logLevel') ?? 'info',
    jobMaxAttempts: pick('jobMaxAttempts') ?? '3',
    jobLeaseMs: pick('jobLeaseMs') ?? '30000',
    mediaDelivery: pick('mediaDelivery') ?? 'proxy',
    mediaCacheMiB: pick('mediaCacheMiB') ?? '64',
    mediaAccelPrefix: pick('mediaAccelPrefix') ?? '/_vodkit_media',
    // A job may run max(jobTimeoutMinSec, jobTimeoutFactor x the video's duration).
    jobTimeoutMinSec: pick('jobTimeoutMinSec') ?? '600',
    jobTimeoutFactor: pick('jobTimeoutFactor') ?? '20',
    // Uploads still incomplete this long after their URL expired are removed.
    uploadGraceSec: pick('uploadGraceSec') ?? '3600',
    maintenanceIntervalSec: pick('maintenanceIntervalSec') ?? '300',
    shutdownGraceSec: pick('shutdownGraceSec') ?? '20',
    metricsPort: pick('metricsPort'),
    playbackKeys: pick('playbackKeys'),
    oidcIssuer: pick('oidcIssuer'),
    oidcAudience: pick('oidcAudience'),
    oidcRoleClaim: pick('oidcRoleClaim'),
    uploadRateLimit: pick('uploadRateLimit') ?? '60',
    loginRateLimit: pick('loginRateLimit') ?? '10',
    // Slow clients: headers within this many seconds; a body with no progress for this long is cut.
    headersTimeoutSec: pick('headersTimeoutSec') ?? '30',
    bodyTimeoutSec: pick('bodyTimeoutSec') ?? '30',
    keepAliveTimeoutSec: pick('keepAliveTimeoutSec') ?? '72',
    encoder: pick('encoder') ?? 'ffmpeg',
    mediaConvertRoleArn: pick('mediaConvertRoleArn'),
    mediaConvertQueueArn: pick('mediaConvertQueueArn'),
    // The region a Lambda function runs in is given to it as AWS_REGION.
    awsRegion: pick('awsRegion') ?? (env.AWS_REGION || undefined),
    cdnUrl: pick('cdnUrl'),
    cdnKeyPairId: pick('cdnKeyPairId'),
    cdnPrivateKey: pick('cdnPrivateKey'),
    cdnPrivateKeySecret: pick('cdnPrivateKeySecret'),
    secretArn: pick('secretArn'),
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = i.path[0] as keyof Config;
      return `  ${ENV[key] ?? key}: ${i.message}`;
    });
    throw new ValidationError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const problems = combinationProblems(parsed.data);
  if (problems.length > 0) throw new ValidationError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return parsed.data;
}

/** Settings that are valid one by one but not together. */
function combinationProblems(c: Config): string[] {
  const problems: string[] = [];
  if (c.oidcIssuer && !c.oidcAudience) problems.push(`${ENV.oidcAudience}: required when ${ENV.oidcIssuer} is set`);
  if (c.encoder === 'mediaconvert') {
    if (!c.mediaConvertRoleArn) problems.push(`${ENV.mediaConvertRoleArn}: required when ${ENV.encoder} is mediaconvert (the role MediaConvert reads and writes the bucket with)`);
    if (!c.storage.startsWith('s3://')) problems.push(`${ENV.storage}: MediaConvert reads and writes S3 only; use s3://<bucket>/ when ${ENV.encoder} is mediaconvert`);
  }
  if (c.cdnUrl) {
    if (!c.cdnKeyPairId) problems.push(`${ENV.cdnKeyPairId}: required when ${ENV.cdnUrl} is set (the CDN's media URLs are signed)`);
    if (!c.cdnPrivateKey && !c.cdnPrivateKeySecret) problems.push(`${ENV.cdnPrivateKey} or ${ENV.cdnPrivateKeySecret}: required when ${ENV.cdnUrl} is set (the key that signs its media URLs)`);
  } else if (c.cdnKeyPairId || c.cdnPrivateKey || c.cdnPrivateKeySecret) {
    problems.push(`${ENV.cdnUrl}: required when a CDN key is given (the address the signed media URLs point at)`);
  }
  return problems;
}
