import { TransientError, ValidationError, errorMessage } from '../../../core/errors.ts';

/** How the DynamoDB catalog tells DynamoDB's errors apart and turns them into vodkit errors. */

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string'
    ? (err as { name: string }).name
    : '';
}

/** A write's ConditionExpression did not hold. */
export function isConditionFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'LimitExceededException',
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
]);

function isTransient(err: unknown): boolean {
  const name = errorName(err);
  if (TRANSIENT.has(name)) return true;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && TRANSIENT.has(code)) return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

/**
 * Throttling, server errors, network failures and a missing table become TransientError; an
 * item or key over DynamoDB's size limits becomes ValidationError; anything else is returned as is.
 */
export function mapDynamoError(err: unknown): unknown {
  if (errorName(err) === 'ValidationException' && /size/i.test(errorMessage(err))) {
    return new ValidationError('The record or its id is larger than DynamoDB allows (400 KB per item, about 1000 bytes per id)');
  }
  if (isTransient(err)) {
    return new TransientError(`The DynamoDB catalog is busy or unavailable: ${errorMessage(err)}`, { cause: err });
  }
  if (errorName(err) === 'ResourceNotFoundException') {
    return new TransientError(`The DynamoDB catalog table cannot be reached: ${errorMessage(err)}`, { cause: err });
  }
  return err;
}
