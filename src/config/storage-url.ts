import { ValidationError } from '../core/errors.ts';

export type StorageTarget =
  | { kind: 'file'; root: string }
  | { kind: 's3'; bucket: string; prefix: string; region: string; endpoint?: string; forcePathStyle: boolean; publicUrl?: string };

/**
 * VODKIT_STORAGE:
 *   file:///absolute/path
 *   s3://bucket/optional/prefix?region=us-east-1&endpoint=http://127.0.0.1:9000&forcePathStyle=true&publicUrl=https://cdn.example.com
 * S3 credentials come from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID, profiles, roles).
 */
export function parseStorageUrl(value: string): StorageTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`VODKIT_STORAGE: "${value}" is not a URL (file:///path or s3://bucket/prefix)`);
  }
  if (url.protocol === 'file:') return { kind: 'file', root: decodeURIComponent(url.pathname) };
  if (url.protocol === 's3:') {
    if (!url.hostname) throw new ValidationError('VODKIT_STORAGE: s3:// URL needs a bucket name');
    const prefix = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    const q = url.searchParams;
    return {
      kind: 's3',
      bucket: url.hostname,
      prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
      region: q.get('region') ?? 'us-east-1',
      endpoint: q.get('endpoint') ?? undefined,
      forcePathStyle: q.get('forcePathStyle') === 'true' || q.has('endpoint'),
      publicUrl: q.get('publicUrl') ?? undefined,
    };
  }
  throw new ValidationError(`VODKIT_STORAGE: unsupported scheme "${url.protocol}" (use file:// or s3://)`);
}

export type DatabaseTarget =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema?: string }
  | { kind: 'dynamodb'; table: string; region?: string; endpoint?: string };

/**
 * sqlite:///path, or postgres://user@host:5432/db[?schema=name] (schema: vodkit's tables live there),
 * or a DynamoDB table: dynamodb://<table>[?region=eu-west-1][&endpoint=http://127.0.0.1:8000] (endpoint:
 * a local DynamoDB or dynalite; credentials come from the AWS SDK's usual chain).
 */
export function parseDatabaseUrl(value: string): DatabaseTarget {
  if (value.startsWith('sqlite://')) return { kind: 'sqlite', path: value.slice('sqlite://'.length) };
  if (value.startsWith('dynamodb://')) return parseDynamoDbUrl(value);
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    const url = new URL(value);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ValidationError(`VODKIT_DATABASE_URL: schema "${schema}" must be lower-case letters, digits and _`);
    }
    return { kind: 'postgres', url: url.toString(), schema };
  }
  throw new ValidationError(`VODKIT_DATABASE_URL: "${value}" is neither sqlite:///path nor postgres://... nor dynamodb://<table>`);
}

const DYNAMODB_TABLE = /^[A-Za-z0-9_.-]{3,255}$/;

function parseDynamoDbUrl(value: string): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`VODKIT_DATABASE_URL: "${value}" is not a URL (dynamodb://<table>?region=...)`);
  }
  const table = url.host;
  if (!DYNAMODB_TABLE.test(table) || (url.pathname !== '' && url.pathname !== '/') || url.username || url.password) {
    throw new ValidationError('VODKIT_DATABASE_URL: dynamodb://<table> needs a table name of 3 to 255 letters, digits, "_", "-" or "."');
  }
  const q = url.searchParams;
  for (const key of q.keys()) {
    if (key !== 'region' && key !== 'endpoint') throw new ValidationError(`VODKIT_DATABASE_URL: unknown dynamodb:// option "${key}" (region, endpoint)`);
  }
  const region = q.get('region') || undefined;
  if (region !== undefined && !/^[a-z0-9-]{1,32}$/.test(region)) {
    throw new ValidationError(`VODKIT_DATABASE_URL: "${region}" is not an AWS region (e.g. eu-west-1)`);
  }
  const endpoint = q.get('endpoint') || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/?#\s]+\/?$/.test(endpoint)) {
    throw new ValidationError(`VODKIT_DATABASE_URL: endpoint "${endpoint}" must be http(s)://host:port`);
  }
  return { kind: 'dynamodb', table, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}

export type QueueTarget =
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string; prefix?: string }
  | { kind: 'sqs'; queueUrl: string; region?: string; endpoint?: string };

/**
 * sqlite:///path, or redis://host:6379[/db][?prefix=name] (prefix of every Redis key, default "vodkit"),
 * or an SQS FIFO queue: sqs+https://sqs.<region>.amazonaws.com/<account>/<name>.fifo (region from the
 * host), or sqs+http://127.0.0.1:<port>/<account>/<name>.fifo[?region=...] for a local emulator
 * (requests go to that host; `&endpoint=http://127.0.0.1:<port>` sends them there when the queue
 * URL the emulator issued names another host).
 */
export function parseQueueUrl(value: string): QueueTarget {
  if (value.startsWith('sqlite://')) return { kind: 'sqlite', path: value.slice('sqlite://'.length) };
  if (value.startsWith('redis://') || value.startsWith('rediss://')) {
    const url = new URL(value);
    const prefix = url.searchParams.get('prefix') ?? undefined;
    url.searchParams.delete('prefix');
    return { kind: 'redis', url: url.toString(), prefix };
  }
  if (value.startsWith('sqs+https://') || value.startsWith('sqs+http://')) return parseSqsQueueUrl(value);
  throw new ValidationError(`VODKIT_QUEUE_URL: "${value}" is neither sqlite:///path nor redis://... nor sqs+https://...`);
}

function parseSqsQueueUrl(value: string): QueueTarget {
  let url: URL;
  try {
    url = new URL(value.slice('sqs+'.length));
  } catch {
    throw new ValidationError(`VODKIT_QUEUE_URL: "${value}" is not a URL (sqs+https://sqs.<region>.amazonaws.com/<account>/<name>.fifo)`);
  }
  const path = url.pathname.split('/').filter(Boolean);
  if (path.length !== 2 || !path[1].endsWith('.fifo')) {
    throw new ValidationError('VODKIT_QUEUE_URL: an SQS queue URL ends with /<account>/<name>.fifo (a FIFO queue)');
  }
  const region = url.searchParams.get('region') ?? /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
  const aws = /\.amazonaws\.com(\.cn)?$/.test(url.hostname);
  if (aws && url.protocol !== 'https:') throw new ValidationError('VODKIT_QUEUE_URL: an AWS SQS queue URL must use sqs+https://');
  const queueUrl = `${url.protocol}//${url.host}/${path.join('/')}`;
  const endpoint = url.searchParams.get('endpoint') ?? (aws ? undefined : `${url.protocol}//${url.host}`);
  return { kind: 'sqs', queueUrl, region, endpoint };
}
