import { Readable, Transform } from 'node:stream';
import { apiErrorOf, isConnectionFailure, VodkitApiError, VodkitConnectionError } from './errors.ts';

/** A signed upload request as the API hands it out. */
export interface SignedPut {
  url: string;
  headers: Record<string, string>;
}

/**
 * Streams `size` bytes of `body` to a signed URL (never buffered), reporting the bytes handed to
 * the connection as they go. Resolves with the answer's ETag (quotes kept; '' when none). A
 * refusal throws VodkitApiError (the store's code and message), no answer VodkitConnectionError.
 */
export async function putSigned(
  doFetch: typeof fetch,
  request: SignedPut,
  body: Readable,
  size: number,
  options: { onSent?: (bytes: number) => void; signal?: AbortSignal } = {},
): Promise<string> {
  let sent = 0;
  const counted = body.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        options.onSent?.(sent);
        done(null, chunk);
      },
    }),
  );
  body.once('error', (err) => counted.destroy(err));
  let response: Response;
  try {
    response = await doFetch(request.url, {
      method: 'PUT',
      headers: { ...request.headers, 'Content-Length': String(size) },
      body: Readable.toWeb(counted) as ReadableStream<Uint8Array>,
      signal: options.signal,
      duplex: 'half',
    } as RequestInit);
  } catch (err) {
    body.destroy();
    if (options.signal?.aborted) throw options.signal.reason;
    if (isConnectionFailure(err)) throw new VodkitConnectionError(new URL(request.url).origin, { cause: err });
    throw err;
  }
  if (!response.ok) throw await apiErrorOf(response);
  await response.arrayBuffer().catch(() => undefined);
  return response.headers.get('ETag') ?? '';
}

/**
 * Whether sending a part again may work: no answer, a server fault, a timeout, too many requests,
 * or 403 (most often an expired signature: the part is signed again first).
 */
export function worthRetrying(err: unknown): boolean {
  if (err instanceof VodkitConnectionError) return true;
  return err instanceof VodkitApiError && (err.status >= 500 || err.status === 403 || err.status === 408 || err.status === 429);
}
