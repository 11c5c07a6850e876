import { fileTypeFromBuffer } from 'file-type';

/**
 * The content type an upload's bytes show, from their signatures (the file-type library), so
 * that the type a client declared, which is only a hint, is never what vodkit keeps.
 */

/** How many leading bytes `detectContentType` looks at (file-type's sample size). */
export const CONTENT_TYPE_HEAD_BYTES = 4100;

/** What is kept when the bytes match no known signature (ffprobe may still read them). */
export const UNKNOWN_BYTES_TYPE = 'application/octet-stream';

/** The MIME type of the file whose first bytes are `head`, or application/octet-stream. */
export async function detectContentType(head: Uint8Array): Promise<string> {
  if (head.length === 0) return UNKNOWN_BYTES_TYPE;
  // Its parsers read untrusted bytes: one that throws on a malformed header means "unknown".
  const found = await fileTypeFromBuffer(head).catch(() => undefined);
  return found?.mime ?? UNKNOWN_BYTES_TYPE;
}
