import { createCipheriv } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TransientError, ValidationError } from '../../../core/errors.ts';
import { PLAYLIST_FILE } from './ffmpeg-args.ts';

export interface SegmentEncryption {
  /** 16-byte AES-128 key. */
  key: Buffer;
  /** URI written in EXT-X-KEY, relative to the media playlist or absolute. */
  keyUri: string;
}

/**
 * HLS AES-128 of one finished rendition folder: every media segment is encrypted whole
 * (AES-128-CBC, PKCS#7 padding, IV = the segment's media sequence number as a 16-byte big-endian
 * integer, the HLS default when EXT-X-KEY has no IV), and `#EXT-X-KEY:METHOD=AES-128,URI="..."`
 * is written after EXT-X-MAP, so the init segment stays in the clear (it holds no media). Files are
 * replaced through temp names; the key is never written to disk.
 */
export async function encryptRendition(outputDir: string, folder: string, enc: SegmentEncryption, signal?: AbortSignal): Promise<void> {
  if (enc.key.length !== 16) throw new ValidationError('an AES-128 key is 16 bytes');
  if (/["\r\n]/.test(enc.keyUri)) throw new ValidationError('the key URI must not contain quotes or line breaks');
  const path = join(outputDir, folder, PLAYLIST_FILE);
  const text = await readFile(path, 'utf8');
  if (text.includes('#EXT-X-KEY')) throw new TransientError(`the playlist of ${folder} is already encrypted`);
  const lines = text.split('\n');
  const sequence = Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(text)?.[1] ?? 0);
  const segments = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const [i, uri] of segments.entries()) {
    const rel = posix.normalize(posix.join(folder, uri));
    if (rel.startsWith('..') || posix.isAbsolute(uri) || uri.includes(':')) {
      throw new TransientError(`ffmpeg wrote an unexpected segment reference: ${uri}`);
    }
    await encryptFile(join(outputDir, rel), enc.key, ivFor(sequence + i), signal);
  }
  const keyLine = `#EXT-X-KEY:METHOD=AES-128,URI="${enc.keyUri}"`;
  const mapAt = lines.findIndex((l) => l.startsWith('#EXT-X-MAP:'));
  const firstInf = lines.findIndex((l) => l.startsWith('#EXTINF:'));
  const at = mapAt >= 0 ? mapAt + 1 : firstInf >= 0 ? firstInf : lines.length;
  lines.splice(at, 0, keyLine);
  await writeFile(`${path}.tmp`, lines.join('\n'));
  await rename(`${path}.tmp`, path);
}

/** The default HLS IV of a segment: its media sequence number, 16 bytes big-endian. */
export function ivFor(sequenceNumber: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(sequenceNumber), 8);
  return iv;
}

async function encryptFile(path: string, key: Buffer, iv: Buffer, signal?: AbortSignal): Promise<void> {
  const tmp = `${path}.enc.tmp`;
  try {
    await pipeline(createReadStream(path), createCipheriv('aes-128-cbc', key, iv), createWriteStream(tmp), { signal });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}
