import type { FastifyRequest } from 'fastify';

/** The externally visible base URL: VODKIT_PUBLIC_URL, or the scheme and host the request came to. */
export function publicBaseUrl(request: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '');
  return `${request.protocol}://${request.headers.host ?? `${request.hostname}`}`;
}
