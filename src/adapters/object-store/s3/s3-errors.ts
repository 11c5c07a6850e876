import {
  AccessDeniedError,
  EntityTooLargeError,
  NotFoundError,
  PreconditionFailedError,
  SignatureMismatchError,
  TransientError,
  ValidationError,
  VodkitError,
} from '../../../core/errors.ts';

/**
 * Maps AWS SDK v3 errors to vodkit errors: missing keys and uploads → NotFoundError, bad ranges
 * and part lists → ValidationError, throttling, 5xx and network failures (no HTTP answer) →
 * TransientError. Anything else (bad credentials, missing bucket…) is returned unchanged, so its
 * own message reaches the logs.
 */
interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  errors?: unknown[];
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'ThrottlingException',
  'Throttling',
]);

export function mapS3Error(err: unknown, key?: string): Error {
  if (err instanceof VodkitError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? '';
  const what = key === undefined ? 'the object' : JSON.stringify(key);
  const options = { cause: err };
  switch (name) {
    case 'NoSuchKey':
    case 'NotFound':
      return withCause(new NotFoundError(`No object with key ${what}`), options);
    case 'NoSuchUpload':
      return withCause(new NotFoundError('No such multipart upload: it does not exist, was completed or was aborted'), options);
    case 'InvalidRange':
      return withCause(new ValidationError(`Invalid range for ${what}: it starts past the end of the object`, { field: 'range' }), options);
    case 'InvalidPart':
    case 'InvalidPartOrder':
    case 'EntityTooSmall':
      return withCause(new ValidationError(`The multipart upload cannot be completed: ${e.message ?? name}`, { field: 'parts' }), options);
    case 'EntityTooLarge':
      return withCause(new EntityTooLargeError(e.message ?? 'The body is larger than allowed'), options);
    case 'SignatureDoesNotMatch':
      return withCause(new SignatureMismatchError(e.message ?? 'The request signature does not match'), options);
    case 'AccessDenied':
      return withCause(new AccessDeniedError(e.message ?? 'Access denied'), options);
    case 'PreconditionFailed':
      return withCause(new PreconditionFailedError(`The object ${what} was replaced: it is no longer the version asked for`), options);
  }
  if (TRANSIENT_NAMES.has(name)) return withCause(new TransientError(`Object store unavailable: ${e.message ?? name}`), options);
  if (status === 404) return withCause(new NotFoundError(`No object with key ${what}`), options);
  if (status === 412) return withCause(new PreconditionFailedError(`The object ${what} was replaced: it is no longer the version asked for`), options);
  if (status === 416) return withCause(new ValidationError(`Invalid range for ${what}`, { field: 'range' }), options);
  if (status !== undefined && (status >= 500 || status === 429)) {
    return withCause(new TransientError(`Object store unavailable (HTTP ${status}): ${e.message ?? name}`), options);
  }
  if (status === undefined && isNetworkError(e)) {
    return withCause(new TransientError(`Object store unreachable: ${e.message || e.code || name}`), options);
  }
  return err instanceof Error ? err : new TransientError(`Object store failed: ${String(err)}`);
}

function isNetworkError(e: SdkErrorLike): boolean {
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (Array.isArray(e.errors)) return e.errors.some((inner) => isNetworkError((inner ?? {}) as SdkErrorLike));
  return false;
}

function withCause<T extends Error>(error: T, options: { cause: unknown }): T {
  Object.defineProperty(error, 'cause', { value: options.cause, enumerable: false, configurable: true, writable: true });
  return error;
}
