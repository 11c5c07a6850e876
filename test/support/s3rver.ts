import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeTempDir } from './temp-dir.ts';

/**
 * An in-process s3rver 3.7 on 127.0.0.1 (random port) with its own temp folder and one bucket.
 *
 * s3rver 3.7.1 differs from S3 in ways that matter here:
 * - it has no ListParts and no AbortMultipartUpload (both answer MethodNotAllowed). This file adds
 *   both, as a middleware in front of s3rver's router that reads s3rver's own upload folder
 *   (`<bucket>/._S3rver_uploads/<uploadId>/`: a `key` file, and one file + `.md5` per part);
 * - ListObjectsV2 walks folders in readdir order, which is not sorted, while its continuation
 *   token means "start after this key": pages can drop keys. Worse, it makes continuation tokens
 *   with DES, which Node's OpenSSL 3 no longer has: every truncated listing fails with a 500.
 *   This file sorts s3rver's listing and answers ListObjectsV2 (without delimiter) itself, from
 *   s3rver's store, with base64url continuation tokens;
 * - it does not check SigV4 signatures, signed Content-Length, part ETags on completion or the
 *   5 MiB minimum part size, and its multipart ETag is the MD5 of the whole object, not
 *   `<md5 of md5s>-N`. Tests of those stay with the local-disk store, which enforces them;
 * - `Range: bytes=0-0` returns the whole object (it treats end 0 as absent);
 * - it answers a PUT once it has read the body, before the bytes are in the object's file, which it
 *   overwrites in place: a GET straight after may read an empty file. This file makes it store the
 *   object (temp file, then rename) before it answers.
 */
export interface S3rverHandle {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The folder s3rver stores buckets in. */
  directory: string;
  stop(): Promise<void>;
}

interface KoaContext {
  path: string;
  method: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface ListedObject {
  key: string;
  size: number;
  lastModifiedDate: Date;
  metadata: Record<string, string>;
}
interface ListResult {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface ListOptions {
  startAfter?: string;
  maxKeys?: number;
  prefix?: string;
  delimiter?: string;
}
interface StoredObject {
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  content: Buffer | Readable;
}
interface S3rverInstance {
  middleware: Middleware[];
  store: {
    listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
    putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
    getResourcePath(bucket: string, key: string, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  };
  httpServer?: Server;
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

/**
 * `port` (default: a free one) and `directory` (default: a new temp folder) let a test stop the
 * server and start it again on the same address and data. A `directory` given by the caller stays
 * the caller's: stop() leaves it in place.
 */
export async function startS3rver(options: { bucket?: string; port?: number; directory?: string } = {}): Promise<S3rverHandle> {
  const bucket = options.bucket ?? 'vodkit-test';
  const temp = options.directory ? { dir: options.directory, cleanup: async () => {} } : await makeTempDir('vodkit-s3rver-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: temp.dir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  sortListings(server);
  storeBeforeAnswering(server);
  server.middleware.unshift(multipartShim(temp.dir), listObjectsV2(server));
  let address: { address: string; port: number };
  try {
    address = await server.run();
  } catch (err) {
    await temp.cleanup();
    throw err;
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory: temp.dir,
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      await temp.cleanup();
    },
  };
}

/** ListParts (GET ?uploadId) and AbortMultipartUpload (DELETE ?uploadId), which s3rver lacks. */
function multipartShim(directory: string): Middleware {
  return async (ctx, next) => {
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    const uploadId = ctx.query.uploadId;
    if (!match || typeof uploadId !== 'string' || (ctx.method !== 'GET' && ctx.method !== 'DELETE')) {
      return next();
    }
    const bucket = decodeURIComponent(match[1]);
    const key = match[2].split('/').map(decodeURIComponent).join('/');
    const uploadDir = join(directory, bucket, '._S3rver_uploads', uploadId);
    const storedKey = /^[0-9a-f]+$/.test(uploadId) ? await readFile(join(uploadDir, 'key'), 'utf8').catch(() => null) : null;
    if (storedKey !== key) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = xml(
        `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escape(uploadId)}</UploadId></Error>`,
      );
      return;
    }
    if (ctx.method === 'DELETE') {
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = '';
      return;
    }
    const parts: string[] = [];
    const numbers = (await readdir(uploadDir)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    for (const n of numbers) {
      const info = await stat(join(uploadDir, String(n)));
      const md5 = await readFile(join(uploadDir, `${n}.md5`), 'utf8').catch(() => '');
      parts.push(
        `<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified>` +
          `<ETag>&quot;${escape(md5)}&quot;</ETag><Size>${info.size}</Size></Part>`,
      );
    }
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = xml(
      `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escape(bucket)}</Bucket>` +
        `<Key>${escape(key)}</Key><UploadId>${escape(uploadId)}</UploadId><MaxParts>10000</MaxParts>` +
        `<IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
    );
  };
}

/** ListObjectsV2 with working continuation tokens (delimiter listings are left to s3rver). */
function listObjectsV2(server: S3rverInstance): Middleware {
  return async (ctx, next) => {
    const match = /^\/([^/]+)\/?$/.exec(ctx.path);
    const q = (name: string): string | undefined => {
      const value = ctx.query[name];
      return typeof value === 'string' ? value : undefined;
    };
    if (!match || ctx.method !== 'GET' || q('list-type') !== '2' || q('delimiter')) return next();
    const bucket = decodeURIComponent(match[1]);
    const prefix = q('prefix') ?? '';
    const token = q('continuation-token');
    const startAfter = token ? Buffer.from(token, 'base64url').toString('utf8') : (q('start-after') ?? '');
    const maxKeys = Math.min(1000, Number(q('max-keys') ?? 1000));
    const result = await server.store.listObjects(bucket, { prefix, startAfter, maxKeys });
    const last = result.objects.at(-1);
    const contents = result.objects
      .map(
        (o) =>
          `<Contents><Key>${escape(o.key)}</Key><LastModified>${o.lastModifiedDate.toISOString()}</LastModified>` +
          `<ETag>${escape(o.metadata.etag ?? '')}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('');
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = xml(
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escape(bucket)}</Name>` +
        `<Prefix>${escape(prefix)}</Prefix><KeyCount>${result.objects.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
        `<IsTruncated>${result.isTruncated}</IsTruncated>` +
        (token ? `<ContinuationToken>${escape(token)}</ContinuationToken>` : '') +
        (result.isTruncated && last ? `<NextContinuationToken>${Buffer.from(last.key).toString('base64url')}</NextContinuationToken>` : '') +
        `${contents}</ListBucketResult>`,
    );
  };
}

/** Makes s3rver store an object's bytes (a temp file renamed into place) and metadata before it answers the PUT. */
function storeBeforeAnswering(server: S3rverInstance): void {
  const store = server.store;
  store.putObject = async (object) => {
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.part`;
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await pipeline(body, count, createWriteStream(temp));
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** Makes s3rver list in key order, so "start after the last key" pagination loses nothing. */
function sortListings(server: S3rverInstance): void {
  const store = server.store;
  const original = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const all = await original(bucket, { ...options, startAfter: undefined, maxKeys: Infinity });
    const startAfter = options.startAfter ?? '';
    const maxKeys = options.maxKeys ?? 1000;
    const byKey = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
    const sorted = all.objects.filter((o) => byKey(o.key, startAfter) > 0).sort((a, b) => byKey(a.key, b.key));
    return { objects: sorted.slice(0, maxKeys), commonPrefixes: all.commonPrefixes, isTruncated: sorted.length > maxKeys };
  };
}

function xml(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
