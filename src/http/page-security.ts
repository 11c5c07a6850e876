import type { FastifyReply } from 'fastify';

/** The Content-Security-Policy of the web app's pages, but for who may frame them. */
const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'";

/** A page's Content-Security-Policy; `frameAncestors` are CSP sources, or `'none'`. */
export function pageCsp(frameAncestors: string[]): string {
  return `${PAGE_POLICY}; frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`;
}

/** Sent with every response. */
export const BASE_SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

const framable = new WeakSet<FastifyReply>();

/**
 * Lets other sites frame this reply's page (the embeddable player): its policy names who may,
 * and it is sent without X-Frame-Options: DENY. Every other page may not be framed at all.
 */
export function allowFraming(reply: FastifyReply, frameAncestors: string[]): void {
  framable.add(reply);
  reply.header('Content-Security-Policy', pageCsp(frameAncestors));
}

export function isFramable(reply: FastifyReply): boolean {
  return framable.has(reply);
}
