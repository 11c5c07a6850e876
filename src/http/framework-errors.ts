import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Requests refused before vodkit's own code runs get vodkit's error shape too,
 * `{ "error": { "code", "message" } }`, never the framework's internal codes (FST_ERR_…):
 * - bodies Fastify's parsers refuse (not JSON, empty, malformed, too large): `frameworkError`;
 * - requests Node's HTTP parser refuses (`Content-Length: -1`, raw non-ASCII bytes in the path,
 *   a header block too large, a request that timed out): `answerClientError`, written on the
 *   socket itself since no request object exists.
 */

export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
}

const BODY_ERRORS: Record<string, ErrorAnswer> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UnsupportedMediaType',
    message: 'this endpoint takes a JSON body: send it with Content-Type: application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'ValidationError',
    message: 'the body is empty but Content-Type says JSON: send a JSON object, or no Content-Type',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'ValidationError', message: 'the body is not valid JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'EntityTooLarge', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BadRequest',
    message: 'the body is not as long as its Content-Length says',
  },
};

/** Codes for the other 4xx answers the framework gives on its own. */
const STATUS_NAMES: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  408: 'RequestTimeout',
  413: 'EntityTooLarge',
  414: 'UriTooLong',
  415: 'UnsupportedMediaType',
  431: 'HeadersTooLarge',
};

/**
 * vodkit's answer for an error Fastify raised itself (a 4xx with an FST_… code, or a JSON parse
 * error), or null when `err` is not one.
 */
export function frameworkError(err: { code?: string; statusCode?: number }): ErrorAnswer | null {
  const known = err.code === undefined ? undefined : BODY_ERRORS[err.code];
  if (known) return known;
  const status = err.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return null;
  const code = STATUS_NAMES[status] ?? 'BadRequest';
  return { status, code, message: `the request was refused: ${(STATUS_CODES[status] ?? 'bad request').toLowerCase()}` };
}

/** Answers a request Node's HTTP parser refused (the server's 'clientError'), then closes the connection. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket, headers: Record<string, string>): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const answer: ErrorAnswer =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? { status: 408, code: 'RequestTimeout', message: 'the request took too long to arrive' }
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? { status: 431, code: 'HeadersTooLarge', message: 'the request headers are too large' }
        : { status: 400, code: 'BadRequest', message: 'the request is not valid HTTP (its request line or headers are malformed)' };
  if (socket.writable) {
    const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
    const lines = [
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    // Closed once the answer is written, whatever the client does with its side.
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
  } else {
    socket.destroy();
  }
}
