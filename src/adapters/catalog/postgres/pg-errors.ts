import { ConflictError, TransientError, ValidationError, errorMessage } from '../../../core/errors.ts';

/** "host:port" of a connection string, for error messages (never includes credentials). */
export function describeServer(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = decodeURIComponent(url.hostname) || url.searchParams.get('host') || 'localhost';
    const port = url.port || url.searchParams.get('port') || '5432';
    return `${host.replace(/^\[|\]$/g, '')}:${port}`;
  } catch {
    const host = /(?:^|\s)host=(\S+)/.exec(connectionString)?.[1] ?? 'localhost';
    const port = /(?:^|\s)port=(\d+)/.exec(connectionString)?.[1] ?? '5432';
    return `${host}:${port}`;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT',
]);

function codeOf(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}

/** True for failures to reach or stay connected to the server. */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (NETWORK_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  const msg = errorMessage(err);
  return /Connection terminated|timeout exceeded when trying to connect|connect ETIMEDOUT|Client has encountered a connection error/i.test(
    msg,
  );
}

function connectionDetail(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(errorMessage).join('; ');
  return errorMessage(err) || codeOf(err) || 'connection failed';
}

/**
 * Maps pg errors to vodkit errors: unreachable server → TransientError naming host:port,
 * unique violation → ConflictError (message from `conflict`, given the constraint name),
 * bad data → ValidationError, serialization/deadlock/overload → TransientError.
 */
export function mapPgError(err: unknown, server: string, conflict?: (constraint: string) => string): unknown {
  if (err instanceof ConflictError || err instanceof ValidationError || err instanceof TransientError) return err;
  const code = codeOf(err);
  if (code === '23505') {
    const constraint = String((err as { constraint?: unknown }).constraint ?? '');
    return new ConflictError(conflict ? conflict(constraint) : `Record already exists (${constraint || errorMessage(err)})`);
  }
  if (isConnectionError(err)) {
    return new TransientError(`Cannot reach PostgreSQL at ${server}: ${connectionDetail(err)}`, { cause: err });
  }
  if (code.startsWith('22')) return new ValidationError(`Value rejected by PostgreSQL: ${errorMessage(err)}`);
  if (code === '40001' || code === '40P01' || code === '55P03' || code.startsWith('53')) {
    return new TransientError(`PostgreSQL at ${server} could not complete the request, try again: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return err;
}
