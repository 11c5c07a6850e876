import { z } from 'zod';
import { errorSchema } from './error-schema.ts';

/** A JSON response with a description of its own, for a route's `response` map. */
export function json<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}

/** What each documented error status means, for the response's description. */
const MEANING = {
  400: 'The request is malformed or refused by the route schema (code ValidationError).',
  401: 'Signing in is required (code Unauthorized).',
  403: 'Signed in, but not allowed (code Forbidden).',
  404: 'No such resource, or not visible to the caller (code NotFound).',
  409: 'The resource is not in a state that allows this (code Conflict).',
  412: 'A precondition failed (code PreconditionFailed).',
  413: 'The body or upload is larger than allowed (code EntityTooLarge).',
  415: 'The content type is not accepted (code UnsupportedMedia).',
  416: 'The range is outside the file (code RangeNotSatisfiable).',
  429: 'Too many requests; Retry-After says when to try again (code RateLimited).',
  503: 'A dependency is unavailable right now; try again later.',
} as const;

export type ErrorStatus = keyof typeof MEANING;

/**
 * Response schemas for the error statuses a route documents, each the shared error shape:
 * `response: { 200: json('The video.', videoViewSchema), ...errorResponses(400, 401, 404) }`.
 */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S, ReturnType<typeof json<typeof errorSchema>>> {
  return Object.fromEntries(statuses.map((s) => [s, json(MEANING[s], errorSchema)])) as Record<S, ReturnType<typeof json<typeof errorSchema>>>;
}

/** A response without a body (204), described for the document. */
export function noContent(description: string) {
  return z.null().describe(description);
}
