/**
 * Every error vodkit raises on purpose is a VodkitError with a stable `code`.
 * The HTTP layer maps codes to status codes in one place (src/http/error-handler.ts);
 * the job runner treats `permanent` errors as final (no retry).
 */
export abstract class VodkitError extends Error {
  abstract readonly code: string;
  /** True when retrying cannot help (bad input, missing record, policy refusal). */
  readonly permanent: boolean = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request or input is malformed; the message says what to fix. */
export class ValidationError extends VodkitError {
  readonly code = 'ValidationError';
  constructor(message: string, readonly details?: unknown) {
    super(message);
  }
}

export class NotFoundError extends VodkitError {
  readonly code = 'NotFound';
}

export class ConflictError extends VodkitError {
  readonly code = 'Conflict';
}

/** No credentials, or credentials that are not valid. */
export class UnauthorizedError extends VodkitError {
  readonly code = 'Unauthorized';
}

/** Valid credentials that do not allow this action. */
export class ForbiddenError extends VodkitError {
  readonly code = 'Forbidden';
}

/** A signed URL whose signed parts were changed (S3: SignatureDoesNotMatch). */
export class SignatureMismatchError extends VodkitError {
  readonly code = 'SignatureDoesNotMatch';
}

/** A signed URL past its expiry, or otherwise refused (S3: AccessDenied). */
export class AccessDeniedError extends VodkitError {
  readonly code = 'AccessDenied';
}

/** A body larger than the signed or configured maximum (S3: EntityTooLarge). */
export class EntityTooLargeError extends VodkitError {
  readonly code = 'EntityTooLarge';
}

/** An object is no longer the version that was asked for: it was replaced (S3: PreconditionFailed). */
export class PreconditionFailedError extends VodkitError {
  readonly code = 'PreconditionFailed';
}

/** The uploaded file is not media vodkit can use: never retried. */
export class UnsupportedMediaError extends VodkitError {
  readonly code = 'UnsupportedMedia';
}

export class RateLimitedError extends VodkitError {
  readonly code = 'RateLimited';
  constructor(message: string, readonly retryAfterSec: number) {
    super(message);
  }
}

/** A dependency failed in a way that may pass (network, disk, crash): retried. */
export class TransientError extends VodkitError {
  readonly code = 'Transient';
  override readonly permanent = false;
}

/** The work was aborted on purpose (video deleted, shutdown). */
export class AbortedError extends VodkitError {
  readonly code = 'Aborted';
  override readonly permanent = false;
}

/** Work that went past its time limit (a job's timeout): not retried, the limit would be hit again. */
export class TimeoutError extends VodkitError {
  readonly code = 'Timeout';
}

/** A job failed on every attempt it was allowed; the message says why the last one failed. */
export class AttemptsExhaustedError extends VodkitError {
  readonly code = 'AttemptsExhausted';
}

/** ffmpeg / ffprobe is not installed or not runnable. */
export class ToolMissingError extends VodkitError {
  readonly code = 'ToolMissing';
}

/** What was asked cannot work with the adapters configured (e.g. a worker on a queue with none). */
export class ConfigurationError extends VodkitError {
  readonly code = 'Configuration';
}

export function isPermanent(err: unknown): boolean {
  return err instanceof VodkitError && err.permanent;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
