import { Readable, Transform } from 'node:stream';
import { isConnectionFailure } from './errors.ts';

/** A signed upload request as the API hands it out. */
export interface SignedPut {
  url: string;
  headers: Record<string, string>;
}

/** A PUT to a signed URL that failed; `retryable` when sending it again may work. */
export class TransferError extends Error {
  constructor(
    message: string,
    /** 0: no answer (connection refused or lost). */
    readonly status: number,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}

/**
 * Streams `size` bytes of `body` to a signed URL (never buffered), reporting the bytes handed to
 * the connection as they go. Resolves with the answer's ETag (quotes kept; '' when none).
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
    if (isConnectionFailure(err)) throw new TransferError('the connection to the storage server was lost', 0, true);
    throw err;
  }
  if (response.ok) {
    await response.arrayBuffer().catch(() => undefined);
    return response.headers.get('ETag') ?? '';
  }
  const text = await response.text().catch(() => '');
  // 403 is most often an expired signature: signing again and retrying fixes it.
  const retryable = response.status >= 500 || response.status === 403 || response.status === 408 || response.status === 429;
  throw new TransferError(storeMessage(text) ?? `the storage server answered ${response.status}`, response.status, retryable);
}

/** The message of a store's error body: vodkit's JSON shape or S3's XML. */
function storeMessage(text: string): string | null {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : null;
  } catch {
    return /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? null;
  }
}
