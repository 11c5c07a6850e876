import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ValidationError } from '../core/errors.ts';

/** The externally visible base URL: VODKIT_PUBLIC_URL, or the scheme and host the request came to. */
export function publicBaseUrl(request: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '');
  return `${request.protocol}://${request.headers.host ?? `${request.hostname}`}`;
}

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ValidationError(`${where}${issue.message}`);
  }
  return parsed.data;
}
