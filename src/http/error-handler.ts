import type { FastifyError, FastifyInstance } from 'fastify';
import { VodkitError, RateLimitedError } from '../core/errors.ts';
import { frameworkError } from './framework-errors.ts';
import { validationMessage } from './openapi.ts';

/** The one place where error codes become HTTP status codes. */
const STATUS: Record<string, number> = {
  ValidationError: 400,
  UnsupportedMedia: 415,
  Unauthorized: 401,
  Forbidden: 403,
  SignatureDoesNotMatch: 403,
  AccessDenied: 403,
  NotFound: 404,
  Conflict: 409,
  PreconditionFailed: 412,
  EntityTooLarge: 413,
  RateLimited: 429,
  ToolMissing: 500,
  Transient: 503,
  Aborted: 503,
};

/** Local disk failures a user should hear about plainly (the disk is full, read-only or failing). */
const STORAGE_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  ENOSPC: { status: 507, code: 'InsufficientStorage', message: 'the server has no disk space left to store this; try again later' },
  EDQUOT: { status: 507, code: 'InsufficientStorage', message: 'the server has no disk space left to store this; try again later' },
  EROFS: { status: 503, code: 'StorageUnavailable', message: 'the server cannot write to its storage right now; try again later' },
  EIO: { status: 503, code: 'StorageUnavailable', message: 'the server cannot write to its storage right now; try again later' },
};

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof VodkitError) {
      const status = STATUS[err.code] ?? 500;
      if (err instanceof RateLimitedError) reply.header('Retry-After', String(err.retryAfterSec));
      if (status >= 500) request.log.error({ err }, 'request failed');
      return reply.status(status).send({ error: { code: err.code, message: status >= 500 && status !== 503 ? 'internal error' : err.message } });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send({ error: { code: 'ValidationError', message: validationMessage(fe) ?? fe.message } });
    }
    const refused = frameworkError(fe);
    if (refused) return reply.status(refused.status).send({ error: { code: refused.code, message: refused.message } });
    const storage = STORAGE_ERRORS[(err as NodeJS.ErrnoException).code ?? ''];
    if (storage) {
      request.log.error({ err }, 'storage failure');
      if (storage.status === 503) reply.header('Retry-After', '30');
      return reply.status(storage.status).send({ error: { code: storage.code, message: storage.message } });
    }
    request.log.error({ err }, 'unexpected error');
    return reply.status(500).send({ error: { code: 'InternalError', message: 'internal error' } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'NotFound', message: `no route for ${request.method} ${request.url.split('?')[0]}` } });
  });
}
