import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { TransientError } from '../../../core/errors.ts';

/**
 * Uploads a Buffer or a stream of unknown length to S3 without holding the whole body:
 * the stream is cut into parts of `partSize` bytes; if it ends within the first part it is sent
 * as one PutObject, otherwise as a multipart upload (parts sent one after the other), which is
 * aborted if anything fails.
 */
export interface StreamUploadInput {
  client: S3Client;
  bucket: string;
  key: string;
  body: Readable | Buffer;
  partSize: number;
  contentType: string;
  cacheControl?: string;
}

export async function uploadStream(input: StreamUploadInput): Promise<{ etag: string; size: number }> {
  const { client, bucket, key, contentType, cacheControl } = input;
  if (Buffer.isBuffer(input.body)) return putOnce(input, input.body);

  const parts = chunksOf(input.body, input.partSize);
  const first = await parts.next();
  if (first.done) return putOnce(input, Buffer.alloc(0));
  const second = await parts.next();
  if (second.done) return putOnce(input, first.value);

  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType, CacheControl: cacheControl }),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new TransientError('The object store returned no upload id');
  try {
    const done: Array<{ PartNumber: number; ETag: string }> = [];
    let size = 0;
    const send = async (body: Buffer): Promise<void> => {
      const PartNumber = done.length + 1;
      const out = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: body, ContentLength: body.length }),
      );
      done.push({ PartNumber, ETag: out.ETag ?? '' });
      size += body.length;
    };
    await send(first.value);
    await send(second.value);
    for await (const part of parts) await send(part);
    const out = await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: done } }),
    );
    return { etag: out.ETag ?? '', size };
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}

async function putOnce(input: StreamUploadInput, body: Buffer): Promise<{ etag: string; size: number }> {
  const out = await input.client.send(
    new PutObjectCommand({
      Bucket: input.bucket,
      Key: input.key,
      Body: body,
      ContentLength: body.length,
      ContentType: input.contentType,
      CacheControl: input.cacheControl,
    }),
  );
  return { etag: out.ETag ?? '', size: body.length };
}

/**
 * Parts of exactly `size` bytes (the last one shorter), read from `stream` into two part buffers
 * filled in turn, so the memory is two parts whatever the size of the stream, with no garbage per
 * part. A yielded part stays intact until the generator has been resumed twice: uploadStream holds
 * the first two parts before it sends any, then sends each before it asks for the next.
 */
async function* chunksOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  let turn = 0;
  let filled = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    for (let at = 0; at < buf.length; ) {
      const n = Math.min(size - filled, buf.length - at);
      buf.copy(buffers[turn], filled, at, at + n);
      filled += n;
      at += n;
      if (filled === size) {
        yield buffers[turn];
        turn ^= 1;
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffers[turn].subarray(0, filled);
}
