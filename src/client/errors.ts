/**
 * A refusal or failure the vodkit API answered: its HTTP status and the stable `code` and `message`
 * of its `{ error: { code, message } }` body.
 */
export class VodkitApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VodkitApiError';
  }
}

/** The server could not be reached at all (refused, unknown host, connection lost). */
export class VodkitConnectionError extends Error {
  constructor(
    readonly baseUrl: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the server at ${baseUrl}${causeText(options?.cause)}`, options);
    this.name = 'VodkitConnectionError';
  }
}

/** The video's processing failed; `retryable` is false when its file is the cause. */
export class VideoFailedError extends Error {
  constructor(
    readonly videoId: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'VideoFailedError';
  }
}

/** The error of a non-2xx answer, from its body when it has vodkit's (or S3's) error shape. */
export async function apiErrorOf(response: Response): Promise<VodkitApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') return new VodkitApiError(response.status, error.code, error.message);
  // An S3-compatible store's XML error (a signed upload sent straight to the store).
  const [code, message] = [/<Code>([^<]*)<\/Code>/.exec(text)?.[1], /<Message>([^<]*)<\/Message>/.exec(text)?.[1]];
  if (code && message) return new VodkitApiError(response.status, code, message);
  return new VodkitApiError(response.status, `Http${response.status}`, `the server answered ${response.status} ${response.statusText}`.trim());
}

/** True for what fetch throws when no answer came (as opposed to an abort). */
export function isConnectionFailure(err: unknown): boolean {
  return err instanceof TypeError && !(err as { name?: string }).name?.startsWith('Abort');
}

function causeText(cause: unknown): string {
  const code = (cause as { cause?: { code?: unknown } } | null)?.cause?.code ?? (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? ` (${code})` : '';
}
