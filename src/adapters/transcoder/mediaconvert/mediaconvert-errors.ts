import { AbortedError, NotFoundError, TransientError, UnsupportedMediaError, ValidationError, VodkitError } from '../../../core/errors.ts';

/**
 * Maps MediaConvert API errors (AWS SDK v3) to vodkit errors, with a sentence and the SDK error as
 * the cause:
 * - BadRequestException, UnprocessableEntityException: permanent. For CreateJob a ValidationError (the job's settings do not fit
 *   this source); for Probe an UnsupportedMediaError (the file is not media MediaConvert reads).
 * - NotFoundException: for Probe the source is gone (NotFoundError); for CreateJob the queue or
 *   role is missing, a deployment fault: transient, so the job is retried and then dead-lettered
 *   (and alarmed) rather than failing the user's video.
 * - ForbiddenException: the role or the caller lacks a permission, a deployment fault: transient,
 *   likewise.
 * - TooManyRequestsException, throttling, ServiceQuotaExceededException, ConflictException, 5xx and
 *   network failures: transient.
 * - An aborted call: AbortedError.
 */
export type MediaConvertCall = 'createJob' | 'probe';

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const TRANSIENT_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'InternalServerErrorException',
  'ServiceUnavailableException',
  'ConflictException',
  'ServiceQuotaExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

export function mapMediaConvertError(err: unknown, call: MediaConvertCall): Error {
  if (err instanceof VodkitError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const said = e.message ? withoutS3Uris(e.message) : name || 'no message';
  const cause = { cause: err };
  if (name === 'AbortError') return new AbortedError('the MediaConvert request was aborted', cause);
  if (name === 'BadRequestException' || name === 'UnprocessableEntityException' || ((status === 400 || status === 422) && !TRANSIENT_NAMES.has(name))) {
    return call === 'probe'
      ? withCause(new UnsupportedMediaError(`the file could not be read as video or audio: ${said}`), cause)
      : withCause(new ValidationError(`MediaConvert refused the job for this file: ${said}`), cause);
  }
  if (name === 'NotFoundException' || status === 404) {
    return call === 'probe'
      ? withCause(new NotFoundError('the uploaded file is gone: it was deleted before it could be read'), cause)
      : new TransientError(`MediaConvert could not find the queue or role of the job (check the deployment's configuration): ${said}`, cause);
  }
  if (name === 'ForbiddenException' || status === 403) {
    return new TransientError(`MediaConvert was not allowed to do this (check the IAM roles of the deployment): ${said}`, cause);
  }
  if (TRANSIENT_NAMES.has(name) || (status !== undefined && (status >= 500 || status === 429)) || status === undefined) {
    return new TransientError(`MediaConvert is unavailable: ${said}`, cause);
  }
  return new TransientError(`MediaConvert failed (HTTP ${status}): ${said}`, cause);
}

export function withoutS3Uris(text: string): string {
  return text.replace(/s3:\/\/[^\s\]\)'",]+/g, 'the file');
}

function withCause<E extends VodkitError>(error: E, options: { cause: unknown }): E {
  Object.defineProperty(error, 'cause', { value: options.cause, enumerable: false, writable: true, configurable: true });
  return error;
}
